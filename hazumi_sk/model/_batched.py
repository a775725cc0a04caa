"""Fit many multitask classifiers of one shape at once, each exactly as its own fit would."""

from __future__ import annotations

import time
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from tqdm.auto import tqdm

from ._classifier import MultitaskSequenceClassifier
from ._grouped import GroupedNetworks
from ._network import MultitaskLoss, MultitaskRNN
from ._sequence_net import TrainingDivergedError, _torch_threads

__all__ = ["batch_signature", "fit_batched"]

#: skorch parameter prefixes a batched fit handles like the single fit.
_ALLOWED_PREFIXED = {"module__exchange_head", "iterator_train__sort_pool"}


def _final_classifier(estimator: Any) -> MultitaskSequenceClassifier | None:
    if isinstance(estimator, Pipeline):
        estimator = estimator.steps[-1][1]
    return estimator if type(estimator) is MultitaskSequenceClassifier else None


def batch_signature(estimator: Any) -> Hashable | None:
    """What must be equal for networks to train together, or None if it cannot batch.

    A :class:`MultitaskSequenceClassifier` (or a :class:`~sklearn.pipeline.Pipeline`
    ending in one) batches when it uses the default network, loss and Adam, no
    callbacks, no internal validation split and no warm start. Networks with
    equal signatures (cell, sizes, loss, device) can train as one batched
    computation; the feature width and number of classes, known only from the
    data, split a group further in :func:`fit_batched`. ``alpha``, ``lr``,
    ``batch_size``, ``max_epochs`` and the seed may differ.

    Parameters
    ----------
    estimator : estimator object
        An unfitted estimator.

    Returns
    -------
    signature : hashable or None
        None when the estimator must be fitted on its own.

    Examples
    --------
    >>> from hazumi_sk.model import MultitaskSequenceClassifier, batch_signature
    >>> a = batch_signature(MultitaskSequenceClassifier(alpha=0.3, random_state=0))
    >>> a == batch_signature(MultitaskSequenceClassifier(alpha=1.0, random_state=1))
    True
    >>> batch_signature(MultitaskSequenceClassifier(callbacks=[])) is None
    True
    """
    model = _final_classifier(estimator)
    if model is None:
        return None
    params = model.get_params(deep=False)
    prefixed = {k for k in params if "__" in k}
    if (
        model.module is not MultitaskRNN
        or model.criterion is not MultitaskLoss
        or model.optimizer is not torch.optim.Adam
        or model.train_split is not None
        or model.callbacks not in (None, "disable")
        or model.warm_start
        or prefixed - _ALLOWED_PREFIXED
        or any(k.startswith("optimizer__") for k in params)
    ):
        return None
    return (
        model.cell,
        model.hidden_size,
        model.num_layers,
        model.head_size,
        model.loss,
        bool(params.get("module__exchange_head", True)),
        str(torch.device(model.device)),
    )


def _check_adam(model: MultitaskSequenceClassifier) -> dict[str, float]:
    groups = model.optimizer_.param_groups
    group = groups[0]
    unsupported = [k for k in ("amsgrad", "maximize", "decoupled_weight_decay") if group.get(k)]
    if len(groups) != 1 or unsupported:
        raise ValueError(f"fit_batched supports plain Adam only, got options {unsupported}.")
    beta1, beta2 = group["betas"]
    return {
        "lr": float(group["lr"]),
        "beta1": float(beta1),
        "beta2": float(beta2),
        "eps": float(group["eps"]),
        "weight_decay": float(group["weight_decay"]),
    }


class _Member:
    """One network of a group: its estimator, data, shuffler and batch iterator."""

    def __init__(self, model: MultitaskSequenceClassifier, X: Any, y: Any, exchange_y: Any):
        self.model = model
        self.data, self.targets, init_seed, generator = model._prepare_fit(X, y, exchange_y)
        with _torch_threads(model.torch_num_threads), model._seeded(init_seed):
            model.initialize()  # the single fit's weights, drawn from the same seed
        model.shuffle_generator_ = generator
        try:
            self.iterator = model.get_iterator(self.data, training=True)
        finally:
            del model.shuffle_generator_
        self.adam = _check_adam(model)

    def signature(self) -> Hashable:
        return (batch_signature(self.model), self.model.n_features_in_, len(self.model.classes_))


def _group(members: list[_Member]) -> GroupedNetworks:
    """The grouped weights, data and Adam settings of ``members`` (one signature)."""
    first = members[0].model
    return GroupedNetworks(
        [m.model.module_ for m in members],
        [m.data for m in members],
        cell=first.cell,
        num_layers=first.num_layers,
        alphas=[m.model.alpha for m in members],
        lrs=[m.adam["lr"] for m in members],
        beta1s=[m.adam["beta1"] for m in members],
        beta2s=[m.adam["beta2"] for m in members],
        epss=[m.adam["eps"] for m in members],
        weight_decays=[m.adam["weight_decay"] for m in members],
        loss=first.loss,
    )


