"""The report's figures: Table 1 bars, the segment correlation, correlation vs gain."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any

import pandas as pd

from ._canvas import new_axes, save_figure
from ._paper import load_paper_table
from ._presets import Preset
from ._report import ReproductionResults


def _correlation_figure(dataset: Any, out: Path, paper_tables_dir: Path | None) -> tuple:
    """Table 1's self-sentiment column as bars beside the paper's."""
    from ..analysis import exchange_dialogue_correlation, plot_correlation_table

    try:
        reference = load_paper_table("table1", paper_tables_dir)
    except (FileNotFoundError, ValueError):
        reference = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        corr = exchange_dialogue_correlation(dataset, exchange_label="SS")
    _, ax = new_axes((7.5, 0.38 * len(corr) + 1.5))
    fig = plot_correlation_table(corr, reference, ax=ax, title="Table 1: r of mean self-sentiment")
    save_figure(fig, out / "table1.png", tight=True)
    return ("Table 1: correlation of mean self-sentiment with each item", out / "table1.png")


def report_figures(
    dataset: Any,
    results: ReproductionResults,
    out: Path,
    preset: Preset,
    paper_tables_dir: Path | None,
) -> pd.DataFrame:
    from ..analysis import plot_segment_correlation, segment_correlation

    figures = []
    if "table1" in preset.tables:
        figures.append(_correlation_figure(dataset, out, paper_tables_dir))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            n_min = int(dataset.sessions["n_exchanges"].min())
            seg = segment_correlation(dataset, n_segments=min(10, n_min))
        _, ax = new_axes((max(6.0, 0.7 * seg.shape[1] + 2), 3.8))
        save_figure(plot_segment_correlation(seg, ax=ax), out / "segments.png")
        figures.append(
            ("Segment-wise correlation of self-sentiment (Figure 3)", out / "segments.png")
        )
    if results.table1 is not None and results.table4 is not None and len(results.table4) > 2:
        joined = results.table4.merge(results.table1, on="item")
        fig, ax = new_axes((5, 4))
        gain = joined["best_multitask"] - joined["best_single"]
        ax.scatter(joined["r_self"].abs(), gain)
        for item, x, g in zip(joined["item"], joined["r_self"].abs(), gain, strict=True):
            ax.annotate(item, (x, g), fontsize=6)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xlabel("|r| of mean self-sentiment with the item (Table 1)")
        ax.set_ylabel("best multitask - best single (Table 4)")
        ax.set_title("Correlation vs multitask improvement")
        save_figure(fig, out / "correlation_vs_gain.png")
        figures.append(("Correlation vs multitask improvement", out / "correlation_vs_gain.png"))
    return pd.DataFrame(figures, columns=["title", "path"])
