"""``hazumi-sk leaderboard``: every method under the same nested repeated CV, with a report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from ..vocabulary import parse_modalities
from ._arguments import (
    CommandError,
    add_data_arguments,
    check_data_dir,
    check_feature_set,
    check_items,
    check_no_duplicates,
    check_paper_tables,
    column_policy,
    load_corpus,
    n_jobs,
    nonnegative_int,
    output_folder,
    positive_int,
)

__all__ = ["add_leaderboard_parser", "cmd_leaderboard"]


def add_leaderboard_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``leaderboard`` subcommand on ``subparsers`` (from ``add_subparsers``).

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``hazumi-sk`` parser's subcommands.

    Returns
    -------
    parser : argparse.ArgumentParser
        The subcommand's parser (its ``func`` default is :func:`cmd_leaderboard`).

    Examples
    --------
    >>> import argparse
    >>> from hazumi_sk.cli._leaderboard import add_leaderboard_parser
    >>> parser = argparse.ArgumentParser(prog="hazumi-sk")
    >>> _ = add_leaderboard_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["leaderboard", "--synthetic", "--tiny"]).repeats is None
    True
    """
    p = subparsers.add_parser(
        "leaderboard", help="every method under the same nested repeated CV (Which method?)"
    )
    add_data_arguments(p)
    p.add_argument("--out", type=output_folder, default=Path("hazumi-leaderboard"),
                   help="output folder (and fit cache)")  # fmt: skip
    p.add_argument("--items", nargs="+", default=None, help="rapport items (all 18)")
    p.add_argument("--feature-sets", nargs="+", default=None, help="e.g. L+V ALL (ALL)")
    p.add_argument(
        "--methods",
        nargs="+",
        default=None,
        help="method names (default: all but seed-ensemble-lstm; --tiny: all)",
    )
    p.add_argument(
        "--repeats", type=positive_int, default=None, help="outer CV repeats (5; tiny: 1)"
    )
    p.add_argument("--n-jobs", type=n_jobs, default=None, help="parallel fits (joblib)")
    p.add_argument("--paper-tables", default=None, help="folder of the paper's CSV tables")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of splits and models (0)")
    p.add_argument("--tiny", action="store_true", help="seconds-long settings (tests)")
    p.add_argument("--no-progress", action="store_true", help="no plan print, no progress bars")
    p.set_defaults(func=cmd_leaderboard)
    return p


def _items(items: list[str] | None) -> list[str]:
    checked = list(check_items(items, "--items"))
    check_no_duplicates(checked, "--items")
    return checked


def _check_methods(methods: list[str] | None, tiny: bool) -> list[str]:
    from ..leaderboard import METHODS, available_methods, default_methods

    available = available_methods()
    if not methods:
        return available if tiny else default_methods()
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise CommandError(f"--methods: unknown method(s) {unknown}; choose from {available}.")
    missing = [m for m in methods if m not in available]
    if missing:
        raise CommandError(
            f"--methods: {missing} not available in this installation; use {available}."
        )
    check_no_duplicates(methods, "--methods")
    return list(methods)


def _check_feature_sets(feature_sets: list[str] | None) -> list[str]:
    if not feature_sets:
        return ["ALL"]
    for fs in feature_sets:
        check_feature_set(fs, "--feature-sets")
    check_no_duplicates(feature_sets, "--feature-sets")
    return list(feature_sets)


def _check_data(args: argparse.Namespace) -> tuple[Path, list[str]] | None:
    if args.synthetic:
        return None
    return check_data_dir(args.data, args.versions)


def _check_args(args: argparse.Namespace) -> dict:
    """Every argument checked before any data is read."""
    check_paper_tables(args.paper_tables)
    out = Path(args.out)
    return {
        "items": _items(args.items),
        "methods": _check_methods(args.methods, args.tiny),
        "feature_sets": _check_feature_sets(args.feature_sets),
        "data": _check_data(args),
        "out": out,
    }


def _load(args: argparse.Namespace, data: tuple[Path, list[str]] | None):
    if data is None:
        from ..reproduction import demo_dataset

        return demo_dataset(args.tiny, args.seed)
    folder, versions = data
    return load_corpus(folder, versions, column_policy(args.columns, versions))


def _check_against_data(dataset: Any, feature_sets: list[str]) -> None:
    present = list(dataset.features.modality_set)
    for fs in feature_sets:
        try:
            parse_modalities(fs, present)
        except ValueError as error:
            raise CommandError(f"--feature-sets: {error}") from error


def cmd_leaderboard(args: argparse.Namespace) -> int:
    """Run ``hazumi-sk leaderboard``: validate, load, run every cell, write the report.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by the parser of :func:`add_leaderboard_parser`.

    Returns
    -------
    status : int
        0 on success; a bad argument raises ``hazumi_sk.cli.CommandError`` (exit 2).
    """
    checked = _check_args(args)
    start = time.perf_counter()
    dataset = _load(args, checked["data"])
    _check_against_data(dataset, checked["feature_sets"])
    from ..leaderboard import run_leaderboard, write_leaderboard_report

    result = run_leaderboard(
        dataset,
        items=checked["items"],
        feature_sets=checked["feature_sets"],
        methods=checked["methods"],
        n_repeats=args.repeats,
        n_jobs=args.n_jobs,
        out_dir=checked["out"],
        tiny=args.tiny,
        seed=args.seed,
        progress=not args.no_progress,
        paper_tables_dir=args.paper_tables,
    )
    files = write_leaderboard_report(result, checked["out"])
    averages = result.polarity_averages
    columns = ["average", "method", "feature_set", "mean", "ci_low", "ci_high"]
    print(averages[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    print(
        f"Leaderboard ({time.perf_counter() - start:.0f} s) -> {files.leaderboard}, "
        f"report -> {files.markdown} and {files.html}"
    )
    return 0
