"""The safe model format: exact round trips, no code run from files, clear errors for bad ones."""

import io
import json
import os
import pickle
import shlex
import subprocess
import sys
import warnings
import zipfile

import joblib
import numpy as np
import pytest
import skops.io as sio
import torch
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler

import hazumi_sk.preprocessing as preprocessing
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.persistence import (
    FORMAT_VERSION,
    IncompatibleDataError,
    ModelFileError,
    ModelMetadata,
    UnsafeModelFileError,
    check_compatible,
    load_model,
    read_metadata,
    save_model,
)
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler
from hazumi_sk.utils import InconsistentHazumiVersionWarning

TOY = {"n_dialogues": 16, "lengths": (3, 9), "random_state": 2}


@pytest.fixture(scope="module")
def data():
    return make_toy_sequences(**TOY)


def _network(**params):
    defaults = {"hidden_size": 6, "head_size": 6, "max_epochs": 3, "lr": 0.03}
    return MultitaskSequenceClassifier(
        **{**defaults, **params}, random_state=0, torch_num_threads=1
    )


@pytest.fixture(scope="module")
def fitted_pipeline(data):
    X, y = data
    steps = [
        ("select", ModalitySelector("L+V")),
        ("scale", SequenceScaler()),
        ("model", _network()),
    ]
    return Pipeline(steps).fit(X, y)


@pytest.fixture(scope="module")
def metadata(fitted_pipeline, data):
    return ModelMetadata.from_fit(
        fitted_pipeline,
        data[0],
        item="worthwhile",
        feature_set="L+V",
        linguistic="transcripts",
        text_encoder="use-multilingual",
        corpus_versions=["1902", "1911"],
    )


@pytest.fixture(scope="module")
def saved(fitted_pipeline, metadata, tmp_path_factory):
    return save_model(fitted_pipeline, tmp_path_factory.mktemp("m") / "model.hzm", metadata)


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def _rewrite(source, target, **changes):
    """Copy the archive ``source`` to ``target``, replacing (bytes) or dropping (None) members."""
    members = {**_members(source), **{k.replace("__", "."): v for k, v in changes.items()}}
    with zipfile.ZipFile(target, "w") as zf:
        for name, blob in members.items():
            if blob is not None:
                zf.writestr(name, blob)
    return target


def _header(path):
    return json.loads(_members(path)["metadata.json"])


class _Payload:
    """Unpickling this runs ``touch marker``: what a malicious model file would do."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {shlex.quote(str(self.marker))}",))


# ----------------------------------------------------------------- round trips
LOAD_AND_PREDICT = """
import sys, pickle, joblib, torch, numpy as np
from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.persistence import load_model

def refuse(*args, **kwargs):
    raise AssertionError("the safe loader unpickled something")

def audit(event, args):
    # Every unpickler resolves globals through find_class: the way a pickle runs code.
    if event == "pickle.find_class":
        refuse()

