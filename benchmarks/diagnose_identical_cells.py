"""Why some Table 3 cells score identically on every fold.

Refits two alphas of one feature set on each fold of the quick preset's split
(worthwhile, transcript L, seed 0) and reports, per fold, whether the predicted
labels and the probabilities agree, and how many distinct weighted-F1 values
an 11- or 12-dialogue test fold allows at all.

Usage::

    python benchmarks/diagnose_identical_cells.py [--feature-set ALL] [--alphas 0.7 0.9]
        [--text-encoder tfidf-svd]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
from _paired_cv import HAZUMI_ROOT
from joblib import Parallel, delayed
from sklearn.base import clone
from sklearn.metrics import f1_score

from hazumi_sk.cli._experiments import PRESETS, make_pipeline
from hazumi_sk.cli._linguistic import replace_linguistic
from hazumi_sk.cli._runner import paper_feature_set
from hazumi_sk.datasets import load_hazumi, to_xy
from hazumi_sk.evaluation._cells import repeated_splits


def _fit_predict(pipeline, X, y, train, test):
    import torch

    torch.set_num_threads(1)
    fitted = clone(pipeline).fit(X[train], y[train])
    return fitted.predict_proba(X[test])[:, 1]


def distinct_f1_values(y_test: np.ndarray) -> int:
    """How many different weighted F1 scores any prediction of ``y_test`` can get."""
    scores = {
        round(f1_score(y_test, np.array(p), average="weighted", zero_division=0), 9)
        for p in itertools.product([0, 1], repeat=len(y_test))
    }
    return len(scores)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--feature-set", default="ALL")
    parser.add_argument("--alphas", nargs=2, type=float, default=[0.7, 0.9])
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--text-encoder", default=None, help="as hazumi-sk reproduce's")
    args = parser.parse_args()
    dataset = load_hazumi(HAZUMI_ROOT, versions=["1902", "1911"])
    dataset = replace_linguistic(dataset, args.text_encoder)
    X, y = to_xy(dataset, item="worthwhile")
    fs = paper_feature_set(args.feature_set, X.modality_set)
    splits = repeated_splits(True, y, 5, 1, 0)
    pipelines = [make_pipeline(fs, a, "LSTM(1-128)", PRESETS["quick"], 0) for a in args.alphas]
    jobs = [(p, tr, te) for _, _, tr, te in splits for p in pipelines]
    probas = Parallel(n_jobs=args.n_jobs)(
        delayed(_fit_predict)(p, X, y, tr, te) for p, tr, te in jobs
    )
    for k, (_, fold, _, test) in enumerate(splits):
        a, b = probas[2 * k], probas[2 * k + 1]
        f1 = [f1_score(y[test], p > 0.5, average="weighted") for p in (a, b)]
        print(
            f"fold {fold}: n_test {len(test)}, F1 {f1[0]:.3f} / {f1[1]:.3f}, "
            f"same labels {np.array_equal(a > 0.5, b > 0.5)}, "
            f"max |p_a - p_b| {np.abs(a - b).max():.3f}, "
            f"confident (p<0.05 or p>0.95) {np.mean((a < 0.05) | (a > 0.95)):.0%}, "
            f"distinct F1 values possible {distinct_f1_values(y[test])}"
        )


if __name__ == "__main__":
    main()
