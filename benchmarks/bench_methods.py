"""Meta-estimators beyond the paper on real Hazumi data (item worthwhile, 1902 + 1911).

Weighted F1 on repeated stratified 5-fold splits (``repeated_splits``, seed
``r`` for repeat ``r``), the same folds for every model, with the corrected
95% interval of :func:`hazumi_sk.evaluation.summarize_scores`:

* ``cheap``: majority class, pooled logistic regression (mean + std per
  dialogue -> StandardScaler -> LogisticRegression(C=0.01)) on L+V and ALL,
  TwoStageClassifier, ThresholdedRegressor(Ridge) on the pooled features.
* ``lstm``: the multitask LSTM (L+V, alpha=0.7, paper defaults) alone and as a
  SeedEnsembleClassifier of 3 seeds, on ``--lstm-repeats`` repeats; prints the
  fold-to-fold standard deviation of both.
* ``multi``: MultiItemClassifier (shared PLS representation, 18 heads) against
  18 separate pooled logistic regressions, per-item weighted F1 on the same folds.

Usage::

    nice -n 10 python benchmarks/bench_methods.py --sections cheap,lstm,multi
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import torch
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV
from sklearn.metrics import f1_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.datasets import RAPPORT_ITEMS, load_hazumi, to_xy
from hazumi_sk.evaluation import repeated_splits, summarize_scores
from hazumi_sk.model import (
    MultitaskSequenceClassifier,
    SeedEnsembleClassifier,
    ThresholdedRegressor,
    TwoStageClassifier,
)
from hazumi_sk.preprocessing import ModalitySelector, SequencePooler, SequenceScaler

HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"


def pooled(head: Any, modalities: str = "L+V") -> Pipeline:
    return make_pipeline(
        ModalitySelector(modalities),
        SequenceScaler(),
        SequencePooler(),
        StandardScaler(),
        head,
    )


def cheap_models() -> dict[str, tuple[Any, bool]]:
    """name -> (estimator, needs the rating as fit metadata)."""
    two_stage = TwoStageClassifier(exchange_estimator=LogisticRegression(C=0.01))
    return {
        "majority": (pooled(DummyClassifier(strategy="most_frequent")), False),
        "pooled LR L+V": (pooled(LogisticRegression(C=0.01)), False),
        "pooled LR ALL": (pooled(LogisticRegression(C=0.01), "ALL"), False),
        "TwoStage L+V": (
            make_pipeline(ModalitySelector("L+V"), SequenceScaler(), two_stage),
            False,
        ),
        "TwoStage ALL": (
            make_pipeline(ModalitySelector("ALL"), SequenceScaler(), clone(two_stage)),
            False,
        ),
        "Thresholded Ridge(100) L+V": (ThresholdedRegressor(pooled(Ridge(alpha=100.0))), True),
        "Thresholded RidgeCV L+V": (
            ThresholdedRegressor(pooled(RidgeCV(alphas=np.logspace(-1, 4, 11)))),
            True,
        ),
    }


def lstm_models() -> dict[str, tuple[Any, bool]]:
    net = MultitaskSequenceClassifier(torch_num_threads=1, alpha=0.7, random_state=0)
    steps = [("select", ModalitySelector("L+V")), ("scale", SequenceScaler())]
    ensemble = SeedEnsembleClassifier(net, n_seeds=3, random_state=0)
    return {
        "LSTM L+V (1 seed)": (Pipeline([*steps, ("model", net)]), False),
        "SeedEnsemble(LSTM, k=3) L+V": (Pipeline([*steps, ("model", ensemble)]), False),
    }


def _fit_score(estimator, X, y, rating, train, test, needs_rating) -> tuple[float, float]:
    torch.set_num_threads(1)
    start = time.perf_counter()
    params = {"rating": rating[train]} if needs_rating else {}
    fitted = clone(estimator).fit(X[train], y[train], **params)
    score = f1_score(y[test], fitted.predict(X[test]), average="weighted")
    return float(score), time.perf_counter() - start


def score_models(models, X, y, rating, splits, n_jobs) -> pd.DataFrame:
    jobs = [(name, split) for name in models for split in splits]
    results = Parallel(n_jobs=n_jobs)(
        delayed(_fit_score)(models[name][0], X, y, rating, train, test, models[name][1])
        for name, (_, _, train, test) in jobs
    )
    rows = [
        {
            "model": name,
            "repeat": r,
            "fold": f,
            "score": score,
            "n_train": len(train),
            "n_test": len(test),
            "fit_time": seconds,
        }
        for (name, (r, f, train, test)), (score, seconds) in zip(jobs, results, strict=True)
    ]
    return pd.DataFrame(rows)


def report(scores: pd.DataFrame) -> None:
    summary = summarize_scores(scores, by="model")
    summary["fit_s"] = scores.groupby("model", sort=False)["fit_time"].mean().to_numpy()
    print(summary.round(3).to_string(index=False))
    print(f"({summary.attrs['interval']})", flush=True)


def multi_item(data, X, y, splits) -> None:
    from hazumi_sk.model import MultiItemClassifier, multi_item_targets

    Y = multi_item_targets(data, X).to_numpy()
    print(f"multi-item: {Y.shape[1]} items, {int(np.isnan(Y).sum())} missing ratings")
    shared = pooled(MultiItemClassifier(n_components=2))
    rows = []
    for r, f, train, test in splits:
        fitted = clone(shared).fit(X[train], Y[train])
        pred = fitted.predict(X[test])
        for j, item in enumerate(RAPPORT_ITEMS):
            separate = pooled(LogisticRegression(C=0.01)).fit(X[train], Y[train, j])
            alone = separate.predict(X[test])
            for name, p in (("shared PLS(2)", pred[:, j]), ("separate LR", alone)):
                rows.append({"model": name, "item": item, "repeat": r, "fold": f,
                             "score": f1_score(Y[test, j], p, average="weighted"),
                             "n_train": len(train), "n_test": len(test)})  # fmt: skip
    scores = pd.DataFrame(rows)
    per_item = scores.pivot_table(index="item", columns="model", values="score").round(3)
    print(per_item.reindex(RAPPORT_ITEMS).to_string())
    # Mean over items per fold, then the corrected interval over the folds.
    folds = scores.groupby(["model", "repeat", "fold", "n_train", "n_test"], as_index=False)
    report(folds["score"].mean().assign(fit_time=np.nan))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sections", default="cheap,lstm,multi")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--lstm-repeats", type=int, default=1)
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args()
    sections = set(args.sections.split(","))
    torch.set_num_threads(1)
    data = load_hazumi(HAZUMI_ROOT, versions=["1902", "1911"], progress=False)
    X, y = to_xy(data, item="worthwhile")
    rating = data.ratings_post["worthwhile"].reindex(X.dialogue_ids).to_numpy(dtype=float)
    print(f"{X}; high {int(y.sum())}/{len(y)}", flush=True)
    splits = repeated_splits(True, y, 5, args.repeats, 0)
    if "cheap" in sections:
        report(score_models(cheap_models(), X, y, rating, splits, args.n_jobs))
    if "lstm" in sections:
        lstm_splits = repeated_splits(True, y, 5, args.lstm_repeats, 0)
        models = {"majority": cheap_models()["majority"], **lstm_models()}
        scores = score_models(models, X, y, rating, lstm_splits, args.n_jobs)
        report(scores)
    if "multi" in sections:
        multi_item(data, X, y, splits)


if __name__ == "__main__":
    main()
