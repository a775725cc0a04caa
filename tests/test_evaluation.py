"""Known-answer tests of repeated/nested CV, intervals and paired tests."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

from hazumi_sk.evaluation import (
    corrected_resampled_ttest,
    nested_cv_score,
    paired_permutation_test,
    paper_protocol_best,
    repeated_cv_scores,
    summarize_scores,
)
from hazumi_sk.sequences import RaggedSequences


class ThresholdClassifier(ClassifierMixin, BaseEstimator):
    """Predicts ``X[:, 0] > threshold``: deterministic, fit ignores the data."""

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return (np.asarray(X)[:, 0] > self.threshold).astype(int)


class CountingClassifier(ThresholdClassifier):
    """Counts fits in a class attribute (works with the sequential backend only)."""

    n_fits = 0

    def fit(self, X, y):
        type(self).n_fits += 1
        return super().fit(X, y)


@pytest.fixture
def flat_data():
    X, y = make_classification(n_samples=60, n_features=5, random_state=0)
    return X, y


def test_repeated_cv_scores_shape_and_pairing(flat_data):
    X, y = flat_data
    a = repeated_cv_scores(LogisticRegression(), X, y, n_repeats=3, progress=False)
    assert list(a[["repeat", "fold"]].drop_duplicates().shape) == [15, 2]
    assert (a["n_train"] + a["n_test"] == 60).all()
    assert a["score"].between(0, 1).all()
    # Same seed, same folds: a deterministic estimator gives identical fold scores.
    b = repeated_cv_scores(LogisticRegression(), X, y, n_repeats=3, progress=False)
    np.testing.assert_array_equal(a["score"], b["score"])


def test_repeated_cv_scores_known_answer_accuracy():
    # X[:,0] == y exactly: the threshold rule is perfect on every fold.
    y = np.array([0, 1] * 10)
    X = np.c_[y, np.zeros(20)]
    scores = repeated_cv_scores(
        ThresholdClassifier(0.5), X, y, n_repeats=2, scoring="accuracy", progress=False
    )
    assert (scores["score"] == 1.0).all()
    flipped = repeated_cv_scores(
        ThresholdClassifier(2.0), X, y, n_repeats=1, scoring="accuracy", progress=False
    )
    np.testing.assert_allclose(flipped["score"], 0.5)


def test_repeated_cv_scores_on_ragged_sequences():
    rng = np.random.default_rng(0)
    seqs = [rng.normal(size=(rng.integers(2, 6), 3)) for _ in range(20)]
    X = RaggedSequences.from_arrays(seqs)
    y = np.array([0, 1] * 10)

    class FirstRow(ThresholdClassifier):
        def predict(self, X):
            return np.array([s[0, 0] > self.threshold for s in X]).astype(int)

    scores = repeated_cv_scores(FirstRow(), X, y, n_repeats=1, progress=False)
    assert len(scores) == 5 and scores["n_test"].sum() == 20


def test_repeated_cv_scores_bad_input(flat_data):
    X, y = flat_data
    with pytest.raises(ValueError, match="X has 60 samples but y has 59"):
        repeated_cv_scores(LogisticRegression(), X, y[:-1], progress=False)
    with pytest.raises(ValueError, match="NaN"):
        repeated_cv_scores(LogisticRegression(), X, np.full(60, np.nan), progress=False)
    with pytest.raises(ValueError, match="n_splits=5 is larger than the smallest class"):
        repeated_cv_scores(LogisticRegression(), X, np.r_[np.ones(57), np.zeros(3)], progress=False)


def test_cache_resumes_without_refitting(flat_data, tmp_path):
    X, y = flat_data
    CountingClassifier.n_fits = 0
    first = repeated_cv_scores(
        CountingClassifier(), X, y, n_repeats=2, cache_dir=tmp_path, progress=False
    )
    assert CountingClassifier.n_fits == 10 and not first["cached"].any()
    second = repeated_cv_scores(
        CountingClassifier(), X, y, n_repeats=3, cache_dir=tmp_path, progress=False
    )
    # Only the new repeat is fitted; the first two come from disk with equal scores.
    assert CountingClassifier.n_fits == 15
    assert second["cached"].sum() == 10
    np.testing.assert_array_equal(second["score"][:10], first["score"])
    # A different parameter is a different cell.
    repeated_cv_scores(
        CountingClassifier(1.0), X, y, n_repeats=1, cache_dir=tmp_path, progress=False
    )
    assert CountingClassifier.n_fits == 20


def test_summarize_scores_corrected_interval_known_answer():
    values = np.array([0.6, 0.7, 0.8, 0.7, 0.9, 0.5, 0.6, 0.8, 0.7, 0.7])
    scores = pd.DataFrame(
        {"repeat": np.repeat([0, 1], 5), "fold": np.tile(range(5), 2), "score": values,
         "n_train": 48, "n_test": 12}
    )  # fmt: skip
    summary = summarize_scores(scores).iloc[0]
    # Hand computation: mean 0.7, s^2 = 0.12/9, se = sqrt((1/10 + 12/48) * s^2).
    se = np.sqrt((0.1 + 0.25) * 0.12 / 9)
    half = stats.t.ppf(0.975, 9) * se
    assert summary["mean"] == pytest.approx(0.7)
    assert summary["ci_low"] == pytest.approx(0.7 - half)
    assert summary["ci_high"] == pytest.approx(0.7 + half)
    assert half == pytest.approx(0.1545, abs=1e-4)
    # Repeat-means interval: means 0.74 and 0.66, t_1 quantile.
    rm = summarize_scores(scores, method="repeat-means").iloc[0]
    half_rm = stats.t.ppf(0.975, 1) * np.std([0.74, 0.66], ddof=1) / np.sqrt(2)
    assert rm["ci_high"] - 0.7 == pytest.approx(half_rm)


def test_summarize_scores_by_groups_and_errors():
    scores = pd.DataFrame(
        {"config": ["a"] * 3 + ["b"] * 3, "repeat": 0, "fold": [0, 1, 2] * 2,
         "score": [1, 1, 1, 0.2, 0.4, 0.6], "n_train": 2, "n_test": 1}
    )  # fmt: skip
    summary = summarize_scores(scores, by="config").set_index("config")
    assert summary.loc["a", "mean"] == 1 and summary.loc["a", "ci_low"] == 1
    assert summary.loc["b", "mean"] == pytest.approx(0.4)
    with pytest.raises(ValueError, match="'method' parameter of summarize_scores must be"):
        summarize_scores(scores, method="bogus")
    with pytest.raises(ValueError, match="lacks columns"):
        summarize_scores(scores.drop(columns="n_train"))


def test_corrected_ttest_hand_computation():
    a = [0.8, 0.7, 0.9, 0.6]
    b = [0.6, 0.7, 0.7, 0.5]
    # d = [0.2, 0, 0.2, 0.1]; mean 0.125; var = (0.075^2*2 + 0.125^2 + 0.025^2) / 3
    var = (2 * 0.075**2 + 0.125**2 + 0.025**2) / 3
    t = 0.125 / np.sqrt((1 / 4 + 10 / 40) * var)
    res = corrected_resampled_ttest(a, b, n_train=40, n_test=10)
    assert res.mean_difference == pytest.approx(0.125)
    assert res.statistic == pytest.approx(t)
    assert res.statistic == pytest.approx(1.8464, abs=1e-4)
    assert res.pvalue == pytest.approx(2 * stats.t.sf(t, 3))
    # Without the correction term it would be the ordinary paired t-test.
    plain = stats.ttest_rel(a, b)
    assert res.statistic < plain.statistic


def test_ttest_and_permutation_errors_and_degenerate():
    with pytest.raises(ValueError, match="paired"):
        corrected_resampled_ttest([1, 2], [1, 2, 3], 4, 1)
    with pytest.raises(ValueError, match=r"'n_train' parameter .* range \(0.0, inf\)\. Got 0"):
        corrected_resampled_ttest([1, 2], [1, 2], 0, 1)
    assert corrected_resampled_ttest([1, 2], [1, 2], 4, 1).pvalue == 1.0
    assert corrected_resampled_ttest([2, 3], [1, 2], 4, 1).pvalue == 0.0


def test_paired_permutation_test_exact_and_random():
    # d = [1, 2, 3, 4]: sign patterns with |mean| >= 2.5 are ++++ and ---- only.
    res = paired_permutation_test([1, 2, 3, 4], [0, 0, 0, 0])
    assert res.pvalue == pytest.approx(2 / 16)
    # d = [1, -1]: every pattern is at least as extreme as |mean| = 0.
    assert paired_permutation_test([1, 0], [0, 1]).pvalue == 1.0
    rng = np.random.default_rng(0)
    a = rng.normal(1.0, 0.1, size=30)
    big = paired_permutation_test(a, np.zeros(30), n_permutations=999)
    assert big.pvalue == pytest.approx(1 / 1000)


def test_nested_cv_with_deterministic_estimator():
    # Only threshold 0.5 separates the classes; nested CV must pick it on every fold.
    y = np.array([0, 1] * 15)
    X = np.c_[y, np.zeros(30)]
    grid = {"threshold": [-1.0, 0.5, 2.0]}
    nested = nested_cv_score(ThresholdClassifier(), grid, X, y, scoring="accuracy", progress=False)
    assert len(nested) == 5
    assert (nested["best_params"] == '{"threshold": 0.5}').all()
    assert (nested["score"] == 1.0).all() and (nested["inner_score"] == 1.0).all()
    paper = paper_protocol_best(ThresholdClassifier(), grid, X, y, scoring="accuracy",
                                progress=False)  # fmt: skip
    assert paper.attrs["best_score"] == 1.0
    assert paper.loc[0, "params"] == '{"threshold": 0.5}' and paper.loc[0, "is_best"]
    np.testing.assert_allclose(paper["mean_score"].iloc[1:], 0.5)


def test_paper_protocol_is_optimistic_on_noise():
    # Pure noise: picking the best of many candidates on the reporting folds
    # looks better than chance, nested CV does not.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 10))
    y = np.array([0, 1] * 20)

    class Column(ThresholdClassifier):
        def __init__(self, column=0):
            self.column = column

        def predict(self, X):
            return (np.asarray(X)[:, self.column] > 0).astype(int)

    grid = {"column": list(range(10))}
    paper = paper_protocol_best(Column(), grid, X, y, scoring="accuracy", progress=False)
    nested = nested_cv_score(Column(), grid, X, y, scoring="accuracy", progress=False)
    assert paper.attrs["best_score"] > nested["score"].mean()
    assert paper.attrs["best_score"] == paper["mean_score"].max()


def test_nested_cv_rejects_unknown_params(flat_data):
    X, y = flat_data
    with pytest.raises(ValueError, match=r"unknown parameters \['alpha'\]"):
        nested_cv_score(LogisticRegression(), {"alpha": [1]}, X, y, progress=False)


def test_load_paper_table(tmp_path):
    from hazumi_sk.reproduction import load_paper_table

    (tmp_path / "table3_multitask_alpha_worthwhile.csv").write_text("feature_set,0.1\nL,0.5\n")
    table = load_paper_table("table3", tables_dir=tmp_path)
    assert table.loc[0, "0.1"] == 0.5
    assert load_paper_table("table3_multitask_alpha_worthwhile", tmp_path).shape == (1, 2)
    with pytest.raises(ValueError, match="Unknown paper table 'table9'"):
        load_paper_table("table9", tmp_path)
    with pytest.raises(FileNotFoundError, match="table1_correlations.csv does not exist"):
        load_paper_table("table1", tmp_path)


def test_estimator_fingerprint_ignores_memory_addresses():
    from hazumi_sk.evaluation._cache import estimator_fingerprint

    class Holder(ThresholdClassifier):
        def __init__(self, threshold=0.0, callback=None):
            self.threshold = threshold
            self.callback = callback

    # Two distinct plain objects repr as "<... object at 0x...>" with different addresses.
    a, b = Holder(callback=object()), Holder(callback=object())
    assert repr(a.callback) != repr(b.callback)
    assert estimator_fingerprint(a) == estimator_fingerprint(b)
    assert estimator_fingerprint(a) != estimator_fingerprint(Holder(threshold=1.0))
