"""SequencePooler: hand-computed statistics, errors naming the parameter/dialogue, pipelines."""

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_validate
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.model._toy import make_toy_sequences
from hazumi_sk.preprocessing import ModalitySelector, SequencePooler
from hazumi_sk.preprocessing._pooling import POOLING_STATISTICS
from hazumi_sk.sequences import RaggedSequences


def ragged(arrays, names=("f", "g")):
    return RaggedSequences.from_arrays(
        [np.asarray(a, dtype=float) for a in arrays],
        feature_names=list(names),
        dialogue_ids=[f"s{i}" for i in range(len(arrays))],
    )


@pytest.fixture
def X():
    # s0: f = 1, 2, 4, 9 (g = 0, 0, 0, 0); s1: f = 5, 3, 1 (g = 1, 2, 3).
    return ragged(
        [
            [[1.0, 0.0], [2.0, 0.0], [4.0, 0.0], [9.0, 0.0]],
            [[5.0, 1.0], [3.0, 2.0], [1.0, 3.0]],
        ]
    )


@pytest.mark.parametrize(
    ("stat", "expected"),
    [
        ("mean", [[4.0, 0.0], [3.0, 2.0]]),
        ("std", [[np.sqrt(9.5), 0.0], [np.sqrt(8 / 3), np.sqrt(2 / 3)]]),
        ("min", [[1.0, 0.0], [1.0, 1.0]]),
        ("max", [[9.0, 0.0], [5.0, 3.0]]),
        ("first", [[1.0, 0.0], [5.0, 1.0]]),
        ("last", [[9.0, 0.0], [1.0, 3.0]]),
        ("head_mean", [[1.5, 0.0], [4.0, 1.5]]),
        ("tail_mean", [[6.5, 0.0], [2.0, 2.5]]),
        # s0: t - 1.5 = -1.5, -.5, .5, 1.5; sum t'x = -1.5 - 1 + 2 + 13.5 = 13, sum t'^2 = 5.
        ("slope", [[2.6, 0.0], [-2.0, 1.0]]),
    ],
)
def test_known_statistics(X, stat, expected):
    pooled = SequencePooler(stats=(stat,), k=2).fit_transform(X)
    assert pooled.dtype == np.float64 and pooled.shape == (2, 2)
    np.testing.assert_allclose(pooled, expected)


def test_every_listed_statistic_is_covered():
    assert set(POOLING_STATISTICS) == {
        "mean", "std", "min", "max", "first", "last", "head_mean", "tail_mean", "slope"
    }  # fmt: skip


def test_columns_are_statistic_major_and_named(X):
    pooler = SequencePooler(stats=["mean", "max"]).fit(X)
    assert pooler.get_feature_names_out().tolist() == ["mean__f", "mean__g", "max__f", "max__g"]
    np.testing.assert_allclose(pooler.transform(X), [[4, 0, 9, 0], [3, 2, 5, 3]])


def test_single_string_stat_and_default(X):
    assert SequencePooler(stats="min").fit_transform(X).shape == (2, 2)
    assert SequencePooler().fit(X).get_feature_names_out().tolist() == [
        "mean__f", "mean__g", "std__f", "std__g"
    ]  # fmt: skip


def test_one_exchange_dialogue_has_zero_std_and_slope():
    X = ragged([[[3.0, 4.0]], [[1.0, 1.0], [2.0, 3.0]]])
    pooled = SequencePooler(stats=("std", "slope")).fit_transform(X)
    np.testing.assert_allclose(pooled[0], [0, 0, 0, 0])
    np.testing.assert_allclose(pooled[1], [0.5, 1.0, 1.0, 2.0])


def test_short_dialogue_raises_naming_dialogue_and_k(X):
    with pytest.raises(ValueError, match=r"dialogue 's1' has 3 exchange\(s\), fewer than k=4"):
        SequencePooler(stats=("mean", "tail_mean"), k=4).fit(X)
    # k is irrelevant without windowed statistics.
    SequencePooler(stats=("mean",), k=10).fit_transform(X)
    # A short dialogue at transform time raises too.
    pooler = SequencePooler(stats=("head_mean",), k=3).fit(X)
    with pytest.raises(ValueError, match=r"'s0' has 1 exchange\(s\), fewer than k=3"):
        pooler.transform(ragged([[[1.0, 2.0]]]))


