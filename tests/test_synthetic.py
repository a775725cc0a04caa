"""The synthetic corpus: structure of the Bunch, reproducibility and its generative story."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hazumi_sk.datasets import RAPPORT_ITEMS, Dialogue, make_synthetic_hazumi
from hazumi_sk.sequences import RaggedSequences

BUNCH_KEYS = {
    "dialogues",
    "sessions",
    "exchanges",
    "features",
    "feature_rows",
    "ratings_post",
    "ratings_pre",
    "ratings_third_party",
    "excluded",
    "feature_columns",
    "DESCR",
}
TINY = {"A": 3, "L": 20, "B": 2, "V": 4}


@pytest.fixture(scope="module")
def corpus():
    return make_synthetic_hazumi(random_state=0)


@pytest.fixture(scope="module")
def tiny():
    return make_synthetic_hazumi(
        n_dialogues=8, n_exchanges=(4, 7), feature_dims=TINY, not_rated_rate=0.1, random_state=3
    )


def test_bunch_has_exactly_the_contract_fields(corpus):
    assert set(corpus.keys()) == BUNCH_KEYS
    assert list(corpus.sessions.columns) == [
        "version",
        "sex",
        "age_decade",
        "n_exchanges",
        "n_feature_rows",
        "has_features",
    ]
    assert list(corpus.feature_rows.columns) == [
        "dialogue_id",
        "row",
        "start_ms",
        "end_ms",
        "SS",
        "TS_mean",
        "TC_mean",
        "elan_exchanges",
    ]
    assert list(corpus.excluded.columns) == ["dialogue_id", "exchange", "level", "reason"]
    assert list(corpus.feature_columns.columns) == ["name", "modality", "source"]
    for table in ("ratings_post", "ratings_pre", "ratings_third_party"):
        assert list(corpus[table].columns) == list(RAPPORT_ITEMS)
        assert corpus[table].index.equals(corpus.sessions.index)
    assert "Synthetic" in corpus.DESCR


def test_default_sizes_are_the_realistic_modality_dimensions(corpus):
    X = corpus.features
    assert isinstance(X, RaggedSequences)
    counts = pd.Series(X.modalities).value_counts().to_dict()
    assert counts == {"A": 88, "L": 785, "B": 20, "V": 58}
    names = X.feature_names.tolist()
    assert names[0] == "F0semitoneFrom27.5Hz_sma3nz_amean"
    assert "equivalentSoundLevel_dBp" in names and "NOUN" in names and "bert767" in names
    assert "HandLeft_velocity_std" in names and "AU12_c_mean" in names
    assert len(set(names)) == len(names)
    assert corpus.feature_columns["name"].tolist() == names
    assert corpus.feature_columns["modality"].tolist() == X.modalities.tolist()


def test_default_corpus_has_60_dialogues_of_60_to_120_exchanges(corpus):
    assert len(corpus.dialogues) == 60
    assert corpus.sessions.index.is_monotonic_increasing
    assert corpus.sessions["n_exchanges"].between(60, 120).all()
    # 10 % of the dialogues lack feature rows, as 6 of the 60 real sessions lack dumpfiles.
    assert (~corpus.sessions["has_features"]).sum() == 6
    assert len(corpus.features) == 54


def test_same_seed_same_corpus_other_seed_other_corpus():
    a = make_synthetic_hazumi(n_dialogues=6, feature_dims=TINY, random_state=7)
    b = make_synthetic_hazumi(n_dialogues=6, feature_dims=TINY, random_state=7)
    c = make_synthetic_hazumi(n_dialogues=6, feature_dims=TINY, random_state=8)
    assert a.features.equals(b.features)
    pd.testing.assert_frame_equal(a.exchanges, b.exchanges)
    pd.testing.assert_frame_equal(a.ratings_post, b.ratings_post)
    assert not a.features.equals(c.features)


def test_random_state_instance_is_accepted():
    a = make_synthetic_hazumi(3, feature_dims=TINY, random_state=np.random.RandomState(5))
    b = make_synthetic_hazumi(3, feature_dims=TINY, random_state=np.random.RandomState(5))
    pd.testing.assert_frame_equal(a.ratings_post, b.ratings_post)


def test_small_sizes_keep_the_first_realistic_names(tiny):
    X = tiny.features
    assert X.shape[1] == sum(TINY.values())
    assert X.feature_names[TINY["A"] : TINY["A"] + 3].tolist() == ["ADJ", "ADP", "ADV"]
    assert tiny.sessions["n_exchanges"].between(4, 7).all()


def test_more_columns_than_realistic_names_are_numbered():
    data = make_synthetic_hazumi(2, feature_dims={"B": 22, "A": 1, "L": 1, "V": 1}, random_state=0)
    assert data.features.select_modalities(["B"]).feature_names[-2:].tolist() == [
        "B_f020",
        "B_f021",
    ]


def test_label_and_rating_ranges(corpus):
    ss = corpus.exchanges["SS"]
    assert set(ss.dropna().unique()) <= set(range(1, 8))
    assert ss.isna().any()  # a few "not rated" exchanges
    for column in ("TS_F1", "TS_M1", "TC_F4", "TS_mean", "TC_mean"):
        values = corpus.exchanges[column].dropna()
        assert values.between(1, 7).all()
    post = corpus.ratings_post.to_numpy()
    assert post.dtype.kind == "i" and post.min() >= 1 and post.max() <= 8
    third = corpus.ratings_third_party.to_numpy()
    assert third.min() >= 1 and third.max() <= 8
    assert np.allclose(third * 5, np.rint(third * 5))  # mean of 5 integer ratings


def test_ts_mean_is_the_mean_of_the_annotators(tiny):
    annotators = tiny.exchanges[[f"TS_{a}" for a in ("F1", "F2", "F3", "F4", "M1")]]
    np.testing.assert_allclose(annotators.mean(axis=1), tiny.exchanges["TS_mean"])


def test_excluded_lists_every_not_rated_exchange_and_featureless_session(tiny):
    excluded = tiny.excluded
    labels = excluded[excluded["level"] == "label"]
    not_rated = tiny.exchanges[tiny.exchanges["SS"].isna()]
    assert len(not_rated) > 0
    assert list(zip(labels["dialogue_id"], labels["exchange"], strict=True)) == list(
        zip(not_rated["dialogue_id"], not_rated["exchange"], strict=True)
    )
    assert tiny.exchanges.loc[tiny.exchanges["SS"].isna(), "SS_excluded"].all()
    sessions = excluded[excluded["level"] == "session"]["dialogue_id"].tolist()
    assert sessions == tiny.sessions.index[~tiny.sessions["has_features"]].tolist()


def test_feature_rows_align_with_features(tiny):
    X, rows = tiny.features, tiny.feature_rows
    assert len(rows) == X.n_exchanges
    assert rows["dialogue_id"].tolist() == X.dialogue_ids[X.dialogue_index].tolist()
    np.testing.assert_array_equal(X.exchange_labels, rows["SS"].to_numpy())
    featured = tiny.sessions[tiny.sessions["has_features"]]
    assert X.dialogue_ids.tolist() == featured.index.tolist()
    assert X.lengths.tolist() == featured["n_feature_rows"].tolist()
    assert rows["elan_exchanges"].iloc[2] == (2,)


def test_dialogues_match_the_concatenated_exchange_table(tiny):
    assert all(isinstance(d, Dialogue) for d in tiny.dialogues)
    assert [d.dialogue_id for d in tiny.dialogues] == tiny.sessions.index.tolist()
    second = tiny.dialogues[1]
    expected = tiny.exchanges[tiny.exchanges["dialogue_id"] == second.dialogue_id]
    pd.testing.assert_frame_equal(
        second.exchanges, expected.drop(columns="dialogue_id").reset_index(drop=True)
    )
    featureless = tiny.sessions.index[~tiny.sessions["has_features"]]
    dumps = tiny.exchanges.set_index("dialogue_id")["dump_row"]
    assert dumps.loc[featureless].isna().all()


def test_exchanges_are_contiguous_and_ordered(corpus):
    for dialogue in corpus.dialogues[:5]:
        table = dialogue.exchanges
        assert (table["start_ms"] <= table["end_system_ms"]).all()
        assert (table["end_system_ms"] < table["end_ms"]).all()
        np.testing.assert_array_equal(table["start_ms"].iloc[1:], table["end_ms"].iloc[:-1])


def test_some_utterances_are_empty(corpus):
    empty = (corpus.exchanges["user_utterance"] == "").mean()
    assert 0.05 < empty < 0.25


def test_mean_self_sentiment_drives_the_ratings_with_the_papers_signs(corpus):
    mean_ss = corpus.exchanges.groupby("dialogue_id")["SS"].mean()
    r = corpus.ratings_post.corrwith(mean_ss)
    assert r["worthwhile"] > 0.4 and r["cold"] < -0.4
    negative = ["boring", "unsatisfying", "cold", "awkward", "dull", "slow"]
    assert (r[negative] < 0).all()
    assert (r[["well-coordinated", "harmonious", "engrossing", "worthwhile"]] > 0).all()


def test_linguistic_and_face_features_carry_sentiment_but_body_does_not(corpus):
    X = corpus.features
    rated = ~np.isnan(X.exchange_labels)
    ss = X.exchange_labels[rated]

    def best_abs_corr(modality: str) -> float:
        block = X.select_modalities([modality]).values[rated]
        centred = (block - block.mean(0)) / (block.std(0) + 1e-12)
        return float(np.max(np.abs(centred.T @ (ss - ss.mean()) / (ss.std() * ss.size))))

    assert best_abs_corr("L") > 0.2
    assert best_abs_corr("V") > 0.2
    assert best_abs_corr("B") < 0.1
    smile = X.select_columns(["AU12_c_mean"]).values[rated, 0]
    assert np.corrcoef(smile, ss)[0, 1] > 0.2


def test_no_features_fraction_zero_keeps_every_dialogue():
    data = make_synthetic_hazumi(5, feature_dims=TINY, no_features_fraction=0, random_state=0)
    assert len(data.features) == 5
    assert (data.excluded["level"] != "session").all()


def test_a_single_dialogue_keeps_its_features():
    data = make_synthetic_hazumi(1, feature_dims=TINY, no_features_fraction=0.9, random_state=0)
    assert len(data.features) == 1


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"n_dialogues": 0}, "n_dialogues"),
        ({"n_exchanges": (5, 2)}, "n_exchanges"),
        ({"n_exchanges": 5}, "n_exchanges"),
        ({"feature_dims": {"X": 3}}, "unknown modality"),
        ({"feature_dims": {"A": 0}}, "positive"),
        ({"not_rated_rate": 1.5}, "not_rated_rate"),
        ({"no_features_fraction": -0.1}, "no_features_fraction"),
    ],
)
def test_bad_parameters_raise_clear_errors(kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_synthetic_hazumi(**kwargs)
