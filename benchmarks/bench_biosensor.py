"""What the E4 physiological block (P) adds on Hazumi1911, V vs V+P vs P.

(a) Exchange-level self-sentiment (SS > 4 is high, the package's convention):
    LogisticRegression on the exchange rows, stratified group 5-fold by dialogue
    (no dialogue split), repeated; accuracy and the majority baseline.
(b) Dialogue-level ``worthwhile`` (post rating > 4): LogisticRegression on the
    per-dialogue mean + std of the exchange rows, repeated stratified 5-fold with
    the same splits for every feature set; weighted F1 and the majority baseline.

Intervals are Nadeau-Bengio corrected 95 % t-intervals over the repeated folds.
V is the dumpfile face block, P the 11 ``BiosensorFeatures`` columns (``P__*``),
Pd the dumpfile's own 4 E4 columns (EDA/HR mean/std), for reference. NaN
(exchanges outside the recording, too few beats) is imputed with the training
median. Run: ``nice -n 10 python benchmarks/bench_biosensor.py [--repeats 10]``.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from _paired_cv import HAZUMI_ROOT, corrected_interval
from sklearn.base import clone
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import Bunch

from hazumi_sk.datasets import load_hazumi, to_xy
from hazumi_sk.features import BiosensorWarning, add_biosensor_block

FEATURE_SETS = ("V", "V+P", "P", "Pd", "V+Pd")


def model():
    return make_pipeline(
        SimpleImputer(strategy="median", keep_empty_features=True),
        StandardScaler(),
        LogisticRegression(C=0.1, max_iter=2000),
    )


def columns(X, feature_set: str) -> np.ndarray:
    """Column mask of a feature set (P = BiosensorFeatures, Pd = dumpfile E4 columns)."""
    names, tags = X.feature_names, X.modalities
    ours = np.char.startswith(names.astype(str), "P__")
    masks = {"V": tags == "V", "P": ours, "Pd": (tags == "P") & ~ours}
    return np.logical_or.reduce([masks[part] for part in feature_set.split("+")])


def interval(scores: np.ndarray, n: int, baseline: np.ndarray | None = None) -> str:
    ref = np.zeros_like(scores) if baseline is None else baseline
    mean, low, high = corrected_interval(scores, ref, n - n // 5, n // 5)
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def exchange_level(X, repeats: int) -> None:
    labels = X.exchange_labels
    rated = np.isfinite(labels)
    groups = X.dialogue_ids[X.dialogue_index][rated]
    y = (labels[rated] > 4).astype(int)
    values = X.values[rated]
    n_dialogues = len(np.unique(groups))
    print(f"\n(a) exchange-level SS > 4: {rated.sum()} rated exchanges, {n_dialogues} dialogues,"
          f" {y.mean():.1%} high")  # fmt: skip
    scores = {name: [] for name in ("majority", *FEATURE_SETS)}
    for r in range(repeats):
        for train, test in StratifiedGroupKFold(5, shuffle=True, random_state=r).split(
            values, y, groups
        ):
            majority = int(y[train].mean() >= 0.5)
            scores["majority"].append(accuracy_score(y[test], np.full(len(test), majority)))
            for name in FEATURE_SETS:
                cols = columns(X, name)
                fitted = clone(model()).fit(values[train][:, cols], y[train])
                scores[name].append(accuracy_score(y[test], fitted.predict(values[test][:, cols])))
    report(scores, n_dialogues, "accuracy")


def pooled(X, cols: np.ndarray) -> np.ndarray:
    """Per-dialogue mean and std of each column (NaN-aware)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN column in a dialogue
        rows = [np.concatenate([np.nanmean(s[:, cols], 0), np.nanstd(s[:, cols], 0)]) for s in X]
    return np.vstack(rows)


def dialogue_level(dataset, repeats: int) -> None:
    X, y = to_xy(dataset, item="worthwhile", rating="post", threshold=4)
    print(f"\n(b) dialogue-level worthwhile > 4: {len(y)} dialogues, {y.mean():.1%} high")
    pools = {name: pooled(X, columns(X, name)) for name in FEATURE_SETS}
    scores = {name: [] for name in ("majority", *FEATURE_SETS)}
    for r in range(repeats):
        for train, test in StratifiedKFold(5, shuffle=True, random_state=r).split(y, y):
            majority = int(y[train].mean() >= 0.5)
            guess = np.full(len(test), majority)
            scores["majority"].append(f1_score(y[test], guess, average="weighted"))
            for name, Z in pools.items():
                fitted = clone(model()).fit(Z[train], y[train])
                scores[name].append(f1_score(y[test], fitted.predict(Z[test]), average="weighted"))
    report(scores, len(y), "weighted F1")


def report(scores: dict[str, list[float]], n: int, metric: str) -> None:
    arrays = {k: np.asarray(v) for k, v in scores.items()}
    print(f"{'set':<9} {metric} mean [95% CI]      minus V [95% CI]")
    for name, values in arrays.items():
        diff = "" if name in ("V", "majority") else interval(values, n, arrays["V"])
        print(f"{name:<9} {interval(values, n):<26} {diff}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("--method", default="neurokit", choices=("neurokit", "simple"))
    args = parser.parse_args()
    if not (HAZUMI_ROOT / "Hazumi1911" / "biosensor").is_dir():
        raise SystemExit(f"Hazumi1911 biosensor exports not found under {HAZUMI_ROOT}.")
    start = time.perf_counter()
    data = load_hazumi(HAZUMI_ROOT, versions="1911", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", BiosensorWarning)  # listed in data.excluded instead
        data = add_biosensor_block(data, HAZUMI_ROOT, method=args.method)
    have = data.biosensor.index[data.biosensor["offset_source"] == "fit"]
    keep = np.isin(data.features.dialogue_ids, have)
    print(f"Hazumi1911: {keep.sum()} of {len(keep)} dialogues with an E4 export; method="
          f"{args.method}; loaded in {time.perf_counter() - start:.0f} s")  # fmt: skip
    print(data.biosensor[["offset_s", "offset_match", "n_hr_from_bvp", "n_nan_exchanges"]]
          .describe().loc[["mean", "min", "max"]].round(3).to_string())  # fmt: skip
    print(f"exchanges with some NaN P feature: {int(data.biosensor['n_nan_exchanges'].sum())}")
    exchange_level(data.features[np.flatnonzero(keep)], args.repeats)
    subset = Bunch(**data)
    subset["features"] = data.features[np.flatnonzero(keep)]
    rows = data.feature_rows
    subset["feature_rows"] = rows[rows["dialogue_id"].isin(have)].reset_index(drop=True)
    dialogue_level(subset, args.repeats)
    print(f"\ntotal {time.perf_counter() - start:.0f} s, {args.repeats} x 5 folds")


if __name__ == "__main__":
    main()
