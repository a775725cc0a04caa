"""Parameter validation in scikit-learn's constraint language, with two fixes for this package.

Estimators declare ``_parameter_constraints`` (``{name: [constraint, ...]}`` as in
scikit-learn) and call :func:`check_parameters` at the start of ``fit``; public
functions are decorated with :func:`validate_params`. Errors are scikit-learn's
:class:`~sklearn.utils._param_validation.InvalidParameterError` (a ``ValueError``
and a ``TypeError``), worded ``The 'alpha' parameter of MultitaskSequenceClassifier
must be a float in the range [0.0, 1.0]. Got '0.5' instead.``

The two differences from using scikit-learn's helpers directly:

- :class:`StrictInterval` rejects ``True``/``False``: ``bool`` is an ``int`` in
  Python, so scikit-learn's ``Interval(Integral, 1, None)`` accepts
  ``num_layers=True``;
- :func:`validate_params` neither rewrites the messages of errors raised further
  down (scikit-learn's decorator renames ``"parameter of LogisticRegression"`` to
  the function's name, which misleads when the function fits a user's estimator)
  nor switches off the validation of nested estimators (which joblib worker
  processes would not inherit, so ``n_jobs`` would change what is checked).
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "StrOptions",
    "StrictInterval",
    "check_parameters",
    "validate_params",
]

F = TypeVar("F", bound=Callable[..., Any])


class StrictInterval(Interval):
    """:class:`~sklearn.utils._param_validation.Interval` that does not accept booleans."""

    def is_satisfied_by(self, val: Any) -> bool:
        if isinstance(val, bool | np.bool_):
            return False
        return super().is_satisfied_by(val)


def check_parameters(estimator: Any) -> None:
    """Validate ``estimator.get_params(deep=False)`` against its ``_parameter_constraints``.

    Parameters absent from the constraints (for example skorch's ``module__...``)
    are left alone.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, what it must be and the value given.
    """
    validate_parameter_constraints(
        type(estimator)._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )


def validate_params(parameter_constraints: dict[str, Any]) -> Callable[[F], F]:
    """Decorator: check a function's arguments against ``parameter_constraints`` first.

    Parameters
    ----------
    parameter_constraints : dict
        ``{name: [constraint, ...]}`` as for scikit-learn's ``validate_params``;
        arguments without an entry are not checked.

    Returns
    -------
    decorator : callable
    """

    def decorator(func: F) -> F:
        signature = inspect.signature(func)
        unknown = set(parameter_constraints) - set(signature.parameters)
        if unknown:  # a typo in a constraint table would silently check nothing
            raise TypeError(f"{func.__qualname__} has no parameter(s) {sorted(unknown)}.")

        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            validate_parameter_constraints(
                parameter_constraints, bound.arguments, caller_name=func.__qualname__
            )
            return func(*args, **kwargs)

        wrapper._skl_parameter_constraints = parameter_constraints  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator
