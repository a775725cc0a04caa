"""Pipeline steps for exchange sequences: modality selection and scaling."""

from ._scaler import SequenceScaler
from ._selector import ModalitySelector

__all__ = ["ModalitySelector", "SequenceScaler"]
