"""TwoStageClassifier: known answers, out-of-fold stage-2 training, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.neighbors import KNeighborsClassifier
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from hazumi_sk.model import TwoStageClassifier
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.sequences import RaggedSequences


def _mean_label_dialogues(n_dialogues=40, seed=0):
    """Dialogue label = (mean exchange label > 4); feature 0 *is* the exchange label."""
    rng = np.random.default_rng(seed)
    arrays, labels, y = [], [], []
    while len(y) < n_dialogues:
        size = int(rng.integers(4, 10))
        ratings = rng.integers(1, 8, size).astype(float)
        if abs(ratings.mean() - 4) < 0.4:  # keep a margin so a linear stage 2 can be exact
            continue
        arrays.append(np.column_stack([ratings, rng.normal(size=size)]))
        labels.append(ratings)
        y.append(int(ratings.mean() > 4))
    X = RaggedSequences.from_arrays(arrays, exchange_labels=labels)
    return X, np.array(y)


def test_regressor_stage_one_recovers_mean_rule_on_new_dialogues():
    X, y = _mean_label_dialogues(60, seed=0)
    X_new, y_new = _mean_label_dialogues(40, seed=1)
    model = TwoStageClassifier(
        exchange_estimator=LinearRegression(),
        dialogue_estimator=LogisticRegression(C=100.0),
        aggregate=["mean"],
        cv=4,
    ).fit(X, y)
    # Stage 1 reproduces the labels exactly, so the aggregated feature is the mean label.
    means = np.array([labels.mean() for labels in (X_new.labels_of(i) for i in range(40))])
    np.testing.assert_allclose(model.transform(X_new)[:, 0], means, atol=1e-8)
    assert model.score(X_new, y_new) >= 0.95
    assert model.get_feature_names_out().tolist() == ["exchange_pred__mean"]


def test_classifier_stage_one_on_informative_toy_data():
    X, y = make_toy_sequences(n_dialogues=60, signal=3.0, random_state=0)
    X_new, y_new = make_toy_sequences(n_dialogues=40, signal=3.0, random_state=1)
    model = TwoStageClassifier(cv=3).fit(X, y)
    assert model.score(X_new, y_new) >= 0.9
    assert model.n_unrated_exchanges_ == int(np.isnan(X.exchange_labels).sum()) > 0
    assert model.n_rated_exchanges_ + model.n_unrated_exchanges_ == X.n_exchanges
    assert model.predict_proba(X_new).shape == (40, 2)


def _manual_oof_mean(X, y, n_splits):
    labels = np.where(np.isnan(X.exchange_labels), np.nan, (X.exchange_labels > 4) * 1.0)
    labelled = X.replace(exchange_labels=labels)
    features = np.zeros(len(y))
    for train, test in StratifiedKFold(n_splits).split(np.zeros(len(y)), y):
        part = labelled[train]
        rated = ~np.isnan(part.exchange_labels)
        knn = KNeighborsClassifier(n_neighbors=1).fit(
            part.values[rated], part.exchange_labels[rated]
        )
        for i in test:
            features[i] = knn.predict_proba(X.sequence(i))[:, 1].mean()
    return features


def test_dialogue_stage_is_trained_on_out_of_fold_predictions():
    # Noisy features: a memorising 1-NN is perfect in sample, not out of fold.
    X, y = make_toy_sequences(n_dialogues=30, signal=0.5, unrated=0.0, random_state=2)
    model = TwoStageClassifier(
        exchange_estimator=KNeighborsClassifier(n_neighbors=1), aggregate=["mean"], cv=3
    ).fit(X, y)
    np.testing.assert_allclose(model.oof_features_[:, 0], _manual_oof_mean(X, y, 3))
    in_sample = model.transform(X)[:, 0]
    high = np.array([(X.labels_of(i) > 4).mean() for i in range(len(y))])
    np.testing.assert_allclose(in_sample, high)  # the refitted 1-NN memorised them
    assert np.abs(model.oof_features_[:, 0] - high).max() > 0.2


def test_runs_inside_grid_search():
    X, y = make_toy_sequences(n_dialogues=30, signal=2.0, random_state=3)
    search = GridSearchCV(
        TwoStageClassifier(cv=3), {"aggregate": [["mean"], ["mean", "slope", "last"]]}, cv=3
    ).fit(X, y)
    assert search.best_score_ > 0.7
    assert len(search.best_estimator_.get_feature_names_out()) in (1, 3)


def test_exchange_y_fit_parameter_replaces_labels_in_X():
    X, y = make_toy_sequences(n_dialogues=20, signal=2.0, random_state=4)
    stripped = X.replace(exchange_labels=None)
    per_dialogue = [X.labels_of(i) for i in range(len(y))]
    a = TwoStageClassifier(cv=3).fit(X, y)
    b = TwoStageClassifier(cv=3).fit(stripped, y, exchange_y=per_dialogue)
    np.testing.assert_allclose(a.oof_features_, b.oof_features_)


def test_missing_exchange_labels_error_names_parameter():
    X, y = make_toy_sequences(n_dialogues=12, random_state=0)
    with pytest.raises(ValueError, match="exchange_estimator.*exchange_y"):
        TwoStageClassifier(cv=3).fit(X.replace(exchange_labels=None), y)


def test_wrong_length_exchange_y_names_dialogue():
    X, y = make_toy_sequences(n_dialogues=12, random_state=0)
    labels = [X.labels_of(i) for i in range(12)]
    labels[2] = labels[2][:-1]
    with pytest.raises(ValueError, match="Dialogue 'd002'"):
        TwoStageClassifier(cv=3).fit(X, y, exchange_y=labels)


def test_classifier_without_predict_proba_is_rejected_by_name():
    X, y = make_toy_sequences(n_dialogues=12, random_state=0)
    with pytest.raises(ValueError, match="'exchange_estimator'.*SVC has no predict_proba"):
        TwoStageClassifier(exchange_estimator=SVC(), cv=3).fit(X, y)


def test_bad_parameters_are_named():
    X, y = make_toy_sequences(n_dialogues=12, random_state=0)
    with pytest.raises(ValueError, match="'aggregate'.*unknown \\['median'\\]"):
        TwoStageClassifier(aggregate=["mean", "median"], cv=3).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'k'"):
        TwoStageClassifier(k=0, cv=3).fit(X, y)
    with pytest.raises(TypeError, match="RaggedSequences"):
        TwoStageClassifier(cv=3).fit(np.zeros((12, 3)), y)


def test_nonfinite_feature_names_dialogue():
    X, y = make_toy_sequences(n_dialogues=12, random_state=0)
    values = X.values.copy()
    values[X.offsets[5], 1] = np.nan
    with pytest.raises(ValueError, match="dialogue 'd005'"):
        TwoStageClassifier(cv=3).fit(X.replace(values=values), y)


def test_aggregates_known_values():
    X = RaggedSequences.from_arrays(
        [np.array([[0.0], [1.0], [2.0], [3.0]])], exchange_labels=[np.ones(4)]
    )
    model = TwoStageClassifier(
        exchange_estimator=LinearRegression(),
        aggregate=["mean", "first", "last", "slope", "first_k_mean", "last_k_mean", "max"],
        k=2,
    )
    got = model._aggregate(np.array([0.0, 1.0, 2.0, 3.0]), X.offsets)
    np.testing.assert_allclose(got, [[1.5, 0.0, 3.0, 3.0, 0.5, 2.5, 3.0]])
