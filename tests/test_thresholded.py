"""ThresholdedRegressor: known answers, the tie convention, rating as fit metadata."""

from __future__ import annotations

import numpy as np
import pytest
import sklearn
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, cross_validate
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from hazumi_sk.model import ThresholdedRegressor
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.preprocessing import SequencePooler


def _linear_ratings(n=80, noise=0.5, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3))
    rating = np.clip(np.rint(4.5 + 1.5 * X[:, 0] + rng.normal(0, noise, n)), 1, 8)
    return X, rating, (rating > 4).astype(int)


class _FirstColumn(RegressorMixin, BaseEstimator):
    """Predicts exactly its first feature, so ties at the threshold are exact."""

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.asarray(X, dtype=float)[:, 0]


def test_equal_to_threshold_is_low_like_to_xy():
    X = np.arange(1, 9, dtype=float).reshape(-1, 1)
    rating = np.arange(1, 9)
    clf = ThresholdedRegressor(_FirstColumn()).fit(X, (rating > 4).astype(int), rating=rating)
    assert clf.predict(X).tolist() == [0, 0, 0, 0, 1, 1, 1, 1]
    assert clf.classes_.tolist() == [0, 1]
    # A perfect fit has no residuals: the scale floors at 1e-6, probabilities are a step.
    assert clf.scale_ == 1e-6
    np.testing.assert_allclose(clf.predict_proba([[4.0], [4.5]]), [[0.5, 0.5], [0.0, 1.0]])
    assert clf.predict([[4.0]]).tolist() == [0]


def test_scale_is_training_residual_std_and_proba_is_its_logistic():
    X, rating, y = _linear_ratings()
    clf = ThresholdedRegressor(LinearRegression()).fit(X, y, rating=rating)
    reference = LinearRegression().fit(X, rating)
    residual_std = np.std(rating - reference.predict(X))
    assert clf.scale_ == pytest.approx(residual_std)
    pred = reference.predict(X)
    expected = 1 / (1 + np.exp(-(pred - 4) / residual_std))
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected)
    np.testing.assert_array_equal(clf.predict(X), (pred > 4).astype(int))
    assert clf.score(X, y) > 0.85
    assert clf.score(X, rating) == clf.score(X, y)  # score binarises ratings


def test_y_is_the_rating_when_no_rating_is_passed():
    X, rating, y = _linear_ratings()
    a = ThresholdedRegressor(Ridge()).fit(X, y, rating=rating)
    b = ThresholdedRegressor(Ridge()).fit(X, rating)
    np.testing.assert_allclose(a.predict_proba(X), b.predict_proba(X))


def test_grid_search_with_rating_fit_param_scores_binary_labels():
    X, rating, y = _linear_ratings(n=100, seed=1)
    search = GridSearchCV(
        ThresholdedRegressor(Ridge()),
        {"regressor__alpha": [0.1, 1e4]},
        scoring={"f1": "f1_weighted", "auc": "roc_auc"},
        refit="f1",
        cv=4,
    ).fit(X, y, rating=rating)
    assert search.best_params_ == {"regressor__alpha": 0.1}  # heavy shrinkage predicts ~mean
    assert search.best_score_ > 0.8
    assert search.cv_results_["mean_test_auc"][0] > 0.9


def test_cross_validate_on_sequences_in_a_pipeline():
    X, y = make_toy_sequences(n_dialogues=40, signal=2.0, unrated=0.0, random_state=0)
    # A dialogue "rating": its mean exchange sentiment shifted onto 1-8, consistent with y.
    rating = np.array([X.labels_of(i).mean() for i in range(len(y))]) + 0.5
    y = (rating > 4).astype(int)
    model = ThresholdedRegressor(make_pipeline(SequencePooler(), Ridge()))
    result = cross_validate(model, X, y, params={"rating": rating}, scoring="f1_weighted", cv=4)
    assert result["test_score"].mean() > 0.8


def test_metadata_routing_request():
    X, rating, y = _linear_ratings()
    with sklearn.config_context(enable_metadata_routing=True):
        model = ThresholdedRegressor(Ridge()).set_fit_request(rating=True)
        result = cross_validate(model, X, y, params={"rating": rating}, cv=3)
    assert result["test_score"].mean() > 0.8


def test_errors_name_the_problem():
    X, rating, y = _linear_ratings()
    flipped = y.copy()
    flipped[7] = 1 - flipped[7]
    with pytest.raises(ValueError, match="at sample 7"):
        ThresholdedRegressor().fit(X, flipped, rating=rating)
    missing = rating.copy()
    missing[3] = np.nan
    with pytest.raises(ValueError, match="rating is not finite at sample 3"):
        ThresholdedRegressor().fit(X, y, rating=missing)
    with pytest.raises(InvalidParameterError, match="'regressor'"):
        ThresholdedRegressor(regressor="ridge").fit(X, y, rating=rating)
    with pytest.raises(InvalidParameterError, match="'scale'"):
        ThresholdedRegressor(scale=0.0).fit(X, y, rating=rating)
