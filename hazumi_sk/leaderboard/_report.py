"""Write a leaderboard run: CSV tables, a forest plot and a Markdown + HTML report section."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..evaluation import Document
from ._plot import plot_forest
from ._run import LeaderboardResult

__all__ = ["LeaderboardFiles", "leaderboard_document", "write_leaderboard_report"]

_BOARD_COLUMNS = [
    "item",
    "method",
    "feature_set",
    "mean",
    "ci_low",
    "ci_high",
    "majority",
    "oracle",
    "paper_best_multitask",
    "paper_best_single",
]


@dataclass(frozen=True)
class LeaderboardFiles:
    """Paths written by :func:`write_leaderboard_report`."""

    leaderboard: Path
    paired: Path
    polarity_averages: Path
    fold_scores: Path
    splits: Path
    forest: Path
    markdown: Path
    html: Path


def _indices(values) -> str:
    return " ".join(str(int(v)) for v in values)


def _with_index_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("train", "test"):
        if column in out:
            out[column] = out[column].map(_indices)
    return out


def leaderboard_document(result: LeaderboardResult, forest_path: str = "forest.png") -> Document:
    """The report section as a :class:`~hazumi_sk.evaluation.Document`."""
    s = result.settings
    doc = Document("Which method? The hazumi-sk leaderboard")
    doc.paragraph(
        f"Nested CV: {s['n_repeats']} repeat(s) of stratified {s['n_splits']}-fold (the same "
        f"splits for every method), each method's grid chosen by an inner stratified "
        f"{s['n_inner_splits']}-fold CV on the outer training fold only; weighted F1. "
        f"Intervals: 95% Nadeau-Bengio corrected t-intervals over the outer folds. "
        f"Run: {len(s['items'])} item(s), methods {', '.join(s['methods'])}, feature sets "
        f"{', '.join(s['feature_sets'])}, seed {s['seed']}, tiny={s['tiny']}, "
        f"wall {s['wall_seconds'] / 60:.1f} min."
    )
    doc.heading("Averages over items")
    doc.table(result.polarity_averages.drop(columns=["std", "n_scores"], errors="ignore"))
    averages = result.paired[result.paired["item"].str.startswith("average")]
    if not averages.empty:
        doc.heading("Paired comparisons of the averages (corrected resampled t-test)")
        doc.table(averages, digits=3)
    doc.heading("Forest plot per item")
    doc.paragraph(
        "Dots: mean weighted F1; bars: 95% intervals; green dashed line: the oracle given "
        "the true mean exchange self-sentiment (the ceiling); red dotted line: the paper's "
        "best multitask number (chosen on its own test folds)."
    )
    doc.image("forest plot per item", forest_path)
    doc.heading("Per item")
    doc.table(result.leaderboard[[c for c in _BOARD_COLUMNS if c in result.leaderboard]])
    wins = _significant(result.paired)
    if not wins.empty:
        doc.heading("Items where a method differs from the reference at p < 0.05")
        doc.table(wins)
    return doc


def _significant(paired: pd.DataFrame) -> pd.DataFrame:
    items = paired[~paired["item"].str.startswith("average")]
    if items.empty:
        return items
    items = items.assign(
        better=(items["pvalue"] < 0.05) & (items["mean_difference"] > 0),
        worse=(items["pvalue"] < 0.05) & (items["mean_difference"] < 0),
    )
    return (
        items.groupby(["method", "feature_set", "reference"], sort=False)[["better", "worse"]]
        .sum()
        .reset_index()
    )


def write_leaderboard_report(result: LeaderboardResult, out_dir: str | Path) -> LeaderboardFiles:
    """Write the tables (CSV), ``forest.png`` and ``leaderboard.md`` / ``leaderboard.html``.

    Parameters
    ----------
    result : LeaderboardResult
        From :func:`run_leaderboard`.
    out_dir : path-like
        Folder (created if needed); the fit cache of the run may live beside.

    Returns
    -------
    files : LeaderboardFiles

    Examples
    --------
    >>> from hazumi_sk.leaderboard import write_leaderboard_report
    >>> files = write_leaderboard_report(result, "hazumi-leaderboard")  # doctest: +SKIP
    >>> files.leaderboard.name  # doctest: +SKIP
    'leaderboard.csv'
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = LeaderboardFiles(
        *(
            out / name
            for name in (
                "leaderboard.csv",
                "paired.csv",
                "polarity_averages.csv",
                "fold_scores.csv",
                "splits.csv",
                "forest.png",
                "leaderboard.md",
                "leaderboard.html",
            )
        )
    )
    result.leaderboard.to_csv(files.leaderboard, index=False)
    result.paired.to_csv(files.paired, index=False)
    result.polarity_averages.to_csv(files.polarity_averages, index=False)
    result.fold_scores.to_csv(files.fold_scores, index=False)
    _with_index_strings(result.splits).to_csv(files.splits, index=False)
    _with_index_strings(result.inner_splits).to_csv(out / "inner_splits.csv", index=False)
    result.plan.to_csv(out / "plan.csv", index=False)
    plot_forest(result.leaderboard).savefig(files.forest, dpi=110)
    doc = leaderboard_document(result, files.forest.name)
    files.markdown.write_text(doc.to_markdown(), encoding="utf-8")
    files.html.write_text(doc.to_html(), encoding="utf-8")
    return files
