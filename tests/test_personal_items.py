"""personalised_item_scores: rapport items from self-sentiment calibrated on the first answers."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.datasets import to_xy
from hazumi_sk.leaderboard import exchange_splits, personalised_item_scores
from hazumi_sk.reproduction import demo_dataset

ITEMS = ["worthwhile", "cold"]
SETTINGS = {"n_splits": 2, "n_repeats": 1, "n_inner_splits": 2, "tiny": True}


@functools.cache
def _run(k_all: int):
    data = demo_dataset(tiny=True)
    return data, personalised_item_scores(data, items=ITEMS, calibration_labels=(0, k_all),
                                          **SETTINGS)  # fmt: skip


def _share_of_high_answers(X):
    high = np.where(np.isnan(X.exchange_labels), np.nan, X.exchange_labels > 4)
    return np.array([np.nanmean(d) for d in np.split(high, X.offsets[1:-1])])


def test_all_answers_known_gives_the_logistic_regression_on_their_share():
    data, (summary, scores) = _run(100)  # k beyond every dialogue: stage 1 is not used
    X, _ = to_xy(data, item=ITEMS[0], exchange_label="SS")
    share = _share_of_high_answers(X)
    for item in ITEMS:
        Xi, yi = to_xy(data, item=item, exchange_label="SS")
        assert np.array_equal(Xi.dialogue_ids, X.dialogue_ids)
        for _, fold, train, test in exchange_splits(X, 2, 1, 0):
            model = make_pipeline(StandardScaler(), LogisticRegression(random_state=0))
            model.fit(share[train, None], yi[train])
            expected = f1_score(yi[test], model.predict(share[test, None]), average="weighted")
            row = scores.query(
                f"item == '{item}' and fold == {fold} and method == 'two-stage-calibrated' "
                "and n_labels == 100"
            )
            assert row["score"].item() == pytest.approx(expected)


def test_majority_and_average_rows():
    data, (summary, scores) = _run(100)
    X, _ = to_xy(data, item=ITEMS[0], exchange_label="SS")
    _, y = to_xy(data, item="cold", exchange_label="SS")
    for _, fold, train, test in exchange_splits(X, 2, 1, 0):
        majority = np.bincount(y[train]).argmax()
        expected = f1_score(y[test], np.full(len(test), majority), average="weighted",
                            zero_division=0)  # fmt: skip
        row = scores.query(f"item == 'cold' and fold == {fold} and method == 'majority'")
        assert row["score"].item() == pytest.approx(expected)
    per_fold = scores[scores["item"].isin(ITEMS)].groupby(["method", "n_labels", "fold"])["score"]
    average = scores[scores["item"] == "average (items)"].set_index(["method", "n_labels", "fold"])
    np.testing.assert_allclose(average["score"].sort_index(), per_fold.mean().sort_index())
    assert set(summary["n_labels"]) == {0, 100}
    calibrated = summary[(summary["method"] == "two-stage-calibrated") & (summary["n_labels"] > 0)]
    assert calibrated["difference"].notna().all()
    assert summary[summary["n_labels"] == 0]["difference"].isna().all()


def test_needs_the_reference():
    with pytest.raises(ValueError, match="include 0"):
        personalised_item_scores(demo_dataset(tiny=True), calibration_labels=(3,), **SETTINGS)
