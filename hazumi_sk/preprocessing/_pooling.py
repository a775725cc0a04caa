"""Pool each dialogue's exchanges into one row of statistics (the strong flat baseline)."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    Interval,
    StrOptions,
    VersionedStateMixin,
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
)

__all__ = ["SequencePooler"]

#: Every statistic the pooler knows, in the order the documentation lists them.
POOLING_STATISTICS = (
    "mean",
    "std",
    "min",
    "max",
    "first",
    "last",
    "head_mean",
    "tail_mean",
    "slope",
)
#: Statistics that look at the first/last ``k`` exchanges only.
_WINDOWED = ("head_mean", "tail_mean")


def _positions(X: RaggedSequences) -> np.ndarray:
    """Position of every stacked row within its dialogue (0, 1, ..., n_i - 1)."""
    return np.arange(X.n_exchanges) - np.repeat(X.offsets[:-1], X.lengths)


def _segment_sum(X: RaggedSequences, values: np.ndarray) -> np.ndarray:
    # Every dialogue has at least one exchange (check_ragged), so reduceat's
    # empty-segment quirk never applies.
    return np.add.reduceat(values, X.offsets[:-1], axis=0)


def _mean(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return _segment_sum(X, X.values) / X.lengths[:, None]


def _std(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    # Population std (ddof=0): a one-exchange dialogue gets 0, never NaN.
    centred = X.values - np.repeat(_mean(X, k), X.lengths, axis=0)
    return np.sqrt(_segment_sum(X, centred**2) / X.lengths[:, None])


def _min(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return np.minimum.reduceat(X.values, X.offsets[:-1], axis=0)


def _max(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return np.maximum.reduceat(X.values, X.offsets[:-1], axis=0)


def _first(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return X.values[X.offsets[:-1]]


def _last(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return X.values[X.offsets[1:] - 1]


def _window_mean(X: RaggedSequences, k: np.ndarray, head: bool) -> np.ndarray:
    position = _positions(X)
    window = np.repeat(k, X.lengths)
    inside = position < window if head else position >= np.repeat(X.lengths, X.lengths) - window
    return _segment_sum(X, np.where(inside[:, None], X.values, 0.0)) / k[:, None]


def _head_mean(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return _window_mean(X, k, head=True)


def _tail_mean(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    return _window_mean(X, k, head=False)


def _slope(X: RaggedSequences, k: np.ndarray) -> np.ndarray:
    # Least-squares slope of value on exchange index; 0 for a one-exchange dialogue
    # (no trend can be estimated, and 0 keeps the column finite).
    t = _positions(X) - np.repeat((X.lengths - 1) / 2.0, X.lengths)
    centred = X.values - np.repeat(_mean(X, k), X.lengths, axis=0)
    denominator = _segment_sum(X, t**2)
    numerator = _segment_sum(X, t[:, None] * centred)
    safe = np.where(denominator > 0, denominator, 1.0)
    return np.where(denominator[:, None] > 0, numerator / safe[:, None], 0.0)


_FUNCTIONS = {
    "mean": _mean,
    "std": _std,
    "min": _min,
    "max": _max,
    "first": _first,
    "last": _last,
    "head_mean": _head_mean,
    "tail_mean": _tail_mean,
    "slope": _slope,
}


class SequencePooler(VersionedStateMixin, TransformerMixin, BaseEstimator):
    """Summarise each dialogue's exchanges by per-feature statistics: one row per dialogue.

    The output is a plain 2-D array, so any scikit-learn estimator can follow
    (``StandardScaler``, ``LogisticRegression``, ...) inside a ``Pipeline`` whose
    input is still :class:`~hazumi_sk.sequences.RaggedSequences`. Pooled
    logistic regression is as good as the paper's LSTM on Hazumi, which makes
    this the baseline every sequence model must beat.

    Parameters
    ----------
    stats : str or sequence of str, default=("mean", "std")
        Statistics computed per dialogue and feature, in output order:

        - ``"mean"``, ``"std"`` (population std, ``ddof=0``: a one-exchange
          dialogue gets 0), ``"min"``, ``"max"``;
        - ``"first"``, ``"last"``: the first and last exchange;
        - ``"head_mean"``, ``"tail_mean"``: the mean of the first / last ``k``
          exchanges (opening and closing behaviour);
        - ``"slope"``: least-squares trend of the feature over the exchange
          index (per exchange; 0 for a one-exchange dialogue).
    k : int, default=3
        Window of ``"head_mean"`` and ``"tail_mean"``; unused otherwise.
    short : {"raise", "use_all"}, default="raise"
        What to do with a dialogue with fewer than ``k`` exchanges when a
        windowed statistic is requested: ``"raise"`` stops with an error
        naming the dialogue and ``k``; ``"use_all"`` averages all its
        exchanges instead.

    Attributes
    ----------
    stats_ : tuple of str
        The validated statistics.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.
    modalities_in_ : ndarray of str of shape (n_features,)
        Modality tag of each input feature.

    See Also
    --------
    SequenceTransformer : Apply a 2-D transformer to the exchanges, keeping sequences.

    Notes
    -----
    Non-finite values raise an error naming the dialogue and the feature;
    impute first (``SequenceScaler(nonfinite="impute")``) if needed. Output
    columns are ordered statistic-major: all features' means, then all
    features' standard deviations, and so on, named ``f"{stat}__{feature}"``.

    Examples
    --------
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.preprocessing import SequencePooler
    >>> X = RaggedSequences.from_arrays(
    ...     [[[1.0], [3.0]], [[5.0]]], feature_names=["ADJ"], dialogue_ids=["a", "b"])
    >>> pooler = SequencePooler(stats=("mean", "std", "last")).fit(X)
    >>> pooler.transform(X)
    array([[2., 1., 3.],
           [5., 0., 5.]])
    >>> pooler.get_feature_names_out().tolist()
    ['mean__ADJ', 'std__ADJ', 'last__ADJ']
    """

    _parameter_constraints: dict = {
        "stats": [str, list, tuple],
        "k": [Interval(Integral, 1, None, closed="left")],
        "short": [StrOptions({"raise", "use_all"})],
    }

    def __init__(
        self,
        stats: str | Sequence[str] = ("mean", "std"),
        k: int = 3,
        short: str = "raise",
    ) -> None:
        self.stats = stats
        self.k = k
        self.short = short

    def _resolve_stats(self) -> tuple[str, ...]:
        stats = (self.stats,) if isinstance(self.stats, str) else tuple(self.stats)
        if not stats:
            raise ValueError("The 'stats' parameter of SequencePooler must name a statistic.")
        unknown = [s for s in stats if s not in _FUNCTIONS]
        if unknown:
            raise ValueError(
                f"The 'stats' parameter of SequencePooler has unknown statistic(s) {unknown}; "
                f"choose from {list(POOLING_STATISTICS)}."
            )
        repeated = sorted({s for s in stats if stats.count(s) > 1})
        if repeated:
            raise ValueError(f"The 'stats' parameter of SequencePooler repeats {repeated}.")
        return stats

    def _check_input(self, X: RaggedSequences) -> RaggedSequences:
        X = check_ragged(X, type(self).__name__)
        check_finite(X, "SequencePooler")
        return X

    def _windows(self, X: RaggedSequences, stats: tuple[str, ...]) -> np.ndarray:
        """Per-dialogue window of the head/tail means (``k``, or the length if shorter)."""
        if not any(s in _WINDOWED for s in stats):
            return np.full(X.n_dialogues, self.k)
        short = X.lengths < self.k
        if short.any() and self.short == "raise":
            ids = X.dialogue_ids[short].tolist()
            raise ValueError(
                f"SequencePooler: dialogue {ids[0]!r} has {int(X.lengths[short][0])} exchange(s), "
                f"fewer than k={self.k} needed by {[s for s in stats if s in _WINDOWED]} "
                f"({len(ids)} such dialogue(s): {ids[:5]}). Lower k or pass "
                "short='use_all' to average all exchanges of short dialogues."
            )
        return np.minimum(X.lengths, self.k)

    def fit(self, X: RaggedSequences, y: Any = None) -> SequencePooler:
        """Validate the statistics and remember the input columns.

        Parameters
        ----------
        X : RaggedSequences
            Training sequences.
        y : ignored
            Present for API consistency (the dialogue labels pass on to the next step).

        Returns
        -------
        self : SequencePooler
            The fitted pooler.
        """
        self._validate_params()
        stats = self._resolve_stats()
        X = self._check_input(X)
        self._windows(X, stats)
        self.stats_ = stats
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        self.modalities_in_ = X.modalities.copy()
        return self

    def transform(self, X: RaggedSequences) -> np.ndarray:
        """One row of statistics per dialogue.

        Parameters
        ----------
        X : RaggedSequences
            Sequences with the columns seen in ``fit``.

        Returns
        -------
        X_pooled : ndarray of float of shape (n_dialogues, n_stats * n_features)
            Rows in dialogue order; columns as :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        X = self._check_input(X)
        check_feature_names(self, X)
        X = X.replace(values=X.values.astype(np.float64, copy=False))
        k = self._windows(X, self.stats_)
        return np.hstack([_FUNCTIONS[stat](X, k) for stat in self.stats_])

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output names ``f"{stat}__{feature}"``, statistic-major.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must equal ``feature_names_in_`` if given.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per output column.
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        return np.array(
            [f"{stat}__{name}" for stat in self.stats_ for name in self.feature_names_in_],
            dtype=object,
        )
