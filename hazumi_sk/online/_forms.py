"""Incremental forms of fitted estimators: one exchange in, the running estimate out.

An :class:`IncrementalForm` splits a fitted pipeline into the steps that act on
each exchange row alone (modality selection, global scaling, exchange PCA),
applied to the one new row, and a consumer that carries a per-dialogue state:
the recurrent network's hidden state, the pooled statistics' sufficient
statistics, the two-stage model's running aggregate. Estimators it does not
know fall back to recomputing the prefix, which is exact but O(n).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
from sklearn.base import is_regressor
from sklearn.pipeline import Pipeline

from ..leaderboard import ItemOfMultiItem, RatingRouter
from ..model import MultitaskSequenceClassifier, SeedEnsembleClassifier, TwoStageClassifier
from ..preprocessing import ModalitySelector, SequencePooler, SequenceScaler, SequenceTransformer
from ..sequences import RaggedSequences
from ._running import RunningStatistics

__all__ = [
    "IncrementalForm",
    "incremental_form",
    "input_feature_names",
    "positive_column",
    "used_features",
]

#: TwoStageClassifier aggregate -> (RunningStatistics statistic, multiply by n - 1).
_AGGREGATE_STATISTICS = {
    "mean": "mean",
    "std": "std",
    "min": "min",
    "max": "max",
    "first": "first",
    "last": "last",
    "slope": "slope",
    "first_k_mean": "head_mean",
    "last_k_mean": "tail_mean",
}


def positive_column(classes: Any) -> int:
    """Column of ``predict_proba`` that holds P(high): class 1, else the last class."""
    classes = np.asarray(classes)
    hits = np.flatnonzero(classes == 1) if classes.dtype.kind in "biuf" else np.array([])
    return int(hits[0]) if hits.size else classes.size - 1


def _is_rowwise(step: Any) -> bool:
    """True for fitted steps whose output row depends on its own input row only."""
    if step is None or step == "passthrough":
        return True
    if isinstance(step, (ModalitySelector, SequenceTransformer)):
        return True
    return isinstance(step, SequenceScaler) and not step.per_dialogue


class _RowSteps:
    """The leading row-wise steps of a pipeline, applied to one exchange at a time."""

    def __init__(self, steps: list[Any], names: np.ndarray, modalities: np.ndarray) -> None:
        self.steps = [s for s in steps if s is not None and s != "passthrough"]
        self.names = names
        self.modalities = modalities

    def __call__(self, row: np.ndarray) -> np.ndarray:
        X = RaggedSequences(
            row.reshape(1, -1), [0, 1], feature_names=self.names, modalities=self.modalities
        )
        for step in self.steps:
            X = step.transform(X)
        return np.asarray(X.values[0], dtype=np.float64)


class IncrementalForm:
    """Running estimate of one fitted model, one exchange at a time.

    Subclasses hold the fitted pieces; a dialogue's state is a separate
    object from :meth:`new_state`, so one form serves any number of dialogues.

    Attributes
    ----------
    incremental : bool
        True when an update costs the same at every exchange (O(1)); False
        for the prefix-recomputing fallback.
    classes : ndarray
        Columns of the probabilities :meth:`step` returns.
    """

    incremental: bool = True
    classes: np.ndarray

    def new_state(self) -> Any:
        """The state of a dialogue with no exchange yet."""
        raise NotImplementedError

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        """``(new state, class probabilities, exchange P(high) or None)`` after ``row``.

        ``state`` is not modified, so a failure leaves the dialogue as it was.
        ``label`` is the exchange's self-report (NaN when not asked).
        """
        raise NotImplementedError

    def dump(self, state: Any) -> dict[str, Any]:
        """``state`` as JSON-serialisable plain data."""
        raise NotImplementedError

    def load(self, data: dict[str, Any]) -> Any:
        """The state :meth:`dump` wrote."""
        raise NotImplementedError


class NetworkForm(IncrementalForm):
    """A multitask recurrent network carrying its hidden state from exchange to exchange."""

    def __init__(self, rows: _RowSteps, net: MultitaskSequenceClassifier) -> None:
        self.rows = rows
        self.net = net
        self.module = net.module_
        self.module.eval()
        self.classes = np.asarray(net.classes_)
        self.device = torch.device(net.device or "cpu")
        rnn = self.module.rnn
        self.shape = (rnn.num_layers, 1, rnn.hidden_size)
        self.lstm = isinstance(rnn, torch.nn.LSTM)

    def new_state(self) -> Any:
        return None  # the recurrent layer's zero initial state

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        x = torch.as_tensor(self.rows(row), dtype=torch.float32, device=self.device)
        with torch.no_grad():
            out, hidden = self.module.rnn(x.view(1, 1, -1), state)
            proba = self.module.dialogue_head(out[0, -1]).exp().double().cpu().numpy()
            exchange = None
            if self.module.exchange_head is not None and self.net.alpha < 1:
                exchange = float(self.module.exchange_head(out[0, -1]).exp()[1])
        return hidden, proba, exchange

    def dump(self, state: Any) -> dict[str, Any]:
        if state is None:
            return {"hidden": None}
        tensors = state if isinstance(state, tuple) else (state,)
        return {"hidden": [t.cpu().double().numpy().tolist() for t in tensors]}

    def load(self, data: dict[str, Any]) -> Any:
        hidden = data["hidden"]
        if hidden is None:
            return None
        tensors = tuple(
            torch.as_tensor(np.asarray(h), dtype=torch.float32, device=self.device) for h in hidden
        )
        for tensor in tensors:
            if tuple(tensor.shape) != self.shape:
                raise ValueError(f"hidden state of shape {tuple(tensor.shape)}, not {self.shape}")
        if len(tensors) != (2 if self.lstm else 1):
            raise ValueError("hidden state of the wrong cell type")
        return tensors if self.lstm else tensors[0]


class _StatisticsForm(IncrementalForm):
    """Shared state handling of the forms built on :class:`RunningStatistics`."""

    width: int
    k: int

    def new_state(self) -> Any:
        return RunningStatistics(self.width, self.k)

    def dump(self, state: Any) -> dict[str, Any]:
        return state.to_state()

    def load(self, data: dict[str, Any]) -> Any:
        state = RunningStatistics.from_state(data)
        if (state.n_features, state.k) != (self.width, self.k):
            raise ValueError(f"statistics of width {state.n_features}, not {self.width}")
        return state

    @staticmethod
    def _copy(state: RunningStatistics) -> RunningStatistics:
        return RunningStatistics.from_state(state.to_state())


class PooledForm(_StatisticsForm):
    """Per-dialogue pooled statistics, kept as running sufficient statistics."""

    def __init__(self, rows: _RowSteps, pooler: SequencePooler, tail: Any, column: Any) -> None:
        self.rows = rows
        self.stats = tuple(pooler.stats_)
        self.k = int(pooler.k)
        self.width = int(pooler.n_features_in_)
        self.tail = tail
        self.column = column
        self.classes = np.asarray(_classes_of(tail, column))

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        values = self.rows(row)
        state = self._copy(state)
        state.update(values)
        pooled = np.hstack([state.value(s) for s in self.stats]).reshape(1, -1)
        return state, _proba(self.tail, pooled, self.column), None


class TwoStageForm(_StatisticsForm):
    """The two-stage model: stage 1 on the new exchange, its running aggregate, stage 2."""

    def __init__(self, rows: _RowSteps, model: TwoStageClassifier) -> None:
        self.rows = rows
        self.model = model
        self.aggregate = list(model.aggregate)
        self.k = int(model.k)
        self.width = 1
        self.classes = np.asarray(model.classes_)
        self.regress = is_regressor(model.exchange_estimator_)

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        values = self.rows(row).reshape(1, -1)
        score = float(self.model.score_exchanges(values)[0])
        state = self._copy(state)
        state.update(np.array([score]))
        n = state.count
        features = []
        for name in self.aggregate:
            value = float(state.value(_AGGREGATE_STATISTICS[name])[0])
            # TwoStageClassifier's slope runs over positions scaled to 0..1.
            features.append(value * (n - 1) if name == "slope" else value)
        proba = self.model.dialogue_estimator_.predict_proba(np.array([features]))[0]
        return state, np.asarray(proba, dtype=np.float64), None if self.regress else score


class EnsembleForm(IncrementalForm):
    """The mean of several forms' probabilities (SeedEnsembleClassifier)."""

    def __init__(self, forms: list[IncrementalForm], classes: Any) -> None:
        self.forms = forms
        self.classes = np.asarray(classes)
        self.incremental = all(f.incremental for f in forms)

    def new_state(self) -> Any:
        return [f.new_state() for f in self.forms]

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        results = [f.step(s, row, label) for f, s in zip(self.forms, state, strict=True)]
        proba = np.mean([r[1] for r in results], axis=0)
        exchanges = [r[2] for r in results if r[2] is not None]
        exchange = float(np.mean(exchanges)) if exchanges else None
        return [r[0] for r in results], proba, exchange

    def dump(self, state: Any) -> dict[str, Any]:
        return {"members": [f.dump(s) for f, s in zip(self.forms, state, strict=True)]}

    def load(self, data: dict[str, Any]) -> Any:
        members = data["members"]
        if len(members) != len(self.forms):
            raise ValueError(f"{len(members)} member states, not {len(self.forms)}")
        return [f.load(m) for f, m in zip(self.forms, members, strict=True)]


