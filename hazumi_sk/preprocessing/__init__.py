"""Pipeline steps for exchange sequences: modality selection and scaling."""

from ._scaler import SequenceScaler
from ._selector import ModalitySelector
from ._versioning import InconsistentHazumiVersionWarning

__all__ = ["InconsistentHazumiVersionWarning", "ModalitySelector", "SequenceScaler"]