pickle.load = pickle.loads = joblib.load = torch.load = refuse
sys.addaudithook(audit)
X, _ = make_toy_sequences(n_dialogues=16, lengths=(3, 9), random_state=2)
pipe, meta = load_model(sys.argv[1])
features = pipe[:-1].transform(X)
np.save(sys.argv[2], pipe.predict_proba(X), allow_pickle=False)
np.save(sys.argv[3], pipe[-1].predict_running_proba(features).values, allow_pickle=False)
np.save(sys.argv[4], pipe[-1].predict_exchange_proba(features).values, allow_pickle=False)
print(meta.item)
"""


@pytest.mark.slow  # a new interpreter imports torch: ~5-15 s
def test_round_trip_is_bit_identical_in_fresh_process(fitted_pipeline, data, saved, tmp_path):
    X, _ = data
    outputs = [tmp_path / f"{name}.npy" for name in ("proba", "running", "exchange")]
    result = subprocess.run(
        [sys.executable, "-c", LOAD_AND_PREDICT, str(saved), *map(str, outputs)],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip() == "worthwhile"
    features = fitted_pipeline[:-1].transform(X)
    net = fitted_pipeline[-1]
    expected = [
        fitted_pipeline.predict_proba(X),
        net.predict_running_proba(features).values,
        net.predict_exchange_proba(features).values,
    ]
    for path, want in zip(outputs, expected, strict=True):
        got = np.load(path, allow_pickle=False)
        assert got.dtype == want.dtype and np.array_equal(got, want)


def test_round_trip_in_process_keeps_params_attributes_and_history(fitted_pipeline, data, saved):
    X, y = data
    loaded, _ = load_model(saved)
    assert np.array_equal(loaded.predict_proba(X), fitted_pipeline.predict_proba(X))
    assert np.array_equal(loaded.predict(X), fitted_pipeline.predict(X))
    net, original = loaded[-1], fitted_pipeline[-1]
    assert net.get_params(deep=False) == original.get_params(deep=False)
    for name in ("classes_", "feature_names_in_", "n_features_in_", "n_rated_exchanges_"):
        assert np.array_equal(getattr(net, name), getattr(original, name))
    assert net.history[:, "train_loss"] == original.history[:, "train_loss"]
    assert np.array_equal(loaded[1].scale_, fitted_pipeline[1].scale_)
    clone(loaded).fit(X, y)  # a loaded model is an ordinary estimator again


def test_saving_leaves_the_model_untouched(fitted_pipeline, saved):
    assert isinstance(fitted_pipeline[-1], MultitaskSequenceClassifier)
    assert set(_members(saved)) == {"metadata.json", "pipeline.skops", "network.safetensors"}


def test_metadata_is_plain_json_and_round_trips(saved, metadata):
    header = _header(saved)
    assert header["format"] == "hazumi-sk-model" and header["format_version"] == FORMAT_VERSION
    assert header["metadata"]["corpus_versions"] == ["1902", "1911"]
    assert header["metadata"]["linguistic"] == "transcripts"
    assert header["metadata"]["feature_names_in"] == ["A0", "L1", "V2", "A3", "L4", "V5"]
    assert read_metadata(saved) == metadata == load_model(saved).metadata
    assert metadata.classes == (0, 1) and metadata.n_training_dialogues == 16


def test_loading_leaves_the_torch_random_stream_alone(saved):
    before = torch.get_rng_state()
    load_model(saved)
    assert torch.equal(before, torch.get_rng_state())


def test_network_without_exchange_head_round_trips(data, tmp_path):
    X, y = data
    net = _network(alpha=1.0, module__exchange_head=False, cell="gru").fit(X, y)
    loaded, meta = load_model(save_model(net, tmp_path / "net.hzm"))
    assert loaded.module_.exchange_head is None
    assert np.array_equal(loaded.predict_proba(X), net.predict_proba(X))
    assert meta.feature_names_in == tuple(X.feature_names)


def test_plain_sklearn_pipeline_has_no_network_part(tmp_path):
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(30, 4)), np.arange(30) % 2
    pipe = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())]).fit(X, y)
    path = save_model(pipe, tmp_path / "flat.hzm")
    assert set(_members(path)) == {"metadata.json", "pipeline.skops"}
    loaded, _ = load_model(path)
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


@pytest.mark.skipif(not hasattr(preprocessing, "SequencePooler"), reason="no SequencePooler")
def test_pooled_baseline_round_trips(data, tmp_path):
    X, y = data
    steps = [
        ("select", ModalitySelector("L+V")),
        ("pool", preprocessing.SequencePooler()),
        ("scale", StandardScaler()),
        ("clf", LogisticRegression()),
    ]
    pipe = Pipeline(steps).fit(X, y)
    loaded, _ = load_model(save_model(pipe, tmp_path / "pooled.hzm"))
    assert np.array_equal(loaded.predict_proba(X), pipe.predict_proba(X))


# ------------------------------------------------------------ nothing executes
def test_safe_path_never_unpickles(saved, monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("unpickled")

    for module, name in [(pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"),
                         (joblib, "load"), (torch, "load")]:  # fmt: skip
        monkeypatch.setattr(module, name, refuse)
    load_model(saved)
    read_metadata(saved)


def test_the_payload_is_live(tmp_path):
    # The control for the tests below: unpickling the payload does create the marker.
    marker = tmp_path / "pwned"
    pickle.loads(pickle.dumps(_Payload(marker)))
    assert marker.exists()


@pytest.mark.parametrize("member", ["pipeline.skops", "network.safetensors", "metadata.json"])
def test_pickle_payload_inside_the_archive_does_not_run(saved, tmp_path, member):
    marker = tmp_path / "pwned"
    bad = _rewrite(saved, tmp_path / "bad.hzm", **{member: pickle.dumps(_Payload(marker))})
    with pytest.raises(ModelFileError, match=str(bad)):
        load_model(bad)
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".hzm", ".joblib"])
def test_joblib_payload_is_refused_without_running(tmp_path, suffix):
    marker = tmp_path / "pwned"
    path = tmp_path / f"evil{suffix}"
    joblib.dump(_Payload(marker), path)
    with pytest.raises(UnsafeModelFileError, match="trusted_joblib=True"):
        load_model(path)
    with pytest.raises(UnsafeModelFileError):
        read_metadata(path)
    assert not marker.exists()


def test_untrusted_type_in_skops_member_is_named(saved, tmp_path):
    evil = Pipeline([("f", FunctionTransformer(os.system))])
    bad = _rewrite(saved, tmp_path / "bad.hzm", pipeline__skops=sio.dumps(evil))
    name = f"{os.system.__module__}.{os.system.__name__}"
    with pytest.raises(UnsafeModelFileError, match=rf"allowlist.*{name}"):
        load_model(bad)


def test_saving_a_model_with_untrusted_types_is_refused(tmp_path):
    X = np.zeros((4, 1))
    transformer = FunctionTransformer(os.path.basename).fit(X)  # fit does not call it
    name = f"{os.path.basename.__module__}.basename"
    with pytest.raises(TypeError, match=rf"allowlist.*{name}"):
        save_model(transformer, tmp_path / "m.hzm")
    assert not list(tmp_path.iterdir())  # no partial file


# ------------------------------------------------------------------- bad files
def _truncated(saved, path):
    path.write_bytes(saved.read_bytes()[: saved.stat().st_size // 2])


def _with_header(saved, path, **changes):
    header = {**_header(saved), **changes}
    _rewrite(saved, path, metadata__json=json.dumps(header).encode())


def _unfitted(saved, path):
    pipe = Pipeline([("select", ModalitySelector()), ("clf", LogisticRegression())])
    _rewrite(saved, path, pipeline__skops=sio.dumps(pipe))


BAD_FILES = {
    "text": (lambda s, p: p.write_text("hello, I am a model"), ModelFileError, "looks like text"),
    "empty": (lambda s, p: p.write_bytes(b""), ModelFileError, "is empty"),
    "truncated": (_truncated, ModelFileError, "damaged or truncated"),
    "no network": (
        lambda s, p: _rewrite(s, p, network__safetensors=None),
        ModelFileError,
        "incomplete: member 'network.safetensors' is missing",
    ),
    "no pipeline": (
        lambda s, p: _rewrite(s, p, pipeline__skops=None),
        ModelFileError,
        "incomplete: member 'pipeline.skops' is missing",
    ),
    "no metadata": (
        lambda s, p: _rewrite(s, p, metadata__json=None),
        ModelFileError,
        "no metadata.json",
    ),
    "metadata not json": (
        lambda s, p: _rewrite(s, p, metadata__json=b"{not json"),
        ModelFileError,
        "not valid JSON",
    ),
    "newer format": (
        lambda s, p: _with_header(s, p, format_version=FORMAT_VERSION + 1),
        ModelFileError,
        "newer than .* upgrade hazumi-sk",
    ),
    "bad format version": (
        lambda s, p: _with_header(s, p, format_version="one"),
        ModelFileError,
        "unknown format version 'one'",
    ),
    "other format": (
        lambda s, p: _with_header(s, p, format="something-else"),
        ModelFileError,
        "does not describe a hazumi-sk-model file",
    ),
    "bad metadata": (
        lambda s, p: _with_header(s, p, metadata={"linguistic": "telepathy"}),
        ModelFileError,
        "invalid metadata .*linguistic",
    ),
    "bad weights": (
        lambda s, p: _rewrite(s, p, network__safetensors=b"\x00" * 64),
        ModelFileError,
        "cannot rebuild the network",
    ),
    "unfitted": (_unfitted, ModelFileError, "unfitted estimator: step 'select'"),
    "pickled dict": (
        lambda s, p: p.write_bytes(pickle.dumps({"model": 1})),
        UnsafeModelFileError,
        "pickle/joblib file.*trusted_joblib=True",
    ),
    "plain skops": (
        lambda s, p: p.write_bytes(sio.dumps(LogisticRegression())),
        ModelFileError,
        "plain skops file",
    ),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_bad_file_is_a_clear_error(saved, tmp_path, case):
    make, error, words = BAD_FILES[case]
    path = tmp_path / "bad.hzm"
    make(saved, path)
    with pytest.raises(error, match=rf"Model file {path}.*{words}"):
        load_model(path)


def test_weights_of_another_shape_are_refused(data, saved, tmp_path):
    X, y = data
    other = Pipeline([("select", ModalitySelector("L+V")), ("scale", SequenceScaler()),
                      ("model", _network(hidden_size=4))]).fit(X, y)  # fmt: skip
    weights = _members(save_model(other, tmp_path / "other.hzm"))["network.safetensors"]
    bad = _rewrite(saved, tmp_path / "bad.hzm", network__safetensors=weights)
    with pytest.raises(ModelFileError, match="shape"):
        load_model(bad)


def test_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(ModelFileError, match="does not exist"):
        load_model(tmp_path / "nowhere.hzm")


def test_unfitted_model_cannot_be_saved(tmp_path):
    pipe = Pipeline([("select", ModalitySelector()), ("model", _network())])
    with pytest.raises(NotFittedError, match="step 'select'"):
        save_model(pipe, tmp_path / "m.hzm")


def test_metadata_must_describe_the_model(fitted_pipeline, tmp_path):
    wrong = ModelMetadata(feature_names_in=["x", "y"])
    with pytest.raises(ValueError, match="feature_names_in"):
        save_model(fitted_pipeline, tmp_path / "m.hzm", wrong)


def test_other_version_warns_once(saved, tmp_path):
    header = _header(saved)
    header["metadata"]["hazumi_sk_version"] = "0.0.1-other"
    path = _rewrite(saved, tmp_path / "old.hzm", metadata__json=json.dumps(header).encode())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        load_model(path)
    versions = [w for w in caught if issubclass(w.category, InconsistentHazumiVersionWarning)]
    assert len(versions) == 1 and "0.0.1-other" in str(versions[0].message)


# ---------------------------------------------------------------------- joblib
def test_trusted_joblib_loads_with_a_warning(fitted_pipeline, data, tmp_path):
    X, _ = data
    legacy = clone(fitted_pipeline)
    legacy.__dict__.update(vars(fitted_pipeline))
    legacy.hazumi_item_, legacy.hazumi_linguistic_ = "worthwhile", "dumpfile"
    path = tmp_path / "old.joblib"
    joblib.dump(legacy, path)
    with pytest.raises(UnsafeModelFileError, match="trusted_joblib=True"):
        load_model(path)
    with pytest.warns(UserWarning, match="joblib"):
        model, meta = load_model(path, trusted_joblib=True)
    assert np.array_equal(model.predict_proba(X), fitted_pipeline.predict_proba(X))
    assert (meta.item, meta.linguistic, meta.hazumi_sk_version) == (
        "worthwhile",
        "dumpfile",
        "unknown",
    )
    assert meta.feature_names_in == tuple(X.feature_names)


def test_trusted_joblib_still_checks_the_content(saved, tmp_path):
    path = tmp_path / "dict.joblib"
    joblib.dump({"model": 1}, path)
    with pytest.warns(UserWarning), pytest.raises(ModelFileError, match="holds a dict"):
        load_model(path, trusted_joblib=True)
    load_model(saved, trusted_joblib=True)  # a safe file still loads the safe way


# ---------------------------------------------------------------- compatibility
def test_check_compatible_names_the_missing_modality(metadata, data):
    X, _ = data
    without_l = X.select_modalities(["A", "V"])
    with pytest.raises(IncompatibleDataError, match=r"modality L \(2 of 2 columns: 'L1', 'L4'\)"):
        check_compatible(metadata, without_l)
    with pytest.raises(IncompatibleDataError, match="linguistic='transcripts'.*use-multilingual"):
        check_compatible(metadata, without_l)


def test_check_compatible_refuses_features_built_another_way(metadata, data):
    X, _ = data
    with pytest.raises(IncompatibleDataError, match="linguistic is 'dumpfile'.*transcripts"):
        check_compatible(metadata, X, linguistic="dumpfile")
    with pytest.raises(IncompatibleDataError, match="text_encoder is 'ginza'"):
        check_compatible(metadata, X, linguistic="transcripts", text_encoder="ginza")
    same = {"linguistic": "transcripts", "text_encoder": "use-multilingual"}
    assert check_compatible(metadata, X, **same) is X


def test_check_compatible_reorders_and_accepts_a_bunch(metadata, data, fitted_pipeline):
    from sklearn.utils import Bunch

    X, _ = data
    shuffled = X.select_columns([5, 0, 3, 1, 4, 2])
    aligned = check_compatible(metadata, Bunch(features=shuffled))
    assert aligned.feature_names.tolist() == X.feature_names.tolist()
    assert np.array_equal(fitted_pipeline.predict_proba(aligned), fitted_pipeline.predict_proba(X))
    assert check_compatible(metadata, X) is X
    with pytest.raises(TypeError, match="RaggedSequences"):
        check_compatible(metadata, np.zeros((2, 6)))


def test_metadata_checks_its_fields():
    with pytest.raises(ValueError, match="linguistic"):
        ModelMetadata(linguistic="telepathy")
    with pytest.raises(TypeError, match="sequence"):
        ModelMetadata(corpus_versions="1902")
    with pytest.raises(ValueError, match="feature_modalities_in"):
        ModelMetadata(feature_names_in=["a", "b"], feature_modalities_in=["A"])
    newer = ModelMetadata.from_dict({"item": "fun", "from_the_future": 1})
    assert newer.extra == {"from_the_future": 1}
    with pytest.raises(TypeError):
        ModelMetadata(extra={"x": object()}).to_dict()


def test_device_override(saved, data):
    X, _ = data
    model, _ = load_model(saved, device="cpu")
    assert model[-1].device == "cpu" and model.predict_proba(X).shape == (16, 2)


def test_archive_is_a_zip_of_plain_members(saved):
    with zipfile.ZipFile(saved) as zf:
        assert zf.testzip() is None
        assert all(not name.endswith((".pkl", ".joblib", ".pt")) for name in zf.namelist())
    assert io.BytesIO(saved.read_bytes()).read(4) == b"PK\x03\x04"
