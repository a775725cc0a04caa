"""to_xy: known answers on a hand-built Bunch, and clear errors on bad requests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.utils import Bunch

from hazumi_sk.datasets import RAPPORT_ITEMS, make_synthetic_hazumi, to_xy
from hazumi_sk.datasets._targets import ts_on_ss_scale
from hazumi_sk.sequences import RaggedSequences


def _ratings(values: dict[str, float], ids=("a", "b", "c")) -> pd.DataFrame:
    """Every item 1 except the given ones."""
    table = pd.DataFrame(1.0, index=pd.Index(ids, name="dialogue_id"), columns=RAPPORT_ITEMS)
    for item, column in values.items():
        table[item] = column
    return table


@pytest.fixture
def toy() -> Bunch:
    """Dialogues a (2 rows), b (1 row) with features; c has ratings but no features."""
    features = RaggedSequences.from_arrays(
        [np.array([[1.0], [2.0]]), np.array([[3.0]])],
        feature_names=["f"],
        modalities=["L"],
        dialogue_ids=["a", "b"],
        exchange_labels=[[5.0, np.nan], [2.0]],
    )
    feature_rows = pd.DataFrame(
        {
            "dialogue_id": ["a", "a", "b"],
            "row": [0, 1, 0],
            "SS": [5.0, np.nan, 2.0],
            "TS_mean": [4.2, 3.8, 6.0],
            "TC_mean": [1.0, 2.0, 3.0],
        }
    )
    return Bunch(
        features=features,
        feature_rows=feature_rows,
        ratings_post=_ratings({"worthwhile": [5, 4, 8], "cold": [2, np.nan, 7]}),
        ratings_pre=_ratings({"worthwhile": [3, 6, 1]}),
        ratings_third_party=_ratings({"worthwhile": [4.2, 4.0, 5.0]}),
    )


def test_known_answer_post_worthwhile(toy):
    X, y = to_xy(toy, item="worthwhile", rating="post", threshold=4)
    assert X.dialogue_ids.tolist() == ["a", "b"]  # c has no features
    assert y.tolist() == [1, 0]  # 5 > 4, 4 is not > 4
    assert y.dtype.kind == "i"
    np.testing.assert_array_equal(X.exchange_labels, [5.0, np.nan, 2.0])
    np.testing.assert_array_equal(X.values[:, 0], [1.0, 2.0, 3.0])


def test_threshold_and_rating_sources(toy):
    assert to_xy(toy, "worthwhile", rating="pre")[1].tolist() == [0, 1]
    assert to_xy(toy, "worthwhile", rating="participant_pre")[1].tolist() == [0, 1]
    assert to_xy(toy, "worthwhile", rating="third_party")[1].tolist() == [1, 0]
    assert to_xy(toy, "worthwhile", rating="third_party", threshold=4.5)[1].tolist() == [0, 0]
    assert to_xy(toy, "worthwhile", threshold=3)[1].tolist() == [1, 1]


def test_dialogues_without_the_rating_are_left_out(toy):
    X, y = to_xy(toy, item="cold")
    assert X.dialogue_ids.tolist() == ["a"]
    assert y.tolist() == [0]
    np.testing.assert_array_equal(X.exchange_labels, [5.0, np.nan])


@pytest.mark.parametrize(
    ("label", "expected"), [("TS_mean", [4.2, 3.8, 6.0]), ("TC_mean", [1, 2, 3])]
)
def test_exchange_label_comes_from_feature_rows(toy, label, expected):
    X, _ = to_xy(toy, exchange_label=label)
    np.testing.assert_array_equal(X.exchange_labels, expected)


def test_unknown_item_lists_the_items(toy):
    with pytest.raises(ValueError, match="well-coordinated.*slow"):
        to_xy(toy, item="happy")


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"rating": "during"}, "Unknown rating 'during'"),
        ({"exchange_label": "TS"}, "Unknown exchange_label 'TS'"),
        ({"threshold": "4"}, "threshold"),
        ({"threshold": float("nan")}, "threshold"),
    ],
)
def test_bad_arguments_raise_clear_errors(toy, kwargs, message):
    with pytest.raises(ValueError, match=message):
        to_xy(toy, **kwargs)


def test_misaligned_feature_rows_are_refused(toy):
    toy.feature_rows = toy.feature_rows.iloc[:2]
    with pytest.raises(ValueError, match="feature_rows has 2 rows"):
        to_xy(toy)


def test_feature_rows_in_the_wrong_dialogue_order_are_refused(toy):
    toy.feature_rows["dialogue_id"] = ["a", "b", "b"]
    with pytest.raises(ValueError, match="not aligned"):
        to_xy(toy)


def test_no_dialogue_left_is_an_error(toy):
    toy.ratings_post["cold"] = np.nan
    with pytest.raises(ValueError, match="No dialogue has both"):
        to_xy(toy, item="cold")


def test_synthetic_corpus_round_trip():
    data = make_synthetic_hazumi(12, n_exchanges=(5, 9), feature_dims={"L": 20}, random_state=2)
    X, y = to_xy(data, item="worthwhile")
    featured = data.sessions.index[data.sessions["has_features"]]
    assert X.dialogue_ids.tolist() == featured.tolist()
    expected = (data.ratings_post.loc[featured, "worthwhile"] > 4).astype(int).to_numpy()
    np.testing.assert_array_equal(y, expected)
    np.testing.assert_array_equal(X.exchange_labels, data.feature_rows["SS"].to_numpy())


@pytest.mark.slow
@pytest.mark.realdata
def test_real_corpus_targets(hazumi_real):
    X, y = to_xy(hazumi_real, item="worthwhile", rating="post", threshold=4)
    featured = hazumi_real.sessions.index[hazumi_real.sessions["has_features"]]
    assert X.dialogue_ids.tolist() == featured.tolist() and len(featured) == 54
    expected = (hazumi_real.ratings_post.loc[featured, "worthwhile"] > 4).astype(int)
    np.testing.assert_array_equal(y, expected.to_numpy())
    np.testing.assert_array_equal(X.exchange_labels, hazumi_real.feature_rows["SS"].to_numpy())
    _, y_third = to_xy(
        hazumi_real, item="worthwhile", rating="third_party", exchange_label="TS_mean"
    )
    assert y_third.shape == (54,)


# --------------------------------------------------------------- labels per corpus
@pytest.fixture
def mixed(toy) -> Bunch:
    """The toy with dialogue a from Hazumi1911 and b from Hazumi2012 (no self-sentiment)."""
    toy.feature_rows["SS"] = [5.0, np.nan, np.nan]
    toy.feature_rows["TS_mean"] = [4.2, 3.5, 4.5]
    toy.sessions = pd.DataFrame(
        {"version": ["1911", "2012", "2012"]}, index=pd.Index(["a", "b", "c"], name="dialogue_id")
    )
    return toy


def test_ss_on_a_corpus_without_self_sentiment_names_the_corpus(mixed):
    with pytest.raises(ValueError, match=r"'SS': Hazumi2012 has no self-sentiment.*'SS_or_TS'"):
        to_xy(mixed, exchange_label="SS")


def test_ss_or_ts_uses_ss_where_the_corpus_has_it_and_rounded_ts_elsewhere(mixed):
    X, _ = to_xy(mixed, exchange_label="SS_or_TS")
    # a (1911): SS as is, its not-rated exchange stays NaN; b (2012): TS 4.5 -> 4.
    np.testing.assert_array_equal(X.exchange_labels, [5.0, np.nan, 4.0])
    X, _ = to_xy(mixed, exchange_label="TS_mean")
    np.testing.assert_array_equal(X.exchange_labels, [4.2, 3.5, 4.5])


def test_correlation_says_the_corpus_has_no_self_sentiment(mixed):
    from hazumi_sk.analysis import exchange_dialogue_correlation

    mixed.feature_rows["SS"] = np.nan
    mixed.sessions["version"] = "2012"
    with pytest.raises(ValueError, match="Hazumi2012 has no self-sentiment"):
        exchange_dialogue_correlation(mixed, exchange_label="SS", source="feature_rows")


def test_ts_on_ss_scale_known_values():
    np.testing.assert_array_equal(
        ts_on_ss_scale([1.0, 2.5, 3.4, 3.5, 3.8, 4.0, 4.2, 4.5, 4.6, 5.5, 7.0, np.nan]),
        [1.0, 3.0, 3.0, 4.0, 4.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, np.nan],
    )


def _ss_ternary(ss: float) -> int:
    return 2 if ss >= 5 else 0 if ss <= 3 else 1


def _ts_ternary(mean: float) -> int:
    return 2 if mean > 4.5 else 0 if mean < 3.5 else 1


@given(st.lists(st.integers(1, 7), min_size=1, max_size=5))
def test_ts_on_ss_scale_keeps_the_papers_ternary_class(labels):
    """Any mean of 1-5 annotators' 1-7 labels: SS's rule on the rounded value = TS's rule."""
    mean = float(np.mean(labels))
    rounded = float(ts_on_ss_scale([mean])[0])
    assert rounded in range(1, 8) and abs(rounded - mean) <= 0.5
    assert _ss_ternary(rounded) == _ts_ternary(mean)
