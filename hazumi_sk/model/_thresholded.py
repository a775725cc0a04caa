"""A classifier that regresses the 1-8 rating and thresholds it like the package's labels."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.linear_model import Ridge
from sklearn.metrics import accuracy_score
from sklearn.utils.validation import check_is_fitted, column_or_1d

from ..utils import HasMethods, Interval
from ._tags import follow_input_tags

__all__ = ["ThresholdedRegressor"]

_MIN_SCALE = 1e-6  # ratings are integers: a millionth of a point is "no error"


def _as_rating(values: Any, name: str) -> np.ndarray:
    values = np.asarray(values)
    if values.ndim == 2 and values.shape[1] == 1:  # a column: ravel with sklearn's warning
        values = column_or_1d(values, warn=True)
    if values.ndim != 1 or values.dtype.kind not in "biuf":
        raise ValueError(f"{name} must be a 1-D numeric array of ratings, got {values.dtype}.")
    values = values.astype(np.float64)
    if not np.isfinite(values).all():
        bad = int(np.flatnonzero(~np.isfinite(values))[0])
        raise ValueError(
            f"{name} is not finite at sample {bad}; drop the unrated dialogues before fitting."
        )
    return values


class ThresholdedRegressor(ClassifierMixin, MetaEstimatorMixin, BaseEstimator):
    """Regress the rating, classify as high when the prediction exceeds ``threshold``.

    The binary impression labels of :func:`~hazumi_sk.datasets.to_xy` throw
    away the ordinal 1-8 rating; on 54 dialogues the distance of a 7 from the
    threshold is information worth keeping. This classifier trains
    ``regressor`` on the rating and labels a dialogue high (1) when the
    predicted rating is **strictly greater** than ``threshold`` -- the
    convention of ``to_xy`` (``rating > threshold``), so a rating or a
    prediction equal to the threshold is low (0).

    How the rating reaches ``fit``: pass the binary labels as ``y`` and the
    ratings as the ``rating`` fit parameter. Every scorer, splitter and search
    then sees the binary labels (weighted F1, ROC AUC, stratified folds) while
    the regressor learns the ratings, which ``cross_validate(...,
    params={"rating": r})`` and ``GridSearchCV.fit(X, y, rating=r)`` split
    with ``X`` (in a pipeline: ``<step>__rating=r``; with metadata routing
    enabled: ``set_fit_request(rating=True)``). Without ``rating``, ``y``
    itself is taken as the rating; then only :meth:`score` (which binarises
    ``y``) is meaningful, since sklearn scorers would compare 0/1
    predictions with raw ratings.

    Parameters
    ----------
    regressor : regressor, default=None
        Any scikit-learn regressor (a pipeline ending in one, for sequences a
        pooling step first). ``None`` means ``Ridge()``.
    threshold : float, default=4.0
        High means predicted rating ``> threshold``.
    scale : float > 0 or None, default=None
        Scale of the probability map ``P(high) = expit((prediction -
        threshold) / scale)``. ``None`` uses the standard deviation of the
        training residuals (``scale_``, at least 1e-6), so a prediction one typical error
        above the threshold gets P(high) = 0.73. The map is monotone, so ROC
        AUC depends only on the predictions' order; in-sample residuals are
        smaller than test errors for a flexible regressor, which makes the
        probabilities over-confident, not misordered.

    Attributes
    ----------
    regressor_ : regressor
        The fitted clone of ``regressor``.
    classes_ : ndarray of shape (2,)
        ``[0, 1]``.
    scale_ : float
        The scale of the probability map.
    n_features_in_ : int
        Present when the regressor defines it.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from hazumi_sk.model import ThresholdedRegressor
    >>> X = np.arange(1, 9, dtype=float).reshape(-1, 1)   # the rating is the feature
    >>> rating = np.arange(1, 9)
    >>> y = (rating > 4).astype(int)
    >>> clf = ThresholdedRegressor(LinearRegression(), scale=1.0).fit(X, y, rating=rating)
    >>> clf.predict(X).tolist()                            # 4 itself is low
    [0, 0, 0, 0, 1, 1, 1, 1]
    >>> clf.predict_proba([[4.0]]).round(2).tolist()
    [[0.5, 0.5]]
    """

    _parameter_constraints: dict = {
        "regressor": [HasMethods(["fit", "predict"]), None],
        "threshold": [Real],
        "scale": [Interval(Real, 0, None, closed="neither"), None],
    }

    def __init__(self, regressor: Any = None, threshold: float = 4.0, scale: float | None = None):
        self.regressor = regressor
        self.threshold = threshold
        self.scale = scale

    def __sklearn_tags__(self):
        # X goes to the regressor untouched, so it accepts what the regressor accepts.
        regressor = Ridge() if self.regressor is None else self.regressor
        tags = follow_input_tags(super().__sklearn_tags__(), regressor)
        tags.classifier_tags.multi_class = False  # always the two classes [0, 1]
        return tags

    def _target(self, y: Any, rating: Any) -> np.ndarray:
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        if rating is None:
            return _as_rating(y, "y (taken as the rating because no rating was passed)")
        rating = _as_rating(rating, "rating")
        y = np.asarray(y)
        if y.shape != rating.shape:
            raise ValueError(f"y has shape {y.shape} but rating has shape {rating.shape}.")
        mismatch = np.flatnonzero((rating > self.threshold).astype(int) != y)
        if mismatch.size:
            i = int(mismatch[0])
            raise ValueError(
                f"y disagrees with rating > threshold={self.threshold} at sample {i} "
                f"(y={y[i]!r}, rating={rating[i]!r}); pass y binarised with the same threshold."
            )
        return rating

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any, rating: Any = None, **fit_params: Any) -> ThresholdedRegressor:
        """Fit the regressor on the ratings.

        Parameters
        ----------
        X : array-like or RaggedSequences
            Whatever ``regressor`` accepts.
        y : array-like of shape (n_samples,)
            The binary labels ``rating > threshold`` (checked), or the ratings
            themselves when ``rating`` is None.
        rating : array-like of shape (n_samples,), default=None
            The ratings the regressor learns.
        **fit_params : dict
            Passed to ``regressor.fit``.

        Returns
        -------
        self : ThresholdedRegressor
            The fitted estimator.
        """
        target = self._target(y, rating)
        regressor = Ridge() if self.regressor is None else self.regressor
        self.regressor_ = clone(regressor).fit(X, target, **fit_params)
        self.classes_ = np.array([0, 1])
        if hasattr(self.regressor_, "n_features_in_"):
            self.n_features_in_ = self.regressor_.n_features_in_
        if self.scale is None:
            residuals = target - self.regressor_.predict(X)
            # A perfect fit has (near) zero residuals; the floor keeps the map finite,
            # a near step at the threshold, instead of dividing by zero.
            self.scale_ = max(float(np.std(residuals)), _MIN_SCALE)
        else:
            self.scale_ = float(self.scale)
        return self

    def predict_rating(self, X: Any) -> np.ndarray:
        """The regressor's predicted rating."""
        check_is_fitted(self)
        return np.asarray(self.regressor_.predict(X), dtype=np.float64)

    def decision_function(self, X: Any) -> np.ndarray:
        """Predicted rating minus ``threshold`` (positive means high)."""
        return self.predict_rating(X) - self.threshold

    def predict_proba(self, X: Any) -> np.ndarray:
        """``[1 - p, p]`` with ``p = expit((predicted rating - threshold) / scale_)``."""
        high = expit(self.decision_function(X) / self.scale_)
        return np.column_stack([1.0 - high, high])

    def predict(self, X: Any) -> np.ndarray:
        """1 where the predicted rating is strictly above ``threshold``, else 0."""
        return (self.decision_function(X) > 0).astype(np.int64)

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy; ``y`` is binarised at ``threshold`` unless it is 0/1 already."""
        y = np.asarray(y)
        if not np.isin(y, (0, 1)).all():
            y = (_as_rating(y, "y") > self.threshold).astype(np.int64)
        return accuracy_score(y, self.predict(X), sample_weight=sample_weight)
