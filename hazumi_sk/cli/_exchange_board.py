"""``hazumi-sk leaderboard --level exchange``: the exchange-level board and personalisation."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..vocabulary import parse_modalities
from ._arguments import (
    CommandError,
    check_data_dir,
    check_feature_set,
    check_items,
    check_no_duplicates,
    column_policy,
    load_corpus,
)

__all__ = ["cmd_exchange_board"]

#: Dialogue-board options that mean nothing at the exchange level (flag -> args attribute).
_DIALOGUE_ONLY = {
    "--paper-tables": "paper_tables",
    "--cross-corpus": "cross_corpus",
    "--cross-corpus-items": "cross_corpus_items",
    "--cross-corpus-methods": "cross_corpus_methods",
    "--cross-corpus-feature-set": "cross_corpus_feature_set",
    "--corpus-scaling": "corpus_scaling",
}
_IN_PERSON = ("1902", "1911")


def _check_args(args: argparse.Namespace) -> dict:
    """Every argument of the exchange level checked before any data is read."""
    from ..leaderboard import EXCHANGE_METHODS

    for flag, name in _DIALOGUE_ONLY.items():
        if getattr(args, name, None) not in (None, False):
            raise CommandError(f"{flag} belongs to --level dialogue, not --level exchange.")
    items = list(check_items(args.items or ["worthwhile"], "--items"))
    if len(items) != 1:
        raise CommandError(
            f"--items: --level exchange takes one item (it selects the dialogues and is the "
            f"LSTM's dialogue label), got {len(items)}."
        )
    methods = args.methods
    if methods:
        unknown = [m for m in methods if m not in EXCHANGE_METHODS]
        if unknown:
            raise CommandError(
                f"--methods: unknown exchange method(s) {unknown}; choose from "
                f"{list(EXCHANGE_METHODS)}."
            )
        check_no_duplicates(methods, "--methods")
    feature_sets = args.feature_sets or ["L+V", "ALL"]
    for fs in feature_sets:
        check_feature_set(fs, "--feature-sets")
    check_no_duplicates(feature_sets, "--feature-sets")
    data = None
    if not args.synthetic:
        folder, versions = check_data_dir(args.data, args.versions)
        if not set(versions) & set(_IN_PERSON):
            raise CommandError(
                f"--versions: the exchange board needs Hazumi1902 and/or 1911 (self-sentiment); "
                f"got {' '.join(versions)}."
            )
        data = (folder, versions)
    return {"item": items[0], "methods": methods or None, "feature_sets": feature_sets,
            "data": data, "out": Path(args.out)}  # fmt: skip


def _load(args: argparse.Namespace, data: tuple | None) -> tuple[Any, str]:
    """The corpus and a description of its L block (transcripts unless told otherwise)."""
    if data is None:
        from ..reproduction import demo_dataset

        return demo_dataset(args.tiny, args.seed), "synthetic"
    folder, versions = data
    linguistic = getattr(args, "linguistic", None) or "transcripts"
    encoder = getattr(args, "text_encoder", None)
    dataset = load_corpus(folder, versions, column_policy(args.columns, versions), linguistic,
                          encoder)  # fmt: skip
    return dataset, f"{linguistic}" + (f" ({encoder})" if encoder else "")


def cmd_exchange_board(args: argparse.Namespace) -> int:
    """Run ``hazumi-sk leaderboard --level exchange`` and write its files and report.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the ``leaderboard`` parser (``--level exchange``).

    Returns
    -------
    status : int
        0 on success; a bad argument raises ``hazumi_sk.cli.CommandError`` (exit 2).
    """
    checked = _check_args(args)
    start = time.perf_counter()
    dataset, linguistic = _load(args, checked["data"])
    present = list(dataset.features.modality_set)
    for fs in checked["feature_sets"]:
        try:
            parse_modalities(fs, present)
        except ValueError as error:
            raise CommandError(f"--feature-sets: {error}") from error
    from ..leaderboard import run_exchange_board, write_exchange_board_report

    result = run_exchange_board(
        dataset,
        feature_sets=checked["feature_sets"],
        methods=checked["methods"],
        item=checked["item"],
        n_repeats=args.repeats,
        n_jobs=args.n_jobs,
        seed=args.seed,
        tiny=args.tiny,
        progress=not args.no_progress,
    )
    result.settings["linguistic"] = linguistic
    result.settings["wall_seconds_with_loading"] = time.perf_counter() - start
    files = write_exchange_board_report(result, checked["out"])
    board = result.board
    shown = board[(board["metric"] == "f1_weighted")]
    columns = ["target", "method", "feature_set", "n_labels", "scored", "mean", "ci_low", "ci_high"]
    print(shown[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"Exchange board ({time.perf_counter() - start:.0f} s, L: {linguistic}) -> "
        f"{files.leaderboard}, splits -> {files.splits}, report -> {files.markdown}"
    )
    return 0
