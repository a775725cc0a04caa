"""The user's utterance -> the L columns, by the linguistic extractor the model was trained with."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from ..datasets import Dialogue
from ..features import LinguisticFeatures
from ..vocabulary import resolve_text_encoder
from ._errors import ExchangeError

__all__ = ["TranscriptEncoder"]


class TranscriptEncoder:
    """Turn one utterance into the L features of ``replace_linguistic`` (UPOS counts + vector).

    Parameters
    ----------
    extractor : LinguisticFeatures
        Configured as in training (encoder not fitted on the corpus).
    feature_names : sequence of str
        The model's input columns; every L column the extractor makes must be one.
    """

    def __init__(self, extractor: LinguisticFeatures, feature_names: Sequence[str]) -> None:
        self.extractor = extractor
        self.feature_names = set(feature_names)
        self._fitted = False

    @classmethod
    def for_model(cls, metadata: Any, feature_names: Sequence[str]) -> TranscriptEncoder:
        """The encoder of a model trained with ``--linguistic transcripts``.

        Raises
        ------
        ExchangeError
            When the model's L columns did not come from transcripts.
        """
        source = None if metadata is None else metadata.linguistic
        if source != "transcripts":
            raise ExchangeError(
                f"This model's L columns come from {source or 'unknown features'}, not from "
                "transcripts, so it cannot read text; send its L features instead.",
                "text",
            )
        encoder, model = resolve_text_encoder(metadata.text_encoder)
        return cls(LinguisticFeatures(encoder=encoder, model=model), feature_names)

    def encode(self, text: str) -> dict[str, float]:
        """Feature name -> value of the L block of ``text`` (one exchange)."""
        dialogue = Dialogue(
            "live", pd.DataFrame({"start_ms": [0], "end_ms": [1], "user_utterance": [text]})
        )
        if not self._fitted:  # the shipped encoders learn nothing from the corpus
            self.extractor.fit([dialogue])
            self._fitted = True
        block = self.extractor.transform([dialogue])
        names = [str(n) if str(n).startswith("L__") else f"L__{n}" for n in block.feature_names]
        unknown = [n for n in names if n not in self.feature_names]
        if unknown:
            raise ExchangeError(
                f"The text gives L column {unknown[0]!r}, which the model does not take: it "
                "was trained with other linguistic features.",
                "text",
            )
        return dict(zip(names, block.values[0].astype(float).tolist(), strict=True))
