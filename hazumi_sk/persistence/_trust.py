"""The fixed allowlist of types a model file may contain beyond skops' defaults.

skops already trusts builtins, numpy and scikit-learn's own estimators. The
names below are everything else a hazumi-sk pipeline needs: its own pipeline
steps and, for the network step, the classes that skorch keeps as
*parameters* (the module, criterion and optimizer classes, the data loader).
These classes are only imported by skops and handed back to skorch, which
builds the network from them as it does in ``fit``; nothing outside this list
is imported, let alone run.
"""

from __future__ import annotations

import inspect

import torch
from sklearn.base import BaseEstimator
from skorch import NeuralNet
from skorch.dataset import Dataset, ValidSplit

__all__ = ["allowed_type_names", "type_name"]

#: torch optimizers a saved network may name as its ``optimizer`` parameter.
_OPTIMIZERS = (
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "ASGD",
    "NAdam",
    "RAdam",
    "RMSprop",
    "Rprop",
    "SGD",
)


def type_name(cls: type) -> str:
    """The name skops records for ``cls`` (``module.qualname``)."""
    return f"{cls.__module__}.{cls.__qualname__}"


def _public_estimators(module: object) -> list[type]:
    return [
        obj
        for name in getattr(module, "__all__", [])
        if inspect.isclass(obj := getattr(module, name))
        and issubclass(obj, BaseEstimator | NeuralNet | torch.nn.Module)
    ]


def allowed_type_names() -> frozenset[str]:
    """Names of the non-default types :func:`load_model` lets skops load."""
    # Imported here: the package's steps import much of hazumi-sk.
    from .. import leaderboard, model, preprocessing
    from ._skorch_state import NetworkState

    classes = [
        *_public_estimators(preprocessing),
        *_public_estimators(model),
        *_public_estimators(leaderboard),
        NetworkState,
        torch.utils.data.DataLoader,
        Dataset,
        ValidSplit,
        *(getattr(torch.optim, name) for name in _OPTIMIZERS if hasattr(torch.optim, name)),
    ]
    return frozenset(type_name(cls) for cls in classes)
