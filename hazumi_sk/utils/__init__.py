"""Helpers shared by the estimators: input checks, parameter validation, versioned pickles.

Parameter constraints are written in scikit-learn's constraint language plus
:class:`StrictInterval`, which unlike scikit-learn's ``Interval`` rejects booleans;
estimators call :func:`check_parameters` in ``fit`` and public functions use
:func:`validate_params`. The constraint classes (:class:`Interval`,
:class:`StrOptions`, :class:`Options`, :class:`HasMethods`) and
:class:`InvalidParameterError` live in scikit-learn's private
``sklearn.utils._param_validation``; they are re-exported here, and every module of
the package imports them from here, so a scikit-learn release that moves them
breaks one module (``hazumi_sk/utils/_param_validation.py``), as in imbalanced-learn.

Examples
--------
>>> from numbers import Integral
>>> from hazumi_sk.utils import StrictInterval
>>> StrictInterval(Integral, 1, None, closed="left").is_satisfied_by(True)
False
"""

from ._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrictInterval,
    StrOptions,
    check_parameters,
    validate_params,
)
from ._validation import (
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
    first_nonfinite,
)
from ._versioning import InconsistentHazumiVersionWarning, VersionedStateMixin

__all__ = [
    "HasMethods",
    "InconsistentHazumiVersionWarning",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
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
