"""MultitaskSequenceRegressor: learning both ratings, standardisation, masking, errors, saving."""

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, KFold

from hazumi_sk.model import (
    MultitaskRegressionLoss,
    MultitaskSequenceClassifier,
    MultitaskSequenceRegressor,
    ThresholdedRegressor,
)
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.persistence import load_model, save_model
from hazumi_sk.sequences import RaggedSequences


def _dialogue_ratings(X: RaggedSequences) -> np.ndarray:
    """A 1-8-like dialogue rating: the dialogue's mean exchange rating, shifted by 1."""
    means = [np.nanmean(labels) for labels in np.split(X.exchange_labels, X.offsets[1:-1])]
    return np.asarray(means) + 1.0


@pytest.fixture(scope="module")
def data():
    X, _ = make_toy_sequences(n_dialogues=24, lengths=(4, 10), random_state=0)
    return X, _dialogue_ratings(X)


def small(**params):
    defaults = {
        "hidden_size": 8,
        "head_size": 8,
        "max_epochs": 30,
        "lr": 0.02,
        "random_state": 0,
        "torch_num_threads": 1,
    }
    return MultitaskSequenceRegressor(**{**defaults, **params})


@pytest.fixture(scope="module")
def fitted(data):
    X, rating = data
    return small().fit(X, rating)


# ----------------------------------------------------------------- learning
def test_learns_the_dialogue_and_exchange_ratings(fitted, data):
    X, rating = data
    assert fitted.score(X, rating) > 0.6
    predicted = fitted.predict_exchange(X)
    rated = ~np.isnan(X.exchange_labels)
    r = np.corrcoef(predicted.values[rated, 0], X.exchange_labels[rated])[0, 1]
    assert r > 0.6


def test_predictions_are_on_the_rating_scale(fitted, data):
    X, rating = data
    predicted = fitted.predict(X)
    # The targets are z-scored inside; outputs must come back in rating units.
    assert abs(predicted.mean() - rating.mean()) < 0.5
    assert fitted.y_mean_ == pytest.approx(rating.mean())
    assert fitted.y_scale_ == pytest.approx(rating.std())
    rated = X.exchange_labels[~np.isnan(X.exchange_labels)]
    assert fitted.exchange_mean_ == pytest.approx(rated.mean())
    assert fitted.exchange_scale_ == pytest.approx(rated.std())
    assert fitted.n_rated_exchanges_ == rated.size


def test_without_standardisation_the_targets_are_raw(data):
    X, rating = data
    reg = small(standardize_targets=False, max_epochs=2).fit(X, rating)
    assert (reg.y_mean_, reg.y_scale_, reg.exchange_mean_, reg.exchange_scale_) == (0, 1, 0, 1)


def test_a_constant_rating_is_not_divided_by_zero(data):
    X, _ = data
    reg = small(max_epochs=2).fit(X, np.full(X.n_dialogues, 5.0))
    assert reg.y_scale_ == 1.0
    assert np.isfinite(reg.predict(X)).all()


def test_running_estimate_ends_at_the_prediction(fitted, data):
    X, _ = data
    running = fitted.predict_running(X)
    assert running.feature_names.tolist() == ["rating"]
    assert np.array_equal(running.lengths, X.lengths)
    last = running.values[X.offsets[1:] - 1, 0]
    np.testing.assert_allclose(last, fitted.predict(X), rtol=1e-5, atol=1e-5)


def test_same_seed_same_predictions(data):
    X, rating = data
    a = small(max_epochs=3).fit(X, rating).predict(X)
    b = small(max_epochs=3).fit(X, rating).predict(X)
    assert np.array_equal(a, b)


def test_single_task_needs_no_exchange_labels(data):
    X, rating = data
    bare = RaggedSequences(X.values, X.offsets, feature_names=X.feature_names)
    reg = small(alpha=1.0, max_epochs=2).fit(bare, rating)
    assert reg.n_rated_exchanges_ == 0
    with pytest.warns(UserWarning, match="alpha=1 trains no exchange task"):
        reg.predict_exchange(bare)


# ------------------------------------------------------------------ masking
def test_loss_masks_unrated_exchanges_and_padding():
    loss = MultitaskRegressionLoss(alpha=0.5)
    dialogue = (torch.tensor([0.0]), torch.tensor([[1.0, 100.0, -50.0]]))
    mask = torch.tensor([[1.0, 0.0, 0.0]])
    target = (torch.tensor([0.0]), torch.tensor([[0.0, 0.0, 0.0]]), mask)
    assert float(loss(dialogue, target)) == pytest.approx(0.5)
    assert float(MultitaskRegressionLoss(alpha=1.0)(dialogue, target)) == 0.0


