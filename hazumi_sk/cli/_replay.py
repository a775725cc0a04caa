"""``hazumi-sk replay``: recorded dialogues through the live tracker, exchange by exchange."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ._arguments import (
    CommandError,
    add_data_arguments,
    existing_file,
    nonnegative_int,
    output_file,
)
from ._bundle_data import bundle_data, load_bundle_argument

__all__ = ["add_replay_parser", "cmd_replay"]


def _dialogue_ids(args: argparse.Namespace, X: Any) -> list[str]:
    known = X.dialogue_ids.tolist()
    if not args.dialogues:
        return known
    unknown = [d for d in args.dialogues if d not in known]
    if unknown:
        raise CommandError(
            f"--dialogues: {unknown[:3]} not in the data ({len(known)} dialogues, e.g. "
            f"{known[:3]})."
        )
    return list(dict.fromkeys(args.dialogues))


def _agreement(bundle: Any, X: Any, frame: pd.DataFrame, self_reports: bool) -> float:
    """Largest |live - offline| over every dialogue, exchange and item."""
    from ..online import offline_trajectory

    worst = 0.0
    for (dialogue, item), rows in frame.groupby(["dialogue_id", "item"], sort=False):
        offline = offline_trajectory(bundle.models[item], X, dialogue, self_reports)
        worst = max(worst, float(np.max(np.abs(rows["proba_high"].to_numpy() - offline))))
    return worst


def _plot(frame: pd.DataFrame, out: Path) -> list[Path]:
    from ..online import plot_trajectory

    paths = []
    for dialogue, rows in frame.groupby("dialogue_id", sort=False):
        path = out.with_name(f"{out.stem}_{dialogue}.png")
        plot_trajectory(rows).savefig(path, dpi=100)
        paths.append(path)
    return paths


def _pace(args: argparse.Namespace, dataset: Any, X: Any, dialogues: list[str]) -> Any:
    """``--pace``: None (as fast as answered), seconds between exchanges, or the recording's."""
    from ..online import recorded_times

    if args.pace != "recorded":
        return args.pace or None
    try:
        return {d: recorded_times(dataset, X, d, speed=args.speed).tolist() for d in dialogues}
    except ValueError as error:
        raise CommandError(f"--pace recorded: {error}") from error


def _replay_to_url(
    args: argparse.Namespace, bundle: Any, X: Any, dataset: Any, dialogues: list[str]
):
    """``--url``: send the dialogues to a running ``hazumi-sk serve``; its answers as a frame."""
    from ..online import ImpressionTracker, recorded_exchanges
    from ..serve import replay_to_server

    names = ImpressionTracker(bundle, modalities=X.modalities).required_features
    sent = [(d, list(recorded_exchanges(X, d, names, args.self_reports))) for d in dialogues]
    pace = _pace(args, dataset, X, dialogues)
    try:
        result = replay_to_server(args.url, sent, pace=pace, token=args.token)
    except ValueError as error:
        raise CommandError(f"--url: {error}") from error
    if result.errors:
        raise CommandError(
            f"--url: {len(result.errors)} request(s) failed; the first: {result.errors[0]}"
        )
    return result.trajectories()


def cmd_replay(args: argparse.Namespace) -> int:
    from ..online import ImpressionTracker, replay_dialogues

    bundle = load_bundle_argument(args)
    X, dataset = bundle_data(args, bundle.metadata)
    dialogues = _dialogue_ids(args, X)
    if args.url:
        frame = _replay_to_url(args, bundle, X, dataset, dialogues)
        incremental = bool(frame["incremental"].all())
    else:
        tracker = ImpressionTracker(bundle, modalities=X.modalities)
        frame = replay_dialogues(tracker, X, dialogues, self_reports=args.self_reports)
        incremental = all(tracker.incremental.values())
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    plots = _plot(frame, out)
    worst = _agreement(bundle, X, frame, args.self_reports)
    print(f"Replayed {len(dialogues)} dialogue(s){' to ' + args.url if args.url else ''}, "
          f"{len(frame)} rows -> {out}; "
          f"{len(plots)} plot(s) beside it")  # fmt: skip
    print(f"live_vs_offline_max_abs: {worst:.3g} (O(1) updates: {incremental})")
    return 0


def _seconds(text: str) -> float | str:
    if text == "recorded":
        return text
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 <= value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be >= 0 seconds, got {text}")
    return value


def _positive_seconds_factor(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def add_replay_parser(sub: Any) -> None:
    """The ``replay`` subcommand."""
    replay = sub.add_parser(
        "replay", help="replay recorded dialogues through the live tracker, exchange by exchange"
    )
    replay.add_argument("--model", type=existing_file, required=True,
                        help="a model file or bundle saved by 'hazumi-sk train'")  # fmt: skip
    add_data_arguments(replay)
    replay.add_argument("--dialogues", nargs="+", default=None, metavar="ID",
                        help="dialogue ids, e.g. 1911F2001 (default: every dialogue)")  # fmt: skip
    replay.add_argument("--self-reports", action="store_true",
                        help="send each rated exchange's recorded label as the user's "
                        "self-report")  # fmt: skip
    replay.add_argument("--out", type=output_file, required=True,
                        help="CSV: one row per dialogue x exchange x item; a PNG per dialogue "
                        "beside it")  # fmt: skip
    replay.add_argument("--seed", type=nonnegative_int, default=0,
                        help="seed of the synthetic corpus (0)")  # fmt: skip
    replay.add_argument("--tiny", action="store_true",
                        help="the tiny synthetic corpus (with --synthetic; tests)")  # fmt: skip
    replay.add_argument("--url", default=None,
                        help="send the dialogues to a running 'hazumi-sk serve' at this URL "
                        "(http://127.0.0.1:8000) instead of an in-process tracker")  # fmt: skip
    replay.add_argument("--token", default=None, help="the server's bearer token (--url)")
    replay.add_argument("--pace", type=_seconds, default=0.0,
                        help="seconds between the exchanges of a dialogue, or 'recorded': "
                        "when each exchange ended in the recording (--url; 0: as fast as "
                        "the server answers)")  # fmt: skip
    replay.add_argument("--speed", type=_positive_seconds_factor, default=1.0,
                        help="with --pace recorded: play this many times faster (1)")  # fmt: skip
    replay.set_defaults(func=cmd_replay)
