"""Forest plots of the leaderboard: one panel per item, methods x weighted F1 with intervals.

Built on :class:`matplotlib.figure.Figure` directly (no ``pyplot``), so drawing
never creates a GUI window nor switches the user's backend.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

__all__ = ["plot_forest"]


def _row_label(method: str, feature_set: str) -> str:
    return method if feature_set == "-" else f"{method} [{feature_set}]"


def plot_forest(leaderboard: pd.DataFrame, *, n_cols: int = 3) -> Figure:
    """One forest panel per item: every method's mean F1 and 95% interval.

    The oracle (true mean self-sentiment) is drawn as the item's ceiling line
    rather than a row, the paper's best multitask number as a second line.

    Parameters
    ----------
    leaderboard : pandas.DataFrame
        ``LeaderboardResult.leaderboard`` (columns ``item, method, role,
        feature_set, mean, ci_low, ci_high, oracle, paper_best_multitask``).
    n_cols : int, default=3
        Panels per row.

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.leaderboard import plot_forest
    >>> board = pd.DataFrame({"item": ["worthwhile"] * 2, "method": ["majority", "pooled-lr"],
    ...     "role": ["reference", "baseline"], "feature_set": ["-", "ALL"], "mean": [0.5, 0.6],
    ...     "ci_low": [0.4, 0.5], "ci_high": [0.6, 0.7], "oracle": [0.8, 0.8],
    ...     "paper_best_multitask": [0.85, 0.85]})
    >>> len(plot_forest(board).axes)
    1
    """
    rows = leaderboard[leaderboard["role"] != "oracle"]
    items = list(dict.fromkeys(leaderboard["item"]))
    configs = list(dict.fromkeys(zip(rows["method"], rows["feature_set"], strict=True)))
    n_rows = max(1, math.ceil(len(items) / n_cols))
    cols = min(n_cols, max(1, len(items)))
    height = max(2.0, 0.28 * len(configs) + 1.0)
    fig = Figure(figsize=(4.2 * cols, height * n_rows), layout="constrained")
    axes = fig.subplots(n_rows, cols, squeeze=False, sharex=True)
    for k, ax in enumerate(axes.ravel()):
        if k >= len(items):
            ax.set_visible(False)
            continue
        _panel(ax, leaderboard[leaderboard["item"] == items[k]], items[k], configs)
        if k % cols:
            ax.tick_params(labelleft=False)
    axes[0, 0].legend(loc="lower left", fontsize="x-small", frameon=False)
    fig.supxlabel("weighted F1 (mean over outer folds, 95% corrected interval)")
    return fig


def _panel(ax, board: pd.DataFrame, item: str, configs: list[tuple[str, str]]) -> None:
    positions = np.arange(len(configs))[::-1]
    for y, (method, fs) in zip(positions, configs, strict=True):
        row = board[(board["method"] == method) & (board["feature_set"] == fs)]
        if row.empty:
            continue
        r = row.iloc[0]
        colour = {"reference": "grey", "baseline": "tab:blue", "paper": "tab:red"}.get(
            r["role"], "tab:purple"
        )
        low, high = r["ci_low"], r["ci_high"]
        if np.isfinite(low) and np.isfinite(high):
            ax.hlines(y, low, high, color=colour, lw=1.5)
        ax.plot(r["mean"], y, "o", color=colour, ms=4)
    oracle = board["oracle"].dropna()
    if len(oracle):
        ax.axvline(oracle.iloc[0], color="tab:green", ls="--", lw=1, label="oracle (ceiling)")
    paper = board["paper_best_multitask"].dropna() if "paper_best_multitask" in board else []
    if len(paper):
        ax.axvline(paper.iloc[0], color="tab:red", ls=":", lw=1, label="paper's best multitask")
    ax.set_yticks(positions, [_row_label(m, f) for m, f in configs], fontsize="x-small")
    ax.set_ylim(-0.7, len(configs) - 0.3)
    ax.set_xlim(0.0, 1.0)
    ax.set_title(item, fontsize="small")
    ax.grid(axis="x", alpha=0.3)
