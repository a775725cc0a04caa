"""``hazumi-sk leaderboard``: every method under the same nested repeated CV, with a report.

The tables are scored on the in-person corpora (1902, 1911) only. Other loaded
versions (``--versions 1902 1911 2012``) enter training only in the optional
"Training across corpora" section (``--cross-corpus``).
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from pathlib import Path
from typing import Any

from ..vocabulary import parse_modalities
from ._arguments import (
    CommandError,
    add_compute_arguments,
    add_data_arguments,
    check_backend,
    check_data_dir,
    check_device,
    check_feature_set,
    check_items,
    check_methods,
    check_no_duplicates,
    check_paper_tables,
    check_text_encoder,
    column_policy,
    compute_context,
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
        help="method names (default: all but seed-ensemble-lstm and lstm-regression; --tiny: all)",
    )
    p.add_argument(
        "--repeats", type=positive_int, default=None, help="outer CV repeats (5; tiny: 1)"
    )
    p.add_argument("--n-jobs", type=n_jobs, default=None, help="parallel fits (joblib)")
    add_compute_arguments(p)
    p.add_argument("--paper-tables", default=None, help="folder of the paper's CSV tables")
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of splits and models (0)")
    p.add_argument("--tiny", action="store_true", help="seconds-long settings (tests)")
    p.add_argument(
        "--cross-corpus", action="store_true",
        help="add the 'Training across corpora' section: methods trained on 1902+1911 alone "
        "vs pooled with the other loaded versions (needs e.g. --versions 1902 1911 2012) on the "
        "same test folds, and leave-one-corpus-out; writes cross_corpus.csv",
    )  # fmt: skip
    p.add_argument("--cross-corpus-items", nargs="+", default=None,
                   help="items of that section (worthwhile)")  # fmt: skip
    p.add_argument("--cross-corpus-methods", nargs="+", default=None,
                   help="methods of that section (majority pooled-lr lstm-single)")  # fmt: skip
    p.add_argument("--cross-corpus-feature-set", default=None,
                   help="modalities every pooled corpus has (A+L+V)")  # fmt: skip
    p.add_argument("--corpus-scaling", choices=sorted(_SCALINGS), default=None,
                   help="per-corpus standardisation in that section (both)")  # fmt: skip
    p.add_argument("--no-progress", action="store_true", help="no plan print, no progress bars")
    p.add_argument(
        "--linguistic", choices=["transcripts", "dumpfile"], default=None,
        help="L features from the ELAN transcripts (default with --data: UPOS + sentence "
        "vector, as reproduce and train) or the dumpfiles' columns; --synthetic keeps its own "
        "L unless told transcripts. The encoded transcripts are cached in OUT/cache",
    )  # fmt: skip
    p.add_argument(
        "--text-encoder", default=None,
        help="sentence encoder for --linguistic transcripts: use-multilingual (default), "
        "tfidf-svd, ginza, or a local BERT folder",
    )  # fmt: skip
    p.add_argument(
        "--level", choices=("dialogue", "exchange"), default="dialogue",
        help="dialogue: the rapport items (default); exchange: each exchange's sentiment "
        "(SS > 4, TS_mean > 4) on participant-grouped folds, with the personalisation variants; "
        "writes exchange_leaderboard.csv and exchange_splits.csv",
    )  # fmt: skip
    p.set_defaults(func=cmd_leaderboard)
    return p


def _items(items: list[str] | None) -> list[str]:
    checked = list(check_items(items, "--items"))
    check_no_duplicates(checked, "--items")
    return checked


def _check_methods(methods: list[str] | None, tiny: bool) -> list[str]:
    from ..leaderboard import available_methods, default_methods

    return check_methods(methods, "--methods", available_methods() if tiny else default_methods())


#: Feature sets of a run that names none: the paper's L+V beside every modality.
DEFAULT_FEATURE_SETS = ("L+V", "ALL")


def _check_feature_sets(feature_sets: list[str] | None) -> list[str]:
    if not feature_sets:
        return list(DEFAULT_FEATURE_SETS)
    for fs in feature_sets:
        check_feature_set(fs, "--feature-sets")
    check_no_duplicates(feature_sets, "--feature-sets")
    return list(feature_sets)


_SCALINGS = {"off": (False,), "on": (True,), "both": (False, True)}
_CROSS_OPTIONS = {
    "--cross-corpus-items": "cross_corpus_items",
    "--cross-corpus-methods": "cross_corpus_methods",
    "--cross-corpus-feature-set": "cross_corpus_feature_set",
    "--corpus-scaling": "corpus_scaling",
}


def _check_cross_corpus(args: argparse.Namespace) -> dict | None:
    """The section's settings (None without ``--cross-corpus``, whose options need it)."""
    if not args.cross_corpus:
        given = [flag for flag, name in _CROSS_OPTIONS.items() if getattr(args, name) is not None]
        if given:
            raise CommandError(f"{given[0]} needs --cross-corpus.")
        return None
    from ..leaderboard import (
        CROSS_CORPUS_FEATURE_SET,
        CROSS_CORPUS_METHODS,
        available_methods,
    )

    items = list(check_items(args.cross_corpus_items or ["worthwhile"], "--cross-corpus-items"))
    check_no_duplicates(items, "--cross-corpus-items")
    default = [m for m in CROSS_CORPUS_METHODS if m in available_methods()]
    methods = check_methods(args.cross_corpus_methods, "--cross-corpus-methods", default)
    feature_set = args.cross_corpus_feature_set or CROSS_CORPUS_FEATURE_SET
    check_feature_set(feature_set, "--cross-corpus-feature-set")
    return {
        "items": items,
        "methods": methods,
        "feature_set": feature_set,
        "per_corpus_scaling": _SCALINGS[args.corpus_scaling or "both"],
    }


