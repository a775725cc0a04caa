"""The ``hazumi-sk`` subcommands: demo, reproduce, train, predict."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..datasets import RAPPORT_ITEMS
from ..reproduction import (
    ARCHITECTURES,
    DEMO_CORPUS,
    DEMO_PRESET,
    PRESETS,
    TINY_CORPUS,
    Preset,
    RunOptions,
    demo_dataset,
    make_pipeline,
    run_reproduction,
    tiny_preset,
)
from ..vocabulary import (
    DEFAULT_TEXT_ENCODER,
    NAMED_TEXT_ENCODERS,
    PAPER_FEATURE_SETS,
    TEXT_ENCODERS,
    parse_modalities,
    resolve_text_encoder,
)


class CommandError(ValueError):
    """A bad command-line argument; the message names the parameter."""


def _check_items(items: list[str] | None, parameter: str) -> tuple[str, ...]:
    if not items:
        return tuple(RAPPORT_ITEMS)
    unknown = [i for i in items if i not in RAPPORT_ITEMS]
    if unknown:
        raise CommandError(
            f"{parameter}: unknown item(s) {unknown}; choose from {list(RAPPORT_ITEMS)}."
        )
    return tuple(items)


def _check_text_encoder(text_encoder: str | None, linguistic: str) -> str | None:
    if text_encoder is None:
        return None
    if linguistic != "transcripts":
        raise CommandError("--text-encoder needs --linguistic transcripts.")
    if text_encoder not in NAMED_TEXT_ENCODERS and not Path(text_encoder).is_dir():
        raise CommandError(
            f"--text-encoder: {text_encoder!r} is neither one of {list(NAMED_TEXT_ENCODERS)} nor "
            "a local model folder."
        )
    return text_encoder


def _check_tables(tables: list[str], preset: Preset) -> tuple[str, ...]:
    outside = [t for t in tables if t not in preset.tables]
    if outside:
        raise CommandError(
            f"--tables: {outside} not in the {preset.name} preset's tables {list(preset.tables)}."
        )
    return tuple(t for t in preset.tables if t in tables)


def _check_feature_sets(feature_sets: list[str] | None) -> tuple[str, ...] | None:
    if not feature_sets:
        return None
    for fs in feature_sets:
        try:
            tags = parse_modalities(fs)
        except (TypeError, ValueError) as error:
            raise CommandError(f"--feature-sets: unknown feature set {fs!r}: {error}") from error
        if "L" not in tags:
            raise CommandError(
                f"--feature-sets: {fs!r} lacks L; every feature set of the paper includes L "
                f"(the paper's sets: {list(PAPER_FEATURE_SETS)})."
            )
    return tuple(feature_sets)


def _check_data_dir(path: str | None, parameter: str = "--data") -> Path:
    if path is None:
        raise CommandError(
            f"{parameter} is required (a folder holding Hazumi1902/ and Hazumi1911/)."
        )
    data = Path(path)
    if not data.is_dir():
        raise CommandError(f"{parameter}: data folder {data} does not exist.")
    versions = [v for v in ("Hazumi1902", "Hazumi1911") if (data / v).is_dir()]
    if not versions:
        raise CommandError(f"{parameter}: {data} holds neither Hazumi1902/ nor Hazumi1911/.")
    return data


def _paper_tables(path: str | None) -> Path | None:
    """None: the paper's tables shipped with the package."""
    if path is None:
        return None
    folder = Path(path)
    if not folder.is_dir():
        raise CommandError(f"--paper-tables: folder {folder} does not exist.")
    return folder


def _load_real(data: Path, text_encoder: str | None, linguistic: str):
    from ..datasets import load_hazumi

    versions = [v for v in ("1902", "1911") if (data / f"Hazumi{v}").is_dir()]
    dataset = load_hazumi(data, versions=versions)
    if linguistic == "transcripts":
        from ..features import replace_linguistic

        dataset = replace_linguistic(dataset, text_encoder=text_encoder)
    return dataset, versions


