"""Incremental forms of fitted estimators: one exchange in, the running estimate out.

An :class:`IncrementalForm` splits a fitted pipeline into the steps that act on
each exchange row alone (modality selection, global scaling, exchange PCA),
applied to the one new row, and a consumer that carries a per-dialogue state:
the recurrent network's hidden state, the pooled statistics' sufficient
statistics, the two-stage model's running aggregate. Estimators it does not
know fall back to recomputing the prefix, which is exact but O(n).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from sklearn.base import is_regressor
from sklearn.decomposition import PCA
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

#: TwoStageClassifier aggregate -> the RunningStatistics statistic it is computed from
#: (its "slope" runs over positions scaled to 0..1: the running slope times n - 1).
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
    """The leading row-wise steps of a pipeline, applied to one exchange at a time.

    The package's own steps are applied through their fitted attributes (a
    selector's support, a scaler's center and scale, PCA's projection): a live
    update must not pay a container's validation for every step. Any other
    row-wise step goes through its ``transform`` on a one-row sequence. The
    tracker's exactness tests hold both paths to the offline ``transform``.
    """

    def __init__(self, steps: list[Any], names: np.ndarray, modalities: np.ndarray) -> None:
        self.steps = [s for s in steps if s is not None and s != "passthrough"]
        self.names = names
        self.modalities = modalities
        self.functions = [self._compile(i, step) for i, step in enumerate(self.steps)]

    def _compile(self, i: int, step: Any) -> Callable[[np.ndarray], np.ndarray]:
        if isinstance(step, ModalitySelector):
            support = np.flatnonzero(step.support_)
            return lambda row: row[support]
        if isinstance(step, SequenceScaler):  # global scaling (row-wise); rows are finite
            center, scale = step.center_, step.scale_
            return lambda row: (row - center) / scale
        if isinstance(step, SequenceTransformer) and _plain_pca(step.transformer_):
            pca = step.transformer_
            components, offset = pca.components_.T, pca.mean_ @ pca.components_.T
            return lambda row: row @ components - offset
        return lambda row: self._through_transform(i, row)

    def _through_transform(self, i: int, row: np.ndarray) -> np.ndarray:
        # The columns entering step i are the previous step's outputs.
        previous = self.steps[i - 1] if i else None
        names = self.names if previous is None else previous.get_feature_names_out()
        modalities = self.modalities if previous is None else None
        X = RaggedSequences(row.reshape(1, -1), [0, 1], feature_names=names,
                            modalities=modalities)  # fmt: skip
        return np.asarray(self.steps[i].transform(X).values[0], dtype=np.float64)

    def __call__(self, row: np.ndarray) -> np.ndarray:
        for function in self.functions:
            row = function(row)
        return np.asarray(row, dtype=np.float64)


def _plain_pca(transformer: Any) -> bool:
    return isinstance(transformer, PCA) and not transformer.whiten


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


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _log_softmax(x: np.ndarray) -> np.ndarray:
    shifted = x - x.max()
    return shifted - np.log(np.exp(shifted).sum())


class _Head:
    """A head ``Linear -> Linear -> LogSoftmax`` as float32 arrays."""

    def __init__(self, head: torch.nn.Module) -> None:
        first, second = head[0], head[1]
        self.w1, self.b1 = _array(first.weight), _array(first.bias)
        self.w2, self.b2 = _array(second.weight), _array(second.bias)

    def __call__(self, h: np.ndarray) -> np.ndarray:
        return np.exp(_log_softmax(self.w2 @ (self.w1 @ h + self.b1) + self.b2)).astype(np.float64)


def _array(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().cpu().numpy().astype(np.float32)


def _is_classifier_head(head: Any) -> bool:
    return (
        isinstance(head, torch.nn.Sequential)
        and len(head) == 3
        and isinstance(head[0], torch.nn.Linear)
        and isinstance(head[1], torch.nn.Linear)
        and isinstance(head[2], torch.nn.LogSoftmax)
    )


class NetworkForm(IncrementalForm):
    """A multitask recurrent network carrying its hidden state from exchange to exchange.

    One step of the recurrence and the heads run as float32 numpy on the CPU:
    for one exchange, the framework's per-call overhead would cost more than
    the arithmetic. The state per layer is the hidden (and, for an LSTM, the
    cell) vector, exactly what the unidirectional layer carries offline.
    """

    def __init__(self, rows: _RowSteps, net: MultitaskSequenceClassifier) -> None:
        self.rows = rows
        self.classes = np.asarray(net.classes_)
        module = net.module_
        rnn = module.rnn
        self.lstm = isinstance(rnn, torch.nn.LSTM)
        self.hidden_size, self.num_layers = rnn.hidden_size, rnn.num_layers
        self.layers = [
            tuple(_array(getattr(rnn, f"{name}_l{k}"))
                  for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
            for k in range(self.num_layers)
        ]  # fmt: skip
        self.dialogue_head = _Head(module.dialogue_head)
        trained = module.exchange_head is not None and net.alpha < 1
        self.exchange_head = _Head(module.exchange_head) if trained else None

    @staticmethod
    def supports(net: Any) -> bool:
        """True for the networks this form computes (LSTM/GRU with classifier heads)."""
        module = getattr(net, "module_", None)
        rnn = getattr(module, "rnn", None)
        return (
            isinstance(rnn, (torch.nn.LSTM, torch.nn.GRU))
            and rnn.batch_first
            and not rnn.bidirectional
            and rnn.bias
            and getattr(rnn, "proj_size", 0) == 0
            and _is_classifier_head(module.dialogue_head)
            and (module.exchange_head is None or _is_classifier_head(module.exchange_head))
        )

    def new_state(self) -> Any:
        zeros = np.zeros(self.hidden_size, dtype=np.float32)
        return [(zeros, zeros) if self.lstm else (zeros,) for _ in range(self.num_layers)]

    def _cell(self, layer: tuple, x: np.ndarray, state: tuple) -> tuple:
        w_ih, w_hh, b_ih, b_hh = layer
        h = state[0]
        n = self.hidden_size
        if self.lstm:
            gates = w_ih @ x + b_ih + w_hh @ h + b_hh  # i, f, g, o as torch orders them
            i, f, g, o = gates[:n], gates[n : 2 * n], gates[2 * n : 3 * n], gates[3 * n :]
            c = _sigmoid(f) * state[1] + _sigmoid(i) * np.tanh(g)
            return (_sigmoid(o) * np.tanh(c), c)
        x_part, h_part = w_ih @ x + b_ih, w_hh @ h + b_hh  # r, z, n
        r_in, z_in, n_in = x_part[:n], x_part[n : 2 * n], x_part[2 * n :]
        r_h, z_h, n_h = h_part[:n], h_part[n : 2 * n], h_part[2 * n :]
        r, z = _sigmoid(r_in + r_h), _sigmoid(z_in + z_h)
        n = np.tanh(n_in + r * n_h)
        return ((1 - z) * n + z * h,)

    def step(self, state: Any, row: np.ndarray, label: float) -> tuple[Any, np.ndarray, Any]:
        x = self.rows(row).astype(np.float32)
        new_state = []
        for layer, layer_state in zip(self.layers, state, strict=True):
            layer_state = self._cell(layer, x, layer_state)
            new_state.append(layer_state)
            x = layer_state[0]
        proba = self.dialogue_head(x)
        exchange = None if self.exchange_head is None else float(self.exchange_head(x)[1])
        return new_state, proba, exchange

    def dump(self, state: Any) -> dict[str, Any]:
        return {"layers": [[v.astype(np.float64).tolist() for v in layer] for layer in state]}

    def load(self, data: dict[str, Any]) -> Any:
        layers = data["layers"]
        width = 2 if self.lstm else 1
        if len(layers) != self.num_layers or any(len(layer) != width for layer in layers):
            raise ValueError(f"a state of {self.num_layers} layer(s) x {width} vector(s)")
        state = [tuple(np.asarray(v, dtype=np.float32) for v in layer) for layer in layers]
        if any(v.shape != (self.hidden_size,) for layer in state for v in layer):
            raise ValueError(f"hidden vectors of {self.hidden_size} values")
        return state


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
        state = state.copy()
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
        state = state.copy()
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

    def __init__(self, model: Any, names: np.ndarray, modalities: np.ndarray) -> None:
        self.model = model
        self.names = names
        self.modalities = modalities
        self.classes = np.asarray(model.classes_)

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
        return (rows, labels), _proba(self.model, X, None), None

    def dump(self, state: Any) -> dict[str, Any]:
        # NaN (a column the model does not read, an unrated exchange) is not JSON: None.
        return {
            "rows": [[None if np.isnan(v) else v for v in r.tolist()] for r in state[0]],
            "labels": [None if np.isnan(v) else float(v) for v in state[1]],
        }

    def load(self, data: dict[str, Any]) -> Any:
        rows = [np.array([np.nan if v is None else v for v in r], dtype=np.float64)
                for r in data["rows"]]  # fmt: skip
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
    if isinstance(head, MultitaskSequenceClassifier) and NetworkForm.supports(head):
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
    return PrefixForm(model, names, modalities)


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
