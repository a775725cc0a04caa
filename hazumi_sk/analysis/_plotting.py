"""Figures of the correlation analysis: Table 1 as bars, Figure 3 as grouped bars."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.patches import Patch

from ..utils import validate_params

__all__ = ["plot_correlation_table", "plot_segment_correlation"]

_POLARITY_COLOURS = {"positive": "tab:blue", "negative": "tab:red"}


def _axes(ax, figsize):
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=figsize, layout="constrained")
        return fig, ax
    return ax.figure, ax


def _reference_values(reference: pd.DataFrame, column: str, items: pd.Index) -> np.ndarray:
    """The reference column aligned to ``items`` (reference indexed by item or with ``item``)."""
    table = reference.set_index("item") if "item" in reference.columns else reference
    if column not in table.columns:
        raise ValueError(
            f"reference has no column {column!r}; columns are {table.columns.tolist()}."
        )
    missing = items.difference(table.index)
    if len(missing):
        raise ValueError(f"reference lacks item(s) {missing.tolist()}.")
    return table.loc[items, column].to_numpy(np.float64)


@validate_params(
    {
        "corr": [pd.DataFrame],
        "reference": [pd.DataFrame, None],
        "reference_column": [str],
        "label": [str],
        "reference_label": [str],
        "title": [str, None],
    }
)
def plot_correlation_table(
    corr: pd.DataFrame,
    reference: pd.DataFrame | None = None,
    *,
    reference_column: str = "r_self",
    label: str = "this data",
    reference_label: str = "paper",
    ax=None,
    title: str | None = None,
):
    """Horizontal bars of the 18 item correlations, optionally beside published values.

    Parameters
    ----------
    corr : pandas.DataFrame
        The table of :func:`exchange_dialogue_correlation` (index: items,
        columns ``r``, ``polarity`` and optionally ``significance``).
    reference : pandas.DataFrame, optional
        Published values to draw beside ours, indexed by item or with an
        ``item`` column, e.g. ``pandas.read_csv(".../table1_correlations.csv")``.
    reference_column : str, default="r_self"
        Column of ``reference`` to draw (``"r_third_party"`` for the TS column).
    label, reference_label : str
        Legend entries of the two bar series.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is made otherwise.
    title : str, optional
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> from hazumi_sk.analysis import exchange_dialogue_correlation, plot_correlation_table
    >>> table = exchange_dialogue_correlation(make_synthetic_hazumi(random_state=0))
    >>> fig = plot_correlation_table(table)
    >>> len(fig.axes[0].patches)
    18
    """
    if not {"r", "polarity"} <= set(corr.columns):
        raise ValueError(
            "corr needs columns 'r' and 'polarity' (see exchange_dialogue_correlation)."
        )
    fig, ax = _axes(ax, (7.5, 0.38 * len(corr) + 1.5))
    positions = np.arange(len(corr))[::-1]  # first item on top
    colours = [_POLARITY_COLOURS.get(p, "tab:grey") for p in corr["polarity"]]
    height = 0.8 if reference is None else 0.4
    offset = 0.0 if reference is None else height / 2
    ax.barh(positions + offset, corr["r"], height=height, color=colours)
    marks = corr["significance"] if "significance" in corr.columns else [""] * len(corr)
    for y, r, mark in zip(positions + offset, corr["r"], marks, strict=True):
        if mark and np.isfinite(r):
            ax.text(
                r,
                y,
                f" {mark} " if r >= 0 else f"{mark} ",
                va="center",
                ha="left" if r >= 0 else "right",
                fontsize=9,
            )
    handles = [
        Patch(color=colour, label=f"{polarity}ly worded item")
        for polarity, colour in _POLARITY_COLOURS.items()
    ]
    if reference is not None:
        values = _reference_values(reference, reference_column, corr.index)
        ax.barh(
            positions - offset,
            values,
            height=height,
            color="white",
            edgecolor=colours,
            hatch="///",
        )
        handles += [
            Patch(facecolor="grey", label=label),
            Patch(facecolor="white", edgecolor="grey", hatch="///", label=reference_label),
        ]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.07), ncol=2, fontsize=8)
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(positions, corr.index)
    ax.set_xlabel("Pearson r (mean exchange sentiment vs rating)", labelpad=2)
    limit = max(0.6, float(np.nanmax(np.abs(corr["r"]))) + 0.1)
    ax.set_xlim(-limit, limit)
    ax.grid(axis="x", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig


@validate_params({"seg": [pd.DataFrame], "title": [str, None]})
def plot_segment_correlation(seg: pd.DataFrame, *, ax=None, title: str | None = None):
    """Grouped bars of the per-segment correlations and the overall one (the paper's Figure 3).

    Parameters
    ----------
    seg : pandas.DataFrame
        The table of :func:`segment_correlation` (index: items, columns:
        segments ``1 .. n`` then ``"overall"``).
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure is made otherwise.
    title : str, optional
        Axes title.

    Returns
    -------
    fig : matplotlib.figure.Figure

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> from hazumi_sk.analysis import segment_correlation, plot_segment_correlation
    >>> seg = segment_correlation(make_synthetic_hazumi(random_state=0), n_segments=4)
    >>> fig = plot_segment_correlation(seg)
    >>> len(fig.axes[0].patches)  # 2 items x (4 segments + overall)
    10
    """
    if seg.empty:
        raise ValueError("seg is empty.")
    fig, ax = _axes(ax, (max(6.0, 0.7 * seg.shape[1] + 2), 3.8))
    n_items = len(seg)
    width = 0.8 / n_items
    x = np.arange(seg.shape[1])
    for k, (item, values) in enumerate(seg.iterrows()):
        ax.bar(x - 0.4 + width * (k + 0.5), values.to_numpy(np.float64), width=width, label=item)
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(x[-1] - 0.5, color="grey", linewidth=0.8, linestyle=":")
    ax.set_xticks(x, [str(c) for c in seg.columns])
    ax.set_xlabel("dialogue segment")
    ax.set_ylabel("Pearson r")
    ax.legend(fontsize=9, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title)
    return fig
