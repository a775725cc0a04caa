"""Write an exchange-board run: CSV tables and a Markdown + HTML report section."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..evaluation import Document
from ._exchange_board import (
    BASE_METHODS,
    EXCHANGE_METHODS,
    PUBLISHED_EXCHANGE_RESULTS,
    SCORED_ALL,
    ExchangeBoardResult,
)

__all__ = ["ExchangeBoardFiles", "exchange_board_document", "write_exchange_board_report"]

#: Columns of ``exchange_leaderboard.csv``, in order (the first seven are the contract).
BOARD_COLUMNS = [
    "target",
    "method",
    "feature_set",
    "metric",
    "mean",
    "ci_low",
    "ci_high",
    "n_labels",
    "scored",
    "std",
    "n_scores",
    "n_repeats",
    "majority",
]
_TARGET_NAMES = {"SS": "self-sentiment (SS > 4)", "TS_mean": "third-party sentiment (TS_mean > 4)"}


@dataclass(frozen=True)
class ExchangeBoardFiles:
    """Paths written by :func:`write_exchange_board_report`."""

    leaderboard: Path
    paired: Path
    fold_scores: Path
    splits: Path
    markdown: Path
    html: Path


def _wide(board: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration, ``metric [low, high]`` per metric column."""
    frame = board.assign(
        value=board["mean"].map("{:.3f}".format)
        + " ["
        + board["ci_low"].map("{:.3f}".format)
        + ", "
        + board["ci_high"].map("{:.3f}".format)
        + "]"
    )
    keys = ["target", "method", "feature_set", "n_labels"]
    wide = frame.pivot_table(index=keys, columns="metric", values="value", aggfunc="first")
    order = {m: i for i, m in enumerate(EXCHANGE_METHODS)}
    wide = wide.reset_index()
    wide["_order"] = wide["method"].map(order)
    wide = wide.sort_values(["target", "feature_set", "_order", "n_labels"]).drop(columns="_order")
    wide.columns.name = None
    return wide[[*keys, *[m for m in ("accuracy", "f1_weighted", "f1_macro") if m in wide]]]


def exchange_board_document(result: ExchangeBoardResult) -> Document:
    """The exchange board's report section as a :class:`~hazumi_sk.evaluation.Document`.

    Parameters
    ----------
    result : ExchangeBoardResult
        From :func:`run_exchange_board`.

    Returns
    -------
    document : Document

    Examples
    --------
    >>> from hazumi_sk.reproduction import demo_dataset
    >>> from hazumi_sk.leaderboard import exchange_board_document, run_exchange_board
    >>> result = run_exchange_board(demo_dataset(tiny=True), methods=["majority"],
    ...                             feature_sets=["L+V"], tiny=True, progress=False)
    >>> exchange_board_document(result).title
    "Exchange-level board: recognising each exchange's sentiment"
    """
    s = result.settings
    doc = Document("Exchange-level board: recognising each exchange's sentiment")
    doc.paragraph(
        f"Every exchange of a held-out participant's dialogue is classified high (> 4) or "
        f"low. Folds: {s['n_repeats']} repeat(s) of stratified group {s['n_splits']}-fold "
        "grouped by participant (no participant on both sides; the same splits for every "
        "target, method and feature set; exchange_splits.csv). Metrics over each fold's "
        "rated test exchanges pooled; 95% Nadeau-Bengio corrected t-intervals over the folds. "
        f"{s['n_dialogues']} dialogues rated on {s['item']} (also the LSTM's dialogue label); "
        f"feature sets {', '.join(s['feature_sets'])} (the LSTM on "
        f"{', '.join(s['lstm_feature_sets'])}); L block: {s.get('linguistic', 'as loaded')}; "
        f"seed {s['seed']}, tiny={s['tiny']}; wall {s['wall_seconds'] / 60:.1f} min of fitting."
    )
    if s.get("skipped_targets"):
        doc.paragraph(
            "Targets left out (no loaded corpus has them): "
            + "; ".join(f"{t}: {why}" for t, why in s["skipped_targets"].items())
        )
    shown = set(s["methods"]) | set(result.board["method"])
    doc.bullets([f"`{name}`: {what}" for name, what in EXCHANGE_METHODS.items() if name in shown])
    board = result.board
    every = board[(board["scored"] == SCORED_ALL) & board["method"].isin(BASE_METHODS)]
    for target in s["targets"]:
        doc.heading(f"{_TARGET_NAMES.get(target, target)}: every rated exchange", level=3)
        doc.table(_wide(every[every["target"] == target]))
    published = pd.DataFrame(list(PUBLISHED_EXCHANGE_RESULTS))
    doc.heading("Published, as published", level=3)
    doc.paragraph(
        "Not comparable to the rows above: the published number comes from another protocol "
        "(its own split of participants, corpus and features), and it was not re-run here."
    )
    doc.table(published)
    later = board[board["scored"] != SCORED_ALL]
    if not later.empty:
        doc.heading("Personalisation: scored on the exchanges after the first k", level=3)
        doc.paragraph(
            "Every row is scored on the same exchanges: those after the largest k "
            f"({later['scored'].iloc[0]}). `exchange-lr-calibrated` and `majority-calibrated` "
            "read the first k labels of each test dialogue (the system asks the participant k "
            "times); k = 0 is the shared model. Causal normalisation uses the exchanges so "
            "far; per-dialogue normalisation uses the whole dialogue, future included."
        )
        for target in s["targets"]:
            doc.heading(_TARGET_NAMES.get(target, target), level=4)
            doc.table(_wide(later[later["target"] == target]))
    if not result.paired.empty:
        doc.heading("Personalised minus exchange-lr on the same folds (corrected t-test)", level=3)
        columns = ["target", "method", "feature_set", "n_labels", "scored", "metric",
                   "mean_difference", "ci_low", "ci_high", "pvalue"]  # fmt: skip
        doc.table(result.paired[columns])
    return doc