class PrefixForm(IncrementalForm):
    """Any estimator: keep the rows and recompute ``predict_proba`` of the whole prefix.

    Exact by construction but O(n) per exchange; the self-reports travel as
    the prefix's exchange labels (read by e.g. the true-mean-self-sentiment model).
    """

    incremental = False

    def __init__(self, model: Any, names: np.ndarray, modalities: np.ndarray, column: Any) -> None:
        self.model = model
        self.names = names
        self.modalities = modalities
        self.column = column
        self.classes = np.asarray(_classes_of(model, column))

    def new_state(self) -> Any:
        return ([], [])

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        rows, labels = state[0] + [np.asarray(row, dtype=np.float64)], state[1] + [label]
        X = RaggedSequences(
            np.vstack(rows),
            [0, len(rows)],
            feature_names=self.names,
            modalities=self.modalities,
            exchange_labels=np.asarray(labels, dtype=np.float64),
        )
        return (rows, labels), _proba(self.model, X, self.column), None

    def dump(self, state: Any) -> dict[str, Any]:
        return {
            "rows": [r.tolist() for r in state[0]],
            "labels": [None if np.isnan(v) else float(v) for v in state[1]],
        }

    def load(self, data: dict[str, Any]) -> Any:
        rows = [np.asarray(r, dtype=np.float64) for r in data["rows"]]
        if any(r.shape != (len(self.names),) for r in rows):
            raise ValueError(f"prefix rows must have {len(self.names)} values")
        labels = [np.nan if v is None else float(v) for v in data["labels"]]
        return (rows, labels)


