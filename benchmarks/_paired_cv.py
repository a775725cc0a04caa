"""Paired repeated stratified 5-fold comparison of two pipeline settings on real Hazumi data."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from joblib import Parallel, delayed
from scipy import stats
from sklearn.base import clone
from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import Pipeline
from tqdm.auto import tqdm

from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"


def load_worthwhile(root: Path = HAZUMI_ROOT, item: str = "worthwhile") -> tuple[Any, Any]:
    """Dumpfile features of Hazumi 1902 + 1911 and the binarised post-dialogue rating."""
    from hazumi_sk.datasets import load_hazumi, to_xy

    if not (root / "Hazumi1902").is_dir():
        raise SystemExit(f"Hazumi corpus not found at {root}.")
    return to_xy(load_hazumi(root, versions=["1902", "1911"]), item=item)


def paper_pipeline(modalities: str = "L+V", **model_params: Any) -> Pipeline:
    model = MultitaskSequenceClassifier(torch_num_threads=1, **model_params)
    return Pipeline(
        [("select", ModalitySelector(modalities)), ("scale", SequenceScaler()), ("model", model)]
    )


def _fit_score(pipeline: Pipeline, X: Any, y: Any, train: Any, test: Any) -> tuple[float, float]:
    torch.set_num_threads(1)
    start = time.perf_counter()
    fitted = clone(pipeline).fit(X[train], y[train])
    score = f1_score(y[test], fitted.predict(X[test]), average="weighted")
    return score, time.perf_counter() - start


def paired_cv(
    pipelines: dict[str, Pipeline], X: Any, y: Any, repeats: int, n_jobs: int
) -> dict[str, np.ndarray]:
    """F1 (weighted) of each pipeline on the same folds: name -> (repeats * 5,) scores."""
    folds = [
        (train, test)
        for r in range(repeats)
        for train, test in StratifiedKFold(5, shuffle=True, random_state=r).split(X, y)
    ]
    jobs = [(name, fold) for fold in range(len(folds)) for name in pipelines]
    # Each fold's model seed is the fold index, identical for both settings (paired).
    results = Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_score)(
            clone(pipelines[name]).set_params(model__random_state=fold), X, y, *folds[fold]
        )
        for name, fold in jobs
    )
    scores = {name: np.zeros(len(folds)) for name in pipelines}
    seconds = {name: 0.0 for name in pipelines}
    progress = tqdm(zip(jobs, results, strict=True), total=len(jobs), desc="fits")
    for (name, fold), (score, elapsed) in progress:
        scores[name][fold] = score
        seconds[name] += elapsed
    for name in pipelines:
        print(f"{name}: F1 mean {scores[name].mean():.3f}, fit time {seconds[name]:.0f} s total")
    return scores


def corrected_interval(
    a: np.ndarray, b: np.ndarray, n_train: int, n_test: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Mean of ``a - b`` and its Nadeau-Bengio corrected t-interval over repeated folds."""
    d = np.asarray(a) - np.asarray(b)
    n = d.size
    half = stats.t.ppf(0.5 + confidence / 2, n - 1) * np.sqrt(
        (1 / n + n_test / n_train) * d.var(ddof=1)
    )
    return float(d.mean()), float(d.mean() - half), float(d.mean() + half)


def paired_parser(doc: str, repeats: int = 2, modalities: bool = True) -> argparse.ArgumentParser:
    """``--repeats``, ``--n-jobs`` (and ``--modalities``) shared by the paired benchmarks."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=repeats)
    parser.add_argument("--n-jobs", type=int, default=2)
    if modalities:
        parser.add_argument("--modalities", default="L+V")
    return parser


def fold_difference(a: np.ndarray, b: np.ndarray, n_dialogues: int) -> tuple[float, float, float]:
    """:func:`corrected_interval` of ``a - b`` for stratified 5-fold CV over ``n_dialogues``."""
    n_test = n_dialogues // 5
    return corrected_interval(a, b, n_dialogues - n_test, n_test)
