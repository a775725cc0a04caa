"""Helpers shared by the estimators: input checks, parameter validation, versioned pickles.

Parameter constraints are written in scikit-learn's constraint language
(``sklearn.utils._param_validation``) plus :class:`StrictInterval`, which unlike
scikit-learn's ``Interval`` rejects booleans; estimators call
:func:`check_parameters` in ``fit`` and public functions use :func:`validate_params`.

Examples
--------
>>> from numbers import Integral
>>> from hazumi_sk.utils import StrictInterval
>>> StrictInterval(Integral, 1, None, closed="left").is_satisfied_by(True)
False
"""

from ._param_validation import StrictInterval, check_parameters, validate_params
from ._validation import (
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
    first_nonfinite,
)
from ._versioning import InconsistentHazumiVersionWarning, VersionedStateMixin

__all__ = [
    "InconsistentHazumiVersionWarning",
    "StrictInterval",
    "VersionedStateMixin",
    "check_feature_names",
    "check_finite",
    "check_input_features",
    "check_parameters",
    "check_ragged",
    "first_nonfinite",
    "validate_params",
]