def write_exchange_board_report(
    result: ExchangeBoardResult, out_dir: str | Path
) -> ExchangeBoardFiles:
    """Write ``exchange_leaderboard.csv``, ``exchange_splits.csv`` and the report section.

    Also ``exchange_paired.csv``, ``exchange_fold_scores.csv`` and
    ``exchange_leaderboard.md`` / ``.html``. ``exchange_leaderboard.csv`` has the columns
    ``target, method, feature_set, metric, mean, ci_low, ci_high, n_labels, scored, std,
    n_scores, n_repeats, majority, linguistic`` (the L block's source), and the published
    numbers as rows with ``scored`` ``"as published"``.

    Parameters
    ----------
    result : ExchangeBoardResult
        From :func:`run_exchange_board`.
    out_dir : path-like
        Folder (created if needed).

    Returns
    -------
    files : ExchangeBoardFiles

    Examples
    --------
    >>> from hazumi_sk.leaderboard import write_exchange_board_report
    >>> files = write_exchange_board_report(result, "board")  # doctest: +SKIP
    >>> files.leaderboard.name  # doctest: +SKIP
    'exchange_leaderboard.csv'
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = ExchangeBoardFiles(
        *(
            out / name
            for name in (
                "exchange_leaderboard.csv",
                "exchange_paired.csv",
                "exchange_fold_scores.csv",
                "exchange_splits.csv",
                "exchange_leaderboard.md",
                "exchange_leaderboard.html",
            )
        )
    )
    published = pd.DataFrame(list(PUBLISHED_EXCHANGE_RESULTS)).assign(scored="as published")
    board = pd.concat([result.board[BOARD_COLUMNS], published], ignore_index=True)
    # The L block's source (transcripts / dumpfile / synthetic) travels with every number.
    board["linguistic"] = result.settings.get("linguistic", "as loaded")
    board.to_csv(files.leaderboard, index=False)
    result.paired.to_csv(files.paired, index=False)
    result.fold_scores.to_csv(files.fold_scores, index=False)
    result.splits.to_csv(files.splits, index=False)
    doc = exchange_board_document(result)
    files.markdown.write_text(doc.to_markdown(), encoding="utf-8")
    files.html.write_text(doc.to_html(), encoding="utf-8")
    return files