def _classes_of(model: Any, column: Any) -> Any:
    # ItemOfMultiItem's inner model answers per item; its own classes_ are the item's.
    return model.classes_ if column is None else np.asarray([0, 1])


def _proba(model: Any, X: Any, column: Any) -> np.ndarray:
    proba = model.predict_proba(X)
    if column is not None:
        proba = proba[column]
    return np.asarray(proba, dtype=np.float64)[0]


def _unwrap(model: Any) -> tuple[Any, Any]:
    """The estimator that sees the sequences, and the item column of a multi-item model."""
    if isinstance(model, RatingRouter):  # routes ratings at fit time only
        return _unwrap(model.estimator_)
    if isinstance(model, ItemOfMultiItem):
        return model.estimator_, model.column_
    return model, None


def _named_steps(steps: list[Any]) -> Any:
    """``(name, step)`` pairs for a pipeline of already fitted steps."""
    return ((f"step{i}", step) for i, step in enumerate(steps))


def _sequence_form(rows: _RowSteps, rest: list[Any], column: Any) -> IncrementalForm | None:
    """The O(1) form of the non-row-wise remainder of a pipeline, or None."""
    head = rest[0]
    if isinstance(head, SequencePooler):
        if len(rest) < 2:
            return None
        tail = (
            rest[1]
            if len(rest) == 2
            else Pipeline([(f"step{i}", s) for i, s in enumerate(rest[1:])])
        )
        return PooledForm(rows, head, tail, column)
    if len(rest) != 1 or column is not None:
        return None
    if isinstance(head, MultitaskSequenceClassifier):
        return NetworkForm(rows, head)
    if isinstance(head, TwoStageClassifier):
        return TwoStageForm(rows, head)
    return None


