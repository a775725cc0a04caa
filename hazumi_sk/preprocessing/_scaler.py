"""Per-feature standardisation of exchange sequences, fitted on training exchanges only."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import VersionedStateMixin, check_feature_names, check_ragged, first_nonfinite

__all__ = ["SequenceScaler"]

_METHODS = ("standard", "robust")
_NONFINITE_POLICIES = ("raise", "impute")


class SequenceScaler(VersionedStateMixin, OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Centre and scale every feature over the exchanges of the training dialogues.

    The statistics pool all exchanges of the dialogues passed to ``fit`` (so
    in cross-validation only the training folds' exchanges are used); every
    exchange is then transformed as ``(x - center_) / scale_``.

    Parameters
    ----------
    method : {"standard", "robust"}, default="standard"
        ``"standard"``: mean and standard deviation. ``"robust"``: median and
        interquartile range (``quantile_range``), less sensitive to outlying
        exchanges.
    quantile_range : tuple of (float, float), default=(25.0, 75.0)
        Percentiles of the range used as scale by ``method="robust"``.
    nonfinite : {"raise", "impute"}, default="raise"
        What to do with NaN or infinite feature values. ``"raise"`` stops with
        an error naming the dialogue and the feature. ``"impute"`` computes
        the statistics over the finite values only and replaces non-finite
        values by the training center (mean or median), i.e. by 0 after
        scaling. A feature with no finite training value raises either way.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Per-feature mean (standard) or median (robust).
    scale_ : ndarray of shape (n_features,)
        Per-feature standard deviation or interquartile range. Constant
        features (scale 0) get scale 1, so they become exactly 0 instead of
        NaN; ``constant_features_`` lists them.
    constant_features_ : ndarray of str
        Names of the features that were constant over the training exchanges.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.preprocessing import SequenceScaler
    >>> X = RaggedSequences.from_arrays([[[1.0, 5.0], [3.0, 5.0]], [[5.0, 5.0]]])
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.center_.tolist(), scaler.constant_features_.tolist()
    ([3.0, 5.0], ['x1'])
    >>> scaler.transform(X).values[:, 1].tolist()
    [0.0, 0.0, 0.0]
    """

    def __init__(
        self,
        method: str = "standard",
        quantile_range: tuple[float, float] = (25.0, 75.0),
        nonfinite: str = "raise",
    ) -> None:
        self.method = method
        self.quantile_range = quantile_range
        self.nonfinite = nonfinite

    def _check_params(self) -> None:
        if self.method not in _METHODS:
            raise ValueError(f"method must be one of {_METHODS}, got {self.method!r}.")
        if self.nonfinite not in _NONFINITE_POLICIES:
            raise ValueError(
                f"nonfinite must be one of {_NONFINITE_POLICIES}, got {self.nonfinite!r}."
            )
        low, high = self.quantile_range
        if not 0 <= low < high <= 100:
            raise ValueError(
                f"quantile_range must satisfy 0 <= low < high <= 100, got {self.quantile_range}."
            )

    def _check_finite(self, X: RaggedSequences) -> None:
        if self.nonfinite == "raise":
            where = first_nonfinite(X)
            if where is not None:
                raise ValueError(
                    f"SequenceScaler: non-finite value in dialogue {where[0]!r}, feature "
                    f"{where[1]!r}. Fix the input, or pass nonfinite='impute' to replace "
                    "non-finite values by the training center."
                )

    def fit(self, X: RaggedSequences, y: Any = None) -> SequenceScaler:
        """Compute the per-feature center and scale over all exchanges of ``X``.

        Parameters
        ----------
        X : RaggedSequences
            Training sequences.
        y : ignored
            Present for API consistency.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        self._check_params()
        X = check_ragged(X, type(self).__name__)
        self._check_finite(X)
        values = np.where(np.isfinite(X.values), X.values, np.nan)
        no_finite = np.all(np.isnan(values), axis=0)
        if no_finite.any():
            raise ValueError(
                "SequenceScaler: feature(s) "
                f"{X.feature_names[no_finite][:5].tolist()} have no finite training value."
            )
        if self.method == "standard":
            center = np.nanmean(values, axis=0)
            scale = np.nanstd(values, axis=0)
        else:
            low, median, high = np.nanpercentile(
                values, [self.quantile_range[0], 50.0, self.quantile_range[1]], axis=0
            )
            center, scale = median, high - low
        # A constant feature carries no information; scale 1 maps it to 0 instead of NaN.
        constant = ~(scale > 10 * np.finfo(np.float64).eps * np.maximum(np.abs(center), 1.0))
        self.center_ = center
        self.scale_ = np.where(constant, 1.0, scale)
        self.constant_features_ = X.feature_names[constant]
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Scale every exchange with the training statistics.

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
        values = X.values
        if self.nonfinite == "impute":
            values = np.where(np.isfinite(values), values, self.center_)
        return X.replace(values=(values - self.center_) / self.scale_)

    def inverse_transform(self, X: RaggedSequences) -> RaggedSequences:
        """Undo :meth:`transform` (imputed values come back as the training center).

        Parameters
        ----------
        X : RaggedSequences
            Scaled sequences.

        Returns
        -------
        X_original : RaggedSequences
            Values on the original scale.
        """
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        return X.replace(values=X.values * self.scale_ + self.center_)
