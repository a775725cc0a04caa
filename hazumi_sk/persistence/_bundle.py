"""A model bundle: one fitted model per item in one safe ``.hzm`` file, with shared metadata."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from safetensors.torch import save as save_tensors
from sklearn.exceptions import NotFittedError

from ._errors import ModelFileError
from ._format import (
    _FORMAT,
    _HEADER,
    FORMAT_VERSION,
    _check_loaded,
    _dump_estimator,
    _load_estimator,
    _metadata_of,
    _open,
    _put_together,
    _read_header,
    _read_member,
    _unfitted_step,
    _warn_version,
    _write_archive,
    load_model,
)
from ._metadata import ModelMetadata

__all__ = ["ModelBundle", "load_bundle", "save_bundle"]

#: Item name of a single estimator without one (``ImpressionTracker(model)``).
DEFAULT_ITEM = "impression"


@dataclass
class ModelBundle:
    """Fitted models of several items that share their inputs, and the metadata they share.

    Parameters
    ----------
    models : dict of str to estimator
        Item -> fitted estimator; all take the same input columns.
    metadata : ModelMetadata or None, default=None
        Shared facts: input columns, linguistic source and encoder, corpus
        versions, method and the hyperparameters chosen per item.

    Examples
    --------
    >>>     >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.persistence import ModelBundle
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> bundle = ModelBundle({"worthwhile": LogisticRegression().fit(X, y),
    ...                       "cold": LogisticRegression().fit(X, 1 - y)})
    >>> bundle.items
    ('worthwhile', 'cold')
    """

    models: dict[str, Any]
    metadata: ModelMetadata | None = field(default=None)

    @property
    def items(self) -> tuple[str, ...]:
        """The items, in order."""
        return tuple(self.models)

    def feature_names(self, owner: str = "ModelBundle") -> list[str] | None:
        """The input columns the models share (their ``feature_names_in_``).

        None when the models record no input names.

        Raises
        ------
        ValueError
            When two items' models take different input columns (``owner`` names the
            caller in the message).
        """
        names = None
        for index, (item, model) in enumerate(self.models.items()):
            fitted = getattr(model, "feature_names_in_", None)
            fitted = None if fitted is None else [str(n) for n in fitted]
            if index and fitted != names:
                raise ValueError(
                    f"{owner}: the model of item {item!r} takes other input columns than the "
                    "first item's; a bundle's models must share their inputs."
                )
            names = fitted
        return names


def save_bundle(bundle: ModelBundle, path: str | os.PathLike) -> Path:
    """Save a :class:`ModelBundle` as one safe ``.hzm`` file (no pickle).

    The archive holds ``metadata.json`` (the shared metadata, with ``items``
    filled in), one skops file per item (``item-<i>.skops``) and the
    safetensors weights of every network, at any depth of each model.

    Parameters
    ----------
    bundle : ModelBundle
        Fitted models, at least one.
    path : str or path-like
        The file to write; written to a temporary name and renamed.

    Returns
    -------
    path : Path

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When a model has an unfitted step.
    ValueError
        When the models do not share their input columns, or there is none.
    TypeError
        When a model holds types the safe format does not allow.

    See Also
    --------
    load_bundle : Reads it back.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.persistence import ModelBundle, load_bundle, save_bundle
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> bundle = ModelBundle({"worthwhile": LogisticRegression().fit(X, y),
    ...                       "cold": LogisticRegression().fit(X, 1 - y)})
    >>> path = save_bundle(bundle, Path(tempfile.mkdtemp()) / "all.hzm")
    >>> loaded = load_bundle(path)
    >>> loaded.items, loaded.metadata.items
    (('worthwhile', 'cold'), ('worthwhile', 'cold'))
    """
    if not bundle.models:
        raise ValueError("save_bundle: the bundle has no model.")
    for item, model in bundle.models.items():
        if not isinstance(item, str) or not item:
            raise ValueError(f"save_bundle: item names must be non-empty strings, got {item!r}.")
        unfitted = _unfitted_step(model)
        if unfitted is not None:
            raise NotFittedError(f"Cannot save item {item!r}: {unfitted}. Call fit first.")
    metadata = bundle.metadata if bundle.metadata is not None else ModelMetadata()
    names = bundle.feature_names("save_bundle")
    if metadata.feature_names_in is None and names is not None:
        metadata = replace(metadata, feature_names_in=names)
    elif names is not None and list(metadata.feature_names_in) != names:
        raise ValueError("save_bundle: metadata.feature_names_in differs from the models' inputs.")
    metadata = replace(metadata, items=list(bundle.models))
    tensors: dict[str, dict] = {}
    members, estimators = {}, {}
    for i, (item, model) in enumerate(bundle.models.items()):
        own: dict[str, dict] = {}
        members[f"item-{i}.skops"] = _dump_estimator(model, own, prefix=f"item-{i}-network")
        estimators[item] = f"item-{i}.skops"
        tensors.update(own)
    header = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "estimators": estimators,
        "weights": sorted(tensors),
        "metadata": metadata.to_dict(),
    }
    archive = {_HEADER: json.dumps(header, indent=2).encode(), **members}
    archive.update({name: save_tensors(t) for name, t in tensors.items()})
    return _write_archive(Path(path), archive)


def load_bundle(path: str | os.PathLike, *, device: str | None = None) -> ModelBundle:
    """Load a bundle from :func:`save_bundle`, or a single-model file as a one-item bundle.

    Like :func:`load_model`, nothing in the file is unpickled. A file written
    by :func:`save_model` becomes ``ModelBundle({metadata.item: model})``
    (item ``"impression"`` when its metadata names none).

    Parameters
    ----------
    path : str or path-like
    device : str or None, default=None
        Put skorch networks on this device instead of the saved one.

    Returns
    -------
    bundle : ModelBundle

    Raises
    ------
    ModelFileError, UnsafeModelFileError
        As :func:`load_model`, naming the file and what is wrong.
    """
    path = Path(path)
    with _open(path) as zf:
        header = _read_header(path, zf)
        if "estimators" not in header:
            zf.close()
            model, metadata = load_model(path, device=device)
            item = metadata.item or DEFAULT_ITEM
            return ModelBundle({item: model}, replace(metadata, items=[item]))
        metadata = _metadata_of(path, header)
        _warn_version(path, metadata)
        estimators = header["estimators"]
        if not isinstance(estimators, dict) or not estimators:
            raise ModelFileError(f"Model file {path}: 'estimators' names no item.")
        models = {}
        for item, member in estimators.items():
            estimator = _load_estimator(path, _read_member(path, zf, str(member)))
            model = _put_together(path, estimator, zf, device)
            _check_loaded(path, model)
            models[str(item)] = model
    if tuple(models) != tuple(metadata.items):
        raise ModelFileError(
            f"Model file {path}: its metadata lists items {list(metadata.items)}, its members "
            f"{list(models)}."
        )
    return ModelBundle(models, metadata)
