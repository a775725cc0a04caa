"""Cross-corpus protocols: pooled folds, alone vs pooled pairing, LOCO, per-corpus scaling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

from hazumi_sk.evaluation import (
    CorpusScaler,
    compare_protocols,
    cross_corpus_scores,
    dialogue_corpora,
    leave_one_corpus_out,
    participant_groups,
    pooled_corpus_splits,
)
from hazumi_sk.sequences import RaggedSequences


def _three_corpora():
    """a: 10 low + 15 high, b: 5 low + 20 high, c: 10 + 10; every stratum divisible by 5."""
    y = np.r_[np.zeros(10), np.ones(15), np.zeros(5), np.ones(20), np.zeros(10), np.ones(10)]
    corpus = np.array(["a"] * 25 + ["b"] * 25 + ["c"] * 20)
    return y.astype(int), corpus


def test_stratified_on_label_and_corpus_exactly():
    y, corpus = _three_corpora()
    splits = pooled_corpus_splits(y, corpus, n_splits=5, n_repeats=2, random_state=3)
    assert [(r, f) for r, f, _, _ in splits] == [(r, f) for r in range(2) for f in range(5)]
    for _, _, train, test in splits:
        counts = pd.crosstab(corpus[test], y[test])
        # Each stratum has 5x its per-fold share: every fold gets exactly a fifth.
        assert counts.loc["a"].tolist() == [2, 3]
        assert counts.loc["b"].tolist() == [1, 4]
        assert counts.loc["c"].tolist() == [2, 2]
        assert len(train) == 70 - 14 and not set(train) & set(test)


def test_every_test_sample_once_per_repeat_and_repeats_differ():
    y, corpus = _three_corpora()
    splits = pooled_corpus_splits(y, corpus, n_splits=5, n_repeats=2)
    for repeat in range(2):
        tests = np.concatenate([te for r, _, _, te in splits if r == repeat])
        assert sorted(tests.tolist()) == list(range(70))
    assert not np.array_equal(splits[0][3], splits[5][3])


def test_groups_never_split_even_across_corpora():
    y, corpus = _three_corpora()
    groups = np.arange(70) // 2  # pairs; pair 12 = samples 24 (corpus a) and 25 (corpus b)
    for test_corpora in (None, ["a"], ["b", "c"]):
        for _, _, train, test in pooled_corpus_splits(
            y, corpus, groups, n_splits=4, test_corpora=test_corpora
        ):
            assert not set(groups[train]) & set(groups[test])
    # Sample 25 (corpus b) shares a participant with 24 (corpus a): when 24 is tested,
    # the pooled training side must leave 25 out although corpus b is added whole.
    for _, _, train, test in pooled_corpus_splits(y, corpus, groups, n_splits=5, test_corpora="a"):
        assert (25 in train) == (24 not in test)


def test_pooled_and_alone_share_test_folds_exactly():
    y, corpus = _three_corpora()
    kw = {"n_splits": 5, "n_repeats": 3, "random_state": 7, "test_corpora": ["a", "b"]}
    pooled = pooled_corpus_splits(y, corpus, **kw)
    alone = pooled_corpus_splits(y, corpus, train_corpora=["a", "b"], **kw)
    c_rows = np.flatnonzero(corpus == "c")
    assert len(pooled) == len(alone) == 15
    for (rp, fp, trp, tep), (ra, fa, tra, tea) in zip(pooled, alone, strict=True):
        assert (rp, fp) == (ra, fa)
        np.testing.assert_array_equal(tep, tea)
        assert set(corpus[tep]) <= {"a", "b"}
        assert set(corpus[tra]) <= {"a", "b"}
        np.testing.assert_array_equal(trp, np.sort(np.r_[tra, c_rows]))
    # The folds depend on the test corpora only: changing corpus c's labels changes nothing.
    y_changed = y.copy()
    y_changed[corpus == "c"] = 1
    again = pooled_corpus_splits(y_changed, corpus, **kw)
    for (_, _, _, te1), (_, _, _, te2) in zip(pooled, again, strict=True):
        np.testing.assert_array_equal(te1, te2)


def test_leave_one_corpus_out_tests_one_corpus():
    _, corpus = _three_corpora()
    splits = leave_one_corpus_out(corpus)
    assert [name for name, _, _ in splits] == ["a", "b", "c"]
    for name, train, test in splits:
        assert set(corpus[test]) == {name} and len(test) == (corpus == name).sum()
        assert name not in set(corpus[train]) and len(train) + len(test) == 70
    assert [n for n, _, _ in leave_one_corpus_out(corpus, test_corpora="b")] == ["b"]


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda y, c: pooled_corpus_splits(y, c, test_corpora=["a", "zz"]), r"test_corpora.*'zz'"),
        (lambda y, c: pooled_corpus_splits(y, c, train_corpora="x"), r"train_corpora.*'x'"),
        (lambda y, c: pooled_corpus_splits(y[:-1], c), r"y, corpus and groups.*69, 70"),
        (lambda y, c: pooled_corpus_splits(y, c, np.arange(3)), r"same length.*70, 70 and 3"),
        (lambda y, c: pooled_corpus_splits(y, c, n_splits=1), r"n_splits must be an int >= 2"),
        (lambda y, c: pooled_corpus_splits(y, c, n_repeats=0), r"n_repeats must be an int >= 1"),
        (
            lambda y, c: pooled_corpus_splits(y, c, test_corpora="a", train_corpora="b"),
            r"train_corpora \['b'\] must include every test corpus",
        ),
        (lambda y, c: leave_one_corpus_out(["a", "a"]), r"at least 2 corpora"),
        (lambda y, c: leave_one_corpus_out(c, test_corpora="q"), r"test_corpora.*'q'"),
    ],
)
def test_errors_name_the_parameter(call, match):
    y, corpus = _three_corpora()
    with pytest.raises(ValueError, match=match):
        call(y, corpus)


# ------------------------------------------------------------------ scaling
def _offset_toy():
    """Two corpora, one feature: a around 0, b around 100 (an online/in-person offset)."""
    seqs = [np.array([[0.0], [2.0]]), np.array([[4.0]]), np.array([[100.0], [110.0]])]
    seqs.append(np.array([[200.0]]))
    ids = ["a1", "a2", "b1", "b2"]
    return RaggedSequences.from_arrays(seqs, dialogue_ids=ids), {i: i[0] for i in ids}


def test_corpus_scaler_uses_training_statistics_only():
    X, corpus_of = _offset_toy()
    scaler = CorpusScaler(corpus_of=corpus_of).fit(X[[0, 2]])  # a1, b1 train
    np.testing.assert_allclose(scaler.means_["a"], [1.0])
    np.testing.assert_allclose(scaler.scales_["b"], [5.0])
    # b2 = 200 with b's *training* mean 105 and std 5: (200 - 105) / 5 = 19.
    np.testing.assert_allclose(scaler.transform(X[[1, 3]]).values.ravel(), [3.0, 19.0])


def test_corpus_scaler_unseen_corpus():
    X, corpus_of = _offset_toy()
    with pytest.raises(ValueError, match=r"not fitted on corpora \['b'\].*unseen='own'"):
        CorpusScaler(corpus_of=corpus_of).fit(X[[0, 1]]).transform(X)
    own = CorpusScaler(corpus_of=corpus_of, unseen="own").fit(X[[0, 1]]).transform(X[[2, 3]])
    # b alone: 100, 110, 200 -> mean 136.67, standardised to mean 0, std 1.
    np.testing.assert_allclose([own.values.mean(), own.values.std()], [0.0, 1.0], atol=1e-12)
    with pytest.raises(ValueError, match="unseen must be"):
        CorpusScaler(unseen="guess").fit(X)
    with pytest.raises(ValueError, match=r"corpus_of has no corpus.*'b2'"):
        CorpusScaler(corpus_of={"a1": "a", "a2": "a", "b1": "b"}).fit(X)


def test_corpus_scaler_default_reads_hazumi_version_prefix():
    X = RaggedSequences.from_arrays(
        [np.array([[1.0], [3.0]]), np.array([[10.0], [30.0]])],
        dialogue_ids=["1902F2001", "2012M3001"],
    )
    scaler = CorpusScaler().fit(X)
    assert sorted(scaler.means_) == ["1902", "2012"]
    np.testing.assert_allclose(scaler.transform(X).values.ravel(), [-1, 1, -1, 1])


class _MeanFirstFeature(ClassifierMixin, BaseEstimator):
    """Predicts class 1 always; used with a scorer that reads the scaled test data."""

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.train_mean_ = float(X.values.mean())
        return self

    def predict(self, X):
        return np.ones(len(X), dtype=int)


def _scaled_test_mean(estimator, X, y):
    return float(estimator[:-1].transform(X).values.mean())


def _sequence_toy(n_per_corpus=10):
    """Corpus a: one exchange value i; corpus b: 1000 + 10 i; labels alternate."""
    values = [np.array([[float(i)]]) for i in range(n_per_corpus)]
    values += [np.array([[1000.0 + 10 * i]]) for i in range(n_per_corpus)]
    ids = [f"a{i}" for i in range(n_per_corpus)] + [f"b{i}" for i in range(n_per_corpus)]
    X = RaggedSequences.from_arrays(values, dialogue_ids=ids)
    y = np.tile([0, 1], n_per_corpus)
    return X, y, np.array([i[0] for i in ids])


def test_per_corpus_scaling_in_cross_corpus_scores_is_fitted_on_training_folds():
    X, y, corpus = _sequence_toy()
    scores = cross_corpus_scores(
        _MeanFirstFeature(), X, y, corpus, protocol="pooled", per_corpus_scaling=True,
        scoring=_scaled_test_mean, n_splits=2, progress=False,
    )  # fmt: skip
    splits = pooled_corpus_splits(y, corpus, n_splits=2)
    raw = X.values.ravel()
    for (_, fold, train, test), (_, row) in zip(
        [(r, f, tr, te) for r, f, tr, te in splits for _ in "ab"], scores.iterrows(), strict=True
    ):
        name = row["corpus"]
        tr, te = train[corpus[train] == name], test[corpus[test] == name]
        expected = ((raw[te] - raw[tr].mean()) / raw[tr].std()).mean()
        assert row["fold"] == fold and row["score"] == pytest.approx(expected)
        assert row["score"] != pytest.approx(0.0)  # full-corpus statistics would give 0 on average


def test_loco_scaling_standardises_held_out_corpus_with_its_own_statistics():
    X, y, corpus = _sequence_toy()
    scores = cross_corpus_scores(
        _MeanFirstFeature(), X, y, corpus, protocol="loco", per_corpus_scaling=True,
        scoring=_scaled_test_mean, progress=False,
    )  # fmt: skip
    assert scores["corpus"].tolist() == ["a", "b"]
    np.testing.assert_allclose(scores["score"], [0.0, 0.0], atol=1e-12)


# ------------------------------------------------------------------ scores
def _flat_toy():
    y, corpus = _three_corpora()
    rng = np.random.default_rng(0)
    X = rng.normal(size=(70, 2))
    X[:, 0] += 2 * y
    return X, y, corpus


def test_cross_corpus_scores_pooled_vs_alone_rows_pair():
    X, y, corpus = _flat_toy()
    kw = {"test_corpora": ["a", "b"], "n_splits": 5, "n_repeats": 2, "progress": False}
    pooled = cross_corpus_scores(LogisticRegression(), X, y, corpus, protocol="pooled", **kw)
    alone = cross_corpus_scores(LogisticRegression(), X, y, corpus, protocol="alone", **kw)
    assert len(pooled) == len(alone) == 20  # 2 repeats x 5 folds x 2 corpora
    assert pooled["corpus"].tolist() == alone["corpus"].tolist() == ["a", "b"] * 10
    assert (pooled["n_test"] == alone["n_test"]).all() and set(pooled["n_test"]) == {5}
    assert set(pooled["n_train"]) == {60} and set(alone["n_train"]) == {40}
    assert set(pooled["train_corpora"]) == {"a+b+c"} and set(alone["train_corpora"]) == {"a+b"}
    comparison = compare_protocols(pooled, alone)
    assert comparison["corpus"].tolist() == ["a", "b"]
    assert comparison["n_pairs"].tolist() == [10, 10]
    np.testing.assert_allclose(
        comparison["mean_difference"],
        (pooled["score"] - alone["score"]).groupby(pooled["corpus"]).mean().to_numpy(),
    )
    together = cross_corpus_scores(
        DummyClassifier(), X, y, corpus, protocol="alone", score_by_corpus=False, **kw
    )
    assert len(together) == 10 and set(together["corpus"]) == {"a+b"}


def test_cross_corpus_scores_errors():
    X, y, corpus = _flat_toy()
    with pytest.raises(ValueError, match="protocol must be one of"):
        cross_corpus_scores(LogisticRegression(), X, y, corpus, protocol="mixed")
    with pytest.raises(ValueError, match="protocol='alone' needs test_corpora"):
        cross_corpus_scores(LogisticRegression(), X, y, corpus, protocol="alone")
    with pytest.raises(ValueError, match=r"X has 70 samples but y has 69"):
        cross_corpus_scores(LogisticRegression(), X, y[:-1], corpus)
    with pytest.raises(TypeError, match="RaggedSequences"):
        cross_corpus_scores(LogisticRegression(), X, y, corpus, per_corpus_scaling=True)


def test_compare_protocols_refuses_unpaired_scores():
    a = pd.DataFrame({"repeat": 0, "fold": [0, 1], "corpus": "x", "score": [0.5, 0.6],
                      "n_train": 10, "n_test": 5})  # fmt: skip
    with pytest.raises(ValueError, match="not on the same"):
        compare_protocols(a, a.assign(fold=[0, 2]))
    with pytest.raises(ValueError, match="different test sets"):
        compare_protocols(a, a.assign(n_test=4))
    with pytest.raises(ValueError, match=r"scores_b lacks columns \['n_test'\]"):
        compare_protocols(a, a.drop(columns="n_test"))


def test_participant_groups_and_dialogue_corpora():
    X = RaggedSequences.from_arrays([np.ones((1, 1))] * 3, dialogue_ids=["x1", "y1", "x2"])
    assert participant_groups(X).tolist() == ["x1", "y1", "x2"]
    dup = RaggedSequences.from_arrays([np.ones((1, 1))] * 2, dialogue_ids=["x1", "x1"])
    with pytest.raises(ValueError, match="not unique"):
        participant_groups(dup)
    data = {"sessions": pd.DataFrame({"version": ["1902", "2012"]}, index=["x1", "y1"])}
    with pytest.raises(ValueError, match=r"absent from dataset.sessions: \['x2'\]"):
        dialogue_corpora(data, X)
    assert dialogue_corpora(data, X[[1, 0]]).tolist() == ["2012", "1902"]
