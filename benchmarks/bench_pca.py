"""Pooled baselines and PCA in front of the LSTM on Hazumi 1902 + 1911 (``worthwhile``).

(a) Pooled baseline: ``SequencePooler(("mean", "std")) -> StandardScaler ->
    LogisticRegression(C=0.01)`` for L+V and ALL, without and with
    ``SequenceScaler -> SequenceTransformer(PCA(n))`` on the exchanges first
    (n = 16, 32, 64; the scaler puts the exchange columns on one scale before
    PCA). Repeated stratified 5-fold, the same splits for every setting,
    weighted F1 with the corrected 95 % interval, and the majority class on
    the same splits.
(b) ``MultitaskSequenceClassifier`` (defaults: 60 epochs, batch 8) on ALL,
    ``SequenceScaler`` with and without ``SequenceTransformer(PCA(32))``: fit
    time and F1 on 1-2 repeats, paired by fold.

Ratios and differences are "with PCA" against "without", intervals the
Nadeau-Bengio corrected 95 % t-interval of the fold-wise differences
(``corrected_resampled_ttest`` for the p-value). The default loader's L block
is the dumpfile's 5 linguistic columns (not the paper's BERT/UPOS features),
which is fine for comparing settings on the same input.

Run: ``nice -n 10 python benchmarks/bench_pca.py [--repeats 10 --lstm-repeats 2]``.
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
import torch
from _paired_cv import HAZUMI_ROOT, corrected_interval
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.datasets import load_hazumi, to_xy
from hazumi_sk.evaluation import corrected_resampled_ttest, repeated_cv_scores, summarize_scores
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.preprocessing import (
    ModalitySelector,
    SequencePooler,
    SequenceScaler,
    SequenceTransformer,
)

FEATURE_SETS = ("L+V", "ALL")
COMPONENTS = (16, 32, 64)


def pooled(modalities: str, n_components: int | None, classifier=None) -> Pipeline:
    steps = [("select", ModalitySelector(modalities))]
    if n_components is not None:
        steps += [("scale", SequenceScaler()), ("pca", SequenceTransformer(PCA(n_components)))]
    steps += [
        ("pool", SequencePooler(stats=("mean", "std"))),
        ("standardise", StandardScaler()),
        ("clf", classifier or LogisticRegression(C=0.01, max_iter=2000)),
    ]
    return Pipeline(steps)


def lstm(n_components: int | None) -> Pipeline:
    steps = [("select", ModalitySelector("ALL")), ("scale", SequenceScaler())]
    if n_components is not None:
        steps.append(("pca", SequenceTransformer(PCA(n_components))))
    model = MultitaskSequenceClassifier(random_state=0, torch_num_threads=1)
    return Pipeline([*steps, ("model", model)])


def interval(row: pd.Series) -> str:
    return f"{row['mean']:.3f} [{row['ci_low']:.3f}, {row['ci_high']:.3f}]"


def difference(a: pd.DataFrame, b: pd.DataFrame) -> str:
    """F1 of ``a`` minus ``b`` on the same folds, corrected interval and p-value."""
    n_train, n_test = int(a["n_train"].mean()), int(a["n_test"].mean())
    mean, low, high = corrected_interval(a["score"], b["score"], n_train, n_test)
    p = corrected_resampled_ttest(a["score"], b["score"], n_train, n_test).pvalue
    return f"{mean:+.3f} [{low:+.3f}, {high:+.3f}] (p={p:.2f})"


def score(pipeline: Pipeline, X, y, repeats: int, n_jobs: int, label: str) -> pd.DataFrame:
    return repeated_cv_scores(
        pipeline, X, y, n_repeats=repeats, scoring="f1_weighted", random_state=0,
        n_jobs=n_jobs, progress=label,
    )  # fmt: skip


def part_a(X, y, repeats: int, n_jobs: int) -> None:
    majority = score(pooled("ALL", None, DummyClassifier()), X, y, repeats, n_jobs, "majority")
    print(f"\n(a) pooled mean+std -> LogisticRegression(C=0.01), {repeats} x 5-fold")
    print(f"majority class: {interval(summarize_scores(majority).iloc[0])}")
    print("| features | PCA | F1 [95% CI] | vs no PCA | vs majority |")
    print("|---|---|---|---|---|")
    for modalities in FEATURE_SETS:
        base = None
        for n in (None, *COMPONENTS):
            scores = score(pooled(modalities, n), X, y, repeats, n_jobs, f"{modalities} {n}")
            base = scores if n is None else base
            versus = "" if n is None else difference(scores, base)
            print(
                f"| {modalities} | {n or '-'} | {interval(summarize_scores(scores).iloc[0])} "
                f"| {versus} | {difference(scores, majority)} |"
            )


def n_parameters(pipeline: Pipeline, X, y) -> int:
    """Weights of the network (the input layer shrinks with PCA); a one-epoch fit builds it."""
    model = pipeline.set_params(model__max_epochs=1).fit(X[:8], y[:8])[-1]
    return sum(p.numel() for p in model.module_.parameters())


def part_b(X, y, repeats: int) -> None:
    print(f"\n(b) MultitaskSequenceClassifier on ALL, {repeats} x 5-fold, one job")
    runs = {n: score(lstm(n), X, y, repeats, 1, f"LSTM PCA={n}") for n in (None, 32)}
    full, reduced = runs[None], runs[32]
    print("| PCA | F1 [95% CI] | fit s (mean) | parameters |")
    print("|---|---|---|---|")
    for n, scores in runs.items():
        params = n_parameters(lstm(n), X, y)
        print(
            f"| {n or '-'} | {interval(summarize_scores(scores).iloc[0])} "
            f"| {scores['fit_time'].mean():.1f} | {params} |"
        )
    ratio = reduced["fit_time"].to_numpy() / full["fit_time"].to_numpy()
    print(
        f"fit-time ratio PCA(32)/none: {ratio.mean():.2f} (fold range {ratio.min():.2f}-"
        f"{ratio.max():.2f}); F1 difference PCA(32) - none: {difference(reduced, full)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=10, help="pooled baseline repeats")
    parser.add_argument("--lstm-repeats", type=int, default=2, help="LSTM repeats (slow)")
    parser.add_argument("--n-jobs", type=int, default=1, help="parallel folds for (a)")
    parser.add_argument("--skip-lstm", action="store_true")
    args = parser.parse_args()
    torch.set_num_threads(1)
    if not (HAZUMI_ROOT / "Hazumi1902").is_dir():
        raise SystemExit(f"Hazumi corpus not found at {HAZUMI_ROOT}.")
    X, y = to_xy(load_hazumi(HAZUMI_ROOT, versions=["1902", "1911"]), item="worthwhile")
    print(f"{X}; labels {np.bincount(y).tolist()}")
    part_a(X, y, args.repeats, args.n_jobs)
    if not args.skip_lstm:
        part_b(X, y, args.lstm_repeats)


if __name__ == "__main__":
    main()
