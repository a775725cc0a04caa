"""Honest (nested) model selection next to the paper's select-on-the-test-folds protocol."""

from __future__ import annotations

import json
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone, is_classifier
from sklearn.model_selection import ParameterGrid

from ..utils import StrictInterval, validate_params
from ._cells import Cell, check_y, n_samples_of, repeated_splits, run_cells
from ._cv import CV_CONSTRAINTS

__all__ = ["nested_cv_score", "paper_protocol_best"]


def _candidates(estimator: Any, param_grid: Any) -> tuple[list[dict], list[Any]]:
    grid = list(ParameterGrid(param_grid))
    if not grid:
        raise ValueError("param_grid is empty; give at least one candidate setting.")
    valid = set(estimator.get_params(deep=True))
    for params in grid:
        unknown = sorted(set(params) - valid)
        if unknown:
            raise ValueError(
                f"param_grid names unknown parameters {unknown} of {type(estimator).__name__}."
            )
    return grid, [clone(estimator).set_params(**params) for params in grid]


def _params_label(params: dict) -> str:
    return json.dumps(params, sort_keys=True, default=repr)


_GRID_CONSTRAINTS = {**CV_CONSTRAINTS, "param_grid": [dict, list]}


@validate_params(_GRID_CONSTRAINTS)
def paper_protocol_best(
    estimator: Any,
    param_grid: Any,
    X: Any,
    y: Any,
    *,
    n_splits: int = 5,
    n_repeats: int = 1,
    scoring: Any = "f1_weighted",
    random_state: int = 0,
    n_jobs: int | None = None,
    cache_dir: Any = None,
    progress: bool | str = True,
) -> pd.DataFrame:
    """Score every candidate on the same folds and pick the best mean (the paper's protocol).

    The paper reports, for each table cell or item, the best setting (loss
    weight, feature set) chosen by the same cross-validation folds it is then
    reported on. That maximum is optimistically biased; compare it with
    :func:`nested_cv_score` on the same data to see by how much.

    Parameters
    ----------
    estimator : estimator object
        Base estimator; each candidate is ``clone(estimator).set_params(**params)``.
    param_grid : dict or list of dict
        Candidate settings, as for :class:`~sklearn.model_selection.GridSearchCV`.
    X, y
        Samples and target.
    n_splits, n_repeats, scoring, random_state, n_jobs, cache_dir, progress
        As in :func:`repeated_cv_scores`.

    Returns
    -------
    candidates : pandas.DataFrame
        One row per candidate, best first: ``params`` (JSON), ``mean_score``,
        ``std_score``, ``rank``, ``is_best``; ``candidates.attrs["best_score"]``
        is the reported (optimistic) number.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.evaluation import paper_protocol_best
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> res = paper_protocol_best(LogisticRegression(), {"C": [0.01, 1.0]}, X, y, progress=False)
    >>> int(res["is_best"].sum())
    1
    """
    y = check_y(y, n_samples_of(X))
    grid, estimators = _candidates(estimator, param_grid)
    splits = repeated_splits(is_classifier(estimator), y, n_splits, n_repeats, random_state)
    cells = [Cell(est, train, test) for est in estimators for _, _, train, test in splits]
    records = run_cells(
        cells, X, y, scoring=scoring, n_jobs=n_jobs, cache_dir=cache_dir, progress=progress
    )
    scores = np.array([r["score"] for r in records]).reshape(len(grid), len(splits))
    table = pd.DataFrame(
        {
            "params": [_params_label(p) for p in grid],
            "mean_score": scores.mean(axis=1),
            "std_score": scores.std(axis=1, ddof=1) if len(splits) > 1 else np.nan,
        }
    )
    table["rank"] = table["mean_score"].rank(ascending=False, method="min").astype(int)
    table = table.sort_values(["rank"], kind="stable").reset_index(drop=True)
    table["is_best"] = False
    table.loc[0, "is_best"] = True
    table.attrs["best_score"] = float(table.loc[0, "mean_score"])
    table.attrs["best_params"] = table.loc[0, "params"]
    return table