def test_short_use_all_averages_all_exchanges(X):
    pooled = SequencePooler(stats=("head_mean", "tail_mean"), k=4, short="use_all").fit_transform(X)
    np.testing.assert_allclose(pooled, [[4, 0, 4, 0], [3, 2, 3, 2]])


def test_nonfinite_raises_naming_dialogue_and_feature():
    X = ragged([[[1.0, 2.0]], [[3.0, np.nan]]])
    with pytest.raises(ValueError, match=r"dialogue 's1', feature 'g'"):
        SequencePooler().fit(X)


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"stats": ("mean", "median")}, r"'stats'.*unknown statistic\(s\) \['median'\]"),
        ({"stats": ()}, "'stats'"),
        ({"stats": ("mean", "mean")}, "'stats'.*repeats"),
        ({"stats": None}, "'stats'"),
        ({"k": 0}, "'k'"),
        ({"k": 2.5}, "'k'"),
        ({"short": "pad"}, "'short'"),
    ],
)
def test_bad_parameters_raise_in_fit_naming_them(X, params, match):
    pooler = SequencePooler(**params)
    with pytest.raises(ValueError, match=match):
        pooler.fit(X)


def test_transform_requires_fit_columns(X):
    pooler = SequencePooler().fit(X)
    with pytest.raises(ValueError, match="feature names differ"):
        pooler.transform(X.replace(feature_names=["a", "b"]))
    with pytest.raises(TypeError, match="RaggedSequences"):
        pooler.transform(np.zeros((2, 2)))


def test_pipeline_in_grid_search_and_cross_validate():
    X, y = make_toy_sequences(n_dialogues=30, lengths=(3, 8), random_state=1)
    pipe = Pipeline(
        [
            ("select", ModalitySelector("L+V")),
            ("pool", SequencePooler()),
            ("scale", StandardScaler()),
            ("clf", LogisticRegression()),
        ]
    )
    cv = StratifiedKFold(3, shuffle=True, random_state=0)
    # y is routed past the pooler to the classifier; stratification sees the dialogue labels.
    result = cross_validate(pipe, X, y, cv=cv, scoring="f1_weighted", return_estimator=True)
    assert result["test_score"].mean() > 0.7  # the toy label is learnable from the means
    for train, _ in cv.split(np.zeros(len(y)), y):
        assert abs(y[train].mean() - 0.5) < 0.06
    names = result["estimator"][0][:-2].get_feature_names_out().tolist()
    assert names[:2] == ["mean__L1", "mean__V2"]
    search = GridSearchCV(
        pipe, {"pool__stats": [("mean",), ("mean", "std")], "clf__C": [0.1, 1.0]}, cv=cv
    ).fit(X, y)
    assert search.best_estimator_.predict(X).shape == (30,)


def test_pooled_rows_follow_dialogue_indexing():
    X, y = make_toy_sequences(n_dialogues=10, random_state=2)
    pipe = make_pipeline(SequencePooler(stats=("mean", "last")), LogisticRegression()).fit(X, y)
    np.testing.assert_array_equal(pipe.predict(X[[3, 1]]), pipe.predict(X)[[3, 1]])


ragged_inputs = st.lists(st.integers(1, 6), min_size=1, max_size=6).flatmap(
    lambda lengths: st.tuples(
        st.just(lengths),
        st.lists(
            st.floats(-1e3, 1e3, allow_nan=False),
            min_size=sum(lengths) * 2,
            max_size=sum(lengths) * 2,
        ),
        st.permutations(range(len(lengths))),
    )
)


@settings(max_examples=40, deadline=None)
@given(ragged_inputs)
def test_pooling_matches_numpy_and_is_row_wise_under_permutation(data):
    lengths, flat, order = data
    values = np.asarray(flat).reshape(-1, 2)
    arrays = np.split(values, np.cumsum(lengths)[:-1])
    X = RaggedSequences.from_arrays(arrays)
    stats = ("mean", "std", "min", "max", "first", "last", "head_mean", "tail_mean")
    pooler = SequencePooler(stats=stats, k=2, short="use_all").fit(X)
    pooled = pooler.transform(X)
    columns = [
        [a.mean(0), a.std(0), a.min(0), a.max(0), a[0], a[-1], a[:2].mean(0), a[-2:].mean(0)]
        for a in arrays
    ]
    expected = np.array([np.concatenate(c) for c in columns])
    np.testing.assert_allclose(pooled, expected, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(pooler.transform(X[list(order)]), pooled[list(order)])
