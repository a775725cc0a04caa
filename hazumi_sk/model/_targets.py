"""Turn the ways exchange labels can arrive into one stacked 0/1/NaN vector."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..sequences import RaggedSequences

__all__ = ["resolve_exchange_labels", "binarize_exchange_labels"]


def _from_ragged(X: RaggedSequences, labels: RaggedSequences) -> np.ndarray:
    if labels.n_dialogues != X.n_dialogues:
        raise ValueError(f"exchange_y has {labels.n_dialogues} dialogues, X has {X.n_dialogues}.")
    mismatch = np.flatnonzero(labels.lengths != X.lengths)
    if mismatch.size:
        i = int(mismatch[0])
        raise ValueError(
            f"Dialogue {str(X.dialogue_ids[i])!r}: exchange_y has {labels.lengths[i]} exchanges, "
            f"X has {X.lengths[i]}."
        )
    if labels.n_features != 1:
        raise ValueError(
            f"exchange_y as RaggedSequences must have one column, got {labels.n_features}."
        )
    return labels.values[:, 0].astype(np.float64)


def _from_list(X: RaggedSequences, labels: Any) -> np.ndarray:
    if len(labels) != X.n_dialogues:
        raise ValueError(f"exchange_y has {len(labels)} dialogues, X has {X.n_dialogues}.")
    arrays = [np.asarray(lab, dtype=np.float64).ravel() for lab in labels]
    for i, lab in enumerate(arrays):
        if lab.shape[0] != X.lengths[i]:
            raise ValueError(
                f"Dialogue {str(X.dialogue_ids[i])!r}: exchange_y has {lab.shape[0]} labels for "
                f"{X.lengths[i]} exchanges."
            )
    return np.concatenate(arrays)


def resolve_exchange_labels(X: RaggedSequences, exchange_y: Any) -> np.ndarray | None:
    """Stacked per-exchange labels aligned with ``X.values`` rows, or None if there are none.

    ``exchange_y`` may be None (use ``X.exchange_labels``), a list of
    per-dialogue arrays, a :class:`RaggedSequences` with one column, or a
    stacked 1-D array with one entry per exchange of ``X``.
    """
    if exchange_y is None:
        return X.exchange_labels
    if isinstance(exchange_y, RaggedSequences):
        return _from_ragged(X, exchange_y)
    if isinstance(exchange_y, list | tuple):
        return _from_list(X, exchange_y)
    array = np.asarray(exchange_y)
    if array.dtype == object and array.shape == (X.n_dialogues,):
        return _from_list(X, list(array))
    if array.ndim == 1 and array.shape[0] == X.n_exchanges:
        return array.astype(np.float64)
    raise ValueError(
        f"exchange_y has shape {array.shape}, but X has {X.n_exchanges} exchanges in "
        f"{X.n_dialogues} dialogues. Pass one label per exchange (stacked), a list of "
        "per-dialogue arrays or a RaggedSequences; under cross-validation use the last two "
        "(or X.exchange_labels), which are split together with X."
    )


def binarize_exchange_labels(labels: np.ndarray, threshold: float | None) -> np.ndarray:
    """0/1 labels, NaN kept as 'unrated'; ``threshold=None`` means already 0/1."""
    labels = np.asarray(labels, dtype=np.float64)
    if np.isinf(labels).any():
        raise ValueError("exchange labels contain infinite values; use NaN for unrated.")
    rated = ~np.isnan(labels)
    if threshold is None:
        bad = np.unique(labels[rated & (labels != 0) & (labels != 1)])
        if bad.size:
            raise ValueError(
                "exchange_threshold=None expects exchange labels already 0/1 (NaN = unrated), "
                f"got values {bad[:5].tolist()}; set exchange_threshold (e.g. 4 for 1-7 ratings)."
            )
        return labels
    return np.where(rated, (labels > threshold).astype(np.float64), np.nan)
