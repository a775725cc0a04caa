"""What ``predict``, ``replay`` and ``serve`` share: the model file and the data it reads."""

from __future__ import annotations

import argparse
from typing import Any

import numpy as np

from ..reproduction import demo_dataset
from ._arguments import CommandError, check_data_dir, column_policy, load_corpus

__all__ = ["bundle_data", "load_bundle_argument", "load_dataset"]


def load_dataset(args: argparse.Namespace, linguistic: str, text_encoder: str | None):
    """``(dataset, versions, columns)`` from ``--synthetic`` or ``--data/--versions/--columns``."""
    if getattr(args, "synthetic", False):
        return demo_dataset(args.tiny, args.seed), [], "synthetic"
    data, versions = check_data_dir(args.data, args.versions)
    columns = column_policy(args.columns, versions)
    return load_corpus(data, versions, columns, linguistic, text_encoder), versions, columns


def load_bundle_argument(args: argparse.Namespace) -> Any:
    """The bundle of ``--model`` (a joblib file only with ``--trusted-joblib``)."""
    from ..persistence import ModelBundle, ModelFileError, load_bundle, load_model

    try:
        if getattr(args, "trusted_joblib", False):
            model, metadata = load_model(args.model, trusted_joblib=True)
            return ModelBundle({metadata.item or "impression": model}, metadata)
        return load_bundle(args.model)
    except ModelFileError as error:
        raise CommandError(f"--model: {error}") from error


def bundle_data(args: argparse.Namespace, metadata: Any) -> tuple[Any, Any]:
    """``(X, dataset)``: the dialogues of ``--data``/``--synthetic`` with the model's columns.

    Their L columns are built as the model's were (dumpfile or transcripts with the
    same encoder); anything incompatible is a CommandError naming what differs.
    """
    from ..persistence import IncompatibleDataError, check_compatible

    if not args.synthetic:
        check_data_dir(args.data, args.versions)
    linguistic = metadata.linguistic or "dumpfile"
    if linguistic == "synthetic" and not args.synthetic:
        raise CommandError(
            f"--model: {args.model} was trained on the synthetic corpus; {args.command} with "
            "--synthetic."
        )
    if args.columns is None and metadata.extra.get("columns") not in (None, "synthetic"):
        args.columns = metadata.extra["columns"]  # the same column names as in training
    dataset = load_dataset(args, linguistic, metadata.text_encoder)[0]
    try:
        X = check_compatible(
            metadata, dataset, linguistic=linguistic, text_encoder=metadata.text_encoder
        )
    except IncompatibleDataError as error:
        raise CommandError(f"--model/--data: {error}") from error
    return _with_recorded_labels(X, dataset, metadata), dataset


def _with_recorded_labels(X: Any, dataset: Any, metadata: Any) -> Any:
    """``X`` carrying the recorded exchange labels (NaN where a corpus has none)."""
    from ..datasets import to_xy

    label = metadata.extra.get("exchange_label", "SS")
    try:
        labelled = to_xy(dataset, item=metadata.items[0], exchange_label=label)[0]
    except ValueError:  # e.g. SS on a corpus without self-sentiment
        return X
    by_id = {d: labelled.labels_of(i) for i, d in enumerate(labelled.dialogue_ids)}
    labels = [by_id.get(d, np.full(n, np.nan)) for d, n in zip(X.dialogue_ids, X.lengths,
                                                              strict=True)]  # fmt: skip
    return X.with_exchange_labels(np.concatenate(labels))
