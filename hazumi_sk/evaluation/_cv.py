"""Repeated stratified K-fold scores and their summary with a confidence interval."""

from __future__ import annotations

import os
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.base import is_classifier

from ..utils import HasMethods, StrictInterval, StrOptions, validate_params
from ._cells import Cell, check_y, n_samples_of, repeated_splits, run_cells

__all__ = ["repeated_cv_scores", "summarize_scores"]

SCORE_COLUMNS = ["repeat", "fold", "score", "n_train", "n_test", "fit_time", "cached"]

#: Constraints of the arguments the repeated-CV functions share (X and y are
#: checked against each other by check_y).
CV_CONSTRAINTS = {
    "estimator": [HasMethods(["fit", "get_params"])],
    "n_splits": [StrictInterval(Integral, 2, None, closed="left")],
    "n_repeats": [StrictInterval(Integral, 1, None, closed="left")],
    "scoring": [str, callable, None],
    # Repeat r shuffles with seed random_state + r, so it must be a plain int.
    "random_state": [StrictInterval(Integral, 0, 2**32 - 1, closed="both")],
    "n_jobs": [
        StrictInterval(Integral, None, -1, closed="right"),
        StrictInterval(Integral, 1, None, closed="left"),
        None,
    ],
    "cache_dir": [str, os.PathLike, None],
    "progress": ["boolean", str],
}


@validate_params(CV_CONSTRAINTS)
def repeated_cv_scores(
    estimator: Any,
    X: Any,
    y: Any,
    *,
    n_splits: int = 5,
    n_repeats: int = 10,
    scoring: Any = "f1_weighted",
    random_state: int = 0,
    n_jobs: int | None = None,
    cache_dir: Any = None,
    progress: bool | str = True,
) -> pd.DataFrame:
    """Score an estimator on ``n_repeats`` reshuffled stratified K-fold splits.

    Parameters
    ----------
    estimator : estimator object
        Any scikit-learn compatible estimator (cloned for every fold).
    X : RaggedSequences or array-like of shape (n_samples, n_features)
        Samples (dialogues for sequence models).
    y : array-like of shape (n_samples,)
        Target.
    n_splits : int, default=5
        Folds per repeat (the paper uses one repeat of 5 folds).
    n_repeats : int, default=10
        Number of reshuffles; repeat ``r`` uses seed ``random_state + r``.
    scoring : str or callable, default="f1_weighted"
        A scikit-learn scorer name or callable (the paper: weighted F1).
    random_state : int, default=0
        Base seed of the fold shuffling.
    n_jobs : int, optional
        Folds fitted in parallel (joblib; honours ``joblib.parallel_backend``).
    cache_dir : path-like, optional
        Folder where finished folds are stored; a rerun skips them.
    progress : bool or str, default=True
        Show a tqdm bar (a string is used as its label).

    Returns
    -------
    scores : pandas.DataFrame
        One row per fold: ``repeat, fold, score, n_train, n_test, fit_time, cached``.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.evaluation import repeated_cv_scores
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> scores = repeated_cv_scores(LogisticRegression(), X, y, n_repeats=2, progress=False)
    >>> scores.shape
    (10, 7)
    """
    y = check_y(y, n_samples_of(X))
    splits = repeated_splits(is_classifier(estimator), y, n_splits, n_repeats, random_state)
    cells = [Cell(estimator, train, test) for _, _, train, test in splits]
    records = run_cells(
        cells, X, y, scoring=scoring, n_jobs=n_jobs, cache_dir=cache_dir, progress=progress
    )
    rows = [
        {
            "repeat": repeat,
            "fold": fold,
            "score": rec["score"],
            "n_train": len(train),
            "n_test": len(test),
            "fit_time": rec["fit_time"],
            "cached": rec["cached"],
        }
        for (repeat, fold, train, test), rec in zip(splits, records, strict=True)
    ]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def _interval(scores: pd.DataFrame, confidence: float, method: str) -> tuple[float, float]:
    values = scores["score"].to_numpy(dtype=float)
    mean = values.mean()
    if method == "corrected":
        # Nadeau & Bengio (2003): fold scores share training data, so the naive
        # variance s^2/n is inflated by the test/train ratio term.
        n = len(values)
        ratio = scores["n_test"].mean() / scores["n_train"].mean()
        se = np.sqrt((1.0 / n + ratio) * values.var(ddof=1))
        df = n - 1
    elif method == "repeat-means":
        means = scores.groupby("repeat")["score"].mean().to_numpy()
        n = len(means)
        se = means.std(ddof=1) / np.sqrt(n) if n > 1 else np.nan
        df = n - 1
    else:
        raise ValueError(f"method must be 'corrected' or 'repeat-means', got {method!r}.")
    if df < 1 or not np.isfinite(se):
        return float("nan"), float("nan")
    half = stats.t.ppf(0.5 + confidence / 2, df) * se
    return float(mean - half), float(mean + half)


