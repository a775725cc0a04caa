"""Shared machinery of the per-exchange feature extractors.

Every extractor turns a sequence of :class:`~hazumi_sk.datasets.Dialogue` into a
:class:`~hazumi_sk.sequences.RaggedSequences` with one row per exchange. The work
is split in two so that :class:`MultimodalFeatures` can cache and parallelise the
expensive part:

- ``_extract_dialogue(dialogue)`` -> raw ``(n_exchanges, n_features)`` array of
  one dialogue (reads media, runs models; cacheable, independent per dialogue);
- ``_finalize(raw_arrays, dialogues)`` -> arrays after cross-dialogue steps that
  are cheap (for example per-speaker normalisation).
"""

from __future__ import annotations

from abc import ABCMeta, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import joblib
import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted
from tqdm.auto import tqdm

from ..datasets import Dialogue
from ..sequences import RaggedSequences
from ..utils import check_parameters

__all__ = ["DialogueFeatureExtractor", "check_dialogues", "exchange_spans", "exchange_name"]

SEGMENTS = ("user", "exchange")
ON_MISSING = ("raise", "nan")


def check_dialogues(X: Any) -> list[Dialogue]:
    """Validate that ``X`` is a non-empty sequence of :class:`Dialogue` objects."""
    if isinstance(X, Dialogue):
        raise TypeError("X must be a sequence of Dialogue objects, got a single Dialogue.")
    if isinstance(X, str | bytes | RaggedSequences) or not isinstance(X, Sequence | np.ndarray):
        raise TypeError(f"X must be a sequence of Dialogue objects, got {type(X).__name__}.")
    dialogues = list(X)
    if not dialogues:
        raise ValueError("X holds no dialogues.")
    for i, d in enumerate(dialogues):
        if not isinstance(d, Dialogue):
            raise TypeError(f"X[{i}] must be a Dialogue, got {type(d).__name__}.")
        if d.n_exchanges == 0:
            raise ValueError(f"Dialogue {d.dialogue_id!r} has no exchanges.")
    return dialogues


def exchange_name(dialogue: Dialogue, position: int) -> str:
    """Human-readable exchange reference for error messages."""
    table = dialogue.exchanges
    if "exchange" in table.columns:
        return f"dialogue {dialogue.dialogue_id!r}, exchange {table['exchange'].iloc[position]}"
    return f"dialogue {dialogue.dialogue_id!r}, exchange at row {position}"


def exchange_spans(dialogue: Dialogue, segment: str = "exchange") -> np.ndarray:
    """``(n_exchanges, 2)`` float array of ``[begin_ms, end_ms]`` for each exchange.

    ``segment="user"`` spans the user's turn (``end_system_ms`` to ``end_ms``),
    ``"exchange"`` the whole exchange (``start_ms`` to ``end_ms``).
    """
    if segment not in SEGMENTS:
        raise ValueError(f"segment must be one of {SEGMENTS}, got {segment!r}.")
    table = dialogue.exchanges
    begin_column = "end_system_ms" if segment == "user" else "start_ms"
    if begin_column not in table.columns:
        raise ValueError(
            f"Dialogue {dialogue.dialogue_id!r}: segment={segment!r} needs column "
            f"{begin_column!r}, which the exchange table lacks."
        )
    spans = np.column_stack(
        [
            pd.to_numeric(table[begin_column], errors="coerce").to_numpy(dtype=float),
            pd.to_numeric(table["end_ms"], errors="coerce").to_numpy(dtype=float),
        ]
    )
    for position in np.flatnonzero(~np.isfinite(spans).all(axis=1)):
        raise ValueError(f"{exchange_name(dialogue, position)}: missing {begin_column} or end_ms.")
    for position in np.flatnonzero(spans[:, 1] < spans[:, 0]):
        raise ValueError(
            f"{exchange_name(dialogue, position)}: ends ({spans[position, 1]:.0f} ms) before "
            f"it begins ({spans[position, 0]:.0f} ms)."
        )
    return spans


def exchange_labels_of(dialogues: Sequence[Dialogue], column: str = "SS") -> list | None:
    """Per-dialogue arrays of ``column`` (NaN where absent); None if no dialogue has it."""
    if not any(column in d.exchanges.columns for d in dialogues):
        return None
    return [
        pd.to_numeric(d.exchanges[column], errors="coerce").to_numpy(dtype=float)
        if column in d.exchanges.columns
        else np.full(d.n_exchanges, np.nan)
        for d in dialogues
    ]


def media_fingerprint(path: Path | None) -> tuple:
    """Path, size and modification time, so a cache notices a changed media file."""
    if path is None:
        return (None,)
    path = Path(path)
    if not path.exists():
        return (str(path), None)
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