def cmd_demo(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    preset = tiny_preset(DEMO_PRESET) if args.tiny else DEMO_PRESET
    dataset = demo_dataset(args.tiny, args.seed)
    options = RunOptions(
        out_dir=Path(args.out),
        n_jobs=args.n_jobs,
        seed=args.seed,
        paper_tables_dir=_paper_tables(args.paper_tables),
        title="hazumi-sk demo: the paper's study on the synthetic corpus",
        data_description="synthetic corpus (make_synthetic_hazumi, "
        f"{(TINY_CORPUS if args.tiny else DEMO_CORPUS)['n_dialogues']} dialogues)"
        "; paper columns are for the real corpus and shown for orientation only",
    )
    files = run_reproduction(dataset, preset, options)
    print(f"Report: {files.html} ({time.perf_counter() - start:.0f} s)")
    return 0


def cmd_reproduce(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    data = _check_data_dir(args.data)
    preset = PRESETS[args.preset]
    if args.alphas:
        preset = replace(preset, alphas=tuple(args.alphas))
    if args.repeats:
        preset = replace(preset, n_repeats=args.repeats)
    if args.tables:
        preset = replace(preset, tables=_check_tables(args.tables, preset))
    if args.tiny:
        preset = tiny_preset(preset)
    items = _check_items(args.labels, "--labels")
    feature_sets = _check_feature_sets(args.feature_sets)
    paper_tables = _paper_tables(args.paper_tables)
    text_encoder = _check_text_encoder(args.text_encoder, args.linguistic)
    dataset, versions = _load_real(data, text_encoder, args.linguistic)
    options = RunOptions(
        out_dir=Path(args.out),
        items=items,
        feature_sets=feature_sets,
        n_jobs=args.n_jobs,
        seed=args.seed,
        paper_tables_dir=paper_tables,
        title=f"hazumi-sk reproduction ({args.preset} preset)",
        data_description=f"{data} (Hazumi{' + '.join(versions)}), linguistic features from "
        f"the {args.linguistic}",
    )
    files = run_reproduction(dataset, preset, options)
    _print_summary(files.markdown)
    print(f"Report: {files.html} ({time.perf_counter() - start:.0f} s)")
    return 0


def _print_summary(markdown: Path) -> None:
    """Echo the report's comparison tables to the terminal."""
    text = markdown.read_text(encoding="utf-8")
    keep = [line for line in text.splitlines() if line.startswith(("#", "|"))]
    print("\n".join(keep))


def _dataset_for(args: argparse.Namespace, linguistic: str, text_encoder: str | None):
    if args.synthetic:
        return demo_dataset(getattr(args, "tiny", False), args.seed)
    data = _check_data_dir(args.data)
    return _load_real(data, text_encoder, linguistic)[0]


def _check_shippable_encoder(linguistic: str, text_encoder: str | None) -> None:
    """A saved model must rebuild the same L columns on new dialogues."""
    encoder = resolve_text_encoder(text_encoder)[0]
    if linguistic == "transcripts" and TEXT_ENCODERS[encoder].fitted_on_corpus:
        raise CommandError(
            f"--text-encoder {encoder} is fitted on the training corpus and could not be "
            "rebuilt for new dialogues; use use-multilingual, ginza, a local BERT folder "
            "or --linguistic dumpfile."
        )


def cmd_train(args: argparse.Namespace) -> int:
    import joblib

    from ..datasets import to_xy

    _check_items([args.item], "--item")
    _check_feature_sets([args.feature_set])
    if args.architecture not in ARCHITECTURES:
        raise CommandError(
            f"--architecture: unknown {args.architecture!r}; choose from {list(ARCHITECTURES)}."
        )
    if not 0 <= args.alpha <= 1:
        raise CommandError(f"--alpha must be in [0, 1] (1 = single task), got {args.alpha}.")
    text_encoder = _check_text_encoder(args.text_encoder, args.linguistic)
    _check_shippable_encoder(args.linguistic, text_encoder)
    dataset = _dataset_for(args, args.linguistic, text_encoder)
    X, y = to_xy(dataset, item=args.item)
    preset = Preset("train", tables=(), max_epochs=args.epochs)
    if args.tiny:
        preset = tiny_preset(preset)
    model = make_pipeline(args.feature_set, args.alpha, args.architecture, preset, args.seed)
    model.fit(X, y)
    model.hazumi_item_ = args.item  # which item the saved model recognises
    # How its L columns were made, so that predict rebuilds the same ones.
    model.hazumi_linguistic_ = "synthetic" if args.synthetic else args.linguistic
    uses_text = model.hazumi_linguistic_ == "transcripts"
    model.hazumi_text_encoder_ = (text_encoder or DEFAULT_TEXT_ENCODER) if uses_text else None
    Path(args.model).parent.mkdir(parents=True, exist_ok=True)
    joblib.dump(model, args.model)
    print(f"Trained on {len(y)} dialogues ({int(y.sum())} high) -> {args.model}")
    return 0


def _trajectories(model: Any, X: Any) -> pd.DataFrame:
    """Per-exchange running impression and exchange sentiment probabilities."""
    features = model[:-1].transform(X)
    net = model[-1]
    running = net.predict_running_proba(features)
    exchange = net.predict_exchange_proba(features)
    ids = np.repeat(np.asarray(X.dialogue_ids), X.lengths)
    position = np.concatenate([np.arange(n) for n in X.lengths])
    return pd.DataFrame(
        {
            "dialogue_id": ids,
            "exchange": position,
            "running_proba_high": running.values[:, -1],
            "exchange_sentiment_proba_high": exchange.values[:, -1],
        }
    )


def cmd_predict(args: argparse.Namespace) -> int:
    import joblib

    path = Path(args.model)
    if not path.is_file():
        raise CommandError(f"--model: file {path} does not exist.")
    model = joblib.load(path)
    linguistic = getattr(model, "hazumi_linguistic_", "dumpfile")
    if linguistic == "synthetic" and not args.synthetic:
        raise CommandError(
            f"--model: {path} was trained on the synthetic corpus; predict with --synthetic."
        )
    dataset = _dataset_for(args, linguistic, getattr(model, "hazumi_text_encoder_", None))
    X = dataset.features
    proba = model.predict_proba(X)
    item = getattr(model, "hazumi_item_", "item")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(
        {
            "dialogue_id": X.dialogue_ids,
            "item": item,
            "predicted_high": model.predict(X),
            "proba_high": proba[:, -1],
        }
    ).to_csv(out, index=False)
    trajectories = (
        Path(args.trajectories)
        if args.trajectories
        else out.with_name(f"{out.stem}_trajectories.csv")
    )
    _trajectories(model, X).to_csv(trajectories, index=False)
    print(f"Predictions for {len(X)} dialogues -> {out}; per-exchange -> {trajectories}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="hazumi-sk",
        description="Dialogue-level impression recognition with multitask sequence models.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    def common(p: argparse.ArgumentParser) -> None:
        p.add_argument("--seed", type=int, default=0, help="seed of folds and models (0)")
        p.add_argument("--tiny", action="store_true", help="seconds-long settings (tests)")

    demo = sub.add_parser("demo", help="the study on the built-in synthetic corpus (< 3 min)")
    demo.add_argument("--out", default="hazumi-demo", help="output folder (hazumi-demo)")
    demo.add_argument("--n-jobs", type=int, default=None, help="parallel fits (joblib)")
    demo.add_argument("--paper-tables", default=None, help="folder replacing the paper's shipped CSV tables")
    common(demo)
    demo.set_defaults(func=cmd_demo)

    rep = sub.add_parser("reproduce", help="the paper's experiments on a Hazumi copy")
    rep.add_argument("--data", required=True, help="folder with Hazumi1902/ and Hazumi1911/")
    rep.add_argument("--labels", nargs="+", default=None, help="items for Table 4 (all 18)")
    rep.add_argument("--feature-sets", nargs="+", default=None, help="e.g. L L+V ALL (all 5)")
    rep.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    rep.add_argument(
        "--tables", nargs="+", default=None,
        help="run only these of the preset's tables (table1 ... table5); the fit cache "
        "lets a later run with more tables reuse them",
    )  # fmt: skip
    rep.add_argument("--alphas", nargs="+", type=float, default=None, help="override alphas")
    rep.add_argument("--repeats", type=int, default=None, help="override CV repeats")
    rep.add_argument("--out", default="hazumi-reproduction", help="output folder")
    rep.add_argument("--n-jobs", type=int, default=None, help="parallel fits (joblib)")
    rep.add_argument("--paper-tables", default=None, help="folder replacing the paper's shipped CSV tables")
    rep.add_argument(
        "--linguistic", choices=["dumpfile", "transcripts"], default="transcripts",
        help="L features from the ELAN transcripts (default: UPOS + sentence vector) "
        "or the dumpfiles' 5 columns",
    )  # fmt: skip
    rep.add_argument(
        "--text-encoder", default=None,
        help="sentence encoder for --linguistic transcripts: use-multilingual (default), "
        "tfidf-svd, ginza, or a local BERT folder",
    )  # fmt: skip
    common(rep)
    rep.set_defaults(func=cmd_reproduce)

    train = sub.add_parser("train", help="fit one model and save it with joblib")
    source = train.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="folder with Hazumi1902/ and Hazumi1911/")
    source.add_argument("--synthetic", action="store_true", help="use the synthetic corpus")
    train.add_argument("--item", required=True, help="rapport item, e.g. worthwhile")
    train.add_argument("--feature-set", default="L+V", help="L, L+A, L+B, L+V or ALL (L+V)")
    train.add_argument("--alpha", type=float, default=0.7, help="dialogue loss weight (0.7)")
    train.add_argument("--architecture", default="LSTM(1-128)", help="as in Table 2")
    train.add_argument("--epochs", type=int, default=60)
    train.add_argument("--model", required=True, help="output .joblib file")
    train.add_argument(
        "--linguistic", choices=["dumpfile", "transcripts"], default="transcripts",
        help="L features for --data, as for reproduce; predict reuses the choice",
    )  # fmt: skip
    train.add_argument(
        "--text-encoder", default=None,
        help="use-multilingual (default), ginza or a local BERT folder",
    )  # fmt: skip
    common(train)
    train.set_defaults(func=cmd_train)

    pred = sub.add_parser("predict", help="dialogue impressions and trajectories to CSV")
    pred.add_argument("--model", required=True, help="a model saved by 'hazumi-sk train'")
    source = pred.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="folder with Hazumi1902/ and Hazumi1911/")
    source.add_argument("--synthetic", action="store_true", help="use the synthetic corpus")
    pred.add_argument("--out", required=True, help="CSV of dialogue-level predictions")
    pred.add_argument("--trajectories", default=None, help="CSV of per-exchange estimates")
    common(pred)
    pred.set_defaults(func=cmd_predict)
    return parser


__all__ = ["CommandError", "build_parser"]
