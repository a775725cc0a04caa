"""Pipelines and GridSearchCV: dual targets travel with X, exchange_y is routed and split."""

import joblib
import numpy as np
import pytest
import sklearn
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from sklearn.pipeline import Pipeline

from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

GRID = {"select__modalities": ["L", "L+V"], "model__alpha": [0.5, 1.0]}


@pytest.fixture(scope="module")
def data():
    return make_toy_sequences(n_dialogues=30, lengths=(4, 10), random_state=1)


def pipeline(**model_params):
    params = {
        "hidden_size": 6,
        "head_size": 6,
        "max_epochs": 6,
        "lr": 0.03,
        "random_state": 0,
        "torch_num_threads": 1,
    }
    params.update(model_params)
    return Pipeline(
        [
            ("select", ModalitySelector()),
            ("scale", SequenceScaler()),
            ("model", MultitaskSequenceClassifier(**params)),
        ]
    )


def search(estimator, cv_seed=0, **kwargs):
    cv = StratifiedKFold(3, shuffle=True, random_state=cv_seed)
    return GridSearchCV(estimator, GRID, cv=cv, scoring="f1_weighted", **kwargs)


@pytest.fixture(scope="module")
def reference(data):
    """The search with exchange labels carried inside X."""
    X, y = data
    return search(pipeline()).fit(X, y)


def test_pipeline_fit_with_x_carrying_exchange_labels(data):
    X, y = data
    pipe = pipeline(max_epochs=12).fit(X, y)
    assert pipe.score(X, y) >= 0.85
    assert pipe[-1].n_rated_exchanges_ == int((~np.isnan(X.exchange_labels)).sum())
    assert pipe[-1].feature_names_in_.tolist() == X.feature_names.tolist()


def test_grid_search_end_to_end(reference, data):
    X, y = data
    results = reference.cv_results_
    assert len(results["params"]) == 4
    assert np.all(np.isfinite(results["mean_test_score"]))
    assert reference.best_estimator_.predict(X).shape == (len(X),)
    # The scored model saw only the selected modality's columns.
    best = reference.best_params_["select__modalities"]
    assert set(reference.best_estimator_[-1].feature_names_in_.astype(str)) == {
        name for name, tag in zip(X.feature_names, X.modalities, strict=True) if tag in best
    }


def test_exchange_y_fit_param_without_routing(reference, data):
    X, y = data
    labels = [X.labels_of(i) for i in range(len(X))]
    explicit = search(pipeline()).fit(X.replace(exchange_labels=None), y, model__exchange_y=labels)
    # Split wrongly, the per-dialogue labels would mismatch and raise; split right, the
    # search reproduces the one where the labels rode inside X.
    np.testing.assert_array_equal(
        explicit.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
    )


def test_exchange_y_with_metadata_routing(reference, data):
    X, y = data
    labels = [X.labels_of(i) for i in range(len(X))]
    bare = X.replace(exchange_labels=None)
    with sklearn.config_context(enable_metadata_routing=True):
        pipe = pipeline()
        pipe[-1].set_fit_request(exchange_y=True)
        routed = search(pipe).fit(bare, y, exchange_y=labels)
        unrequested = search(pipeline())
        with pytest.raises(Exception, match="exchange_y"):
            unrequested.fit(bare, y, exchange_y=labels)
    assert not sklearn.get_config()["enable_metadata_routing"]
    np.testing.assert_array_equal(
        routed.cv_results_["mean_test_score"], reference.cv_results_["mean_test_score"]
    )


def test_stacked_exchange_y_under_cv_raises_clear_error(data):
    X, y = data
    with pytest.raises(ValueError, match="under cross-validation"):
        search(pipeline(), error_score="raise").fit(
            X.replace(exchange_labels=None), y, model__exchange_y=X.exchange_labels
        )


def torch_threads_of_fit(estimator, X, y):
    return estimator[-1].torch_num_threads_


@pytest.mark.slow
def test_grid_search_n_jobs_2_one_torch_thread_per_worker(reference, data):
    """joblib's loky workers cap torch at cpu_count // n_jobs threads, so no oversubscription."""
    X, y = data
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    scoring = {"f1": "f1_weighted", "threads": torch_threads_of_fit}
    parallel = GridSearchCV(
        pipeline(torch_num_threads=None), GRID, cv=cv, scoring=scoring, refit="f1", n_jobs=2
    ).fit(X, y)
    expected = max(joblib.cpu_count() // 2, 1)
    np.testing.assert_array_equal(parallel.cv_results_["mean_test_threads"], expected)
    np.testing.assert_allclose(
        parallel.cv_results_["mean_test_f1"], reference.cv_results_["mean_test_score"]
    )


@pytest.mark.slow
@pytest.mark.realdata
def test_small_search_on_real_hazumi(hazumi_real):
    from hazumi_sk.datasets import to_xy

    X, y = to_xy(hazumi_real, item="worthwhile")
    grid = GridSearchCV(
        pipeline(max_epochs=3),
        {"select__modalities": ["L+V"], "model__alpha": [0.7, 1.0]},
        cv=StratifiedKFold(2, shuffle=True, random_state=0),
        scoring="f1_weighted",
        error_score="raise",
    ).fit(X, y)
    assert np.all(np.isfinite(grid.cv_results_["mean_test_score"]))
