"""What ``predict`` must know about a saved model, stored as plain JSON data."""

from __future__ import annotations

import dataclasses
import json
import platform
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from importlib import metadata as importlib_metadata
from typing import Any

import numpy as np

from .._version import __version__
from ..sequences import RaggedSequences
from ._errors import IncompatibleDataError

__all__ = ["ModelMetadata", "check_compatible"]

#: Where the L columns of the training data came from (``"synthetic"``: the synthetic corpus).
LINGUISTIC_SOURCES = ("dumpfile", "transcripts", "synthetic")
_LIBRARIES = ("numpy", "scikit-learn", "torch", "skorch", "skops", "safetensors")
_TUPLE_FIELDS = (
    "corpus_versions",
    "feature_names_in",
    "feature_modalities_in",
    "classes",
    "items",
)


def _library_versions() -> dict[str, str]:
    versions = {"python": platform.python_version()}
    for name in _LIBRARIES:
        try:
            versions[name] = importlib_metadata.version(name)
        except importlib_metadata.PackageNotFoundError:  # pragma: no cover - all are dependencies
            versions[name] = "not installed"
    return versions


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, so that the metadata is JSON."""
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class ModelMetadata:
    """Facts about a fitted model that travel with it as data (``metadata.json``).

    Everything ``hazumi-sk predict`` needs to rebuild the model's input
    features on new dialogues, and to refuse data built differently, without
    loading the model itself.

    Parameters
    ----------
    item : str or None, default=None
        The rapport item the model recognises (e.g. ``"worthwhile"``).
    feature_set : str or None, default=None
        The modalities it uses, written as in the paper (``"L+V"``).
    linguistic : {"dumpfile", "transcripts", "synthetic"} or None, default=None
        Where the training data's L columns came from: the dumpfile, features
        rebuilt from the transcripts, or the synthetic corpus.
    text_encoder : str or None, default=None
        The sentence encoder of ``linguistic="transcripts"``.
    corpus_versions : sequence of str, default=()
        Hazumi versions trained on (``("1902", "1911")``).
    feature_names_in : sequence of str or None, default=None
        The input columns the model needs, in order. :func:`save_model` fills
        it from the model's ``feature_names_in_`` when it is None.
    feature_modalities_in : sequence of str or None, default=None
        The modality tag of each input column, so that errors can name the
        missing modality.
    classes : sequence or None, default=None
        The model's ``classes_`` (columns of ``predict_proba``); filled by
        :func:`save_model` when None.
    n_training_dialogues : int or None, default=None
        Dialogues in the training data.
    hazumi_sk_version : str, default=current version
        The hazumi-sk version that saved the model.
    library_versions : dict, default=installed versions
        Python, numpy, scikit-learn, torch, skorch, skops and safetensors versions.
    created : str, default=now
        ISO 8601 UTC time of creation.
    extra : dict, default={}
        Any further JSON-serialisable facts.
    items : sequence of str, default=()
        The items of a model bundle (:func:`save_bundle`), in order.
    method : str or None, default=None
        The leaderboard method trained (``"pooled-lr"``, ``"lstm-multitask"``, ...).
    chosen_params : dict, default={}
        Item -> the hyperparameters chosen by CV on the training data (empty
        for a method without a grid).

    See Also
    --------
    save_model : Writes the metadata beside the model.
    read_metadata : Reads it back without loading the model.
    check_compatible : Checks new data against it.

    Examples
    --------
    >>> from hazumi_sk.persistence import ModelMetadata
    >>> meta = ModelMetadata(item="worthwhile", feature_set="L+V", linguistic="dumpfile",
    ...                      corpus_versions=["1902", "1911"])
    >>> meta.corpus_versions
    ('1902', '1911')
    >>> ModelMetadata.from_dict(meta.to_dict()) == meta
    True
    """

    item: str | None = None
    feature_set: str | None = None
    linguistic: str | None = None
    text_encoder: str | None = None
    corpus_versions: Sequence[str] = ()
    feature_names_in: Sequence[str] | None = None
    feature_modalities_in: Sequence[str] | None = None
    classes: Sequence[Any] | None = None
    n_training_dialogues: int | None = None
    hazumi_sk_version: str = __version__
    library_versions: Mapping[str, str] = field(default_factory=_library_versions)
    created: str | None = field(default_factory=_now)
    extra: Mapping[str, Any] = field(default_factory=dict)
    items: Sequence[str] = ()
    method: str | None = None
    chosen_params: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        # Tuples, so that the metadata compares equal after a JSON round trip.
        for name in _TUPLE_FIELDS:
            value = getattr(self, name)
            if value is not None:
                if isinstance(value, str):
                    raise TypeError(f"ModelMetadata.{name} must be a sequence, got a string.")
                object.__setattr__(self, name, tuple(_plain(v) for v in value))
        if self.linguistic is not None and self.linguistic not in LINGUISTIC_SOURCES:
            raise ValueError(
                f"ModelMetadata.linguistic must be one of {LINGUISTIC_SOURCES} or None, "
                f"got {self.linguistic!r}."
            )
        names, tags = self.feature_names_in, self.feature_modalities_in
        if names is not None and tags is not None and len(names) != len(tags):
            raise ValueError(
                f"ModelMetadata: {len(names)} feature_names_in but {len(tags)} "
                "feature_modalities_in."
            )
        object.__setattr__(self, "library_versions", dict(self.library_versions))
        object.__setattr__(self, "extra", dict(self.extra))
        object.__setattr__(self, "chosen_params", _plain_mapping(self.chosen_params))

    @classmethod
    def from_fit(cls, model: Any, X: RaggedSequences, **fields: Any) -> ModelMetadata:
        """Metadata of ``model`` fitted on ``X``: its columns, modalities and size.

        Parameters
        ----------
        model : estimator
            The fitted model (a ``Pipeline`` or a single estimator).
        X : RaggedSequences
            The data it was fitted on.
        **fields :
            The other fields (``item``, ``feature_set``, ``linguistic``, ...).

        Returns
        -------
        metadata : ModelMetadata
            With ``feature_names_in``, ``feature_modalities_in``, ``classes``
            and ``n_training_dialogues`` filled in.
        """
        fitted_names = getattr(model, "feature_names_in_", None)
        if fitted_names is not None and not np.array_equal(fitted_names, X.feature_names):
            raise ValueError(
                "ModelMetadata.from_fit: X's columns differ from the model's "
                "feature_names_in_; pass the data the model was fitted on."
            )
        classes = getattr(model, "classes_", None)
        fields.setdefault("feature_names_in", X.feature_names.tolist())
        fields.setdefault("feature_modalities_in", X.modalities.tolist())
        fields.setdefault("classes", None if classes is None else np.asarray(classes).tolist())
        fields.setdefault("n_training_dialogues", int(X.n_dialogues))
        return cls(**fields)

    def to_dict(self) -> dict[str, Any]:
        """The metadata as JSON-serialisable plain data (tuples become lists)."""
        data = dataclasses.asdict(self)
        for name in _TUPLE_FIELDS:
            if data[name] is not None:
                data[name] = list(data[name])
        json.dumps(data)  # fail here, not halfway through writing a file
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelMetadata:
        """Rebuild metadata from :meth:`to_dict`'s output; unknown keys go to ``extra``.

        Unknown keys come from newer hazumi-sk versions: keeping them lets an
        older reader still show them.
        """
        if not isinstance(data, Mapping):
            raise TypeError(f"metadata must be a JSON object, got {type(data).__name__}.")
        names = {f.name for f in dataclasses.fields(cls)}
        known = {k: v for k, v in data.items() if k in names}
        unknown = {k: v for k, v in data.items() if k not in names}
        if unknown:
            known["extra"] = {**dict(known.get("extra") or {}), **unknown}
        return cls(**known)

    def describe(self) -> str:
        """One line on how the training features were built (for error messages)."""
        names = ("item", "feature_set", "linguistic")
        parts = [f"{name}={getattr(self, name)!r}" for name in names]
        if self.text_encoder is not None:
            parts.append(f"text_encoder={self.text_encoder!r}")
        if self.corpus_versions:
            parts.append(f"corpus Hazumi{'+'.join(self.corpus_versions)}")
        return ", ".join(parts)


def _plain_mapping(value: Mapping[str, Any]) -> dict[str, Any]:
    """A JSON round trip's view of ``value`` (tuples -> lists), so metadata compares equal."""
    return json.loads(json.dumps(dict(value), default=_plain))