def _check_data(
    args: argparse.Namespace, cross_corpus: bool
) -> tuple[Path, list[str], list[str]] | None:
    """The folder, the test corpora (the tables' versions) and every version to load."""
    if args.synthetic:
        return None
    from ..leaderboard import CROSS_CORPUS_TEST_CORPORA

    folder, versions = check_data_dir(args.data, args.versions)
    tested = [v for v in versions if v in CROSS_CORPUS_TEST_CORPORA]
    others = [v for v in versions if v not in tested]
    if not tested:
        raise CommandError(
            f"--versions: the leaderboard is scored on Hazumi1902 and/or 1911 (the in-person "
            f"corpora with self-sentiment); {', '.join(versions)} has neither."
        )
    if others and not cross_corpus:
        raise CommandError(
            f"--versions {' '.join(others)}: the leaderboard's tables are scored on "
            f"{'+'.join(tested)} only, and other corpora enter training only in the "
            "'Training across corpora' section: add --cross-corpus, or leave them out."
        )
    if cross_corpus and not others:
        raise CommandError(
            "--cross-corpus needs --data whose loaded versions include a corpus beyond the "
            f"test corpora {'+'.join(tested)} to pool, e.g. --versions 1902 1911 2012 "
            f"(loaded: {' '.join(versions)})."
        )
    return folder, tested, versions


def _linguistic(args: argparse.Namespace) -> tuple[str, str | None]:
    """``--linguistic`` and ``--text-encoder`` checked: ``(source, encoder)``.

    ``--data`` defaults to transcripts (as ``reproduce`` and ``train``); ``--synthetic``
    keeps the synthetic L block unless ``--linguistic transcripts`` rebuilds it from the
    synthetic transcripts.
    """
    synthetic = getattr(args, "synthetic", False)
    source = args.linguistic or ("synthetic" if synthetic else "transcripts")
    if synthetic and source == "dumpfile":
        raise CommandError(
            "--linguistic dumpfile needs --data: the synthetic corpus has no dumpfiles (its L "
            "block is synthetic; --linguistic transcripts rebuilds it from its transcripts)."
        )
    return source, check_text_encoder(args.text_encoder, source)


