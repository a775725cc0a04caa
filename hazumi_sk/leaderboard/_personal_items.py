"""Dialogue-level items from exchange sentiment calibrated on a participant's first k answers."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import f1_score
from sklearn.model_selection import KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from ..datasets import RAPPORT_ITEMS, to_xy
from ..evaluation import corrected_resampled_ttest, summarize_scores
from ._exchange_board import DEFAULT_CALIBRATION_LABELS, _build, exchange_splits

__all__ = ["personalised_item_scores"]

AVERAGE = "average (items)"


def _dialogue_means(X: Any, high: np.ndarray, k: int, threshold: float) -> np.ndarray:
    """Per dialogue: the mean of its first k answers (as 0/1) and the later predictions."""
    truth = np.where(np.isnan(X.exchange_labels), np.nan, X.exchange_labels > threshold)
    position = np.concatenate([np.arange(n) for n in X.lengths])
    known = (position < k) & ~np.isnan(truth)
    values = np.where(known, truth, high)
    return np.add.reduceat(values, X.offsets[:-1]) / X.lengths


def _stage_one(X: Any, train: np.ndarray, apply: np.ndarray, fs: str, seed: int, ks, tiny):
    """Calibrated exchange probabilities of ``apply`` from a model fitted on ``train``."""
    calibrator = _build("exchange-lr-calibrated", fs, seed, tiny)
    calibrator.fit(X[train])
    X_apply = X[apply]
    return {
        k: _dialogue_means(X_apply, calibrator.set_params(n_labels=k).transform(X_apply)
                           .values[:, 1], k, 4.0)
        for k in ks
    }  # fmt: skip


def personalised_item_scores(
    dataset: Any,
    *,
    items: Sequence[str] | None = None,
    feature_set: str = "L+V",
    calibration_labels: Sequence[int] = DEFAULT_CALIBRATION_LABELS,
    n_splits: int = 5,
    n_repeats: int = 5,
    n_inner_splits: int = 3,
    seed: int = 0,
    tiny: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Score the rapport items from self-sentiment calibrated on the first ``k`` answers.

    A two-stage model as a live system could run it after asking the new participant
    ``k`` times: stage 1 is ``exchange-lr`` with
    :class:`~hazumi_sk.model.PersonalOffsetCalibrator` (self-sentiment ``SS > 4``); a
    dialogue's one feature is the mean over its exchanges of the first ``k`` answers
    (0/1) and the calibrated probabilities of the rest; stage 2 is
    ``StandardScaler -> LogisticRegression`` per item on that feature. Stage 2 is
    trained on out-of-fold stage-1 features of the training dialogues (``n_inner_splits`` folds), as
    :class:`~hazumi_sk.model.TwoStageClassifier` does. The folds are the exchange
    board's participant-grouped ones (:func:`exchange_splits`); ``k = 0`` is the
    uncalibrated two-stage model, and the majority class of each item is scored on the
    same folds.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        With self-sentiment (Hazumi1902 / 1911, or the synthetic corpus).
    items : sequence of str, optional
        Rapport items (default all 18).
    feature_set : str, default="L+V"
        Stage 1's modalities.
    calibration_labels : sequence of int, default=(0, 3, 5, 10)
        The ``k`` compared.
    n_splits, n_repeats : int, default=5
        Outer folds and repeats.
    n_inner_splits : int, default=3
        Folds of the out-of-fold stage-1 features of the training dialogues.
    seed : int, default=0
        Seed of the splits and of the models.
    tiny : bool, default=False
        Test settings (passed to the stage-1 builder).

    Returns
    -------
    summary : pandas.DataFrame
        ``item, method, n_labels, mean, std, n_scores, n_repeats, ci_low, ci_high`` and,
        for the calibrated rows, ``difference`` to ``k = 0`` with ``difference_ci_low``,
        ``difference_ci_high`` and ``pvalue`` (corrected paired t-test); ``item``
        ``"average (items)"`` is the per-fold mean weighted F1 over the items.
    fold_scores : pandas.DataFrame
        One row per item, method, ``k`` and fold.

    Examples
    --------
    >>> from hazumi_sk.reproduction import demo_dataset
    >>> from hazumi_sk.leaderboard import personalised_item_scores
    >>> summary, _ = personalised_item_scores(
    ...     demo_dataset(tiny=True), items=["worthwhile"], calibration_labels=(0, 2),
    ...     n_splits=2, n_repeats=1, n_inner_splits=2, tiny=True)
    >>> sorted(summary["n_labels"].unique().tolist())
    [0, 2]
    """
    started = time.perf_counter()
    ks = tuple(calibration_labels)
    if 0 not in ks:
        raise ValueError(f"calibration_labels must include 0 (the reference), got {list(ks)}.")
    items = list(items or RAPPORT_ITEMS)
    X, _ = to_xy(dataset, item=items[0], exchange_label="SS")
    labels = {}
    for item in items:
        Xi, yi = to_xy(dataset, item=item, exchange_label="SS")
        lookup = dict(zip(Xi.dialogue_ids, yi, strict=True))
        labels[item] = np.array([lookup.get(d, -1) for d in X.dialogue_ids])
    rows = []
    splits = exchange_splits(X, n_splits, n_repeats, seed)
    with threadpool_limits(1):
        for repeat, fold, train, test in splits:
            test_features = _stage_one(X, train, test, feature_set, seed, ks, tiny)
            oof = {k: np.empty(len(train)) for k in ks}
            inner = KFold(n_inner_splits, shuffle=True, random_state=seed + repeat)
            for fit_part, out_part in inner.split(train):
                part = _stage_one(X, train[fit_part], train[out_part], feature_set, seed, ks,
                                  tiny)  # fmt: skip
                for k in ks:
                    oof[k][out_part] = part[k]
            for item in items:
                y = labels[item]
                tr, te = train[y[train] >= 0], test[y[test] >= 0]
                if te.size == 0 or np.unique(y[tr]).size < 2:
                    continue
                base = {"item": item, "repeat": repeat, "fold": fold, "n_train": len(tr),
                        "n_test": len(te)}  # fmt: skip
                majority = DummyClassifier().fit(np.zeros((len(tr), 1)), y[tr])
                predicted = majority.predict(np.zeros((len(te), 1)))
                score = f1_score(y[te], predicted, average="weighted", zero_division=0)
                rows.append({**base, "method": "majority", "n_labels": 0, "score": score})
                for k in ks:
                    keep_train = y[train] >= 0
                    model = make_pipeline(StandardScaler(), LogisticRegression(random_state=seed))
                    model.fit(oof[k][keep_train].reshape(-1, 1), y[tr])
                    feature = test_features[k][y[test] >= 0].reshape(-1, 1)
                    score = f1_score(y[te], model.predict(feature), average="weighted",
                                     zero_division=0)  # fmt: skip
                    rows.append({**base, "method": "two-stage-calibrated", "n_labels": k,
                                 "score": score})  # fmt: skip
    fold_scores = pd.DataFrame(rows)
    keys = ["method", "n_labels", "repeat", "fold"]
    average = fold_scores.groupby(keys, as_index=False).agg(
        score=("score", "mean"), n_train=("n_train", "mean"), n_test=("n_test", "mean")
    )
    fold_scores = pd.concat([fold_scores, average.assign(item=AVERAGE)], ignore_index=True)
    summary = summarize_scores(fold_scores, by=["item", "method", "n_labels"])
    reference = fold_scores[(fold_scores["method"] == "two-stage-calibrated")
                            & (fold_scores["n_labels"] == 0)]  # fmt: skip
    extra = []
    for _, row in summary.iterrows():
        if row["method"] != "two-stage-calibrated" or row["n_labels"] == 0:
            extra.append({})
            continue
        mine = fold_scores[(fold_scores["item"] == row["item"])
                           & (fold_scores["method"] == row["method"])
                           & (fold_scores["n_labels"] == row["n_labels"])]  # fmt: skip
        merged = mine.merge(reference[reference["item"] == row["item"]],
                            on=["repeat", "fold"], suffixes=("", "_ref"))  # fmt: skip
        sizes = merged["n_train"].mean(), merged["n_test"].mean()
        test = corrected_resampled_ttest(merged["score"], merged["score_ref"], *sizes)
        interval = summarize_scores(merged.assign(score=merged["score"] - merged["score_ref"]))
        extra.append({"difference": test.mean_difference,
                      "difference_ci_low": float(interval["ci_low"].iloc[0]),
                      "difference_ci_high": float(interval["ci_high"].iloc[0]),
                      "pvalue": test.pvalue})  # fmt: skip
    summary = pd.concat([summary, pd.DataFrame(extra)], axis=1)
    summary.attrs["wall_seconds"] = time.perf_counter() - started
    return summary, fold_scores