def _missing_message(metadata: ModelMetadata, missing: list[str]) -> str:
    names = list(metadata.feature_names_in or ())
    tags = metadata.feature_modalities_in
    if tags is None:
        groups = {"": missing}
    else:
        tag_of = dict(zip(names, tags, strict=True))
        groups: dict[str, list[str]] = {}
        for name in missing:
            groups.setdefault(tag_of[name], []).append(name)
    pieces = []
    for tag, columns in groups.items():
        total = len(names) if tags is None else sum(t == tag for t in tags)
        shown = ", ".join(repr(c) for c in columns[:3]) + (", ..." if len(columns) > 3 else "")
        label = f"modality {tag} " if tag else ""
        pieces.append(f"{label}({len(columns)} of {total} columns: {shown})")
    return (
        f"The data lacks {len(missing)} of the model's {len(names)} input columns: "
        f"{'; '.join(pieces)}. The model was trained with {metadata.describe()}; "
        "build the new data's features the same way."
    )


def _check_source(metadata: ModelMetadata, linguistic: str | None, encoder: str | None) -> None:
    pairs = [("linguistic", linguistic, metadata.linguistic)]
    if metadata.linguistic == "transcripts":
        pairs.append(("text_encoder", encoder, metadata.text_encoder))
    for name, given, saved in pairs:
        if given is not None and saved is not None and given != saved:
            raise IncompatibleDataError(
                f"The data's {name} is {given!r}, but the model was trained with "
                f"{metadata.describe()}; build the new data's features the same way."
            )


