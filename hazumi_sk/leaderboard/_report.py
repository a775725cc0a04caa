"""Write a leaderboard run: CSV tables, a forest plot and a Markdown + HTML report section.

A run with a training-across-corpora table (:func:`run_cross_corpus`) also gets
``cross_corpus.csv``, its fold scores, ``cross_corpus.png`` and a "Training across
corpora" section.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..evaluation import Document
from ._methods import ORACLE_COLUMN, ORACLE_LABEL
from ._plot import plot_cross_corpus, plot_forest
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
    ORACLE_COLUMN,
    "paper_best_multitask",
    "paper_best_single",
]


@dataclass(frozen=True)
class LeaderboardFiles:
    """Paths written by :func:`write_leaderboard_report` (``cross_corpus*``: None without
    that section)."""

    leaderboard: Path
    paired: Path
    polarity_averages: Path
    fold_scores: Path
    splits: Path
    forest: Path
    markdown: Path
    html: Path
    cross_corpus: Path | None = None
    cross_corpus_fold_scores: Path | None = None
    cross_corpus_plot: Path | None = None


def _indices(values) -> str:
    return " ".join(str(int(v)) for v in values)


def _with_index_strings(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for column in ("train", "test"):
        if column in out:
            out[column] = out[column].map(_indices)
    return out


def _l_block(settings: dict) -> tuple[str, str]:
    """``(linguistic, text_encoder)`` of the run (``"unrecorded"`` for an older result)."""
    return str(settings.get("linguistic", "unrecorded")), str(settings.get("text_encoder", "-"))


def _l_block_title(settings: dict) -> str:
    """``"L from the transcripts, encoder use-multilingual"`` (or the dumpfiles, ...)."""
    source, encoder = _l_block(settings)
    where = {"transcripts": "the transcripts", "dumpfile": "the dumpfiles"}.get(source, source)
    return f"L from {where}" + (f", encoder {encoder}" if encoder != "-" else "")


def _stamped(frame: pd.DataFrame, settings: dict) -> pd.DataFrame:
    """``frame`` with the run's L block in two columns, as every CSV of the run carries it."""
    source, encoder = _l_block(settings)
    return frame.assign(linguistic=source, text_encoder=encoder)


def leaderboard_document(
    result: LeaderboardResult,
    forest_path: str = "forest.png",
    cross_corpus_path: str = "cross_corpus.png",
) -> Document:
    """The report section as a :class:`~hazumi_sk.evaluation.Document`.

    With ``result.cross_corpus`` it ends with the "Training across corpora"
    section, whose plot is ``cross_corpus_path``.
    """
    s = result.settings
    doc = Document(f"Which method? The hazumi-sk leaderboard ({_l_block_title(s)})")
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
    doc.table(_named(result.polarity_averages.drop(columns=["std", "n_scores"], errors="ignore")))
    averages = result.paired[result.paired["item"].str.startswith("average")]
    if not averages.empty:
        doc.heading("Paired comparisons of the averages (corrected resampled t-test)")
        doc.table(_named(averages), digits=3)
    doc.heading("Forest plot per item")
    doc.paragraph(
        "Dots: mean weighted F1; bars: 95% intervals; green dashed line: the oracle, a "
        "logistic regression given the true mean exchange self-sentiment of the dialogue (a "
        "reference line, not a ceiling: behaviour features may carry more about an item "
        "than self-sentiment does); red dotted line: the paper's best multitask number "
        "(chosen on its own test folds)."
    )
    doc.image("forest plot per item", forest_path)
    doc.heading("Per item")
    doc.table(_named(result.leaderboard[[c for c in _BOARD_COLUMNS if c in result.leaderboard]]))
    wins = _significant(result.paired)
    if not wins.empty:
        doc.heading("Items where a method differs from the reference at p < 0.05")
        doc.table(_named(wins))
    if result.cross_corpus is not None:
        _cross_corpus_section(doc, result.cross_corpus, cross_corpus_path)
    return doc


