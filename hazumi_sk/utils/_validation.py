"""Input checks shared by the sequence transformers and the model."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..sequences import RaggedSequences


def check_ragged(X: Any, owner: str) -> RaggedSequences:
    """Require a non-empty :class:`RaggedSequences` whose dialogues all have exchanges."""
    if not isinstance(X, RaggedSequences):
        raise TypeError(
            f"{owner} expects X as a hazumi_sk RaggedSequences (one exchange sequence per "
            f"dialogue), got {type(X).__name__}. Build one with RaggedSequences.from_arrays."
        )
    if X.n_dialogues == 0:
        raise ValueError(f"{owner} got X with no dialogues.")
    empty = X.dialogue_ids[X.lengths == 0]
    if empty.size:
        raise ValueError(f"{owner}: dialogue(s) {empty[:5].tolist()} have no exchanges.")
    if X.n_features == 0:
        raise ValueError(f"{owner} got X with no feature columns.")
    return X


def check_feature_names(estimator: Any, X: RaggedSequences) -> None:
    """Require the columns seen in ``fit``, in the same order."""
    if X.n_features != estimator.n_features_in_:
        raise ValueError(
            f"X has {X.n_features} features, but {type(estimator).__name__} was fitted with "
            f"{estimator.n_features_in_}."
        )
    if not np.array_equal(X.feature_names, estimator.feature_names_in_):
        differing = np.flatnonzero(X.feature_names != estimator.feature_names_in_)
        j = int(differing[0])
        raise ValueError(
            f"X's feature names differ from those seen in fit (first at column {j}: "
            f"{X.feature_names[j]!r} vs {estimator.feature_names_in_[j]!r})."
        )


def first_nonfinite(X: RaggedSequences, values: np.ndarray | None = None) -> tuple[str, str] | None:
    """``(dialogue_id, feature_name)`` of the first non-finite value, or None."""
    values = X.values if values is None else values
    bad = ~np.isfinite(values)
    if not bad.any():
        return None
    row, col = np.argwhere(bad)[0]
    dialogue = X.dialogue_ids[np.searchsorted(X.offsets, row, side="right") - 1]
    return str(dialogue), str(X.feature_names[col])


_IMPUTE_FIRST = "Impute first, e.g. SequenceScaler(nonfinite='impute')."


def check_finite(X: RaggedSequences, owner: str, remedy: str = _IMPUTE_FIRST) -> None:
    """Raise a ``ValueError`` naming the dialogue and feature of the first NaN/inf value.

    ``remedy`` ends the message: what the user should do (default: impute first).
    """
    where = first_nonfinite(X)
    if where is not None:
        raise ValueError(
            f"{owner}: non-finite value in dialogue {where[0]!r}, feature {where[1]!r}. {remedy}"
        )


def check_input_features(estimator: Any, input_features: Any) -> None:
    """``get_feature_names_out``'s argument must be None or the names seen in ``fit``."""
    if input_features is not None and not np.array_equal(
        np.asarray(input_features, dtype=str), estimator.feature_names_in_
    ):
        raise ValueError(
            f"{type(estimator).__name__}: input_features differ from the feature names seen in fit."
        )
