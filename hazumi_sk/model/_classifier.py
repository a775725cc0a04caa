"""The skorch multitask sequence classifier: dialogue impression + exchange sentiment."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from numbers import Integral, Real
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError, Options, StrOptions
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet
from skorch.callbacks import Callback
from tqdm.auto import tqdm

from ..sequences import RaggedSequences
from ..utils import (
    StrictInterval,
    VersionedStateMixin,
    check_feature_names,
    check_parameters,
    check_ragged,
    first_nonfinite,
)
from ._batching import DialogueBatches, PaddedDialogues
from ._network import MultitaskLoss, MultitaskRNN
from ._targets import binarize_exchange_labels, resolve_exchange_labels

__all__ = ["MultitaskSequenceClassifier", "TrainingDivergedError"]

_LOSSES = ("cross_entropy", "mse")
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


class MultitaskSequenceClassifier(VersionedStateMixin, ClassifierMixin, NeuralNet):
    """Recognise a dialogue-level impression, learned jointly with exchange-level sentiment.

    A recurrent layer (LSTM or GRU) reads the exchange sequence of a dialogue.
    A dialogue head (``Linear(hidden, head_size)``, ``Linear(head_size,
    n_classes)``, log-softmax) reads the final hidden state; an exchange head
    of the same shape reads every hidden state and predicts the exchange's
    binary self-sentiment. The training loss is ``alpha * L_dialogue +
    (1 - alpha) * L_exchange``; ``alpha=1`` is the single-task baseline.

    This is a skorch :class:`~skorch.NeuralNet`: history, callbacks,
    ``set_params(module__...)``, ``optimizer__...`` and ``warm_start`` work as
    in skorch. ``X`` is a :class:`~hazumi_sk.sequences.RaggedSequences`; the
    exchange labels travel inside it (``X.exchange_labels``) or come as the
    ``exchange_y`` fit parameter.

    Parameters
    ----------
    alpha : float in [0, 1], default=0.7
        Weight of the dialogue loss (the paper's best worthwhile/L+V setting).
    cell : {"lstm", "gru"}, default="lstm"
        Recurrent cell.
    hidden_size : int, default=128
        Units of the recurrent layer.
    num_layers : int, default=1
        Stacked recurrent layers.
    head_size : int, default=128
        Units of the fully connected layer of each head.
    loss : {"mse", "cross_entropy"}, default="mse"
        ``"mse"``: squared error between the softmax probabilities and the
        one-hot labels (the paper's eq. 4 on binarised ratings).
        ``"cross_entropy"``: negative log-likelihood of the classes. The
        default was chosen by measurement on the real corpus, see
        ``docs/model.rst``.
    exchange_threshold : float or None, default=4
        Exchange labels above this value are "high" (1), the rest 0; ``None``
        means the labels are already 0/1. NaN labels are unrated and masked
        out of the loss, as is padding.
    random_state : int, RandomState or None, default=None
        Seeds weight initialisation and batch shuffling; an int makes two
        fits give identical predictions (on the same device and threads).
    torch_num_threads : int or None, default=None
        Torch intra-op threads during fit and predict (restored afterwards).
        ``None`` keeps the process setting; joblib's worker processes already
        limit it to ``cpu_count // n_jobs``. The value in effect during fit is
        recorded in ``torch_num_threads_``.
    progress_bar : bool, default=False
        Show a tqdm bar over epochs.
    module, criterion, optimizer, lr, max_epochs, batch_size, train_split, callbacks,\
    warm_start, verbose, device :
        As in :class:`skorch.NeuralNet`; defaults follow the paper (Adam,
        ``lr=0.001``, 60 epochs), no internal validation split, quiet,
        ``device="cpu"`` (``"cuda"`` where available). ``batch_size`` is in
        dialogues.
    **kwargs :
        Further skorch parameters (``module__...``, ``optimizer__...``,
        ``callbacks__...``).

    Attributes
    ----------
    classes_ : ndarray
        Dialogue label values, in the order of ``predict_proba``'s columns.
    n_features_in_ : int
        Features per exchange seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names.
    n_rated_exchanges_ : int
        Exchanges whose label entered the loss (0 when ``alpha=1``).
    torch_num_threads_ : int
        Torch threads used during fit.
    module_, criterion_, optimizer_, history_ :
        The initialised skorch components.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.model import MultitaskSequenceClassifier
    >>> rng = np.random.default_rng(0)
    >>> y = np.array([0, 1] * 6)
    >>> X = RaggedSequences.from_arrays(
    ...     [rng.normal(label, 1.0, size=(5, 3)) for label in y],
    ...     exchange_labels=[np.full(5, 2.0 + 4 * label) for label in y])
    >>> clf = MultitaskSequenceClassifier(hidden_size=8, head_size=8, max_epochs=30,
    ...                                   lr=0.01, random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape, clf.score(X, y) > 0.8
    ((12, 2), True)
    >>> clf.predict_running_proba(X[:1]).values.shape   # one estimate per exchange
    (5, 2)
    """

    def __init__(
        self,
        alpha: float = 0.7,
        cell: str = "lstm",
        hidden_size: int = 128,
        num_layers: int = 1,
        head_size: int = 128,
        loss: str = "mse",
        exchange_threshold: float | None = 4,
        random_state: Any = None,
        torch_num_threads: int | None = None,
        progress_bar: bool = False,
        module: Any = MultitaskRNN,
        criterion: Any = MultitaskLoss,
        optimizer: Any = torch.optim.Adam,
        lr: float = 0.001,
        max_epochs: int = 60,
        batch_size: int = 8,
        train_split: Any = None,
        callbacks: Any = None,
        warm_start: bool = False,
        verbose: int = 0,
        device: str = "cpu",
        **kwargs: Any,
    ) -> None:
        super().__init__(
            module=module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            callbacks=callbacks,
            warm_start=warm_start,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.alpha = alpha
        self.cell = cell
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.head_size = head_size
        self.loss = loss
        self.exchange_threshold = exchange_threshold
        self.random_state = random_state
        self.torch_num_threads = torch_num_threads
        self.progress_bar = progress_bar

    # ------------------------------------------------------------ skorch hooks
    def get_default_callbacks(self) -> list[tuple[str, Callback]]:
        callbacks = list(self._default_callbacks)
        if self.progress_bar:
            callbacks.append(("progress_bar", EpochProgressBar()))
        return callbacks

    def initialize_module(self) -> MultitaskSequenceClassifier:
        kwargs = {
            "input_size": self.n_features_in_,
            "n_classes": len(self.classes_),
            "cell": self.cell,
            "hidden_size": self.hidden_size,
            "num_layers": self.num_layers,
            "head_size": self.head_size,
        }
        kwargs.update(self.get_params_for("module"))
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def initialize_criterion(self) -> MultitaskSequenceClassifier:
        kwargs = {"alpha": self.alpha, "loss": self.loss}
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
        "loss": [StrOptions(set(_LOSSES))],
        "exchange_threshold": [StrictInterval(Real, None, None, closed="neither"), None],
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
        where = first_nonfinite(X)
        if where is not None:
            raise ValueError(
                f"{type(self).__name__}: non-finite value in dialogue {where[0]!r}, feature "
                f"{where[1]!r}; impute first (SequenceScaler(nonfinite='impute'))."
            )
        return X

    def _encode_y(self, X: RaggedSequences, y: Any) -> np.ndarray:
        if y is None:
            raise ValueError(f"{type(self).__name__} needs dialogue labels y.")
        y = np.asarray(y)
        if y.ndim != 1 or y.shape[0] != X.n_dialogues:
            raise ValueError(f"y has shape {y.shape}, X has {X.n_dialogues} dialogues.")
        check_classification_targets(y)
        encoder = LabelEncoder().fit(y)
        if len(encoder.classes_) < 2:
            raise ValueError(f"y has a single class {encoder.classes_.tolist()}; need two or more.")
        self.classes_ = encoder.classes_
        return encoder.transform(y)

    def _exchange_targets(self, X: RaggedSequences, exchange_y: Any) -> np.ndarray | None:
        labels = resolve_exchange_labels(X, exchange_y)
        if self.alpha == 1:
            self.n_rated_exchanges_ = 0
            return None
        if labels is None or np.isnan(labels).all():
            raise ValueError(
                f"alpha={self.alpha} < 1 trains the exchange task, but no exchange labels were "
                "given: X.exchange_labels is empty and no exchange_y was passed (or all are "
                "NaN). Pass exchange labels, or alpha=1 for the single-task model."
            )
        labels = binarize_exchange_labels(labels, self.exchange_threshold)
        self.n_rated_exchanges_ = int((~np.isnan(labels)).sum())
        return labels

    def _seeds(self) -> tuple[int, int]:
        rng = check_random_state(self.random_state)
        return int(rng.randint(2**31 - 1)), int(rng.randint(2**31 - 1))

    # -------------------------------------------------------------------- fit
    def fit(self, X: RaggedSequences, y: Any = None, exchange_y: Any = None, **fit_params: Any):
        """Train on dialogues ``X`` with dialogue labels ``y`` (and exchange labels).

        Parameters
        ----------
        X : RaggedSequences
            One exchange sequence per dialogue. Its ``exchange_labels`` (1-7
            ratings or 0/1, NaN = unrated) are the exchange targets unless
            ``exchange_y`` is given.
        y : array-like of shape (n_dialogues,)
            Dialogue labels (any values; mapped through ``classes_``).
        exchange_y : list of arrays, RaggedSequences or array, default=None
            Exchange labels given explicitly: one array per dialogue, a
            one-column RaggedSequences, or a stacked array with one entry per
            exchange. The first two are split along with ``X`` by
            ``GridSearchCV`` (``model__exchange_y=...`` or, with metadata
            routing, ``set_fit_request(exchange_y=True)``).
        **fit_params : dict
            Passed to skorch's fit (e.g. to the module's forward).

        Returns
        -------
        self : MultitaskSequenceClassifier
            The fitted estimator.
        """
        self._check_params()
        X = self._check_X(X)
        if self.warm_start and getattr(self, "initialized_", False) and hasattr(self, "classes_"):
            check_feature_names(self, X)
        y_encoded = self._encode_y(X, y)
        targets = self._exchange_targets(X, exchange_y)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        data = PaddedDialogues.from_ragged(X, y_encoded, targets, device=self.device)
        init_seed, shuffle_seed = self._seeds()
        self.shuffle_generator_ = torch.Generator().manual_seed(shuffle_seed)
        try:
            with _torch_threads(self.torch_num_threads), self._seeded(init_seed):
                self.torch_num_threads_ = torch.get_num_threads()
                super().fit(data, y_encoded, **fit_params)
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
        return hasattr(self, "classes_") and bool(getattr(self, "initialized_", False))

    def _outputs(self, X: Any, running: bool = False) -> dict[str, np.ndarray]:
        """Stacked network outputs for all dialogues of ``X`` (chunked, no grad)."""
        check_is_fitted(self)
        X = self._check_X(X)
        check_feature_names(self, X)
        data = PaddedDialogues.from_ragged(X, device=self.device)
        module = self.module_
        module.eval()
        parts: dict[str, list[torch.Tensor]] = {"dialogue": [], "exchange": [], "running": []}
        with _torch_threads(self.torch_num_threads), torch.no_grad():
            for batch, _ in DialogueBatches(data, _PREDICT_CHUNK):
                x, lengths = batch["x"], batch["lengths"]
                states = module.states(x)
                real = torch.arange(x.shape[1], device=x.device)[None, :] < lengths[:, None]
                last = states[torch.arange(x.shape[0], device=x.device), lengths - 1]
                parts["dialogue"].append(module.dialogue_head(last))
                if running:
                    parts["running"].append(module.dialogue_head(states[real]))
                    if module.exchange_head is not None:
                        parts["exchange"].append(module.exchange_head(states[real]))
        return {
            key: torch.cat(value).exp().cpu().numpy().astype(np.float64)
            for key, value in parts.items()
            if value
        }

    def predict_proba(self, X: RaggedSequences) -> np.ndarray:
        """Dialogue-level class probabilities.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to score.

        Returns
        -------
        proba : ndarray of shape (n_dialogues, n_classes)
            Columns follow ``classes_``.
        """
        return self._outputs(X)["dialogue"]

    def predict(self, X: RaggedSequences) -> np.ndarray:
        """Most probable dialogue label.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to label.

        Returns
        -------
        y_pred : ndarray of shape (n_dialogues,)
            Values from ``classes_``.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def predict_exchange_proba(self, X: RaggedSequences) -> RaggedSequences:
        """Per-exchange self-sentiment probabilities from the exchange head.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to score.

        Returns
        -------
        proba : RaggedSequences
            Same dialogues and lengths as ``X``; two columns
            ``exchange_low``, ``exchange_high`` (P(label <= threshold),
            P(label > threshold)). ``proba.to_list()`` gives one
            ``(n_exchanges_i, 2)`` array per dialogue.
        """
        check_is_fitted(self)
        if self.module_.exchange_head is None:
            raise ValueError("This model was built without an exchange head (exchange_head=False).")
        if self.alpha == 1:
            warnings.warn(
                "alpha=1 trains no exchange task: the exchange head is untrained.",
                UserWarning,
                stacklevel=2,
            )
        proba = self._outputs(X, running=True)["exchange"]
        return self._as_ragged(X, proba, ["exchange_low", "exchange_high"])

    def predict_running_proba(self, X: RaggedSequences) -> RaggedSequences:
        """Running dialogue-level estimate after every exchange.

        The dialogue head is applied to the hidden state after each exchange;
        the recurrent layer is unidirectional, so the estimate after exchange
        ``t`` uses exchanges ``1..t`` only, and the last one equals
        :meth:`predict_proba`.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to follow.

        Returns
        -------
        proba : RaggedSequences
            Same dialogues and lengths as ``X``; one column per class
            (``proba_<class>``).
        """
        proba = self._outputs(X, running=True)["running"]
        return self._as_ragged(X, proba, [f"proba_{c}" for c in self.classes_])

    @staticmethod
    def _as_ragged(X: RaggedSequences, values: np.ndarray, names: list[str]) -> RaggedSequences:
        return RaggedSequences(
            values,
            X.offsets,
            feature_names=names,
            dialogue_ids=X.dialogue_ids,
            exchange_labels=X.exchange_labels,
        )