@validate_params(
    {
        "scores": [pd.DataFrame],
        "by": [str, list, tuple, None],
        "confidence": [StrictInterval(Real, 0, 1, closed="neither")],
        "method": [StrOptions({"corrected", "repeat-means"})],
    }
)
def summarize_scores(
    scores: pd.DataFrame,
    *,
    by: str | Sequence[str] | None = None,
    confidence: float = 0.95,
    method: str = "corrected",
) -> pd.DataFrame:
    """Mean, standard deviation and confidence interval of repeated-CV scores.

    Parameters
    ----------
    scores : pandas.DataFrame
        Output of :func:`repeated_cv_scores` (columns ``repeat, fold, score,
        n_train, n_test``), possibly several concatenated with extra columns.
    by : str or list of str, optional
        Columns identifying configurations; one summary row per group.
    confidence : float, default=0.95
        Coverage of the interval.
    method : {"corrected", "repeat-means"}, default="corrected"
        ``"corrected"``: the Nadeau-Bengio corrected resampled t-interval over all
        ``k * r`` fold scores, ``mean ± t_{kr-1} * sqrt((1/(kr) + n_test/n_train) * s^2)``.
        It accounts for the overlap of training sets between folds, which makes the
        plain ``s / sqrt(kr)`` far too narrow. ``"repeat-means"``: a t-interval over
        the ``r`` per-repeat means (``r - 1`` degrees of freedom; also optimistic,
        since repeats reuse the same data).

    Returns
    -------
    summary : pandas.DataFrame
        ``mean, std, n_scores, n_repeats, ci_low, ci_high`` (plus the ``by`` columns);
        ``std`` is the standard deviation of the fold scores. ``summary.attrs["interval"]``
        names the interval.

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.evaluation import summarize_scores
    >>> scores = pd.DataFrame({"repeat": [0, 0, 1, 1], "fold": [0, 1, 0, 1],
    ...                        "score": [0.6, 0.8, 0.7, 0.7], "n_train": 30, "n_test": 30})
    >>> summarize_scores(scores)[["mean", "n_scores"]]
       mean  n_scores
    0   0.7         4
    """
    if scores.empty:
        raise ValueError("scores is empty; nothing to summarize.")
    missing = {"repeat", "score", "n_train", "n_test"} - set(scores.columns)
    if missing:
        raise ValueError(f"scores lacks columns {sorted(missing)}; pass repeated_cv_scores output.")
    keys = [by] if isinstance(by, str) else list(by or [])
    groups = scores.groupby(keys, sort=False, dropna=False) if keys else [((), scores)]
    rows = []
    for key, group in groups:
        low, high = _interval(group, confidence, method)
        row = dict(zip(keys, key if isinstance(key, tuple) else (key,), strict=True))
        row.update(
            mean=float(group["score"].mean()),
            std=float(group["score"].std(ddof=1)) if len(group) > 1 else float("nan"),
            n_scores=len(group),
            n_repeats=int(group["repeat"].nunique()),
            ci_low=low,
            ci_high=high,
        )
        rows.append(row)
    summary = pd.DataFrame(rows)
    summary.attrs["interval"] = f"{confidence:.0%} {method} t-interval"
    return summary
