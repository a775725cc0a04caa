"""Paired tests between two models scored on the same cross-validation folds."""

from __future__ import annotations

import itertools
from numbers import Integral, Real
from typing import Any, NamedTuple

import numpy as np
from scipy import stats
from sklearn.utils import check_random_state

from ..utils import StrictInterval, validate_params

__all__ = ["PairedTestResult", "corrected_resampled_ttest", "paired_permutation_test"]


class PairedTestResult(NamedTuple):
    """Outcome of a paired test: mean difference ``a - b``, statistic, p-value."""

    mean_difference: float
    statistic: float
    pvalue: float


def _paired_differences(scores_a: Any, scores_b: Any) -> np.ndarray:
    a = np.asarray(scores_a, dtype=float).ravel()
    b = np.asarray(scores_b, dtype=float).ravel()
    if a.shape != b.shape:
        raise ValueError(
            f"scores_a and scores_b must be paired (same folds); got {a.size} and {b.size} scores."
        )
    if a.size < 2:
        raise ValueError(f"Need at least 2 paired scores, got {a.size}.")
    if not (np.isfinite(a).all() and np.isfinite(b).all()):
        raise ValueError("scores contain NaN or infinite values.")
    return a - b


@validate_params(
    {
        "scores_a": ["array-like"],
        "scores_b": ["array-like"],
        # Fold sizes differ by one, so a mean size (a float) is a fair input.
        "n_train": [StrictInterval(Real, 0, None, closed="neither")],
        "n_test": [StrictInterval(Real, 0, None, closed="neither")],
    }
)
def corrected_resampled_ttest(
    scores_a: Any, scores_b: Any, n_train: int, n_test: int
) -> PairedTestResult:
    """Nadeau & Bengio's corrected resampled t-test for repeated K-fold scores.

    With ``d_j`` the ``n = k * r`` fold-wise differences, the statistic is
    ``t = mean(d) / sqrt((1/n + n_test/n_train) * var(d))`` (``var`` with
    ``ddof=1``), compared with Student's t with ``n - 1`` degrees of freedom
    (two-sided). The ``n_test/n_train`` term corrects for the dependence that
    overlapping training sets create between folds.

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n_folds_total,)
        Scores of two models on the *same* folds, in the same order.
    n_train, n_test : int
        Size of each fold's training and test set.

    Returns
    -------
    result : PairedTestResult
        ``mean_difference`` (a - b), ``statistic`` (t) and two-sided ``pvalue``.

    References
    ----------
    C. Nadeau and Y. Bengio, "Inference for the generalization error",
    Machine Learning 52, 239-281 (2003).

    Examples
    --------
    >>> from hazumi_sk.evaluation import corrected_resampled_ttest
    >>> res = corrected_resampled_ttest([0.8, 0.7, 0.9], [0.6, 0.7, 0.7], n_train=40, n_test=20)
    >>> round(res.statistic, 3)
    1.265
    """
    d = _paired_differences(scores_a, scores_b)
    mean = float(d.mean())
    var = float(d.var(ddof=1))
    if var == 0.0:
        # Identical differences: no evidence either way if zero, else certain.
        statistic = 0.0 if mean == 0 else float(np.copysign(np.inf, mean))
        return PairedTestResult(mean, statistic, float(mean == 0))
    t = mean / np.sqrt((1.0 / d.size + n_test / n_train) * var)
    p = 2.0 * stats.t.sf(abs(t), d.size - 1)
    return PairedTestResult(mean, float(t), float(p))


@validate_params(
    {
        "scores_a": ["array-like"],
        "scores_b": ["array-like"],
        "n_permutations": [StrictInterval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
    }
)
def paired_permutation_test(
    scores_a: Any,
    scores_b: Any,
    *,
    n_permutations: int = 10_000,
    random_state: Any = 0,
) -> PairedTestResult:
    """Two-sided sign-flip permutation test on paired score differences.

    Under the null hypothesis the sign of each difference ``a_j - b_j`` is
    exchangeable; the p-value is the share of sign assignments whose mean
    difference is at least as extreme as the observed one. All ``2**n``
    assignments are enumerated when ``2**n <= n_permutations``, otherwise
    ``n_permutations`` random ones are drawn (p-value ``(c + 1) / (N + 1)``).

    Note that fold scores from repeated K-fold are not independent (shared
    training data), so this test is optimistic; prefer
    :func:`corrected_resampled_ttest` for repeated CV and use this one on
    independent units (e.g. one score per repeat or per item).

    Parameters
    ----------
    scores_a, scores_b : array-like of shape (n,)
        Paired scores.
    n_permutations : int, default=10000
        Number of random sign flips when exact enumeration is too large.
    random_state : int, RandomState or None, default=0
        Seed of the random sign flips.

    Returns
    -------
    result : PairedTestResult
        ``mean_difference``, ``statistic`` (equal to the mean difference) and ``pvalue``.

    Examples
    --------
    >>> from hazumi_sk.evaluation import paired_permutation_test
    >>> paired_permutation_test([1, 2, 3], [0, 1, 2]).pvalue
    0.25
    """
    d = _paired_differences(scores_a, scores_b)
    observed = abs(d.mean())
    tol = 1e-12 * max(1.0, observed)
    if 2**d.size <= n_permutations:
        signs = np.array(list(itertools.product([1.0, -1.0], repeat=d.size)))
        extreme = np.abs((signs * d).mean(axis=1)) >= observed - tol
        p = extreme.mean()
    else:
        rng = check_random_state(random_state)
        signs = rng.choice([1.0, -1.0], size=(n_permutations, d.size))
        count = int((np.abs((signs * d).mean(axis=1)) >= observed - tol).sum())
        p = (count + 1) / (n_permutations + 1)
    return PairedTestResult(float(d.mean()), float(d.mean()), float(p))
