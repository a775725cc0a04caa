"""Pipeline steps for exchange sequences: modality selection, scaling and pooling."""

from ._pooling import SequencePooler
from ._scaler import SequenceScaler
from ._selector import ModalitySelector

__all__ = ["ModalitySelector", "SequencePooler", "SequenceScaler"]
