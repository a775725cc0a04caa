"""Ragged exchange sequences: one feature matrix per dialogue."""

from ._ragged import MODALITY_TAGS, RaggedSequences

__all__ = ["MODALITY_TAGS", "RaggedSequences"]
