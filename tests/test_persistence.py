"""joblib round trips in a fresh process, and the version warning on foreign pickles."""

import pickle
import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.pipeline import Pipeline

import hazumi_sk.utils._versioning as versioning
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler
from hazumi_sk.utils import InconsistentHazumiVersionWarning


@pytest.fixture(scope="module")
def data():
    return make_toy_sequences(n_dialogues=16, lengths=(3, 9), random_state=2)


@pytest.fixture(scope="module")
def fitted_pipeline(data):
    X, y = data
    model = MultitaskSequenceClassifier(
        hidden_size=6, head_size=6, max_epochs=5, lr=0.03, random_state=0, torch_num_threads=1
    )
    steps = [("select", ModalitySelector("L+V")), ("scale", SequenceScaler()), ("model", model)]
    return Pipeline(steps).fit(X, y)


LOAD_AND_PREDICT = """
import sys, joblib, numpy as np
from hazumi_sk.model._toy import make_toy_sequences
X, _ = make_toy_sequences(n_dialogues=16, lengths=(3, 9), random_state=2)
pipe = joblib.load(sys.argv[1])
np.save(sys.argv[2], pipe.predict_proba(X))
np.save(sys.argv[3], pipe[-1].predict_running_proba(pipe[:-1].transform(X)).values)
"""


@pytest.mark.slow  # a new interpreter imports torch: ~5-15 s
def test_joblib_round_trip_in_fresh_process(fitted_pipeline, data, tmp_path):
    X, _ = data
    path = tmp_path / "pipe.joblib"
    joblib.dump(fitted_pipeline, path)
    proba, running = tmp_path / "proba.npy", tmp_path / "running.npy"
    subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, str(path), str(proba), str(running)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    np.testing.assert_array_equal(np.load(proba), fitted_pipeline.predict_proba(X))
    expected_running = fitted_pipeline[-1].predict_running_proba(fitted_pipeline[:-1].transform(X))
    np.testing.assert_array_equal(np.load(running), expected_running.values)


def test_same_version_loads_silently(fitted_pipeline, data):
    import warnings

    X, _ = data
    with warnings.catch_warnings():
        warnings.simplefilter("error", InconsistentHazumiVersionWarning)
        loaded = pickle.loads(pickle.dumps(fitted_pipeline))
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted_pipeline.predict_proba(X))


@pytest.mark.parametrize("step", ["select", "scale", "model"])
def test_other_version_warns_on_load(fitted_pipeline, step):
    estimator = fitted_pipeline.named_steps[step]
    state = estimator.__getstate__()
    assert state["_hazumi_sk_version"] == versioning.__version__
    state["_hazumi_sk_version"] = "0.0.1-other"
    blank = object.__new__(type(estimator))
    with pytest.warns(InconsistentHazumiVersionWarning, match=r"0\.0\.1-other"):
        blank.__setstate__(state)
    assert "_hazumi_sk_version" not in vars(blank)


def test_pickle_from_other_version_warns(fitted_pipeline, monkeypatch):
    blob = pickle.dumps(fitted_pipeline[-1])
    monkeypatch.setattr(versioning, "__version__", "9.9.9")
    with pytest.warns(InconsistentHazumiVersionWarning, match="9.9.9"):
        pickle.loads(blob)