def _check_args(args: argparse.Namespace) -> dict:
    """Every argument checked before any data is read."""
    check_paper_tables(args.paper_tables)
    out = Path(args.out)
    cross = _check_cross_corpus(args)
    _linguistic(args)
    return {
        "items": _items(args.items),
        "methods": _check_methods(args.methods, args.tiny),
        "feature_sets": _check_feature_sets(args.feature_sets),
        "cross_corpus": cross,
        "data": _check_data(args, cross is not None),
        "out": out,
    }


def _load(args: argparse.Namespace, data: tuple[Path, list[str], list[str]] | None, cross: bool):
    """The tables' corpus and (with ``cross``) the pooled corpora, as two loads.

    The tables' corpus is loaded exactly as without the extra versions (1902/1911's own
    column policy), so the tables do not change when 2012 is added for the section.
    """
    source, encoder = _linguistic(args)
    cache = Path(args.out) / "cache"  # beside the fit cache: a rerun does not encode again
    if data is None:
        from ..leaderboard import synthetic_corpora
        from ..reproduction import demo_dataset

        pooled = synthetic_corpora(args.tiny, args.seed) if cross else None
        main = demo_dataset(args.tiny, args.seed)
        if source == "transcripts":
            from ..features import replace_linguistic

            main = replace_linguistic(main, text_encoder=encoder, cache_dir=cache)
            if pooled is not None:
                pooled = replace_linguistic(pooled, text_encoder=encoder, cache_dir=cache)
        return main, pooled
    folder, tested, versions = data

    def load(which: list[str]) -> Any:
        return load_corpus(folder, which, column_policy(args.columns, which), source, encoder,
                           cache_dir=cache)  # fmt: skip

    return load(tested), (load(versions) if cross else None)


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
    if getattr(args, "level", "dialogue") == "exchange":
        from ._exchange_board import cmd_exchange_board

        return cmd_exchange_board(args)
    checked = _check_args(args)
    check_device(args.device)
    check_backend(args.backend, args.address)
    start = time.perf_counter()
    cross = checked["cross_corpus"]
    dataset, pooled = _load(args, checked["data"], cross is not None)
    _check_against_data(dataset, checked["feature_sets"])
    from ..leaderboard import (
        CROSS_CORPUS_TEST_CORPORA,
        check_cross_corpus_features,
        run_cross_corpus,
        run_leaderboard,
        write_leaderboard_report,
    )

    if cross is not None:
        try:
            check_cross_corpus_features(pooled, cross["feature_set"])
        except ValueError as error:
            raise CommandError(f"--cross-corpus-feature-set: {error}") from error

    with compute_context(args):
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
        if cross is not None:
            data = checked["data"]
            table, scores = run_cross_corpus(
                pooled,
                **cross,
                test_corpora=CROSS_CORPUS_TEST_CORPORA if data is None else data[1],
                n_repeats=args.repeats,
                n_jobs=args.n_jobs,
                cache_dir=checked["out"] / "cache",
                seed=args.seed,
                tiny=args.tiny,
                progress=not args.no_progress,
                return_fold_scores=True,
            )
            result = dataclasses.replace(result, cross_corpus=table, cross_corpus_scores=scores)
    files = write_leaderboard_report(result, checked["out"])
    averages = result.polarity_averages
    columns = ["average", "method", "feature_set", "mean", "ci_low", "ci_high"]
    print(averages[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    if result.cross_corpus is not None:
        table = result.cross_corpus
        pooled_rows = table[(table["protocol"] == "pooled") & (table["method"] != "majority")]
        columns = ["item", "method", "per_corpus_scaling", "corpus", "mean", "pooled_minus_alone",
                   "pooled_minus_alone_pvalue"]  # fmt: skip
        print(pooled_rows[columns].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        print(f"Training across corpora -> {files.cross_corpus}")
    print(
        f"Leaderboard ({time.perf_counter() - start:.0f} s) -> {files.leaderboard}, "
        f"report -> {files.markdown} and {files.html}"
    )
    return 0
