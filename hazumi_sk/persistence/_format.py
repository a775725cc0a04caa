"""The ``.hzm`` model file: a zip of JSON metadata, a skops file and safetensors weights.

Nothing on the safe path unpickles: skops reads the scikit-learn side with an
explicit list of trusted types, safetensors reads raw tensors, and
``metadata.json`` is plain JSON. joblib files load only when the caller says
the file is trusted.
"""

from __future__ import annotations

import copy
import json
import os
import tempfile
import warnings
import zipfile
from pathlib import Path
from typing import Any, NamedTuple

import skops.io as sio
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNet

from .._version import __version__
from ..utils import InconsistentHazumiVersionWarning
from ._errors import ModelFileError, UnsafeModelFileError
from ._metadata import ModelMetadata
from ._skorch_state import (
    NetworkState,
    restore_network,
    split_network,
    split_unfitted_network,
)
from ._trust import allowed_type_names

__all__ = ["FORMAT_VERSION", "LoadedModel", "load_model", "read_metadata", "save_model"]

#: The layout version written by :func:`save_model` and :func:`save_bundle`; newer files
#: are refused. Version 2 added bundles (one model per item); version 1 files still load.
FORMAT_VERSION = 2
_FORMAT = "hazumi-sk-model"
_HEADER = "metadata.json"
_ESTIMATOR = "pipeline.skops"
_ZIP_MAGIC = b"PK\x03\x04"
#: First bytes of a pickle (protocol >= 2) and of joblib's compressed pickles.
_PICKLE_MAGICS = (b"\x80", b"x", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x04\x22\x4d\x18")
_PICKLE_SUFFIXES = (".joblib", ".pkl", ".pickle", ".jl")
_MAX_MEMBER_BYTES = 2**32


class LoadedModel(NamedTuple):
    """What :func:`load_model` returns: ``model, metadata = load_model(path)``."""

    model: Any
    metadata: ModelMetadata


# --------------------------------------------------------------------- saving
def _unfitted_step(model: Any) -> str | None:
    """The first unfitted step of a pipeline (every step, not only the last), or None."""
    steps = model.steps if isinstance(model, Pipeline) else [("model", model)]
    for name, step in steps:
        if step in (None, "passthrough"):
            continue
        if isinstance(step, Pipeline):
            inner = _unfitted_step(step)
            if inner is not None:
                return inner
            continue
        try:
            check_is_fitted(step)
        except NotFittedError:
            return f"step {name!r} ({type(step).__name__}) is not fitted"
    return None


def _take_apart(model: Any, tensors: dict[str, dict], prefix: str = "network") -> Any:
    """``model`` with every skorch net replaced by a NetworkState; the weights go to ``tensors``.

    Nets are found at any depth: pipeline steps, and the fitted attributes and
    parameters of meta-estimators (a seed ensemble's members, a router's pipeline).
    The caller's objects are never modified: containers are shallow-copied.
    """
    if isinstance(model, NeuralNet):
        if not getattr(model, "initialized_", False):
            return split_unfitted_network(model)
        member = f"{prefix}.safetensors" if not tensors else f"{prefix}-{len(tensors)}.safetensors"
        state, tensors[member] = split_network(model, member)
        return state
    if isinstance(model, (list, tuple)):
        parts = [_take_apart(part, tensors, prefix) for part in model]
        if all(a is b for a, b in zip(parts, model, strict=True)):
            return model
        return type(model)(parts) if isinstance(model, list) else tuple(parts)
    if isinstance(model, Pipeline):
        # A shallow copy: the caller's pipeline keeps its steps.
        surrogate = Pipeline.__new__(Pipeline)
        surrogate.__dict__.update(vars(model))
        surrogate.steps = [(name, _take_apart(step, tensors, prefix)) for name, step in model.steps]
        return surrogate
    if isinstance(model, BaseEstimator):
        changed = {}
        for key, value in vars(model).items():
            if isinstance(value, (BaseEstimator, NeuralNet, list, tuple)):
                replaced = _take_apart(value, tensors, prefix)
                if replaced is not value:
                    changed[key] = replaced
        if changed:
            surrogate = copy.copy(model)
            surrogate.__dict__.update(changed)
            return surrogate
    return model


def _dump_estimator(model: Any, tensors: dict[str, dict], prefix: str = "network") -> bytes:
    surrogate = _take_apart(model, tensors, prefix)
    try:
        blob = sio.dumps(surrogate)
    except Exception as error:
        raise TypeError(
            f"{type(model).__name__} cannot be saved in the safe format ({error}); save it "
            "with joblib and load it only if you trust the file."
        ) from error
    outside = sorted(set(sio.get_untrusted_types(data=blob)) - allowed_type_names())
    if outside:
        # Refuse now rather than write a file that load_model would refuse.
        raise TypeError(
            f"{type(model).__name__} contains types outside the safe-format allowlist: "
            f"{outside}. Use hazumi-sk's and scikit-learn's estimators, or save with joblib "
            "(trusted files only)."
        )
    return blob


def save_model(model: Any, path: str | os.PathLike, metadata: ModelMetadata | None = None) -> Path:
    """Save a fitted model in the safe ``.hzm`` format, with its metadata as data.

    The file is a zip archive of ``metadata.json`` (the metadata and the
    format version), ``pipeline.skops`` (the model through :mod:`skops.io`,
    each skorch network replaced by its parameters and fitted attributes) and
    ``network.safetensors`` (the network's weights). Loading it never
    unpickles, so a crafted file cannot run code. The file is written to a
    temporary name and renamed, so an interrupted save leaves no partial file.

    Parameters
    ----------
    model : estimator
        A fitted ``Pipeline`` (e.g. ``ModalitySelector -> SequenceScaler ->
        MultitaskSequenceClassifier``), a fitted skorch net or any fitted
        scikit-learn estimator made of allowlisted types.
    path : str or path-like
        The file to write (``.hzm`` by convention); its folder is created.
    metadata : ModelMetadata or None, default=None
        What ``predict`` needs to know; ``feature_names_in`` and ``classes``
        are filled from the model when missing.

    Returns
    -------
    path : Path
        The written file.

    Raises
    ------
    sklearn.exceptions.NotFittedError
        When any step is unfitted.
    TypeError
        When the model holds types the safe format does not allow.

    See Also
    --------
    load_model : Reads the file back.

    Examples
    --------
    >>> import tempfile, numpy as np
    >>> from pathlib import Path
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.persistence import ModelMetadata, load_model, save_model
    >>> X, y = np.array([[0.0], [1.0], [2.0], [3.0]]), np.array([0, 0, 1, 1])
    >>> clf = LogisticRegression().fit(X, y)
    >>> path = Path(tempfile.mkdtemp()) / "model.hzm"
    >>> _ = save_model(clf, path, ModelMetadata(item="worthwhile"))
    >>> loaded, meta = load_model(path)
    >>> bool((loaded.predict_proba(X) == clf.predict_proba(X)).all()), meta.item
    (True, 'worthwhile')
    """
    unfitted = _unfitted_step(model)
    if unfitted is not None:
        raise NotFittedError(f"Cannot save an unfitted model: {unfitted}. Call fit first.")
    metadata = _complete(metadata if metadata is not None else ModelMetadata(), model)
    tensors: dict[str, dict] = {}
    estimator = _dump_estimator(model, tensors)
    header = {
        "format": _FORMAT,
        "format_version": FORMAT_VERSION,
        "estimator": _ESTIMATOR,
        "weights": sorted(tensors),
        "metadata": metadata.to_dict(),
    }
    members = {_HEADER: json.dumps(header, indent=2).encode(), _ESTIMATOR: estimator}
    members.update({name: save_tensors(t) for name, t in tensors.items()})
    return _write_archive(Path(path), members)


def _complete(metadata: ModelMetadata, model: Any) -> ModelMetadata:
    from dataclasses import replace

    names = getattr(model, "feature_names_in_", None)
    if metadata.feature_names_in is None and names is not None:
        metadata = replace(metadata, feature_names_in=[str(n) for n in names])
    elif names is not None and list(metadata.feature_names_in) != [str(n) for n in names]:
        # predict would align new data to these columns: they must be the model's.
        raise ValueError(
            "metadata.feature_names_in differs from the model's feature_names_in_; "
            "build the metadata with ModelMetadata.from_fit(model, X_train, ...)."
        )
    classes = getattr(model, "classes_", None)
    if metadata.classes is None and classes is not None:
        metadata = replace(metadata, classes=list(classes))
    return metadata


def _write_archive(path: Path, members: dict[str, bytes]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as zf:
            for name, data in members.items():
                zf.writestr(name, data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


# -------------------------------------------------------------------- loading
def _looks_pickled(path: Path, head: bytes) -> bool:
    return head.startswith(_PICKLE_MAGICS) or path.suffix.lower() in _PICKLE_SUFFIXES


def _describe_head(head: bytes) -> str:
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError:
        return f"it starts with the bytes {head[:8]!r}"
    return f"it looks like text starting {text[:30]!r}" if text else "it is empty"


def _open(path: Path) -> zipfile.ZipFile:
    if not path.is_file():
        raise ModelFileError(f"Model file {path} does not exist (or is not a file).")
    with path.open("rb") as f:
        head = f.read(32)
    if not head.startswith(_ZIP_MAGIC):
        if _looks_pickled(path, head):
            raise UnsafeModelFileError(
                f"Model file {path} is a pickle/joblib file, which can run arbitrary code "
                "when loaded, so it is refused. Load it only if you trust where it came "
                "from: load_model(path, trusted_joblib=True) (CLI: --trusted-joblib); then "
                "re-save it with save_model."
            )
        raise ModelFileError(
            f"Model file {path} is not a hazumi-sk model file (a zip archive written by "
            f"save_model): {_describe_head(head)}."
        )
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as error:
        raise ModelFileError(
            f"Model file {path} is damaged or truncated: not a readable zip archive ({error})."
        ) from error


def _read_member(path: Path, zf: zipfile.ZipFile, name: str) -> bytes:
    try:
        size = zf.getinfo(name).file_size
        if size > _MAX_MEMBER_BYTES:  # a decompression bomb, not a dialogue model
            raise ModelFileError(
                f"Model file {path}: member {name!r} claims {size} bytes, more than the "
                f"{_MAX_MEMBER_BYTES} a model file may hold."
            )
        return zf.read(name)
    except KeyError:
        raise ModelFileError(
            f"Model file {path} is incomplete: member {name!r} is missing "
            f"(it has {sorted(zf.namelist())})."
        ) from None
    except ModelFileError:
        raise
    except Exception as error:  # BadZipFile (CRC), zlib.error, EOFError: a damaged member
        raise ModelFileError(f"Model file {path} is damaged: member {name!r}: {error}.") from error


def _read_header(path: Path, zf: zipfile.ZipFile) -> dict[str, Any]:
    if _HEADER not in zf.namelist():
        hint = " (it looks like a plain skops file)" if "schema.json" in zf.namelist() else ""
        raise ModelFileError(
            f"Model file {path} is not a hazumi-sk model file: it has no {_HEADER}{hint}. "
            "Write model files with hazumi_sk.persistence.save_model."
        )
    try:
        header = json.loads(_read_member(path, zf, _HEADER))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        message = f"Model file {path}: {_HEADER} is not valid JSON ({error})."
        raise ModelFileError(message) from error
    if not isinstance(header, dict) or header.get("format") != _FORMAT:
        raise ModelFileError(f"Model file {path}: {_HEADER} does not describe a {_FORMAT} file.")
    version = header.get("format_version")
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise ModelFileError(f"Model file {path}: unknown format version {version!r}.")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"Model file {path} has format version {version}, newer than this hazumi-sk "
            f"{__version__} reads (up to {FORMAT_VERSION}); upgrade hazumi-sk."
        )
    return header


def _metadata_of(path: Path, header: dict[str, Any]) -> ModelMetadata:
    try:
        return ModelMetadata.from_dict(header.get("metadata", {}))
    except (TypeError, ValueError) as error:
        raise ModelFileError(f"Model file {path}: invalid metadata ({error}).") from error


def read_metadata(path: str | os.PathLike) -> ModelMetadata:
    """The metadata of a ``.hzm`` file, without loading the model.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    metadata : ModelMetadata

    Raises
    ------
    ModelFileError
        When the file is not a readable model file (a joblib file raises
        :class:`UnsafeModelFileError`: its metadata cannot be read without
        unpickling it).
    """
    path = Path(path)
    with _open(path) as zf:
        return _metadata_of(path, _read_header(path, zf))


def _load_estimator(path: Path, blob: bytes) -> Any:
    try:
        untrusted = set(sio.get_untrusted_types(data=blob))
    except Exception as error:
        raise ModelFileError(f"Model file {path}: {_ESTIMATOR} is unreadable ({error}).") from error
    outside = sorted(untrusted - allowed_type_names())
    if outside:
        raise UnsafeModelFileError(
            f"Model file {path} contains types outside hazumi-sk's allowlist, refused "
            f"because loading them could run code: {outside}."
        )
    try:
        with warnings.catch_warnings():
            # One version warning for the whole file comes from the metadata instead.
            warnings.simplefilter("ignore", InconsistentHazumiVersionWarning)
            return sio.loads(blob, trusted=sorted(untrusted))
    except Exception as error:
        raise ModelFileError(f"Model file {path}: {_ESTIMATOR} is unreadable ({error}).") from error


def _put_together(path: Path, obj: Any, zf: zipfile.ZipFile, device: str | None) -> Any:
    """Replace every NetworkState in ``obj`` (at any depth) by the rebuilt net."""
    if isinstance(obj, NetworkState):
        if obj.weights is None:
            return restore_network(obj, {}, device=device)
        if not isinstance(obj.weights, str):
            raise ModelFileError(f"Model file {path}: invalid weights member {obj.weights!r}.")
        blob = _read_member(path, zf, obj.weights)
        try:
            return restore_network(obj, load_tensors(blob), device=device)
        except (SafetensorError, ValueError, TypeError) as error:
            raise ModelFileError(
                f"Model file {path}: cannot rebuild the network from {obj.weights!r}: {error}."
            ) from error
    if isinstance(obj, list):
        return [_put_together(path, part, zf, device) for part in obj]
    if isinstance(obj, tuple):
        return tuple(_put_together(path, part, zf, device) for part in obj)
    if isinstance(obj, Pipeline):
        obj.steps = [(name, _put_together(path, step, zf, device)) for name, step in obj.steps]
    elif isinstance(obj, BaseEstimator):
        for key, value in vars(obj).items():
            if isinstance(value, (BaseEstimator, NetworkState, list, tuple)):
                setattr(obj, key, _put_together(path, value, zf, device))
    return obj


def _check_loaded(path: Path, model: Any) -> None:
    if not hasattr(model, "predict"):
        raise ModelFileError(
            f"Model file {path} holds a {type(model).__name__}, not a fitted estimator."
        )
    unfitted = _unfitted_step(model)
    if unfitted is not None:
        raise ModelFileError(f"Model file {path} holds an unfitted estimator: {unfitted}.")


def _load_joblib(path: Path) -> LoadedModel:
    import joblib

    warnings.warn(
        f"Loading {path} with joblib (trusted_joblib=True): a pickle runs any code it "
        "contains. Re-save it with hazumi_sk.persistence.save_model.",
        UserWarning,
        stacklevel=3,
    )
    try:
        model = joblib.load(path)
    except Exception as error:
        raise ModelFileError(f"Model file {path} could not be read by joblib: {error}") from error
    _check_loaded(path, model)
    # Files from earlier hazumi-sk versions carried the metadata as attributes.
    metadata = ModelMetadata(
        item=getattr(model, "hazumi_item_", None),
        linguistic=getattr(model, "hazumi_linguistic_", None),
        text_encoder=getattr(model, "hazumi_text_encoder_", None),
        hazumi_sk_version="unknown",
        library_versions={},
        created=None,
    )
    return LoadedModel(model, _complete(metadata, model))


def _warn_version(path: Path, metadata: ModelMetadata) -> None:
    if metadata.hazumi_sk_version != __version__:
        warnings.warn(
            f"Model file {path} was written by hazumi-sk {metadata.hazumi_sk_version}, "
            f"this is {__version__}; predictions may differ. Refit, or use that version.",
            InconsistentHazumiVersionWarning,
            stacklevel=3,
        )


def load_model(
    path: str | os.PathLike, *, trusted_joblib: bool = False, device: str | None = None
) -> LoadedModel:
    """Load a model saved by :func:`save_model`, without running code from the file.

    Parameters
    ----------
    path : str or path-like
        A ``.hzm`` file.
    trusted_joblib : bool, default=False
        Also accept a joblib/pickle file. **Only for files you trust**: a
        pickle can run arbitrary commands while it loads. Warns when used.
    device : str or None, default=None
        Put skorch networks on this device instead of the saved one
        (``"cpu"`` for a model trained on CUDA).

    Returns
    -------
    model, metadata : LoadedModel
        The fitted estimator and its :class:`ModelMetadata`.

    Raises
    ------
    UnsafeModelFileError
        For a pickle/joblib file without ``trusted_joblib=True``, or a file
        naming types outside the allowlist (the message lists them).
    ModelFileError
        For anything else that is not a complete, fitted hazumi-sk model
        file; the message names the file and what is wrong.

    Warns
    -----
    InconsistentHazumiVersionWarning
        When the file was written by another hazumi-sk version.

    See Also
    --------
    save_model, read_metadata, check_compatible
    """
    path = Path(path)
    if trusted_joblib and path.is_file():
        with path.open("rb") as f:
            if not f.read(4).startswith(_ZIP_MAGIC):
                return _load_joblib(path)
    with _open(path) as zf:
        header = _read_header(path, zf)
        metadata = _metadata_of(path, header)
        _warn_version(path, metadata)
        member = _ESTIMATOR
        if "estimators" in header:  # a bundle (save_bundle): one model per item
            items = header["estimators"] if isinstance(header["estimators"], dict) else {}
            if len(items) != 1:
                raise ModelFileError(
                    f"Model file {path} is a bundle of {len(items)} items "
                    f"({list(items)[:5]}); read it with load_bundle."
                )
            member = str(next(iter(items.values())))
        estimator = _load_estimator(path, _read_member(path, zf, member))
        model = _put_together(path, estimator, zf, device)
    _check_loaded(path, model)
    return LoadedModel(model, metadata)
