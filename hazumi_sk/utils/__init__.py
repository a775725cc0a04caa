"""Helpers shared by the estimators: input checks and version-stamped pickles."""

from ._validation import check_feature_names, check_ragged, first_nonfinite
from ._versioning import InconsistentHazumiVersionWarning, VersionedStateMixin

__all__ = [
    "InconsistentHazumiVersionWarning",
    "VersionedStateMixin",
    "check_feature_names",
    "check_ragged",
    "first_nonfinite",
]
