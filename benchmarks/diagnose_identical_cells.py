"""Why some Table 3 cells score identically on every fold (no refitting).

Reads a report's ``scores.csv`` (``hazumi-sk reproduce --out OUT``) and prints, for
worthwhile and LSTM(1-128): the alpha pairs whose five fold scores are identical, how
many distinct F1 values the six alpha cells of each (feature set, fold) take, and how
many distinct weighted-F1 values any prediction of each test fold (the same stratified
folds, rebuilt from the corpus labels) can reach at all.

Usage::

    python benchmarks/diagnose_identical_cells.py OUT/scores.csv [--seed 0]
"""

from __future__ import annotations

import argparse
import itertools

import numpy as np
import pandas as pd
from _paired_cv import load_worthwhile
from sklearn.metrics import f1_score

from hazumi_sk.evaluation import repeated_splits


def distinct_f1_values(n_high: int, n_low: int) -> int:
    """How many different weighted F1 scores any labelling of such a test fold can get."""
    y = np.array([1] * n_high + [0] * n_low)
    scores = {
        round(f1_score(y, np.array(p), average="weighted", zero_division=0), 9)
        for p in itertools.product([0, 1], repeat=len(y))
    }
    return len(scores)


def identical_alpha_pairs(cells: pd.DataFrame) -> list[tuple[float, float]]:
    by_alpha = {
        alpha: tuple(np.round(group.sort_values(["repeat", "fold"])["score"], 9))
        for alpha, group in cells.groupby("alpha")
    }
    return [
        (a, b) for a, b in itertools.combinations(sorted(by_alpha), 2) if by_alpha[a] == by_alpha[b]
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("scores", help="scores.csv of a reproduce run")
    parser.add_argument("--seed", type=int, default=0, help="the run's --seed")
    args = parser.parse_args()
    scores = pd.read_csv(args.scores)
    cells = scores[(scores["item"] == "worthwhile") & (scores["model"] == "LSTM(1-128)")]
    for feature_set, group in cells.groupby("feature_set", sort=False):
        print(
            f"{feature_set}: alpha pairs with identical fold scores {identical_alpha_pairs(group)}"
        )
    per_fold = cells.groupby(["feature_set", "repeat", "fold"])["score"].nunique()
    print(
        f"distinct F1 values among the {cells['alpha'].nunique()} alpha cells of one "
        f"(feature set, fold): mean {per_fold.mean():.2f}, max {per_fold.max()}"
    )
    _, y = load_worthwhile()
    n_repeats = int(cells["repeat"].max()) + 1
    for repeat, fold, _, test in repeated_splits(True, y, 5, n_repeats, args.seed):
        n_high = int(y[test].sum())
        print(
            f"repeat {repeat} fold {fold}: {len(test)} test dialogues ({n_high} high) allow "
            f"{distinct_f1_values(n_high, len(test) - n_high)} distinct weighted F1 values"
        )


if __name__ == "__main__":
    main()
