"""GridSearchCV under joblib's Dask backend gives the same results as a sequential run."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold

from hazumi_sk.evaluation import repeated_cv_scores

distributed = pytest.importorskip("distributed", reason="dask.distributed not installed")
joblib = pytest.importorskip("joblib")


def _limit_torch_threads():
    """Run on every worker: one torch thread each, so workers do not oversubscribe the CPUs."""
    import torch

    torch.set_num_threads(1)
    return torch.get_num_threads()


@pytest.fixture(scope="module")
def client():
    cluster = distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=2,
        processes=False,  # threads in this process: fast start, nothing to pickle across
        protocol="tcp",  # a real TCP scheduler on loopback (inproc ignores ``host``)
        host="127.0.0.1",
        dashboard_address=None,
    )
    with distributed.Client(cluster) as c:
        yield c
    cluster.close()


def test_grid_search_under_dask_matches_sequential(client):
    X, y = make_classification(n_samples=80, n_features=6, random_state=0)
    search = GridSearchCV(
        LogisticRegression(),
        {"C": [0.01, 0.1, 1.0]},
        cv=StratifiedKFold(4, shuffle=True, random_state=0),
        scoring="f1_weighted",
        n_jobs=-1,
    )
    sequential = GridSearchCV(**{**search.get_params(deep=False), "n_jobs": None}).fit(X, y)
    transitions_before = client.cluster.scheduler.transition_counter
    with joblib.parallel_backend("dask"):
        distributed_search = search.fit(X, y)
    np.testing.assert_allclose(
        distributed_search.cv_results_["mean_test_score"], sequential.cv_results_["mean_test_score"]
    )
    assert distributed_search.best_params_ == sequential.best_params_
    # The fits really went through the cluster's scheduler.
    assert client.cluster.scheduler.transition_counter > transitions_before


def test_torch_threads_limited_per_worker(client):
    assert set(client.run(_limit_torch_threads).values()) == {1}


def test_repeated_cv_under_dask_matches_sequential(client):
    X, y = make_classification(n_samples=60, n_features=5, random_state=1)
    sequential = repeated_cv_scores(LogisticRegression(), X, y, n_repeats=2, progress=False)
    with joblib.parallel_backend("dask"):
        parallel = repeated_cv_scores(
            LogisticRegression(), X, y, n_repeats=2, n_jobs=-1, progress=False
        )
    np.testing.assert_allclose(parallel["score"], sequential["score"])