def test_shifting_the_exchange_ratings_only_shifts_their_predictions(data):
    # Standardised targets: +2 on every exchange rating leaves the z-scores, hence the
    # whole fit, unchanged; the exchange predictions come back 2 higher.
    X, rating = data
    labels = X.exchange_labels
    a = small(max_epochs=3).fit(X, rating, exchange_y=labels)
    b = small(max_epochs=3).fit(X, rating, exchange_y=labels + 2.0)
    np.testing.assert_allclose(b.predict(X), a.predict(X), rtol=1e-6)
    np.testing.assert_allclose(
        b.predict_exchange(X).values, a.predict_exchange(X).values + 2.0, rtol=1e-5
    )
    # ...while other rated values (same unrated set) do change the fit.
    c = small(max_epochs=3).fit(X, rating, exchange_y=8.0 - labels)
    assert not np.allclose(c.predict(X), a.predict(X))


# ------------------------------------------------------------ in pipelines
def test_thresholded_is_a_classifier_on_the_same_labels(data):
    X, rating = data
    y = (rating > 4).astype(int)
    clf = ThresholdedRegressor(small(), threshold=4.0).fit(X, y, rating=rating)
    assert clf.score(X, y) > 0.8
    assert clf.predict_proba(X).shape == (X.n_dialogues, 2)


def test_grid_search_over_alpha(data):
    X, rating = data
    search = GridSearchCV(small(max_epochs=2), {"alpha": [0.5, 1.0]}, cv=KFold(2))
    search.fit(X, rating)
    assert search.best_params_["alpha"] in (0.5, 1.0)


def test_saved_model_predicts_the_same(fitted, data, tmp_path):
    X, _ = data
    loaded, _ = load_model(save_model(fitted, tmp_path / "regressor.hzm"))
    assert isinstance(loaded, MultitaskSequenceRegressor)
    assert np.array_equal(loaded.predict(X), fitted.predict(X))
    assert np.array_equal(loaded.predict_exchange(X).values, fitted.predict_exchange(X).values)


def test_the_classifier_is_unchanged_by_the_shared_base(data):
    # Both share _MultitaskSequenceNet; the classifier must still output probabilities.
    X, rating = data
    clf = MultitaskSequenceClassifier(hidden_size=4, head_size=4, max_epochs=2, random_state=0)
    proba = clf.fit(X, (rating > 4).astype(int)).predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-6)


# ------------------------------------------------------------------- errors
def test_unfitted_use_raises(data):
    X, _ = data
    for method in ("predict", "predict_exchange", "predict_running"):
        with pytest.raises(NotFittedError):
            getattr(clone(small()), method)(X)


def test_non_finite_rating_names_the_dialogue(data):
    X, rating = data
    bad = rating.copy()
    bad[3] = np.nan
    with pytest.raises(ValueError, match=r"dialogue 'd003'"):
        small().fit(X, bad)


def test_non_numeric_rating_is_rejected(data):
    X, _ = data
    with pytest.raises(ValueError, match="numeric ratings"):
        small().fit(X, np.array(["high"] * X.n_dialogues))


def test_rating_length_must_match(data):
    X, rating = data
    with pytest.raises(ValueError, match="dialogues"):
        small().fit(X, rating[:-1])


def test_multitask_without_exchange_labels_says_so(data):
    X, rating = data
    bare = RaggedSequences(X.values, X.offsets, feature_names=X.feature_names)
    with pytest.raises(ValueError, match="no exchange ratings were given"):
        small(alpha=0.5).fit(bare, rating)


def test_infinite_exchange_rating_is_rejected(data):
    X, rating = data
    labels = X.exchange_labels.copy()
    labels[0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        small().fit(X, rating, exchange_y=labels)


def test_bad_parameter_is_named(data):
    X, rating = data
    with pytest.raises(ValueError, match="standardize_targets"):
        small(standardize_targets="yes").fit(X, rating)


def test_has_no_predict_proba(fitted):
    # skorch's NeuralNet defines one; scikit-learn picks response methods with hasattr.
    assert not hasattr(fitted, "predict_proba")
    with pytest.raises(AttributeError, match="ThresholdedRegressor"):
        fitted.predict_proba  # noqa: B018
