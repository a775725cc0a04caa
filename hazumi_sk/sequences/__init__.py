"""Ragged exchange sequences: one feature matrix per dialogue."""

from ._ragged import RaggedSequences

__all__ = ["RaggedSequences"]
