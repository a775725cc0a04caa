"""Split a fitted skorch net into data skops can store and tensors safetensors can store.

A skorch net holds torch objects (module, criterion, optimizer) that skops
cannot save without pickle. :func:`split_network` replaces the net by a
:class:`NetworkState` (its class, ``get_params()``, fitted plain attributes and
history) plus a flat dict of tensors; :func:`restore_network` rebuilds the net
with ``initialize()`` and copies the tensors back in, so its outputs are
bit-identical to the saved net's.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

import numpy as np
import torch
from skorch import NeuralNet
from skorch.history import History

__all__ = ["NetworkState", "restore_network", "split_network", "split_unfitted_network"]

#: Fitted attributes that ``initialize()`` rebuilds, or that hold torch objects saved as tensors.
_REBUILT = frozenset(
    {
        "module_",
        "criterion_",
        "optimizer_",
        "callbacks_",
        "history_",
        "initialized_",
        "init_context_",
        "prefixes_",
        "cuda_dependent_attributes_",
        "virtual_params_",
    }
)
#: The torch components whose ``state_dict`` is saved, as key prefixes in the weights file.
_COMPONENTS = ("module", "criterion")
_TORCH_TYPES = (torch.nn.Module, torch.Tensor, torch.optim.Optimizer, torch.Generator)


class NetworkState:
    """A fitted skorch net without its torch objects; what the skops file holds in its place.

    Attributes
    ----------
    estimator_class : type
        The net's class (a :class:`skorch.NeuralNet` subclass).
    params : dict
        ``get_params(deep=False)``, without callbacks.
    fitted : dict
        The fitted plain attributes (``classes_``, ``n_features_in_``, ...).
    history_json : str
        The training history as JSON.
    weights : str or None
        Name of the archive member holding the tensors; None for an unfitted net.
    """

    def __init__(
        self,
        estimator_class: type,
        params: dict[str, Any],
        fitted: dict[str, Any],
        history_json: str,
        weights: str | None,
    ) -> None:
        self.estimator_class = estimator_class
        self.params = params
        self.fitted = fitted
        self.history_json = history_json
        self.weights = weights


def _check_no_torch(where: str, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if isinstance(value, _TORCH_TYPES):
            raise ValueError(
                f"Cannot save {where} {key!r} ({type(value).__name__}) in the safe format: "
                "only the module's and criterion's weights are saved as tensors. Pass "
                "classes rather than torch instances as parameters, or use joblib."
            )


def _params(net: NeuralNet) -> dict[str, Any]:
    params = {k: v for k, v in net.get_params(deep=False).items() if not k.startswith("_")}
    if params.get("callbacks") not in (None, "disable", []):
        # Callbacks act during training only; saving them would mean trusting arbitrary
        # callback classes. Predictions do not depend on them.
        warnings.warn(
            f"{type(net).__name__}: the callbacks parameter is not saved (it only affects "
            "training); the loaded model has callbacks=None.",
            UserWarning,
            stacklevel=4,
        )
        params["callbacks"] = None
    _check_no_torch("parameter", params)
    return params


def _fitted(net: NeuralNet) -> dict[str, Any]:
    fitted = {
        k: v
        for k, v in vars(net).items()
        if k.endswith("_") and not k.startswith("_") and k not in _REBUILT
    }
    _check_no_torch("fitted attribute", fitted)
    return fitted


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"history value of type {type(value).__name__} is not JSON")


def split_network(net: NeuralNet, weights: str) -> tuple[NetworkState, dict[str, torch.Tensor]]:
    """``net`` as a :class:`NetworkState` and its tensors (``"module.<name>"``, ...).

    Parameters
    ----------
    net : skorch.NeuralNet
        A fitted (initialised) net.
    weights : str
        The archive member the tensors will be written to.

    Returns
    -------
    state : NetworkState
    tensors : dict of str to Tensor
        Contiguous CPU copies, ready for ``safetensors.torch.save``.
    """
    tensors = {}
    for component in _COMPONENTS:
        for key, tensor in getattr(net, f"{component}_").state_dict().items():
            tensors[f"{component}.{key}"] = tensor.detach().cpu().contiguous().clone()
    history = json.dumps(net.history_.to_list(), default=_json_default)
    state = NetworkState(type(net), _params(net), _fitted(net), history, weights)
    return state, tensors


def split_unfitted_network(net: NeuralNet) -> NetworkState:
    """An unfitted net (e.g. a meta-estimator's template parameter) as a weightless state."""
    return NetworkState(type(net), _params(net), {}, "[]", None)


def _load_component(module: torch.nn.Module, tensors: dict[str, torch.Tensor], prefix: str) -> None:
    own = {k[len(prefix) :]: v for k, v in tensors.items() if k.startswith(prefix)}
    expected = set(module.state_dict())
    if set(own) != expected:
        missing, unexpected = sorted(expected - set(own)), sorted(set(own) - expected)
        raise ValueError(
            f"the saved weights do not fit the rebuilt {type(module).__name__}: "
            f"missing {missing[:5]}, unexpected {unexpected[:5]}"
        )
    for key, tensor in own.items():
        target = module.state_dict()[key]
        if target.shape != tensor.shape or target.dtype != tensor.dtype:
            raise ValueError(
                f"the saved weight {prefix}{key} has shape {tuple(tensor.shape)} "
                f"({tensor.dtype}), the rebuilt network expects {tuple(target.shape)} "
                f"({target.dtype})"
            )
    module.load_state_dict(own, strict=True)


def restore_network(
    state: NetworkState, tensors: dict[str, torch.Tensor], device: str | None = None
) -> NeuralNet:
    """Rebuild the net :func:`split_network` took apart.

    Parameters
    ----------
    state : NetworkState
    tensors : dict of str to Tensor
    device : str or None, default=None
        Overrides the saved ``device`` (e.g. ``"cpu"`` for a net trained on CUDA).

    Returns
    -------
    net : skorch.NeuralNet
        Initialised, with the saved weights and fitted attributes.

    Raises
    ------
    ValueError
        When the state is not a skorch net's, or the tensors do not fit it.
    """
    cls = state.estimator_class
    if not (isinstance(cls, type) and issubclass(cls, NeuralNet)):
        raise ValueError(f"the network step's class {cls!r} is not a skorch NeuralNet")
    params = dict(state.params)
    if device is not None:
        params["device"] = device
    net = cls(**params)
    if state.weights is None:  # an unfitted template (a meta-estimator's parameter)
        return net
    for key, value in state.fitted.items():
        setattr(net, key, value)
    # initialize() draws random initial weights; fork the RNG so that loading a model
    # leaves the caller's torch random stream untouched (they are overwritten anyway).
    with torch.random.fork_rng(devices=[]):
        net.initialize()
    for component in _COMPONENTS:
        _load_component(getattr(net, f"{component}_"), tensors, f"{component}.")
    net.history_ = History(json.loads(state.history_json))
    return net
