"""Model bundles: one safe file, one model per item, any leaderboard method at any depth."""

from __future__ import annotations

import json
import warnings
import zipfile

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import METHODS, item_targets
from hazumi_sk.persistence import (
    ModelBundle,
    ModelFileError,
    ModelMetadata,
    load_bundle,
    load_model,
    save_bundle,
    save_model,
)


@pytest.fixture(scope="module")
def corpus():
    data = make_synthetic_hazumi(16, n_exchanges=(4, 6), random_state=1)
    X, y = to_xy(data, item="worthwhile")
    return data, X, y


def _fit(name, data, X, y, seed=0):
    targets = item_targets(data, X, "worthwhile")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return METHODS[name].build_pipeline("L+V", seed, tiny=True, targets=targets).fit(X, y)


@pytest.mark.parametrize("name", list(METHODS))
def test_every_leaderboard_method_round_trips_bit_identically(corpus, tmp_path, name):
    data, X, y = corpus
    model = _fit(name, data, X, y)
    loaded, _ = load_model(save_model(model, tmp_path / "m.hzm"))
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_bundle_of_networks_and_pooled_models_round_trips(corpus, tmp_path):
    data, X, y = corpus
    models = {"worthwhile": _fit("lstm-multitask", data, X, y),
              "cold": _fit("seed-ensemble-lstm", data, X, y)}  # fmt: skip
    chosen = {"cold": {"C": (1, 2)}}
    meta = ModelMetadata.from_fit(models["worthwhile"], X, feature_set="L+V",
                                  method="lstm-multitask", chosen_params=chosen)  # fmt: skip
    path = save_bundle(ModelBundle(models, meta), tmp_path / "b.hzm")
    with zipfile.ZipFile(path) as zf:
        weights = json.loads(zf.read("metadata.json"))["weights"]
    # One network for the first item, one per seed member (none for the unfitted template).
    assert len(weights) == 1 + len(models["cold"].estimators_) == 3
    assert all(w.startswith(("item-0-", "item-1-")) for w in weights)
    loaded = load_bundle(path)
    assert loaded.items == ("worthwhile", "cold")
    assert loaded.metadata.items == ("worthwhile", "cold")
    assert loaded.metadata.chosen_params == {"cold": {"C": [1, 2]}}  # JSON's view
    assert loaded.metadata.feature_names_in == tuple(X.feature_names)
    for item, model in models.items():
        np.testing.assert_array_equal(loaded.models[item].predict_proba(X), model.predict_proba(X))


def test_single_model_files_of_format_1_load_as_one_item_bundles(corpus, tmp_path):
    data, X, y = corpus
    model = _fit("pooled-lr", data, X, y)
    path = save_model(model, tmp_path / "m.hzm", ModelMetadata(item="cold"))
    old = tmp_path / "old.hzm"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(old, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "metadata.json":
                header = json.loads(content)
                header["format_version"] = 1  # as written before bundles existed
                content = json.dumps(header).encode()
            dst.writestr(name, content)
    bundle = load_bundle(old)
    assert bundle.items == ("cold",) and bundle.metadata.items == ("cold",)
    np.testing.assert_array_equal(bundle.models["cold"].predict_proba(X), model.predict_proba(X))
    unnamed = load_bundle(save_model(model, tmp_path / "u.hzm"))
    assert unnamed.items == ("impression",)


def test_save_bundle_refuses_bad_bundles(corpus, tmp_path):
    data, X, y = corpus
    fitted = _fit("pooled-lr", data, X, y)
    with pytest.raises(ValueError, match="the bundle has no model"):
        save_bundle(ModelBundle({}), tmp_path / "x.hzm")
    with pytest.raises(NotFittedError, match="Cannot save item 'cold'"):
        save_bundle(ModelBundle({"w": fitted, "cold": LogisticRegression()}), tmp_path / "x.hzm")
    other = _fit("pooled-lr", data, X.select_modalities(["L", "V"]), y)
    with pytest.raises(ValueError, match="item 'cold' takes other input columns"):
        save_bundle(ModelBundle({"w": fitted, "cold": other}), tmp_path / "x.hzm")
    assert not (tmp_path / "x.hzm").exists()


def test_load_bundle_names_what_is_wrong(corpus, tmp_path):
    data, X, y = corpus
    path = save_bundle(ModelBundle({"w": _fit("pooled-lr", data, X, y)}), tmp_path / "b.hzm")
    broken = tmp_path / "broken.hzm"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(broken, "w") as dst:
        for name in src.namelist():
            content = src.read(name)
            if name == "metadata.json":
                header = json.loads(content)
                header["metadata"]["items"] = ["w", "cold"]
                content = json.dumps(header).encode()
            dst.writestr(name, content)
    with pytest.raises(ModelFileError, match=r"lists items \['w', 'cold'\], its members \['w'\]"):
        load_bundle(broken)
    with pytest.raises(ModelFileError, match="does not exist"):
        load_bundle(tmp_path / "none.hzm")