def _train_group(members: list[_Member], progress: bool) -> None:
    """Train the networks of ``members`` as one batched computation."""
    group = _group(members)
    epochs = np.array([m.model.max_epochs for m in members])
    for m in members:
        m.model.notify("on_train_begin", X=m.data, y=m.targets)
    bar = tqdm(total=int(epochs.max()), desc=f"{len(members)} networks", disable=not progress)
    for epoch in range(int(epochs.max())):
        training = epoch < epochs
        plans = [
            list(m.iterator._batches()) if t else [] for m, t in zip(members, training, strict=True)
        ]
        for m, t in zip(members, training, strict=True):
            if t:
                m.model.notify("on_epoch_begin", dataset_train=m.data, dataset_valid=None)
        start = time.perf_counter()
        step_losses = []
        for s in range(max(len(p) for p in plans)):
            chosen = [p[s] if s < len(p) else None for p in plans]
            active = np.array([c is not None for c in chosen])
            losses = group.losses(*group.batch(chosen))
            losses.sum().backward()
            group.step(active)
            step_losses.append(losses.detach())
        seconds = time.perf_counter() - start
        values = torch.stack(step_losses).cpu().numpy()  # one device sync per epoch
        for k, (m, plan) in enumerate(zip(members, plans, strict=True)):
            if not training[k]:
                continue
            if not np.isfinite(values[: len(plan), k]).all():
                raise TrainingDivergedError(
                    f"Training diverged: network {k} of the batch (lr={m.model.lr}) has a "
                    f"non-finite loss in epoch {epoch + 1}. Lower lr, check the inputs for "
                    "extreme values, or scale them."
                )
            history = m.model.history
            for s, chosen in enumerate(plan):
                history.new_batch()
                history.record_batch("train_loss", float(values[s, k]))
                history.record_batch("train_batch_size", len(chosen))
            history.record("train_batch_count", len(plan))
            m.model.notify("on_epoch_end", dataset_train=m.data, dataset_valid=None)
            history.record("dur", seconds)
        bar.update(1)
    bar.close()
    for k, m in enumerate(members):
        group.write_back(k, m.model.module_, m.model.optimizer_)
        m.model.notify("on_train_end", X=m.data, y=m.targets)


def fit_batched(
    estimators: Sequence[Any],
    X: Sequence[Any],
    y: Sequence[Any],
    *,
    exchange_y: Sequence[Any] | None = None,
    progress: bool = False,
) -> list[Any]:
    """Fit K estimators, each on its own data, training their networks as one computation.

    Every :class:`MultitaskSequenceClassifier` (or pipeline ending in one) is
    prepared exactly as its own ``fit`` would: the data checked and padded, the
    weights initialised and the batch order drawn from its ``random_state``.
    Networks of one shape (:func:`batch_signature`, plus feature width and
    number of classes) then train together: one batched forward and backward
    pass and one Adam step per step for all of them, each with its own data,
    ``alpha``, ``lr`` and optimizer state. The result of each equals its own
    fit up to float summation order (checked in ``tests/test_batched.py``), and
    each estimator is afterwards an ordinary fitted estimator. Pipelines fit
    their preprocessing steps first; estimators that cannot batch are fitted
    on their own.

    Parameters
    ----------
    estimators : sequence of estimator objects
        Fitted in place (pass clones to keep the originals unfitted).
    X : sequence
        Each estimator's training samples (RaggedSequences).
    y : sequence
        Each estimator's dialogue labels.
    exchange_y : sequence or None, default=None
        Each estimator's explicit exchange labels (None: those inside ``X``).
    progress : bool, default=False
        Show a tqdm bar over the epochs of each batched group.

    Returns
    -------
    estimators : list
        The same estimators, fitted.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
    >>> from hazumi_sk.model import MultitaskSequenceClassifier, fit_batched
    >>> corpus = make_synthetic_hazumi(20, n_exchanges=(4, 8), random_state=0)
    >>> X, y = to_xy(corpus, item="worthwhile")
    >>> nets = [MultitaskSequenceClassifier(alpha=a, hidden_size=4, head_size=4, max_epochs=2,
    ...                                     random_state=s) for s, a in enumerate([0.5, 1.0])]
    >>> fitted = fit_batched(nets, [X, X], [y, y])
    >>> [net.predict_proba(X).shape for net in fitted]
    [(18, 2), (18, 2)]
    """
    n = len(estimators)
    exchange_y = [None] * n if exchange_y is None else list(exchange_y)
    if not (len(X) == len(y) == len(exchange_y) == n):
        raise ValueError(
            f"fit_batched needs one X, y (and exchange_y) per estimator: got {n} estimators, "
            f"{len(X)} X, {len(y)} y and {len(exchange_y)} exchange_y."
        )
    members: dict[Hashable, list[_Member]] = {}
    for estimator, Xk, yk, ek in zip(estimators, X, y, exchange_y, strict=True):
        if batch_signature(estimator) is None:
            estimator.fit(Xk, yk) if ek is None else estimator.fit(Xk, yk, exchange_y=ek)
            continue
        model = estimator
        if isinstance(estimator, Pipeline):
            Xk = estimator[:-1].fit_transform(Xk, yk)
            model = estimator.steps[-1][1]
        member = _Member(model, Xk, yk, ek)
        members.setdefault(member.signature(), []).append(member)
    for group in members.values():
        first = group[0].model
        with _torch_threads(first.torch_num_threads):
            for m in group:
                m.model.torch_num_threads_ = torch.get_num_threads()
            _train_group(group, progress)
    return list(estimators)
