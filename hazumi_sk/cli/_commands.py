"""The ``hazumi-sk`` subcommands: demo, reproduce, train, predict (and leaderboard)."""

from __future__ import annotations

import argparse
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..datasets import EXCHANGE_LABELS
from ..evaluation import on_device
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
    PAPER_FEATURE_SETS,
    TEXT_ENCODERS,
    resolve_text_encoder,
)
from ._arguments import (
    CommandError,
    add_compute_arguments,
    add_data_arguments,
    alpha,
    check_backend,
    check_data_dir,
    check_device,
    check_feature_set,
    check_items,
    check_no_duplicates,
    check_paper_tables,
    check_shippable_method,
    check_text_encoder,
    compute_context,
    existing_file,
    n_jobs,
    nonnegative_int,
    output_file,
    output_folder,
    positive_int,
    unit_float,
)
from ._bundle_data import bundle_data, load_bundle_argument, load_dataset

#: Training of ``train`` unless ``--epochs`` says otherwise (the paper's 60).
TRAIN_EPOCHS = 60


def _check_tables(tables: list[str], preset: Preset) -> tuple[str, ...]:
    outside = [t for t in tables if t not in preset.tables]
    if outside:
        raise CommandError(
            f"--tables: {outside} not in the {preset.name} preset's tables {list(preset.tables)}."
        )
    return tuple(t for t in preset.tables if t in tables)


def _check_feature_sets(
    feature_sets: list[str] | None, parameter: str = "--feature-sets"
) -> tuple[str, ...] | None:
    if not feature_sets:
        return None
    for fs in feature_sets:
        if "L" not in check_feature_set(fs, parameter):
            raise CommandError(
                f"{parameter}: {fs!r} lacks L; every feature set of the paper includes L "
                f"(the paper's sets: {list(PAPER_FEATURE_SETS)})."
            )
    return tuple(feature_sets)


def _check_shippable_encoder(linguistic: str, text_encoder: str | None) -> None:
    """A saved model must rebuild the same L columns on new dialogues."""
    encoder = resolve_text_encoder(text_encoder)[0]
    if linguistic == "transcripts" and TEXT_ENCODERS[encoder].fitted_on_corpus:
        raise CommandError(
            f"--text-encoder {encoder} is fitted on the training corpus and could not be "
            "rebuilt for new dialogues; use use-multilingual, ginza, a local BERT folder "
            "or --linguistic dumpfile."
        )


