"""What the multitask sequence classifier and regressor share: skorch over ragged dialogues."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from ..sequences import RaggedSequences
from ..utils import (
    InvalidParameterError,
    Options,
    StrictInterval,
    StrOptions,
    VersionedStateMixin,
    check_feature_names,
    check_finite,
    check_parameters,
    check_ragged,
)
from ._batching import DialogueBatches, PaddedDialogues

__all__ = ["TrainingDivergedError"]

_PREDICT_CHUNK = 64  # dialogues per forward pass at prediction time


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite."""


class EpochProgressBar(Callback):
    """A tqdm bar over epochs showing the last training loss."""

    def on_train_begin(self, net: Any, **kwargs: Any) -> None:
        self.bar_ = tqdm(total=net.max_epochs, desc=type(net).__name__, unit="epoch")

    def on_epoch_end(self, net: Any, **kwargs: Any) -> None:
        self.bar_.set_postfix(train_loss=f"{net.history[-1, 'train_loss']:.4f}")
        self.bar_.update(1)

    def on_train_end(self, net: Any, **kwargs: Any) -> None:
        self.bar_.close()


@contextmanager
def _torch_threads(n_threads: int | None) -> Iterator[None]:
    """Temporarily set torch's intra-op threads (None leaves the process setting)."""
    if n_threads is None:
        yield
        return
    previous = torch.get_num_threads()
    torch.set_num_threads(int(n_threads))
    try:
        yield
    finally:
        torch.set_num_threads(previous)