def _named(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the oracle's method name spelt out (``ORACLE_LABEL``) for a report table."""
    columns = [c for c in ("method", "reference_method") if c in frame]
    if not columns:
        return frame
    return frame.assign(**{c: frame[c].replace({"oracle": ORACLE_LABEL}) for c in columns})


def _scaling(scaled: bool) -> str:
    return "per corpus" if scaled else "none"


def _cross_corpus_section(doc: Document, table: pd.DataFrame, plot_path: str) -> None:
    s = table.attrs.get("settings", {})
    test = "+".join(s.get("test_corpora", [])) or "the test corpora"
    pooled = "+".join(s.get("pooled_corpora", [])) or "the other corpora"
    doc.heading("Training across corpora")
    doc.paragraph(
        f"Does adding {pooled} to training change the weighted F1 on {test}? `alone`: "
        f"{s.get('n_repeats', '?')} repeat(s) of stratified group {s.get('n_splits', '?')}-fold "
        f"over the {test} dialogues (strata corpus x label), training on {test} only. "
        f"`pooled`: the same test folds, every {pooled} dialogue added to each training set, "
        "so the two arms are paired. `loco`: train on all corpora but one, test on that one "
        "(one score per corpus, no interval). Feature set "
        f"{s.get('feature_set', '?')} (the modalities every corpus has); exchange labels "
        "SS_or_TS (self-sentiment where a corpus has it, third-party sentiment elsewhere); a "
        "method's grid is chosen by an inner CV on each training fold. Per-corpus scaling "
        "standardises every corpus with its training dialogues' statistics (the held-out "
        "corpus of `loco` with its own). The tables above are scored on "
        f"{test} alone: this section is the only place where {pooled} enters training. "
        f"Wall {s.get('wall_seconds', float('nan')) / 60:.1f} min."
    )
    arms = table[table["protocol"] == "pooled"].merge(
        table[table["protocol"] == "alone"][
            ["item", "method", "feature_set", "per_corpus_scaling", "corpus", "mean"]
        ],
        on=["item", "method", "feature_set", "per_corpus_scaling", "corpus"],
        suffixes=("", "_alone"),
    )
    if not arms.empty:
        doc.heading("Pooled - alone on the same test folds (corrected paired t-test)", level=3)
        doc.table(
            pd.DataFrame(
                {
                    "item": arms["item"],
                    "method": arms["method"].replace({"oracle": ORACLE_LABEL}),
                    "scaling": arms["per_corpus_scaling"].map(_scaling),
                    "tested on": arms["corpus"],
                    "alone": arms["mean_alone"],
                    "pooled": arms["mean"],
                    "pooled - alone": arms["pooled_minus_alone"],
                    "ci_low": arms["pooled_minus_alone_ci_low"],
                    "ci_high": arms["pooled_minus_alone_ci_high"],
                    "p": arms["pooled_minus_alone_pvalue"],
                    "majority": arms["majority"],
                }
            )
        )
    doc.paragraph(
        "Dots: mean weighted F1 of each protocol; bars: 95% corrected intervals; grey ticks: "
        "the majority class on the same folds."
    )
    doc.image("training across corpora", plot_path)
    doc.heading("Every protocol", level=3)
    columns = ["item", "method", "feature_set", "protocol", "corpus", "train_corpora", "mean",
               "ci_low", "ci_high", "n_scores", "majority"]  # fmt: skip
    every = _named(table[columns].rename(columns={"corpus": "tested on"}))
    every.insert(3, "scaling", table["per_corpus_scaling"].map(_scaling))
    doc.table(every)


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

    Every file records the corpus' L block (``result.settings``): each CSV in two
    columns, ``linguistic`` and ``text_encoder``, the report in its title and the
    plots in theirs.

    With ``result.cross_corpus`` also ``cross_corpus.csv``,
    ``cross_corpus_fold_scores.csv`` and ``cross_corpus.png``.

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
    settings = result.settings
    _stamped(result.leaderboard, settings).to_csv(files.leaderboard, index=False)
    _stamped(result.paired, settings).to_csv(files.paired, index=False)
    _stamped(result.polarity_averages, settings).to_csv(files.polarity_averages, index=False)
    _stamped(result.fold_scores, settings).to_csv(files.fold_scores, index=False)
    _stamped(_with_index_strings(result.splits), settings).to_csv(files.splits, index=False)
    inner = _stamped(_with_index_strings(result.inner_splits), settings)
    inner.to_csv(out / "inner_splits.csv", index=False)
    _stamped(result.plan, settings).to_csv(out / "plan.csv", index=False)
    forest = plot_forest(result.leaderboard)
    forest.suptitle(_l_block_title(settings), fontsize="small")
    forest.savefig(files.forest, dpi=110)
    if result.cross_corpus is not None:
        scores = result.cross_corpus_scores
        scores_path = None if scores is None else out / "cross_corpus_fold_scores.csv"
        files = dataclasses.replace(
            files,
            cross_corpus=out / "cross_corpus.csv",
            cross_corpus_fold_scores=scores_path,
            cross_corpus_plot=out / "cross_corpus.png",
        )
        _stamped(result.cross_corpus, settings).to_csv(files.cross_corpus, index=False)
        if scores is not None:
            _stamped(scores, settings).to_csv(files.cross_corpus_fold_scores, index=False)
        across = plot_cross_corpus(result.cross_corpus)
        across.suptitle(_l_block_title(settings), fontsize="small")
        across.savefig(files.cross_corpus_plot, dpi=110)
    doc = leaderboard_document(result, files.forest.name, "cross_corpus.png")
    files.markdown.write_text(doc.to_markdown(), encoding="utf-8")
    files.html.write_text(doc.to_html(), encoding="utf-8")
    return files
