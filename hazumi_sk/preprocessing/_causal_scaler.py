"""Causal per-dialogue standardisation: each exchange scaled with the exchanges seen so far."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    StrictInterval,
    StrOptions,
    VersionedStateMixin,
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
)
from ._scaler import _finite_training_values, _safe_scale

__all__ = ["CausalSequenceScaler"]


def _running_center_scale(block: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Running mean, standard deviation and count over rows ``0..t`` (NaN values skipped)."""
    finite = ~np.isnan(block)
    # Shifted by each column's first finite value: the running sums of squares then hold
    # deviations from a nearby level, not raw magnitudes, so E[x^2] - E[x]^2 keeps its digits.
    first = np.argmax(finite, axis=0)
    reference = np.nan_to_num(block[first, np.arange(block.shape[1])])
    shifted = np.where(finite, block - reference, 0.0)
    count = np.cumsum(finite, axis=0, dtype=np.float64)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.cumsum(shifted, axis=0) / count
        variance = np.cumsum(shifted**2, axis=0) / count - mean**2
    return mean + reference, np.sqrt(np.maximum(variance, 0.0)), count


class CausalSequenceScaler(VersionedStateMixin, TransformerMixin, BaseEstimator):
    """Standardise every feature within each dialogue using only the exchanges seen so far.

    Exchange ``t`` of a dialogue is transformed with the running mean and
    standard deviation of exchanges ``0..t`` of the *same* dialogue, as a live
    system that normalises a new participant while the dialogue unfolds would
    do: no exchange's output depends on a later exchange. This is the causal
    counterpart of :class:`SequenceScaler` with ``per_dialogue=True``, which
    uses the statistics of the whole dialogue.

    While fewer than ``min_exchanges`` (finite) values of a feature have been
    seen, the running statistics are too noisy, and the feature is scaled with
    the training exchanges' mean and standard deviation instead (``center_``,
    ``scale_``, as :class:`SequenceScaler` would), the cold start of a tracker.

    Parameters
    ----------
    min_exchanges : int, default=3
        Number of exchanges of a dialogue (including the current one) from
        which its running statistics are used. ``1`` uses them from the first
        exchange, which then maps every feature to 0.
    nonfinite : {"raise", "impute"}, default="raise"
        What to do with NaN or infinite feature values. ``"raise"`` stops with
        an error naming the dialogue and the feature. ``"impute"`` skips them
        in every statistic and outputs 0 for them.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Mean of every feature over the training exchanges (the cold start).
    scale_ : ndarray of shape (n_features,)
        Standard deviation over the training exchanges; constant features get 1.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.

    See Also
    --------
    SequenceScaler : training-set or whole-dialogue (non-causal) standardisation.

    Examples
    --------
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.preprocessing import CausalSequenceScaler
    >>> X = RaggedSequences.from_arrays([[[1.0], [3.0], [5.0], [100.0]]])
    >>> scaler = CausalSequenceScaler(min_exchanges=2).fit(X)
    >>> scaler.transform(X).values.ravel().round(3).tolist()
    [-0.625, 1.0, 1.225, 1.731]

    Changing a later exchange never changes an earlier output:

    >>> X2 = RaggedSequences.from_arrays([[[1.0], [3.0], [5.0], [-7.0]]])
    >>> scaler.transform(X2).values.ravel()[:3].round(3).tolist()
    [-0.625, 1.0, 1.225]
    """

    _parameter_constraints: dict = {
        "min_exchanges": [StrictInterval(Integral, 1, None, closed="left")],
        "nonfinite": [StrOptions({"raise", "impute"})],
    }

    def __init__(self, min_exchanges: int = 3, nonfinite: str = "raise") -> None:
        self.min_exchanges = min_exchanges
        self.nonfinite = nonfinite

    def _check_finite(self, X: RaggedSequences) -> None:
        if self.nonfinite == "raise":
            check_finite(
                X,
                "CausalSequenceScaler",
                "Fix the input, or pass nonfinite='impute' to skip non-finite values.",
            )

    def fit(self, X: RaggedSequences, y: Any = None) -> CausalSequenceScaler:
        """Store the training exchanges' mean and standard deviation (the cold start).

        Parameters
        ----------
        X : RaggedSequences
            Training sequences.
        y : ignored
            Present for API consistency.

        Returns
        -------
        self : CausalSequenceScaler
            The fitted scaler.
        """
        self._validate_params()
        X = check_ragged(X, type(self).__name__)
        self._check_finite(X)
        values = _finite_training_values(X, "CausalSequenceScaler")
        self.center_ = np.nanmean(values, axis=0)
        self.scale_ = _safe_scale(self.center_, np.nanstd(values, axis=0))[0]
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Scale exchange ``t`` of each dialogue with that dialogue's exchanges ``0..t``.

        Parameters
        ----------
        X : RaggedSequences
            Sequences with the columns seen in ``fit``.

        Returns
        -------
        X_scaled : RaggedSequences
            Same dialogues, ids and exchange labels, scaled values.
        """
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        self._check_finite(X)
        finite = np.isfinite(X.values)
        values = np.where(finite, X.values, np.nan)
        scaled = np.empty_like(values, dtype=np.float64)
        for start, stop in zip(X.offsets[:-1], X.offsets[1:], strict=True):
            block = values[start:stop]
            mean, std, count = _running_center_scale(block)
            std = _safe_scale(mean, std)[0]
            warm = count >= self.min_exchanges
            center = np.where(warm, mean, self.center_)
            scale = np.where(warm, std, self.scale_)
            scaled[start:stop] = (block - center) / scale
        scaled[~finite] = 0.0
        return X.replace(values=scaled)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input feature names (one output column per input column).

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must equal ``feature_names_in_`` if given.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        return self.feature_names_in_.astype(object)
