"""Replace the dumpfile's linguistic block by features computed from the ELAN transcripts."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..sequences import RaggedSequences


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


#: Sentence encoders that need no local model folder (``--text-encoder NAME``).
NAMED_ENCODERS = ("tfidf-svd", "use-multilingual", "ginza")
#: The reproduction default, chosen by ``benchmarks/bench_text_encoder.py``: the
#: encoders tie within noise on worthwhile; USE had the best L-only F1, needs no
#: fitting on the evaluated dialogues and is closest in kind to the paper's BERT.
DEFAULT_TEXT_ENCODER = "use-multilingual"


def encoder_and_model(text_encoder: str | None) -> tuple[str, str | None]:
    """``--text-encoder`` value -> ``(encoder, model)`` for LinguisticFeatures.

    A name from :data:`NAMED_ENCODERS` selects that encoder; anything else is taken
    as the folder of a local Hugging Face BERT.
    """
    name = text_encoder or DEFAULT_TEXT_ENCODER
    if name in NAMED_ENCODERS:
        return name, None
    return "bert", name


def _encoder_note(encoder: str, model: str | None) -> str:
    if encoder == "tfidf-svd":
        return "TF-IDF/SVD fitted once on all dialogues' utterances (unsupervised, not per fold)"
    if encoder == "use-multilingual":
        return "multilingual Universal Sentence Encoder v3 (512-d, pretrained)"
    if encoder == "ginza":
        return "mean ja_ginza word vectors (300-d, pretrained)"
    return f"BERT mean pooling from {model}"


def replace_linguistic(
    dataset: Bunch, text_encoder: str | None = None, pos_backend: str = "sudachi"
) -> Bunch:
    """The dataset with its L columns computed by :class:`~hazumi_sk.features.LinguisticFeatures`.

    UPOS counts (offline ``pos_backend``) plus a sentence vector from ``text_encoder``:
    one of :data:`NAMED_ENCODERS` or a local BERT folder (default
    :data:`DEFAULT_TEXT_ENCODER`). A TF-IDF/SVD is fitted once on all dialogues'
    utterances (unsupervised, labels unused) rather than inside each CV fold; the
    report's feature table says so. Where one dumpfile row merges several ELAN
    exchanges, the counts are summed and the vectors averaged.
    """
    from ..features import LinguisticFeatures

    features: RaggedSequences = dataset.features
    by_id = {d.dialogue_id: d for d in dataset.dialogues}
    dialogues = [by_id[i] for i in features.dialogue_ids]
    encoder, model = encoder_and_model(text_encoder)
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
    source = f"transcripts: UPOS ({pos_backend}) + {_encoder_note(encoder, model)}"
    columns = pd.concat(
        [
            dataset.feature_columns[dataset.feature_columns["modality"] != "L"],
            pd.DataFrame({"name": names, "modality": "L", "source": source}),
        ],
        ignore_index=True,
    )
    return Bunch(**{**dataset, "features": new_features, "feature_columns": columns})
