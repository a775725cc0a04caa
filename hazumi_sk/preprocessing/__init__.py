"""Pipeline steps for exchange sequences: selection, scaling, pooling, wrapped transformers."""

from ._causal_scaler import CausalSequenceScaler
from ._pooling import POOLING_STATISTICS, SequencePooler
from ._scaler import SequenceScaler
from ._selector import ModalitySelector
from ._sequence_transformer import SequenceTransformer

__all__ = [
    "POOLING_STATISTICS",
    "CausalSequenceScaler",
    "ModalitySelector",
    "SequencePooler",
    "SequenceScaler",
    "SequenceTransformer",
]
