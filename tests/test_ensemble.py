"""SeedEnsembleClassifier: exact averaging, seeds, the multitask network, clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_classification
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils._param_validation import InvalidParameterError

from hazumi_sk.model import MultitaskSequenceClassifier, SeedEnsembleClassifier
from hazumi_sk.model._toy import make_toy_sequences


def _data():
    return make_classification(n_samples=80, n_features=6, flip_y=0.2, random_state=0)


def test_probabilities_are_the_mean_of_members_fitted_with_seeds_():
    X, y = _data()
    forest = RandomForestClassifier(n_estimators=2)
    ensemble = SeedEnsembleClassifier(forest, n_seeds=4, random_state=0).fit(X, y)
    assert len(ensemble.estimators_) == 4 and len(set(ensemble.seeds_.tolist())) == 4
    manual = [clone(forest).set_params(random_state=int(s)).fit(X, y) for s in ensemble.seeds_]
    expected = np.mean([m.predict_proba(X) for m in manual], axis=0)
    np.testing.assert_allclose(ensemble.predict_proba(X), expected)
    np.testing.assert_array_equal(ensemble.predict(X), ensemble.classes_[expected.argmax(1)])
    assert ensemble.n_features_in_ == 6


def test_same_random_state_same_fit_and_nested_seeds_are_set():
    X, y = _data()
    pipe = make_pipeline(StandardScaler(), RandomForestClassifier(n_estimators=2))
    a = SeedEnsembleClassifier(pipe, n_seeds=3, random_state=1).fit(X, y)
    b = SeedEnsembleClassifier(pipe, n_seeds=3, random_state=1).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    seeds = [m.get_params()["randomforestclassifier__random_state"] for m in a.estimators_]
    assert seeds == a.seeds_.tolist()


def test_averaging_reduces_seed_spread():
    X, y = _data()
    X_new, _ = make_classification(n_samples=80, n_features=6, random_state=1)
    single = [
        RandomForestClassifier(n_estimators=1, random_state=s).fit(X, y).predict_proba(X_new)
        for s in range(6)
    ]
    ensembles = [
        SeedEnsembleClassifier(RandomForestClassifier(n_estimators=1), n_seeds=8, random_state=s)
        .fit(X, y)
        .predict_proba(X_new)
        for s in range(6)
    ]
    # Spread across seeds of P(class 1); 8 members should cut it by about sqrt(8).
    assert np.std(ensembles, axis=0).mean() < 0.6 * np.std(single, axis=0).mean()


def test_multitask_network_members_receive_fit_params():
    X, y = make_toy_sequences(n_dialogues=12, lengths=(3, 6), random_state=0)
    net = MultitaskSequenceClassifier(
        hidden_size=4, head_size=4, max_epochs=2, torch_num_threads=1, random_state=0
    )
    labels = [X.labels_of(i) for i in range(len(y))]
    ensemble = SeedEnsembleClassifier(net, n_seeds=2, random_state=0)
    ensemble.fit(X.replace(exchange_labels=None), y, exchange_y=labels)
    proba = ensemble.predict_proba(X)
    members = [m.predict_proba(X) for m in ensemble.estimators_]
    assert not np.allclose(members[0], members[1])  # the seeds differ
    np.testing.assert_allclose(proba, np.mean(members, axis=0))
    assert all(m.n_rated_exchanges_ > 0 for m in ensemble.estimators_)


def test_estimator_without_random_state_is_named():
    X, y = _data()
    with pytest.raises(ValueError, match="'estimator'.*KNeighborsClassifier has none"):
        SeedEnsembleClassifier(KNeighborsClassifier()).fit(X, y)


def test_estimator_without_predict_proba_is_named():
    X, y = _data()
    with pytest.raises(InvalidParameterError, match="'estimator'.*predict_proba"):
        SeedEnsembleClassifier(SVC()).fit(X, y)
    with pytest.raises(InvalidParameterError, match="'n_seeds'"):
        SeedEnsembleClassifier(LogisticRegression(), n_seeds=0).fit(X, y)
