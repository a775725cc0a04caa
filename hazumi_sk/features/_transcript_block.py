"""Replace a corpus' linguistic block by features computed from its ELAN transcripts."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..sequences import RaggedSequences
from ..vocabulary import describe_text_encoder, resolve_text_encoder

__all__ = ["replace_linguistic"]


def _elan_positions(dialogue: Any) -> dict[int, int]:
    """ELAN exchange number -> row position in the dialogue's exchange table."""
    exchanges = dialogue.exchanges
    numbers = exchanges["exchange"] if "exchange" in exchanges else pd.RangeIndex(len(exchanges))
    return {int(n): i for i, n in enumerate(numbers)}


def _rows_for_features(
    values: np.ndarray, positions: dict[int, int], members: list[tuple], is_count: np.ndarray
) -> np.ndarray:
    """One row per feature row: counts summed, vectors averaged over its merged exchanges."""
    out = np.zeros((len(members), values.shape[1]))
    for r, exchanges in enumerate(members):
        idx = [positions[e] for e in exchanges if e in positions]
        if not idx:
            raise ValueError(
                f"Feature row {r} names ELAN exchanges {exchanges} not in the dialogue."
            )
        block = values[idx]
        out[r] = np.where(is_count, block.sum(axis=0), block.mean(axis=0))
    return out


def _cache_key(dialogues: list, rows: pd.DataFrame, encoder: str, model: str | None,
               pos_backend: str) -> str:  # fmt: skip
    """Hash of everything the L rows depend on: transcripts, row grouping, encoder, tagger.

    A local BERT folder enters by its path and the size and modification time of each of
    its files, so replacing the weights gives a new key.
    """
    folder = []
    if model is not None and Path(model).is_dir():
        folder = sorted(
            (str(p.relative_to(model)), p.stat().st_size, p.stat().st_mtime_ns)
            for p in Path(model).rglob("*") if p.is_file()
        )  # fmt: skip
    from .. import __version__

    return joblib.hash(
        (
            __version__,
            encoder,
            model,
            folder,
            pos_backend,
            [(d.dialogue_id, d.exchanges) for d in dialogues],
            rows[["dialogue_id", "elan_exchanges"]].astype(str),
        )
    )


def _linguistic_rows(
    dialogues: list, rows: pd.DataFrame, encoder: str, model: str | None, pos_backend: str
) -> tuple[np.ndarray, np.ndarray]:
    """The L block per feature row (values, names) computed from the transcripts."""
    from ._linguistic import LinguisticFeatures

    extractor = LinguisticFeatures(
        pos_backend=pos_backend, encoder=encoder, model=model, verbose=True
    )
    per_exchange = extractor.fit_transform(dialogues)
    is_count = np.char.find(per_exchange.feature_names.astype(str), "upos_") >= 0
    blocks = []
    for i, dialogue in enumerate(dialogues):
        members = rows.loc[rows["dialogue_id"] == dialogue.dialogue_id, "elan_exchanges"].tolist()
        blocks.append(
            _rows_for_features(
                per_exchange.sequence(i), _elan_positions(dialogue), members, is_count
            )
        )
    values = np.vstack(blocks)
    names = np.array([n if n.startswith("L__") else f"L__{n}" for n in per_exchange.feature_names])
    return values, names


def _cached_rows(cache_dir: Path, key: str, compute: Any) -> tuple[np.ndarray, np.ndarray]:
    """``compute()`` stored as ``cache_dir/transcripts-<key>.npz``, or read back from it."""
    path = cache_dir / f"transcripts-{key}.npz"
    if path.is_file():
        with np.load(path, allow_pickle=False) as stored:
            return stored["values"], stored["names"]
    values, names = compute()
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part.npz")
    np.savez(partial, values=values, names=names.astype(str))
    partial.replace(path)  # atomic: a run killed while writing leaves no half file
    return values, names


def replace_linguistic(
    dataset: Bunch,
    text_encoder: str | None = None,
    pos_backend: str = "sudachi",
    cache_dir: str | os.PathLike | None = None,
) -> Bunch:
    """The dataset with its L columns computed from the ELAN transcripts.

    The L block of ``reproduce``: :class:`LinguisticFeatures` UPOS counts (offline
    ``pos_backend``) plus a sentence vector from ``text_encoder``, one of
    :data:`~hazumi_sk.vocabulary.NAMED_TEXT_ENCODERS` or a local BERT folder
    (default :data:`~hazumi_sk.vocabulary.DEFAULT_TEXT_ENCODER`). A TF-IDF/SVD is
    fitted once on all dialogues' utterances (unsupervised, labels unused) rather
    than inside each CV fold; ``feature_columns``' ``source`` says so. Where one
    dumpfile row merges several ELAN exchanges, the counts are summed and the
    vectors averaged.

    Parameters
    ----------
    dataset : Bunch
        A corpus from :func:`~hazumi_sk.datasets.load_hazumi` (with ``dialogues``,
        ``features``, ``feature_rows`` and ``feature_columns``).
    text_encoder : str, optional
        Encoder name or local BERT folder; None for the default.
    pos_backend : str, default="sudachi"
        The UPOS tagger (see :class:`LinguisticFeatures`).
    cache_dir : path-like, optional
        Folder of encoded transcripts: the new L rows are stored there as
        ``transcripts-<key>.npz``, ``key`` a hash of the transcripts and exchange
        tables, the feature rows' ELAN exchanges, the encoder (a local BERT folder
        by its files' sizes and times), ``pos_backend`` and the package version; a
        later call with the same key reads them instead of encoding again.

    Returns
    -------
    dataset : Bunch
        A copy whose ``features`` hold the new L columns in place of the old ones,
        with ``linguistic``: ``{"source": "transcripts", "text_encoder": <name or
        folder>, "pos_backend": ...}``, which reports (e.g. the leaderboard's) record.

    Examples
    --------
    >>> from hazumi_sk.datasets import load_hazumi
    >>> from hazumi_sk.features import replace_linguistic
    >>> data = replace_linguistic(load_hazumi("hazumi"), "ginza")  # doctest: +SKIP
    """
    features: RaggedSequences = dataset.features
    by_id = {d.dialogue_id: d for d in dataset.dialogues}
    dialogues = [by_id[i] for i in features.dialogue_ids]
    encoder, model = resolve_text_encoder(text_encoder)
    rows = dataset.feature_rows

    def compute() -> tuple[np.ndarray, np.ndarray]:
        return _linguistic_rows(dialogues, rows, encoder, model, pos_backend)

    if cache_dir is None:
        values, names = compute()
    else:
        key = _cache_key(dialogues, rows, encoder, model, pos_backend)
        values, names = _cached_rows(Path(cache_dir), key, compute)
    linguistic = features.replace(
        values=values, feature_names=names, modalities=np.full(len(names), "L")
    )
    keep = features.modalities != "L"
    new_features = RaggedSequences.hstack(
        [features.select_columns(np.flatnonzero(keep)), linguistic]
    )
    source = f"transcripts: UPOS ({pos_backend}) + {describe_text_encoder(encoder, model)}"
    columns = pd.concat(
        [
            dataset.feature_columns[dataset.feature_columns["modality"] != "L"],
            pd.DataFrame({"name": names, "modality": "L", "source": source}),
        ],
        ignore_index=True,
    )
    provenance = {
        "source": "transcripts",
        "text_encoder": model if encoder == "bert" else encoder,
        "pos_backend": pos_backend,
    }
    return Bunch(
        **{
            **dataset,
            "features": new_features,
            "feature_columns": columns,
            "linguistic": provenance,
        }
    )