class _MultitaskSequenceNet(VersionedStateMixin, NeuralNet):
    """skorch plumbing of the multitask networks over :class:`RaggedSequences`.

    Subclasses say what the heads predict: :meth:`_module_kwargs`,
    :meth:`_criterion_kwargs`, :meth:`_encode_y`, :meth:`_exchange_targets`,
    ``_target_dtype`` and ``_fitted_attribute``. Everything else (padding once
    per fit, seeding, thread control, divergence checks, chunked prediction)
    is the same for classification and regression.
    """

    _target_dtype: ClassVar[torch.dtype] = torch.int64
    _fitted_attribute: ClassVar[str] = "classes_"

    # ------------------------------------------------------------ skorch hooks
    def get_default_callbacks(self) -> list[tuple[str, Callback]]:
        callbacks = list(self._default_callbacks)
        if self.progress_bar:
            callbacks.append(("progress_bar", EpochProgressBar()))
        return callbacks

    def _module_kwargs(self) -> dict[str, Any]:
        raise NotImplementedError

    def _criterion_kwargs(self) -> dict[str, Any]:
        return {"alpha": self.alpha}

    def initialize_module(self) -> _MultitaskSequenceNet:
        kwargs = {
            "input_size": self.n_features_in_,
            "cell": self.cell,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "head_size": self.head_size,
            **self._module_kwargs(),
        }
        kwargs.update(self.get_params_for("module"))
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def initialize_criterion(self) -> _MultitaskSequenceNet:
        kwargs = self._criterion_kwargs()
        kwargs.update(self.get_params_for("criterion"))
        self.criterion_ = self.initialized_instance(self.criterion, kwargs)
        return self

    def get_dataset(self, X: Any, y: Any = None) -> PaddedDialogues:
        if isinstance(X, PaddedDialogues):
            return X
        raise TypeError("fit() builds the padded dataset; pass X as RaggedSequences.")

    def get_iterator(self, dataset: Any, training: bool = False) -> DialogueBatches:
        kwargs = self.get_params_for("iterator_train" if training else "iterator_valid")
        kwargs.setdefault("batch_size", self.batch_size)
        generator = getattr(self, "shuffle_generator_", None) if training else None
        # iterator_train__sort_pool=k batches dialogues of similar length (see DialogueBatches).
        return DialogueBatches(dataset, shuffle=training, generator=generator, **kwargs)

    def get_loss(self, y_pred: Any, y_true: Any, X: Any = None, training: bool = False) -> Any:
        # Targets are already tensors on the device (built once per fit).
        loss = self.criterion_(y_pred, y_true)
        if not torch.isfinite(loss):
            raise TrainingDivergedError(
                f"Training diverged: the loss is {loss.item()} at epoch {len(self.history)} "
                f"(lr={self.lr}). Lower lr, check the inputs for extreme values, or scale them."
            )
        return loss

    # ------------------------------------------------------------- validation
    # skorch's own ``_validate_params`` checks argument *names* (typos in
    # ``module__...``) during ``initialize``; these constraints check *values*, in
    # ``fit`` before any data is touched. skorch plumbing the model does not use
    # (``iterator_*``, ``dataset``, ...) is skorch's to check.
    _parameter_constraints: ClassVar[dict] = {
        "alpha": [StrictInterval(Real, 0, 1, closed="both")],
        "cell": [StrOptions({"lstm", "gru"})],
        "hidden_size": [StrictInterval(Integral, 1, None, closed="left")],
        "num_layers": [StrictInterval(Integral, 1, None, closed="left")],
        "head_size": [StrictInterval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "torch_num_threads": [StrictInterval(Integral, 1, None, closed="left"), None],
        "progress_bar": ["boolean"],
        "module": [callable],
        "criterion": [callable],
        "optimizer": [callable],
        "lr": [StrictInterval(Real, 0, None, closed="left")],
        "max_epochs": [StrictInterval(Integral, 1, None, closed="left")],
        "batch_size": [StrictInterval(Integral, 1, None, closed="left"), Options(Integral, {-1})],
        "train_split": [callable, None],
        "callbacks": [list, tuple, StrOptions({"disable"}), None],
        "warm_start": ["boolean"],
        "verbose": ["verbose"],
        "device": [str, torch.device, None],
    }

    def _check_params(self) -> None:
        check_parameters(self)
        if isinstance(self.device, str):
            try:
                torch.device(self.device)
            except RuntimeError:
                raise InvalidParameterError(
                    f"The 'device' parameter of {type(self).__name__} must be a torch device "
                    f"such as 'cpu', 'cuda' or 'cuda:1'. Got {self.device!r} instead."
                ) from None

    def _check_X(self, X: Any) -> RaggedSequences:
        X = check_ragged(X, type(self).__name__)
        check_finite(X, type(self).__name__)
        return X

    def _check_y_shape(self, X: RaggedSequences, y: Any) -> np.ndarray:
        if y is None:
            raise ValueError(f"{type(self).__name__} needs dialogue labels y.")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.n_dialogues:
            raise ValueError(f"y has shape {y.shape}, X has {X.n_dialogues} dialogues.")
        return y

    def _encode_y(self, X: RaggedSequences, y: Any) -> np.ndarray:
        raise NotImplementedError

    def _exchange_targets(self, X: RaggedSequences, exchange_y: Any) -> np.ndarray | None:
        raise NotImplementedError

    def _seeds(self) -> tuple[int, int]:
        rng = check_random_state(self.random_state)
        return int(rng.randint(2**31 - 1)), int(rng.randint(2**31 - 1))

    # -------------------------------------------------------------------- fit
    def _prepare_fit(
        self, X: Any, y: Any, exchange_y: Any
    ) -> tuple[PaddedDialogues, np.ndarray, int, torch.Generator]:
        """Validate, set the data attributes, pad; the padded data, targets, seed, shuffler.

        Everything a fit does before training, shared by :meth:`fit` and
        :func:`~hazumi_sk.model.fit_batched`, so both start from the same state.
        """
        self._check_params()
        X = self._check_X(X)
        warm = self.warm_start and getattr(self, "initialized_", False)
        if warm and hasattr(self, self._fitted_attribute):
            check_feature_names(self, X)
        targets = self._encode_y(X, y)
        exchange_targets = self._exchange_targets(X, exchange_y)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        data = PaddedDialogues.from_ragged(
            X, targets, exchange_targets, device=self.device, target_dtype=self._target_dtype
        )
        init_seed, shuffle_seed = self._seeds()
        return data, targets, init_seed, torch.Generator().manual_seed(shuffle_seed)

    def _fit(self, X: Any, y: Any, exchange_y: Any, **fit_params: Any) -> _MultitaskSequenceNet:
        data, targets, init_seed, self.shuffle_generator_ = self._prepare_fit(X, y, exchange_y)
        try:
            with _torch_threads(self.torch_num_threads), self._seeded(init_seed):
                self.torch_num_threads_ = torch.get_num_threads()
                super().fit(data, targets, **fit_params)
        finally:
            del self.shuffle_generator_  # a generator is state of one fit, not of the model
        return self

    @contextmanager
    def _seeded(self, seed: int) -> Iterator[None]:
        # Fork the global RNG so seeding the fit leaves the caller's torch RNG untouched.
        devices = [torch.device(self.device).index or 0] if "cuda" in str(self.device) else []
        with torch.random.fork_rng(devices=devices):
            torch.manual_seed(seed)
            yield

    def partial_fit(self, X: Any, y: Any = None, classes: Any = None, **fit_params: Any):
        """Continue training (skorch semantics); ``X`` must be the prepared data from ``fit``.

        Call :meth:`fit` with ``warm_start=True`` to continue training on new
        RaggedSequences.
        """
        if not isinstance(X, PaddedDialogues):
            raise TypeError("Use fit(X, y) with warm_start=True to continue training.")
        return super().partial_fit(X, y, classes=classes, **fit_params)

    # ---------------------------------------------------------------- predict
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, self._fitted_attribute) and bool(getattr(self, "initialized_", False))

    def _outputs(self, X: Any, head: str = "dialogue") -> torch.Tensor:
        """One head's raw outputs for all dialogues of ``X`` (chunked, no grad, on the CPU).

        ``"dialogue"``: the dialogue head after the last exchange, one row per
        dialogue. ``"running"``: the dialogue head after every exchange;
        ``"exchange"``: the exchange head; both stacked over the real exchanges.
        """
        check_is_fitted(self)
        X = self._check_X(X)
        check_feature_names(self, X)
        data = PaddedDialogues.from_ragged(X, device=self.device)
        module = self.module_
        module.eval()
        parts: list[torch.Tensor] = []
        with _torch_threads(self.torch_num_threads), torch.no_grad():
            for batch, _ in DialogueBatches(data, _PREDICT_CHUNK):
                x, lengths = batch["x"], batch["lengths"]
                states = module.states(x)
                if head == "dialogue":
                    last = states[torch.arange(x.shape[0], device=x.device), lengths - 1]
                    parts.append(module.dialogue_head(last))
                    continue
                real = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
                layer = module.dialogue_head if head == "running" else module.exchange_head
                parts.append(layer(states[real]))
        return torch.cat(parts).cpu()

    def _check_exchange_head(self) -> None:
        check_is_fitted(self)
        if self.module_.exchange_head is None:
            raise ValueError("This model was built without an exchange head (exchange_head=False).")
        if self.alpha == 1:
            warnings.warn(
                "alpha=1 trains no exchange task: the exchange head is untrained.",
                UserWarning,
                stacklevel=3,
            )

    @staticmethod
    def _as_ragged(X: RaggedSequences, values: np.ndarray, names: list[str]) -> RaggedSequences:
        return RaggedSequences(
            values,
            X.offsets,
            feature_names=names,
            dialogue_ids=X.dialogue_ids,
            exchange_labels=X.exchange_labels,
        )