def cmd_demo(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    preset = tiny_preset(DEMO_PRESET) if args.tiny else DEMO_PRESET
    dataset = demo_dataset(args.tiny, args.seed)
    options = RunOptions(
        out_dir=args.out,
        n_jobs=args.n_jobs,
        seed=args.seed,
        paper_tables_dir=check_paper_tables(args.paper_tables),
        title="hazumi-sk demo: the paper's study on the synthetic corpus",
        data_description="synthetic corpus (make_synthetic_hazumi, "
        f"{(TINY_CORPUS if args.tiny else DEMO_CORPUS)['n_dialogues']} dialogues)"
        "; paper columns are for the real corpus and shown for orientation only",
    )
    files = run_reproduction(dataset, preset, options)
    print(f"Report: {files.html} ({time.perf_counter() - start:.0f} s)")
    return 0


def _reproduce_preset(args: argparse.Namespace) -> Preset:
    """The preset, ``--tiny`` applied first so that explicit values take precedence over it."""
    preset = PRESETS[args.preset]
    if args.tables:
        preset = replace(preset, tables=_check_tables(args.tables, preset))
    if args.tiny:
        preset = tiny_preset(preset)
    if args.alphas:
        preset = replace(preset, alphas=tuple(args.alphas))
    if args.repeats:
        preset = replace(preset, n_repeats=args.repeats)
    return preset


def cmd_reproduce(args: argparse.Namespace) -> int:
    start = time.perf_counter()
    preset = _reproduce_preset(args)
    items = check_items(args.labels, "--labels")
    feature_sets = _check_feature_sets(args.feature_sets)
    paper_tables = check_paper_tables(args.paper_tables)
    text_encoder = check_text_encoder(args.text_encoder, args.linguistic)
    check_device(args.device)
    check_backend(args.backend, args.address)
    check_data_dir(args.data, args.versions)  # before the slow load
    dataset, versions, columns = load_dataset(args, args.linguistic, text_encoder)
    options = RunOptions(
        out_dir=args.out,
        items=items,
        feature_sets=feature_sets,
        n_jobs=args.n_jobs,
        seed=args.seed,
        paper_tables_dir=paper_tables,
        title=f"hazumi-sk reproduction ({args.preset} preset)",
        data_description=f"Hazumi{' + '.join(versions)} ({columns} columns), linguistic "
        f"features from the {args.linguistic}",
    )
    with compute_context(args):
        files = run_reproduction(dataset, preset, options)
    _print_summary(files.markdown)
    print(f"Report: {files.html} ({time.perf_counter() - start:.0f} s)")
    return 0


def _print_summary(markdown: Path) -> None:
    """Echo the report's comparison tables to the terminal."""
    text = markdown.read_text(encoding="utf-8")
    keep = [line for line in text.splitlines() if line.startswith(("#", "|"))]
    print("\n".join(keep))


#: The ``method`` recorded for ``train`` without ``--method``: the paper's network as
#: configured by ``--alpha`` and ``--architecture`` (no exchange PCA).
PAPER_METHOD = "paper-lstm"
_PAPER_ALPHA, _PAPER_ARCHITECTURE = 0.7, "LSTM(1-128)"


def _check_train_arguments(args: argparse.Namespace) -> str | None:
    check_feature_set(args.feature_set, "--feature-set")
    if args.method is None:
        args.alpha = _PAPER_ALPHA if args.alpha is None else args.alpha
        args.architecture = args.architecture or _PAPER_ARCHITECTURE
        if args.architecture not in ARCHITECTURES:
            raise CommandError(
                f"--architecture: unknown {args.architecture!r}; choose from {list(ARCHITECTURES)}."
            )
        if not 0 < args.alpha <= 1:
            raise CommandError(f"--alpha must be in (0, 1] (1 = single task), got {args.alpha}.")
    else:
        check_shippable_method(args.method, "--method")
        paper_flags = (("--alpha", args.alpha), ("--architecture", args.architecture))
        given = [flag for flag, value in paper_flags if value is not None]
        if given:
            raise CommandError(
                f"{given[0]} configures the paper's network (train without --method); "
                f"--method {args.method} has its own settings."
            )
    text_encoder = check_text_encoder(args.text_encoder, args.linguistic)
    _check_shippable_encoder(args.linguistic, text_encoder)
    if not args.synthetic:
        check_data_dir(args.data, args.versions)
    return text_encoder


def _train_items(args: argparse.Namespace) -> tuple[str, ...]:
    if args.item is not None:
        return check_items([args.item], "--item")
    if args.items == ["all"]:
        return check_items(None, "--items")
    check_no_duplicates(args.items, "--items")
    return check_items(args.items, "--items")


def _train_preset(args: argparse.Namespace) -> Preset:
    """``--tiny`` sizes first; an explicit ``--epochs`` wins over it."""
    preset = Preset("train", tables=(), max_epochs=TRAIN_EPOCHS)
    if args.tiny:
        preset = tiny_preset(preset)
    if args.epochs is not None:
        preset = replace(preset, max_epochs=args.epochs)
    return preset


def _check_modalities_present(feature_set: str, dataset: Any) -> None:
    present = dataset.features.modality_set
    missing = [m for m in check_feature_set(feature_set, "--feature-set") if m not in present]
    if missing:
        raise CommandError(
            f"--feature-set {feature_set}: modality {missing[0]!r} is not in the data "
            f"(it has {'+'.join(present)})."
        )


def _xy(dataset: Any, item: str, exchange_label: str) -> tuple[Any, np.ndarray]:
    from ..datasets import to_xy

    try:
        return to_xy(dataset, item=item, exchange_label=exchange_label)
    except ValueError as error:
        raise CommandError(f"--item/--exchange-label: {error}") from error


def _fit_items(args: argparse.Namespace, dataset: Any, items: tuple[str, ...]):
    """Item -> fitted model, and item -> the hyperparameters chosen by CV."""
    from ..leaderboard import fit_method

    if args.method is not None:
        for item in items:
            _xy(dataset, item, args.exchange_label)  # a clear error before any fit
        fitted = fit_method(args.method, dataset, items, args.feature_set, seed=args.seed,
                            tiny=args.tiny, exchange_label=args.exchange_label)  # fmt: skip
        return {i: f.model for i, f in fitted.items()}, {
            i: f.chosen_params for i, f in fitted.items()
        }
    models = {}
    for item in items:
        X, y = _xy(dataset, item, args.exchange_label)
        model = make_pipeline(args.feature_set, args.alpha, args.architecture,
                              _train_preset(args), args.seed)  # fmt: skip
        models[item] = on_device(model, args.device).fit(X, y)
    return models, {}


def cmd_train(args: argparse.Namespace) -> int:
    from ..persistence import ModelBundle, ModelMetadata, save_bundle

    text_encoder = _check_train_arguments(args)
    items = _train_items(args)
    check_device(args.device)
    if args.device != "cpu" and args.method is not None:
        raise CommandError(
            "--device: applies to the paper's network (no --method); the leaderboard "
            "methods train on the CPU."
        )
    dataset, versions, columns = load_dataset(args, args.linguistic, text_encoder)
    _check_modalities_present(args.feature_set, dataset)
    with compute_context(args):
        models, chosen = _fit_items(args, dataset, items)
    X, y = _xy(dataset, items[0], args.exchange_label)
    linguistic = "synthetic" if args.synthetic else args.linguistic
    extra = {"columns": columns, "exchange_label": args.exchange_label}
    if args.method is None:
        extra.update(architecture=args.architecture, alpha=args.alpha)
    metadata = ModelMetadata.from_fit(
        models[items[0]],
        X,
        item=items[0] if len(items) == 1 else None,
        feature_set=args.feature_set,
        linguistic=linguistic,
        # How its L columns were made, so that predict rebuilds the same ones.
        text_encoder=(text_encoder or DEFAULT_TEXT_ENCODER)
        if linguistic == "transcripts"
        else None,
        corpus_versions=versions,
        method=args.method or PAPER_METHOD,
        chosen_params=chosen,
        extra=extra,
    )
    path = save_bundle(ModelBundle(models, metadata), args.model)
    what = items[0] if len(items) == 1 else f"{len(items)} items"
    print(f"Trained {args.method or PAPER_METHOD} for {what} on {len(y)} dialogues -> {path}")
    for item, params in chosen.items():
        if params:
            print(f"  {item}: chosen by CV {params}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    from ..online import ImpressionTracker, replay_dialogues

    bundle = load_bundle_argument(args)
    X = bundle_data(args, bundle.metadata)[0]
    rows = []
    for item, model in bundle.models.items():
        proba = model.predict_proba(X)
        rows.append(pd.DataFrame({"dialogue_id": X.dialogue_ids, "item": item,
                                  "predicted_high": model.predict(X),
                                  "proba_high": proba[:, -1]}))  # fmt: skip
    out = args.out
    out.parent.mkdir(parents=True, exist_ok=True)
    pd.concat(rows, ignore_index=True).to_csv(out, index=False)
    tracker = ImpressionTracker(bundle, modalities=X.modalities)
    trajectories = args.trajectories or out.with_name(f"{out.stem}_trajectories.csv")
    replay_dialogues(tracker, X, X.dialogue_ids.tolist(), progress=False).to_csv(
        trajectories, index=False
    )
    print(f"Predictions for {len(X)} dialogues x {len(bundle.items)} item(s) -> {out}; "
          f"per-exchange -> {trajectories}")  # fmt: skip
    return 0


def _common(p: argparse.ArgumentParser) -> None:
    p.add_argument("--seed", type=nonnegative_int, default=0, help="seed of folds and models (0)")
    p.add_argument(
        "--tiny", action="store_true",
        help="seconds-long settings (tests); values given explicitly take precedence",
    )  # fmt: skip


def _add_demo(sub: Any) -> None:
    demo = sub.add_parser("demo", help="the study on the built-in synthetic corpus (< 3 min)")
    demo.add_argument("--out", type=output_folder, default=Path("hazumi-demo"),
                      help="output folder (hazumi-demo)")  # fmt: skip
    demo.add_argument("--n-jobs", type=n_jobs, default=None, help="parallel fits (joblib)")
    demo.add_argument("--paper-tables", default=None,
                      help="folder replacing the paper's shipped CSV tables")  # fmt: skip
    _common(demo)
    demo.set_defaults(func=cmd_demo)


def _add_linguistic(p: argparse.ArgumentParser, encoder_help: str) -> None:
    p.add_argument(
        "--linguistic", choices=["dumpfile", "transcripts"], default="transcripts",
        help="L features from the ELAN transcripts (default: UPOS + sentence vector) "
        "or the dumpfiles' columns",
    )  # fmt: skip
    p.add_argument("--text-encoder", default=None, help=encoder_help)


def _add_reproduce(sub: Any) -> None:
    rep = sub.add_parser("reproduce", help="the paper's experiments on a Hazumi copy")
    add_data_arguments(rep, synthetic=False)
    rep.add_argument("--labels", nargs="+", default=None, help="items for Table 4 (all 18)")
    rep.add_argument("--feature-sets", nargs="+", default=None, help="e.g. L L+V ALL (all 5)")
    rep.add_argument("--preset", choices=sorted(PRESETS), default="quick")
    rep.add_argument(
        "--tables", nargs="+", default=None,
        help="run only these of the preset's tables (table1 ... table5); the fit cache "
        "lets a later run with more tables reuse them",
    )  # fmt: skip
    rep.add_argument("--alphas", nargs="+", type=alpha, default=None,
                     help="override the multitask alphas, each in (0, 1]")  # fmt: skip
    rep.add_argument("--repeats", type=positive_int, default=None, help="override CV repeats")
    rep.add_argument("--out", type=output_folder, default=Path("hazumi-reproduction"),
                     help="output folder")  # fmt: skip
    rep.add_argument("--n-jobs", type=n_jobs, default=None, help="parallel fits (joblib)")
    rep.add_argument("--paper-tables", default=None,
                     help="folder replacing the paper's shipped CSV tables")  # fmt: skip
    add_compute_arguments(rep)
    _add_linguistic(
        rep, "sentence encoder for --linguistic transcripts: use-multilingual (default), "
        "tfidf-svd, ginza, or a local BERT folder",
    )  # fmt: skip
    _common(rep)
    rep.set_defaults(func=cmd_reproduce)


def _add_train(sub: Any) -> None:
    train = sub.add_parser(
        "train", help="fit any method for one or more items; save them as one safe .hzm bundle"
    )
    add_data_arguments(train)
    which = train.add_mutually_exclusive_group(required=True)
    which.add_argument("--item", help="one rapport item, e.g. worthwhile")
    which.add_argument("--items", nargs="+", metavar="ITEM",
                       help="several items, or 'all' for the 18 (one model file)")  # fmt: skip
    train.add_argument(
        "--method", default=None,
        help="a leaderboard method (pooled-lr, two-stage, lstm-multitask, ...; a grid is "
        "chosen by CV on the training data); default: the paper's network, --alpha and "
        "--architecture",
    )  # fmt: skip
    train.add_argument("--feature-set", default="L+V",
                       help="any modalities present, e.g. L, L+V, A+V or ALL (L+V)")  # fmt: skip
    train.add_argument("--alpha", type=unit_float, default=None,
                       help="the paper's network: dialogue loss weight in (0, 1]; 1 = single "
                       "task (0.7)")  # fmt: skip
    train.add_argument("--architecture", default=None,
                       help="the paper's network: as in Table 2 (LSTM(1-128))")  # fmt: skip
    train.add_argument("--epochs", type=positive_int, default=None,
                       help=f"the paper's network: epochs ({TRAIN_EPOCHS}; --tiny: 2)")  # fmt: skip
    train.add_argument(
        "--exchange-label", choices=EXCHANGE_LABELS, default="SS",
        help="exchange-level target: SS (self-sentiment, 1902/1911), TS_mean (third-party "
        "mean, every version) or SS_or_TS (SS where rated, TS_mean elsewhere)",
    )  # fmt: skip
    train.add_argument("--model", type=output_file, required=True,
                       help="output model file (.hzm: skops + safetensors + JSON)")  # fmt: skip
    add_compute_arguments(train, backend=False)
    _add_linguistic(train, "use-multilingual (default), ginza or a local BERT folder")
    _common(train)
    train.set_defaults(func=cmd_train)


def _add_predict(sub: Any) -> None:
    pred = sub.add_parser("predict", help="dialogue impressions and trajectories to CSV")
    pred.add_argument("--model", type=existing_file, required=True,
                      help="a model file or bundle saved by 'hazumi-sk train'")  # fmt: skip
    pred.add_argument(
        "--trusted-joblib", action="store_true",
        help="also accept a joblib/pickle model file; ONLY for files you trust, since "
        "loading a pickle can run any code",
    )  # fmt: skip
    add_data_arguments(pred)
    pred.add_argument("--out", type=output_file, required=True,
                      help="CSV of dialogue-level predictions")  # fmt: skip
    pred.add_argument("--trajectories", type=output_file, default=None,
                      help="CSV of per-exchange estimates")  # fmt: skip
    _common(pred)
    pred.set_defaults(func=cmd_predict)


def build_parser() -> argparse.ArgumentParser:
    """The ``hazumi-sk`` argument parser with every subcommand."""
    from ._leaderboard import add_leaderboard_parser
    from ._replay import add_replay_parser
    from ._serve import add_serve_parser

    parser = argparse.ArgumentParser(
        prog="hazumi-sk",
        description="Dialogue-level impression recognition with multitask sequence models.",
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_demo(sub)
    _add_reproduce(sub)
    _add_train(sub)
    _add_predict(sub)
    add_replay_parser(sub)
    add_leaderboard_parser(sub)
    add_serve_parser(sub)
    return parser


__all__ = ["CommandError", "build_parser"]
