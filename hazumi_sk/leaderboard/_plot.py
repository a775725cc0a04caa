"""Forest plots of the leaderboard: one panel per item, methods x weighted F1 with intervals.

:func:`plot_cross_corpus` draws the training-across-corpora table the same way: one
panel per test corpus, each method trained alone, pooled and corpus-out.

Built on :class:`matplotlib.figure.Figure` directly (no ``pyplot``), so drawing
never creates a GUI window nor switches the user's backend.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ._methods import ORACLE_COLUMN, ORACLE_LABEL

__all__ = ["plot_cross_corpus", "plot_forest"]


def _row_label(method: str, feature_set: str) -> str:
    return method if feature_set == "-" else f"{method} [{feature_set}]"


def plot_forest(leaderboard: pd.DataFrame, *, n_cols: int = 3) -> Figure:
    """One forest panel per item: every method's mean F1 and 95% interval.

    The oracle, a logistic regression on the true mean self-sentiment of the
    dialogue, is drawn as the item's reference line rather than a row (not a
    ceiling: behaviour features may carry more about an item than
    self-sentiment does), the paper's best multitask number as a second line.

    Parameters
    ----------
    leaderboard : pandas.DataFrame
        ``LeaderboardResult.leaderboard`` (columns ``item, method, role,
        feature_set, mean, ci_low, ci_high, true_mean_self_sentiment,
        paper_best_multitask``).
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
    ...     "ci_low": [0.4, 0.5], "ci_high": [0.6, 0.7], "true_mean_self_sentiment": [0.8, 0.8],
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
    oracle = board[ORACLE_COLUMN].dropna()
    if len(oracle):
        ax.axvline(oracle.iloc[0], color="tab:green", ls="--", lw=1, label=ORACLE_LABEL)
    paper = board["paper_best_multitask"].dropna() if "paper_best_multitask" in board else []
    if len(paper):
        ax.axvline(paper.iloc[0], color="tab:red", ls=":", lw=1, label="paper's best multitask")
    ax.set_yticks(positions, [_row_label(m, f) for m, f in configs], fontsize="x-small")
    ax.set_ylim(-0.7, len(configs) - 0.3)
    ax.set_xlim(0.0, 1.0)
    ax.set_title(item, fontsize="small")
    ax.grid(axis="x", alpha=0.3)


_PROTOCOL_STYLE = {  # colour, vertical offset within a row, legend label
    "alone": ("tab:blue", 0.22, "alone (test corpora only)"),
    "pooled": ("tab:orange", 0.0, "pooled (+ the other corpora)"),
    "loco": ("tab:green", -0.22, "leave-one-corpus-out"),
}


def _cross_label(item: str, method: str, scaled: bool, n_items: int) -> str:
    label = f"{method}, per-corpus scaled" if scaled else method
    return f"{item}: {label}" if n_items > 1 else label


def plot_cross_corpus(table: pd.DataFrame) -> Figure:
    """Training across corpora: one panel per test corpus, a row per method and scaling.

    Each row shows the method trained on the test corpora alone, pooled with
    the other corpora and (where that corpus is held out) leave-one-corpus-out,
    as mean weighted F1 with its 95% corrected interval; grey ticks mark the
    majority class on the same folds. The majority method itself is drawn only
    as those ticks.

    Parameters
    ----------
    table : pandas.DataFrame
        :func:`run_cross_corpus`'s table (columns ``item, method,
        per_corpus_scaling, protocol, corpus, mean, ci_low, ci_high, majority``).

    Returns
    -------
    figure : matplotlib.figure.Figure

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.leaderboard import plot_cross_corpus
    >>> table = pd.DataFrame({"item": "worthwhile", "method": "pooled-lr",
    ...     "per_corpus_scaling": False, "protocol": ["alone", "pooled", "loco"],
    ...     "corpus": ["1902", "1902", "1902"], "mean": [0.5, 0.6, 0.55],
    ...     "ci_low": [0.4, 0.5, float("nan")], "ci_high": [0.6, 0.7, float("nan")],
    ...     "majority": [0.45, 0.45, 0.44]})
    >>> len(plot_cross_corpus(table).axes)
    1
    """
    rows = table[table["method"] != "majority"]
    if rows.empty:  # only the majority was run: draw it as the rows
        rows = table
    units = list(dict.fromkeys(rows["corpus"]))
    n_items = rows["item"].nunique()
    configs = list(
        dict.fromkeys(zip(rows["item"], rows["method"], rows["per_corpus_scaling"], strict=True))
    )
    height = max(2.4, 0.42 * len(configs) + 1.4)
    fig = Figure(figsize=(3.2 * len(units) + 1.5, height), layout="constrained")
    axes = fig.subplots(1, len(units), squeeze=False, sharey=True)[0]
    positions = np.arange(len(configs))[::-1]
    for ax, unit in zip(axes, units, strict=True):
        part = rows[rows["corpus"] == unit]
        for y, (item, method, scaled) in zip(positions, configs, strict=True):
            mine = part[(part["item"] == item) & (part["method"] == method)
                        & (part["per_corpus_scaling"] == scaled)]  # fmt: skip
            for r in mine.itertuples(index=False):
                colour, offset, _ = _PROTOCOL_STYLE[r.protocol]
                if np.isfinite(r.ci_low) and np.isfinite(r.ci_high):
                    ax.hlines(y + offset, r.ci_low, r.ci_high, color=colour, lw=1.5)
                ax.plot(r.mean, y + offset, "o", color=colour, ms=4)
                if np.isfinite(r.majority):
                    ax.plot(r.majority, y + offset, "|", color="grey", ms=7)
        ax.set_yticks(positions, [_cross_label(*c, n_items) for c in configs],
                      fontsize="x-small")  # fmt: skip
        ax.set_ylim(-0.7, len(configs) - 0.3)
        ax.set_xlim(0.0, 1.0)
        ax.set_title(f"tested on {unit}", fontsize="small")
        ax.grid(axis="x", alpha=0.3)
    handles = [
        axes[0].plot([], [], "o-", color=c, ms=4, label=label)[0]
        for c, _, label in _PROTOCOL_STYLE.values()
    ]
    handles.append(axes[0].plot([], [], "|", color="grey", ms=7, label="majority, same folds")[0])
    fig.legend(handles=handles, loc="outside upper center", ncols=4, fontsize="x-small",
               frameon=False)  # fmt: skip
    fig.supxlabel("weighted F1 (mean over test folds, 95% corrected interval)", fontsize="small")
    return fig