def incremental_form(model: Any, names: Any, modalities: Any) -> IncrementalForm:
    """The incremental form of a fitted ``model`` taking exchanges with columns ``names``.

    Parameters
    ----------
    model : estimator
        A fitted estimator over :class:`~hazumi_sk.sequences.RaggedSequences`
        with ``predict_proba``: any method of the leaderboard registry, or any
        pipeline of the package's steps.
    names, modalities : array-like of str
        The input columns and their modality tags.

    Returns
    -------
    form : IncrementalForm
        O(1) for pipelines of row-wise steps followed by a multitask network, a
        ``SequencePooler`` and 2-D steps, or a ``TwoStageClassifier``, and for
        seed ensembles of those; the prefix-recomputing fallback otherwise.
    """
    names = np.asarray(names, dtype=str)
    modalities = np.asarray(modalities, dtype=str)
    inner, column = _unwrap(model)
    if isinstance(inner, SeedEnsembleClassifier) and column is None:
        forms = [incremental_form(m, names, modalities) for m in inner.estimators_]
        return EnsembleForm(forms, inner.classes_)
    if isinstance(inner, Pipeline):
        steps = [step for _, step in inner.steps]
        split = next((i for i, s in enumerate(steps) if not _is_rowwise(s)), len(steps))
        if split < len(steps):
            form = _sequence_form(
                _RowSteps(steps[:split], names, modalities), steps[split:], column
            )
            if form is not None:
                return form
    else:
        form = _sequence_form(_RowSteps([], names, modalities), [inner], column)
        if form is not None:
            return form
    return PrefixForm(model, names, modalities, None)


def input_feature_names(model: Any) -> np.ndarray | None:
    """The input columns ``model`` was fitted on (its ``feature_names_in_``), or None."""
    names = getattr(model, "feature_names_in_", None)
    return None if names is None else np.asarray(names, dtype=str)


def used_features(model: Any) -> np.ndarray | None:
    """Boolean mask of the input columns ``model`` reads, or None when it reads them all.

    A leading :class:`~hazumi_sk.preprocessing.ModalitySelector` drops the other
    modalities before any step looks at them, so a live system need not compute them.
    """
    inner, _ = _unwrap(model)
    if isinstance(inner, SeedEnsembleClassifier):
        masks = [used_features(m) for m in inner.estimators_]
        if any(m is None for m in masks):
            return None
        return np.logical_or.reduce(masks)
    if isinstance(inner, Pipeline):
        first = next((s for _, s in inner.steps if s is not None and s != "passthrough"), None)
        if isinstance(first, ModalitySelector):
            return np.asarray(first.support_, dtype=bool)
    return None
