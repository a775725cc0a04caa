"""``hazumi-sk leaderboard``: every method under the same nested repeated CV, with a report."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

__all__ = ["add_leaderboard_parser", "cmd_leaderboard"]

#: ``--synthetic`` corpora: seconds-long for ``--tiny``, demo-sized otherwise.
TINY_SYNTHETIC = {
    "n_dialogues": 24,
    "n_exchanges": (10, 14),
    "feature_dims": {"A": 4, "L": 6, "B": 3, "V": 4},
}
DEFAULT_SYNTHETIC = {
    "n_dialogues": 60,
    "n_exchanges": (12, 24),
    "feature_dims": {"A": 12, "L": 24, "B": 8, "V": 12},
}
MODALITY_TAGS = ("A", "L", "B", "V", "P", "S")
REAL_VERSIONS = ("1902", "1911")


def _error(message: str) -> Exception:
    # Imported late: hazumi_sk.cli imports the module that registers this subcommand.
    from . import CommandError

    return CommandError(message)


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
    source = p.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="folder with Hazumi1902/ and Hazumi1911/")
    source.add_argument("--synthetic", action="store_true", help="use the synthetic corpus")
    p.add_argument("--out", default="hazumi-leaderboard", help="output folder (and fit cache)")
    p.add_argument("--items", nargs="+", default=None, help="rapport items (all 18)")
    p.add_argument("--feature-sets", nargs="+", default=None, help="e.g. L+V ALL (ALL)")
    p.add_argument(
        "--methods",
        nargs="+",
        default=None,
        help="method names (default: all but seed-ensemble-lstm; --tiny: all)",
    )
    p.add_argument("--repeats", type=int, default=None, help="outer CV repeats (5; tiny: 1)")
    p.add_argument("--n-jobs", type=int, default=None, help="parallel fits (joblib)")
    p.add_argument("--paper-tables", default=None, help="folder of the paper's CSV tables")
    p.add_argument("--seed", type=int, default=0, help="seed of splits and models (0)")
    p.add_argument("--tiny", action="store_true", help="seconds-long settings (tests)")
    p.add_argument("--no-progress", action="store_true", help="no plan print, no progress bars")
    p.set_defaults(func=cmd_leaderboard)
    return p


def _check_items(items: list[str] | None) -> list[str]:
    from ..datasets import RAPPORT_ITEMS

    if not items:
        return list(RAPPORT_ITEMS)
    unknown = [i for i in items if i not in RAPPORT_ITEMS]
    if unknown:
        raise _error(f"--items: unknown item(s) {unknown}; choose from {list(RAPPORT_ITEMS)}.")
    if len(set(items)) != len(items):
        raise _error(f"--items: duplicates in {items}.")
    return list(items)


def _check_methods(methods: list[str] | None, tiny: bool) -> list[str]:
    from ..leaderboard import METHODS, available_methods, default_methods

    available = available_methods()
    if not methods:
        return available if tiny else default_methods()
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise _error(f"--methods: unknown method(s) {unknown}; choose from {available}.")
    missing = [m for m in methods if m not in available]
    if missing:
        raise _error(f"--methods: {missing} not available in this installation; use {available}.")
    if len(set(methods)) != len(methods):
        raise _error(f"--methods: duplicates in {methods}.")
    return list(methods)


def _check_feature_sets(feature_sets: list[str] | None) -> list[str]:
    if not feature_sets:
        return ["ALL"]
    for fs in feature_sets:
        tags = fs.split("+")
        if fs.upper() != "ALL" and not all(t in MODALITY_TAGS for t in tags):
            raise _error(
                f"--feature-sets: unknown feature set {fs!r}; use ALL or a '+' combination "
                f"of {list(MODALITY_TAGS)} such as L+V."
            )
    if len(set(feature_sets)) != len(feature_sets):
        raise _error(f"--feature-sets: duplicates in {feature_sets}.")
    return list(feature_sets)


def _check_data(path: str | None) -> Path | None:
    if path is None:
        return None
    data = Path(path)
    if not data.is_dir():
        raise _error(f"--data: data folder {data} does not exist.")
    if not any((data / f"Hazumi{v}").is_dir() for v in REAL_VERSIONS):
        raise _error(f"--data: {data} holds neither Hazumi1902/ nor Hazumi1911/.")
    return data


def _check_args(args: argparse.Namespace) -> dict:
    """Every argument checked before any data is read."""
    if args.repeats is not None and args.repeats < 1:
        raise _error(f"--repeats must be >= 1, got {args.repeats}")
    if args.n_jobs == 0:
        raise _error("--n-jobs must be a positive number or negative (-1: all cores), got 0")
    if args.paper_tables is not None and not Path(args.paper_tables).is_dir():
        raise _error(f"--paper-tables: folder {args.paper_tables} does not exist.")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise _error(f"--out: {out} exists and is not a folder.")
    return {
        "items": _check_items(args.items),
        "methods": _check_methods(args.methods, args.tiny),
        "feature_sets": _check_feature_sets(args.feature_sets),
        "data": _check_data(args.data),
        "out": out,
    }


def _load(args: argparse.Namespace, data: Path | None):
    if data is None:
        from ..datasets import make_synthetic_hazumi

        corpus = TINY_SYNTHETIC if args.tiny else DEFAULT_SYNTHETIC
        return make_synthetic_hazumi(**corpus, random_state=args.seed)
    from ..datasets import load_hazumi

    versions = [v for v in REAL_VERSIONS if (data / f"Hazumi{v}").is_dir()]
    return load_hazumi(data, versions=versions)


def _check_against_data(dataset: Any, feature_sets: list[str]) -> None:
    present = set(dataset.features.modality_set)
    for fs in feature_sets:
        missing = [t for t in fs.split("+") if fs.upper() != "ALL" and t not in present]
        if missing:
            raise _error(
                f"--feature-sets: {fs!r} needs modality {missing}, absent from this data "
                f"(it has {sorted(present)})."
            )


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