class DialogueFeatureExtractor(TransformerMixin, BaseEstimator, metaclass=ABCMeta):
    """Base class: dialogues in, one feature row per exchange out.

    Dialogues carry no input feature columns, so, like scikit-learn's text
    vectorizers, these transformers define no ``n_features_in_``.

    Subclasses set ``modality`` and implement ``_fit_names`` (the un-prefixed
    feature names, possibly depending on fitted state), ``_extract_dialogue`` and,
    if needed, ``_fit_dialogues`` and ``_finalize``.
    """

    modality: ClassVar[str] = "X"
    #: Media paths this extractor reads (attribute names of Dialogue), for cache keys.
    media_attributes: ClassVar[tuple[str, ...]] = ()
    #: scikit-learn parameter constraints, checked first thing in ``fit``.
    _parameter_constraints: ClassVar[dict] = {}

    # ------------------------------------------------------------- hooks
    def _validate_params(self) -> None:
        """Check the parameters against ``_parameter_constraints``.

        Subclasses with checks that involve several parameters (or the installed
        packages) extend this and call ``super()._validate_params()`` first.
        """
        check_parameters(self)

    def _fit_dialogues(self, dialogues: list[Dialogue]) -> None:
        """Learn state from training dialogues (default: nothing)."""

    @abstractmethod
    def _fit_names(self) -> list[str]:
        """Feature names without the modality prefix (after fitting)."""

    @abstractmethod
    def _extract_dialogue(self, dialogue: Dialogue) -> np.ndarray:
        """Raw ``(n_exchanges, n_features_out_)`` features of one dialogue."""

    def _finalize(self, arrays: list[np.ndarray], dialogues: list[Dialogue]) -> list[np.ndarray]:
        """Cross-dialogue post-processing (default: none)."""
        return arrays

    def _state_fingerprint(self) -> Any:
        """Fitted state that changes the output beyond the parameters (for caching)."""
        return None

    # ------------------------------------------------------------ sklearn API
    def fit(self, X: Sequence[Dialogue], y: Any = None) -> DialogueFeatureExtractor:
        """Validate the parameters and learn what the extractor needs from ``X``.

        Parameters
        ----------
        X : sequence of Dialogue
            Training dialogues.
        y : ignored

        Returns
        -------
        self
        """
        self._validate_params()
        dialogues = check_dialogues(X)
        self._fit_dialogues(dialogues)
        names = self._fit_names()
        self.feature_names_out_ = np.array([f"{self.modality}__{n}" for n in names], dtype=object)
        self.n_features_out_ = len(names)
        self.fingerprint_ = joblib.hash(
            (type(self).__name__, self.get_params(deep=False), self._state_fingerprint())
        )
        return self

    def transform(self, X: Sequence[Dialogue]) -> RaggedSequences:
        """Extract one feature row per exchange of each dialogue.

        Parameters
        ----------
        X : sequence of Dialogue

        Returns
        -------
        RaggedSequences
            ``feature_names`` prefixed with the modality tag, ``modalities`` set to
            it, ``dialogue_ids`` from the dialogues and ``exchange_labels`` from the
            ``SS`` column when the exchange tables have one.
        """
        check_is_fitted(self, "feature_names_out_")
        dialogues = check_dialogues(X)
        progress = tqdm(
            dialogues, desc=type(self).__name__, disable=not getattr(self, "verbose", False)
        )
        raw = [self._extract_dialogue(d) for d in progress]
        return self.assemble(raw, dialogues)

    def assemble(self, raw: list[np.ndarray], dialogues: list[Dialogue]) -> RaggedSequences:
        """Build the output from per-dialogue raw arrays (used by MultimodalFeatures)."""
        arrays = self._finalize([np.asarray(a, dtype=np.float64) for a in raw], dialogues)
        for d, a in zip(dialogues, arrays, strict=True):
            if a.shape != (d.n_exchanges, self.n_features_out_):
                raise RuntimeError(
                    f"{type(self).__name__} produced shape {a.shape} for dialogue "
                    f"{d.dialogue_id!r}; expected ({d.n_exchanges}, {self.n_features_out_})."
                )
        return RaggedSequences.from_arrays(
            arrays,
            feature_names=self.feature_names_out_.astype(str),
            modalities=[self.modality] * self.n_features_out_,
            dialogue_ids=[d.dialogue_id for d in dialogues],
            exchange_labels=exchange_labels_of(dialogues),
        )

    def cache_key(self, dialogue: Dialogue) -> tuple:
        """What determines ``_extract_dialogue(dialogue)``: fitted state plus media files."""
        check_is_fitted(self, "fingerprint_")
        media = tuple(media_fingerprint(getattr(dialogue, a)) for a in self.media_attributes)
        return (self.fingerprint_, media)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Output feature names, ``"<modality>__<name>"``.

        Parameters
        ----------
        input_features : ignored
            Dialogues have no input feature names.

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.requires_fit = True
        return tags