@validate_params(
    {**_GRID_CONSTRAINTS, "n_inner_splits": [StrictInterval(Integral, 2, None, closed="left")]}
)
def nested_cv_score(
    estimator: Any,
    param_grid: Any,
    X: Any,
    y: Any,
    *,
    n_splits: int = 5,
    n_inner_splits: int = 4,
    n_repeats: int = 1,
    scoring: Any = "f1_weighted",
    random_state: int = 0,
    n_jobs: int | None = None,
    cache_dir: Any = None,
    progress: bool | str = True,
) -> pd.DataFrame:
    """Outer-fold scores of a model whose setting is chosen by an inner CV.

    For each outer training set the candidates are compared by
    ``n_inner_splits``-fold CV on that training set only; the best one
    (highest inner mean, first in grid order on ties) is refitted on the whole
    outer training set and scored on the outer test fold. The mean of these
    scores estimates the performance of "pick the best setting, then train",
    without the selection optimism of :func:`paper_protocol_best`.

    Parameters
    ----------
    estimator : estimator object
        Base estimator.
    param_grid : dict or list of dict
        Candidate settings.
    X, y
        Samples and target.
    n_splits : int, default=5
        Outer folds (the same folds as :func:`paper_protocol_best` for equal seeds).
    n_inner_splits : int, default=4
        Inner folds used for selection.
    n_repeats, scoring, random_state, n_jobs, cache_dir, progress
        As in :func:`repeated_cv_scores`.

    Returns
    -------
    scores : pandas.DataFrame
        One row per outer fold: ``repeat, fold, score, n_train, n_test,
        best_params (JSON), inner_score``; summarize with :func:`summarize_scores`.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.evaluation import nested_cv_score
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> scores = nested_cv_score(LogisticRegression(), {"C": [0.01, 1.0]}, X, y, progress=False)
    >>> len(scores)
    5
    """
    y = check_y(y, n_samples_of(X))
    grid, estimators = _candidates(estimator, param_grid)
    outer = repeated_splits(is_classifier(estimator), y, n_splits, n_repeats, random_state)
    # Inner selection cells for every outer fold, run as one batch.
    inner_cells, inner_index = [], []
    for o, (_, _, train, _) in enumerate(outer):
        inner = repeated_splits(is_classifier(estimator), y[train], n_inner_splits, 1, random_state)
        for c, est in enumerate(estimators):
            for _, _, itrain, itest in inner:
                inner_cells.append(Cell(est, train[itrain], train[itest]))
                inner_index.append((o, c))
    inner_records = run_cells(
        inner_cells, X, y, scoring=scoring, n_jobs=n_jobs, cache_dir=cache_dir,
        progress=f"{progress} (inner)" if isinstance(progress, str) else progress,
    )  # fmt: skip
    inner_scores = np.zeros((len(outer), len(grid)))
    inner_counts = np.zeros((len(outer), len(grid)))
    for (o, c), rec in zip(inner_index, inner_records, strict=True):
        inner_scores[o, c] += rec["score"]
        inner_counts[o, c] += 1
    inner_means = inner_scores / inner_counts
    best = inner_means.argmax(axis=1)
    outer_cells = [
        Cell(estimators[b], train, test) for b, (_, _, train, test) in zip(best, outer, strict=True)
    ]
    outer_records = run_cells(
        outer_cells, X, y, scoring=scoring, n_jobs=n_jobs, cache_dir=cache_dir, progress=progress
    )
    return pd.DataFrame(
        [
            {
                "repeat": repeat,
                "fold": fold,
                "score": rec["score"],
                "n_train": len(train),
                "n_test": len(test),
                "best_params": _params_label(grid[b]),
                "inner_score": float(inner_means[o, b]),
            }
            for o, ((repeat, fold, train, test), b, rec) in enumerate(
                zip(outer, best, outer_records, strict=True)
            )
        ]
    )
