"""Replace a corpus' linguistic block by features computed from its ELAN transcripts."""

from __future__ import annotations

from typing import Any

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


def replace_linguistic(
    dataset: Bunch, text_encoder: str | None = None, pos_backend: str = "sudachi"
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

    Returns
    -------
    dataset : Bunch
        A copy whose ``features`` hold the new L columns in place of the old ones.

    Examples
    --------
    >>> from hazumi_sk.datasets import load_hazumi
    >>> from hazumi_sk.features import replace_linguistic
    >>> data = replace_linguistic(load_hazumi("hazumi"), "ginza")  # doctest: +SKIP
    """
    from ._linguistic import LinguisticFeatures

    features: RaggedSequences = dataset.features
    by_id = {d.dialogue_id: d for d in dataset.dialogues}
    dialogues = [by_id[i] for i in features.dialogue_ids]
    encoder, model = resolve_text_encoder(text_encoder)
    extractor = LinguisticFeatures(
        pos_backend=pos_backend, encoder=encoder, model=model, verbose=True
    )
    per_exchange = extractor.fit_transform(dialogues)
    is_count = np.char.find(per_exchange.feature_names.astype(str), "upos_") >= 0
    rows = dataset.feature_rows
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
    return Bunch(**{**dataset, "features": new_features, "feature_columns": columns})
