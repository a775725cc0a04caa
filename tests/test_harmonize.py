"""columns="harmonized": one name per same-concept column across versions, and provenance."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from test_hazumi2012 import REAL, make_2012
from test_load_hazumi import ACTS_1911, make_version

from hazumi_sk.datasets import HARMONIZED_COLUMNS, SUPPORTED_VERSIONS, load_hazumi
from hazumi_sk.vocabulary import UPOS_TAGS

#: Column order follows the first loaded version (1911's one-hot order).
ACTS = ACTS_1911


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("harmonize")
    make_version(root, "1911", {"1911F3001": {}, "1911M5002": {}})
    make_2012(root)
    return root


def test_mapping_table_covers_every_version_and_names_unmappable_columns():
    table = HARMONIZED_COLUMNS
    assert set(table["version"]) == set(SUPPORTED_VERSIONS)
    noun = table[table["name"] == "NOUN"].set_index("version")["original"]
    assert noun.to_dict() == {"1902": "noun", "1911": "noun", "2010": "NOUN", "2012": "NOUN"}
    tokens = table[table["name"] == "n_tokens"].set_index("version")["original"]
    assert tokens["1911"] == "lenU" and "PUNCT" in tokens["2012"]
    # Cannot be mapped: BERT for 1902/1911, Kinect for the online versions.
    bert = table[table["concept"] == "BERT embedding"].set_index("version")["original"]
    assert bert.isna().tolist() == [True, True, False, False]
    kinect = table[table["concept"] == "Kinect body"].set_index("version")["original"]
    assert kinect[["2010", "2012"]].isna().all() and kinect[["1902", "1911"]].notna().all()
    assert set(table.loc[table["concept"] == "UPOS counts", "name"]) == set(UPOS_TAGS)


def test_harmonized_columns_on_1911_and_2012(corpus):
    common = load_hazumi(corpus, columns="common", progress=False)
    assert "L" not in set(common.features.modalities)  # noun vs NOUN: unrelated names
    data = load_hazumi(corpus, columns="harmonized", progress=False)
    columns = data.feature_columns
    assert columns["name"].tolist() == [
        "pcm_RMSenergy_sma_max", "NOUN", "n_tokens", *ACTS, "17_velocity_max", "AU01_c_mean",
    ]  # fmt: skip
    assert columns["modality"].tolist() == ["A", "L", "L", *["S"] * 8, "V", "V"]
    assert columns.set_index("name").loc["NOUN", ["Hazumi1911", "Hazumi2012"]].tolist() == [
        "noun", "NOUN",
    ]  # fmt: skip
    assert columns.set_index("name").loc["n_tokens", "Hazumi1911"] == "lenU"
    X, names = data.features, list(data.features.feature_names)
    ids = list(X.dialogue_ids)
    # 2012: n_tokens = 16 non-PUNCT UPOS counts of i % 3 each (make_2012).
    np.testing.assert_array_equal(
        X.sequence(ids.index("2012F2001"))[:, names.index("n_tokens")], 16 * (np.arange(6) % 3)
    )
    raw = load_hazumi(corpus, versions=["1911"], columns="common", progress=False)
    raw_names = list(raw.features.feature_names)
    for new, old in (("NOUN", "noun"), ("n_tokens", "lenU")):
        np.testing.assert_array_equal(
            X.sequence(ids.index("1911F3001"))[:, names.index(new)],
            raw.features.sequence(0)[:, raw_names.index(old)],
        )
    columns = data.excluded.query("level == 'column'")
    assert columns["dialogue_id"].isna().all()
    dropped = columns[columns["reason"].str.contains("dropped by columns='harmonized'")]
    # 1911 only: F0_sma_min word#0001 lenS lenS-lenU Head_velocity_max EDA_mean (6);
    # 2012 only: F0_sma_de_kurtosis, the 16 UPOS tags but NOUN, bert0, bert1 (19).
    assert len(dropped) == 6 + 19
    assert "'F0_sma_min' (A, IS09 acoustic (openSMILE)) of Hazumi1911 absent from Hazumi2012" in (
        " ".join(dropped["reason"])
    )


def test_provenance_per_dialogue(corpus):
    data = load_hazumi(corpus, columns="harmonized", progress=False)
    assert data.sessions[["version", "setting"]].to_dict("index") == {
        "1911F3001": {"version": "1911", "setting": "in person"},
        "1911M5002": {"version": "1911", "setting": "in person"},
        "2012F2001": {"version": "2012", "setting": "online"},
        "2012M3001": {"version": "2012", "setting": "online"},
    }


def test_excluded_ids_are_real_or_nan(corpus):
    data = load_hazumi(corpus, columns="common", progress=False)
    ids = data.excluded["dialogue_id"]
    real = set(data.sessions.index)
    assert all(pd.isna(i) or i in real for i in ids)
    assert ids.isna().sum() == (data.excluded["level"] == "column").sum() > 0


def test_default_policy_is_unchanged_by_harmonization(corpus):
    common = load_hazumi(corpus, columns="common", progress=False)
    assert list(common.feature_columns.columns) == ["name", "modality", "source"]
    assert "NOUN" not in common.features.feature_names


@pytest.mark.realdata
@pytest.mark.slow
def test_replace_linguistic_on_a_loaded_2012_dataset():
    """The loader gives replace_linguistic what it needs on 2012: transcripts per exchange."""
    from hazumi_sk.features import replace_linguistic

    if not (REAL / "Hazumi2012").is_dir():
        pytest.skip(f"Hazumi2012 copy not found at {REAL / 'Hazumi2012'}.")
    data = load_hazumi(REAL, ["2012"], columns="harmonized", progress=False)
    out = replace_linguistic(data, text_encoder="tfidf-svd")
    L = out.features.select_modalities(["L"])
    assert out.features.n_exchanges == data.features.n_exchanges == 5334
    assert L.n_features > 0 and all(n.startswith("L__") for n in L.feature_names)
    assert any("upos" in n for n in L.feature_names)
    assert not any(n in L.feature_names for n in ("NOUN", "bert0", "n_tokens"))
    assert np.isfinite(L.values).all()
    # Computed counts are 0 on 2012F2001's empty transcripts (where the dumpfile wrote
    # ADJ = 1) and positive on exchange 1 ('よろしくお願いします').
    counts = L.select_columns([k for k, n in enumerate(L.feature_names) if "upos" in n])
    first = data.exchanges.query("dialogue_id == '2012F2001'")["user_utterance"].to_numpy()
    empty = np.flatnonzero(first == "")
    assert empty.size and (counts.sequence(0)[empty].sum(axis=1) == 0).all()
    assert counts.sequence(0)[1].sum() > 0


# --------------------------------------------------------------------------- real copies
@pytest.mark.realdata
@pytest.mark.slow
def test_real_harmonized_1902_1911_2012():
    if not all((REAL / f"Hazumi{v}").is_dir() for v in ("1902", "1911", "2012")):
        pytest.skip(f"Hazumi1902/1911/2012 copies not found under {REAL}.")
    data = load_hazumi(REAL, ["1902", "1911", "2012"], columns="harmonized", progress=False)
    counts = data.feature_columns["modality"].value_counts().to_dict()
    assert counts == {"A": 384, "L": 5, "S": 8, "V": 66}
    L = data.feature_columns[data.feature_columns["modality"] == "L"].set_index("name")
    assert L.index.tolist() == ["NOUN", "ADJ", "INTJ", "ADV", "n_tokens"]
    assert L.loc["ADV", ["Hazumi1902", "Hazumi1911", "Hazumi2012"]].tolist() == [
        "adverbs", "adverbs", "ADV",
    ]  # fmt: skip
    assert data.features.shape == (117, 463)
    assert data.sessions.groupby("setting").size().to_dict() == {"in person": 60, "online": 63}
    assert data.excluded["dialogue_id"].isna().sum() == (data.excluded["level"] == "column").sum()
    # 2012F2001 exchange 1: 'よろしくお願いします' has ADV 1, AUX 2, NOUN 1, VERB 1 -> 5 tokens.
    X, names = data.features, list(data.features.feature_names)
    row = X.sequence(list(X.dialogue_ids).index("2012F2001"))[1]
    assert row[names.index("NOUN")] == 1 and row[names.index("n_tokens")] == 5