def check_compatible(
    metadata: ModelMetadata,
    data: Any,
    *,
    linguistic: str | None = None,
    text_encoder: str | None = None,
) -> RaggedSequences:
    """Check that ``data`` has the model's input columns; return them in the model's order.

    Parameters
    ----------
    metadata : ModelMetadata
        The saved model's metadata (:func:`read_metadata` or :func:`load_model`).
    data : RaggedSequences or Bunch
        The new dialogues, or a dataset Bunch whose ``features`` they are.
    linguistic, text_encoder : str or None, default=None
        How the data's L columns were built, when the caller knows; they must
        match the model's (columns of the same name from another source or
        encoder would be silently wrong).

    Returns
    -------
    X : RaggedSequences
        ``data``'s features restricted to, and ordered as, the model's
        ``feature_names_in`` (``data`` itself when they already match).

    Raises
    ------
    IncompatibleDataError
        When columns are missing; the message names them by modality and
        says how the model's features were built.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.persistence import ModelMetadata, check_compatible
    >>> meta = ModelMetadata(feature_names_in=["pitch", "smile"],
    ...                      feature_modalities_in=["A", "V"], feature_set="A+V")
    >>> X = RaggedSequences.from_arrays([np.zeros((2, 3))], feature_names=["smile", "w", "pitch"],
    ...                                 modalities=["V", "L", "A"])
    >>> check_compatible(meta, X).feature_names.tolist()
    ['pitch', 'smile']
    >>> from hazumi_sk.persistence import IncompatibleDataError
    >>> try:
    ...     check_compatible(meta, X.select_columns([1, 2]))
    ... except IncompatibleDataError as error:
    ...     print(str(error)[:62])
    The data lacks 1 of the model's 2 input columns: modality V (1
    """
    _check_source(metadata, linguistic, text_encoder)
    X = getattr(data, "features", data)
    if not isinstance(X, RaggedSequences):
        raise TypeError(
            f"check_compatible needs RaggedSequences or a Bunch with .features, "
            f"got {type(data).__name__}."
        )
    if metadata.feature_names_in is None:
        return X
    needed = list(metadata.feature_names_in)
    available = set(X.feature_names.tolist())
    missing = [name for name in needed if name not in available]
    if missing:
        raise IncompatibleDataError(_missing_message(metadata, missing))
    if X.feature_names.tolist() == needed:
        return X
    return X.select_columns(np.asarray(needed, dtype=str))
