"""A compact container for one feature matrix per dialogue.

Dialogues have different numbers of exchanges, so a corpus is a *ragged* 3-D
array. :class:`RaggedSequences` stores it as one stacked 2-D matrix (all
exchanges of all dialogues, row-wise) plus an ``offsets`` vector, the layout
used by CSR matrices and by ``torch.nn.utils.rnn.pack_sequence``. Indexing
along dialogues is then cheap index arithmetic rather than a Python loop.

The container behaves like a sequence of dialogues for scikit-learn: its
length and ``shape[0]`` are the number of dialogues, and it accepts the
``X[indices, ...]`` indexing that :func:`sklearn.utils._safe_indexing` uses in
cross-validation, so it travels through ``Pipeline``, ``GridSearchCV``,
``cross_validate`` and ``clone`` unchanged.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from numbers import Integral
from typing import Any

import numpy as np

__all__ = ["RaggedSequences"]


def _as_str_array(values: Any, n: int, name: str) -> np.ndarray:
    array = np.asarray(values, dtype=object)
    if array.ndim != 1 or array.shape[0] != n:
        raise ValueError(f"{name} must have length {n}, got shape {array.shape}.")
    return array.astype(str)


def _as_float_array(array: np.ndarray, name: str, where: Any = None) -> np.ndarray:
    """``array`` as float64, or a ValueError naming ``name`` and its first non-number.

    ``where(position)`` words the position of a bad entry (default: its index).
    """
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        pass
    flat = array.reshape(-1)
    for k, value in enumerate(flat):
        try:
            float(value)
        except (TypeError, ValueError):
            value = value.item() if isinstance(value, np.generic) else value
            position = np.unravel_index(k, array.shape) if array.ndim else ()
            place = where(position) if where is not None else f"entry {tuple(map(int, position))}"
            raise ValueError(
                f"{name} must be numeric: {place} is {value!r} ({type(value).__name__}), "
                "not a number."
            ) from None
    raise ValueError(f"{name} must be numeric, got an array of dtype {array.dtype}.")


def _lengths_to_offsets(lengths: np.ndarray) -> np.ndarray:
    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    return offsets


def _gather_rows(offsets: np.ndarray, index: np.ndarray) -> np.ndarray:
    """Row indices of the stacked matrix for the dialogues in ``index``, in order."""
    starts = offsets[index]
    lengths = offsets[index + 1] - starts
    total = int(lengths.sum())
    if total == 0:
        return np.zeros(0, dtype=np.int64)
    # Each selected dialogue contributes arange(start, start + length): build it
    # without a Python loop by repeating the start and adding a running position.
    row_starts = np.repeat(starts - _lengths_to_offsets(lengths)[:-1], lengths)
    return row_starts + np.arange(total, dtype=np.int64)


class RaggedSequences:
    """Variable-length exchange sequences, one feature matrix per dialogue.

    Parameters
    ----------
    values : array-like of shape (n_exchanges_total, n_features)
        The exchanges of all dialogues stacked row-wise, dialogue after
        dialogue.
    offsets : array-like of int of shape (n_dialogues + 1,)
        Dialogue ``i`` owns rows ``offsets[i]:offsets[i + 1]`` of ``values``.
        Must start at 0, be non-decreasing and end at ``n_exchanges_total``.
    feature_names : array-like of str of shape (n_features,), default=None
        Column names. Defaults to ``x0, x1, ...``.
    modalities : array-like of str of shape (n_features,), default=None
        Modality tag of each column (``"A"``, ``"L"``, ``"B"``, ``"V"``,
        ``"P"`` or any user tag without ``"+"``). Defaults to ``"X"``.
    dialogue_ids : array-like of str of shape (n_dialogues,), default=None
        Identifier of each dialogue. Defaults to ``"0", "1", ...``.
    exchange_labels : array-like of float of shape (n_exchanges_total,), default=None
        Optional per-exchange labels (for example self-sentiment 1-7, ``NaN``
        where an exchange is not rated) aligned with the rows of ``values``.
        They travel with the sequences through indexing and pipeline steps so
        that a multitask model receives them from a plain ``fit(X, y)``.

    Attributes
    ----------
    lengths : ndarray of int of shape (n_dialogues,)
        Number of exchanges of each dialogue.
    shape : tuple of (int, int)
        ``(n_dialogues, n_features)``; the first entry is what scikit-learn
        counts as samples.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> X = RaggedSequences.from_arrays(
    ...     [np.ones((3, 2)), np.zeros((1, 2))],
    ...     feature_names=["f0", "pitch"], modalities=["L", "A"])
    >>> len(X), X.lengths.tolist()
    (2, [3, 1])
    >>> X[[1]].to_list()[0]
    array([[0., 0.]])
    >>> X.select_modalities(["A"]).feature_names.tolist()
    ['pitch']
    """

    # Let numpy defer to our operators instead of broadcasting over us.
    __array_priority__ = 1000

    def __init__(
        self,
        values: Any,
        offsets: Any,
        feature_names: Any = None,
        modalities: Any = None,
        dialogue_ids: Any = None,
        exchange_labels: Any = None,
    ) -> None:
        values = np.asarray(values)
        if values.ndim != 2:
            raise ValueError(f"values must be 2-D (n_exchanges, n_features), got {values.ndim}-D.")
        offsets = np.asarray(offsets)
        if offsets.ndim != 1 or offsets.size == 0 or not np.issubdtype(offsets.dtype, np.integer):
            raise ValueError("offsets must be a non-empty 1-D integer array.")
        offsets = offsets.astype(np.int64, copy=False)
        if offsets[0] != 0 or offsets[-1] != values.shape[0] or np.any(np.diff(offsets) < 0):
            raise ValueError(
                "offsets must start at 0, be non-decreasing and end at the number of rows "
                f"({values.shape[0]}); got first={offsets[0]}, last={offsets[-1]}."
            )

        def dialogue_of(row: int) -> str:
            return f"dialogue {int(np.searchsorted(offsets, row, side='right')) - 1}"

        if not np.issubdtype(values.dtype, np.floating):
            values = _as_float_array(
                values, "values",
                lambda rc: f"row {rc[0]} ({dialogue_of(rc[0])}), column {rc[1]}",
            )  # fmt: skip
        n_dialogues, n_features = offsets.size - 1, values.shape[1]
        self.values = values
        self.offsets = offsets
        self.feature_names = (
            np.array([f"x{j}" for j in range(n_features)], dtype=str)
            if feature_names is None
            else _as_str_array(feature_names, n_features, "feature_names")
        )
        self.modalities = (
            np.full(n_features, "X", dtype=str)
            if modalities is None
            else _as_str_array(modalities, n_features, "modalities")
        )
        bad_tags = sorted({tag for tag in self.modalities if "+" in tag or not tag})
        if bad_tags:
            raise ValueError(f"Modality tags must be non-empty and contain no '+': {bad_tags}.")
        self.dialogue_ids = (
            np.arange(n_dialogues).astype(str)
            if dialogue_ids is None
            else _as_str_array(dialogue_ids, n_dialogues, "dialogue_ids")
        )
        if exchange_labels is not None:
            exchange_labels = _as_float_array(
                np.asarray(exchange_labels), "exchange_labels",
                lambda p: f"exchange {p[0]} ({dialogue_of(p[0])})" if len(p) == 1 else f"entry {p}",
            )  # fmt: skip
            if exchange_labels.shape != (values.shape[0],):
                raise ValueError(
                    f"exchange_labels must have one entry per exchange ({values.shape[0]}), "
                    f"got shape {exchange_labels.shape}."
                )
        self.exchange_labels = exchange_labels

    # ------------------------------------------------------------------ build
    @classmethod
    def from_arrays(
        cls,
        arrays: Sequence[Any],
        feature_names: Any = None,
        modalities: Any = None,
        dialogue_ids: Any = None,
        exchange_labels: Sequence[Any] | None = None,
    ) -> RaggedSequences:
        """Build from a list of ``(n_exchanges_i, n_features)`` arrays.

        ``exchange_labels``, if given, is a list of 1-D arrays of matching
        lengths.
        """
        arrays = [np.asarray(a) for a in arrays]
        if not arrays:
            raise ValueError("Cannot build RaggedSequences from an empty list of dialogues.")
        for i, a in enumerate(arrays):
            if a.ndim != 2:
                raise ValueError(f"Dialogue {i} must be a 2-D array, got {a.ndim}-D.")
            if not np.issubdtype(a.dtype, np.number) and a.dtype != bool:
                named = dialogue_ids is not None and len(dialogue_ids) == len(arrays)
                label = f"arrays[{i}]" + (f" (dialogue {str(dialogue_ids[i])!r})" if named else "")
                arrays[i] = _as_float_array(a, label, lambda rc: f"row {rc[0]}, column {rc[1]}")
        widths = {a.shape[1] for a in arrays}
        if len(widths) != 1:
            raise ValueError(f"All dialogues must have the same number of features, got {widths}.")
        lengths = np.array([a.shape[0] for a in arrays], dtype=np.int64)
        values = np.concatenate(arrays, axis=0)
        labels = None
        if exchange_labels is not None:
            if len(exchange_labels) != len(arrays):
                raise ValueError(
                    f"exchange_labels has {len(exchange_labels)} dialogues, X has {len(arrays)}."
                )
            label_arrays = [
                _as_float_array(np.asarray(lab), f"exchange_labels[{i}]").ravel()
                for i, lab in enumerate(exchange_labels)
            ]
            for i, (lab, n) in enumerate(zip(label_arrays, lengths, strict=True)):
                if lab.shape[0] != n:
                    raise ValueError(
                        f"Dialogue {i}: {lab.shape[0]} exchange labels for {n} exchanges."
                    )
            labels = np.concatenate(label_arrays)
        return cls(
            values,
            _lengths_to_offsets(lengths),
            feature_names=feature_names,
            modalities=modalities,
            dialogue_ids=dialogue_ids,
            exchange_labels=labels,
        )

    # ------------------------------------------------------------ properties
    @property
    def lengths(self) -> np.ndarray:
        return np.diff(self.offsets)

    @property
    def n_dialogues(self) -> int:
        return self.offsets.size - 1

    @property
    def n_features(self) -> int:
        return self.values.shape[1]

    @property
    def n_exchanges(self) -> int:
        """Total number of exchanges over all dialogues."""
        return self.values.shape[0]

    @property
    def shape(self) -> tuple[int, int]:
        return (self.n_dialogues, self.n_features)

    @property
    def dtype(self) -> np.dtype:
        return self.values.dtype

    @property
    def dialogue_index(self) -> np.ndarray:
        """Dialogue position of every stacked row, shape ``(n_exchanges,)``."""
        return np.repeat(np.arange(self.n_dialogues), self.lengths)

    @property
    def modality_set(self) -> list[str]:
        """The distinct modality tags, in column order of first appearance."""
        _, first = np.unique(self.modalities, return_index=True)
        return [str(self.modalities[i]) for i in sorted(first)]

    def __len__(self) -> int:
        return self.n_dialogues

    def __repr__(self) -> str:
        lengths = self.lengths
        span = f"{lengths.min()}-{lengths.max()}" if lengths.size else "-"
        return (
            f"RaggedSequences(n_dialogues={self.n_dialogues}, exchanges={span} per dialogue, "
            f"n_features={self.n_features}, modalities={'+'.join(self.modality_set)}"
            f"{', with exchange_labels' if self.exchange_labels is not None else ''})"
        )

    # -------------------------------------------------------------- indexing
    def _normalize_index(self, key: Any) -> np.ndarray:
        if isinstance(key, tuple):
            # scikit-learn's _safe_indexing uses X[key, ...]; also accept X[key, :].
            if len(key) == 2 and (key[1] is Ellipsis or key[1] == slice(None)):
                key = key[0]
            else:
                raise IndexError(
                    "RaggedSequences supports indexing dialogues only (X[i], X[i, ...]); "
                    "select columns with select_columns() or select_modalities()."
                )
        n = self.n_dialogues
        if isinstance(key, Integral) and not isinstance(key, bool | np.bool_):
            if not -n <= key < n:
                raise IndexError(f"Dialogue index {key} out of range for {n} dialogues.")
            return np.array([key % n], dtype=np.int64)
        if isinstance(key, slice):
            return np.arange(n, dtype=np.int64)[key]
        index = np.asarray(key)
        if index.dtype == bool:
            if index.shape != (n,):
                raise IndexError(f"Boolean index must have shape ({n},), got {index.shape}.")
            return np.flatnonzero(index)
        if index.size == 0:
            return np.zeros(0, dtype=np.int64)
        if index.ndim != 1 or not np.issubdtype(index.dtype, np.integer):
            raise IndexError(
                f"Cannot index dialogues with {type(key).__name__} of dtype {index.dtype}."
            )
        if index.min() < -n or index.max() >= n:
            raise IndexError(f"Dialogue index out of range for {n} dialogues.")
        return index.astype(np.int64) % n

    def __getitem__(self, key: Any) -> RaggedSequences:
        """Select dialogues; always returns a :class:`RaggedSequences`."""
        index = self._normalize_index(key)
        rows = _gather_rows(self.offsets, index)
        labels = None if self.exchange_labels is None else self.exchange_labels[rows]
        return RaggedSequences(
            self.values[rows],
            _lengths_to_offsets(self.offsets[index + 1] - self.offsets[index]),
            feature_names=self.feature_names,
            modalities=self.modalities,
            dialogue_ids=self.dialogue_ids[index],
            exchange_labels=labels,
        )

    def __iter__(self) -> Iterator[np.ndarray]:
        """Iterate over the dialogues' ``(n_exchanges_i, n_features)`` arrays (views)."""
        for i in range(self.n_dialogues):
            yield self.values[self.offsets[i] : self.offsets[i + 1]]

    def sequence(self, i: int) -> np.ndarray:
        """The feature matrix of dialogue ``i`` (a view, no copy)."""
        i = int(self._normalize_index(i)[0])
        return self.values[self.offsets[i] : self.offsets[i + 1]]

    def labels_of(self, i: int) -> np.ndarray:
        """The exchange labels of dialogue ``i``."""
        if self.exchange_labels is None:
            raise ValueError("These sequences carry no exchange_labels.")
        i = int(self._normalize_index(i)[0])
        return self.exchange_labels[self.offsets[i] : self.offsets[i + 1]]

    # --------------------------------------------------------------- columns
    def select_columns(self, columns: Any) -> RaggedSequences:
        """Keep the given columns (boolean mask, integer positions or names)."""
        columns = np.asarray(columns)
        if columns.dtype == bool:
            if columns.shape != (self.n_features,):
                raise IndexError(
                    f"Column mask must have shape ({self.n_features},), got {columns.shape}."
                )
            positions = np.flatnonzero(columns)
        elif columns.dtype.kind in "US":
            lookup = {name: j for j, name in enumerate(self.feature_names)}
            missing = [c for c in columns.tolist() if c not in lookup]
            if missing:
                raise KeyError(f"Unknown feature names: {missing[:5]}")
            positions = np.array([lookup[c] for c in columns.tolist()], dtype=np.int64)
        else:
            positions = columns.astype(np.int64).ravel()
        return self.replace(
            values=self.values[:, positions],
            feature_names=self.feature_names[positions],
            modalities=self.modalities[positions],
        )

    def select_modalities(self, tags: Sequence[str]) -> RaggedSequences:
        """Keep the columns whose modality tag is in ``tags``, in their original order."""
        tags = list(tags)
        unknown = [t for t in tags if t not in set(self.modalities)]
        if unknown:
            raise ValueError(
                f"Unknown modality tag(s) {unknown}; these sequences have {self.modality_set}."
            )
        return self.select_columns(np.isin(self.modalities, tags))

    @classmethod
    def hstack(cls, blocks: Sequence[RaggedSequences]) -> RaggedSequences:
        """Join blocks column-wise (early fusion); they must share dialogues and lengths."""
        blocks = list(blocks)
        if not blocks:
            raise ValueError("hstack needs at least one block.")
        first = blocks[0]
        for k, block in enumerate(blocks[1:], start=1):
            if not np.array_equal(block.offsets, first.offsets):
                raise ValueError(f"Block {k} has different dialogue lengths than block 0.")
            if not np.array_equal(block.dialogue_ids, first.dialogue_ids):
                raise ValueError(f"Block {k} has different dialogue_ids than block 0.")
        names = np.concatenate([b.feature_names for b in blocks])
        dupes = sorted({n for n in names if (names == n).sum() > 1})
        if dupes:
            raise ValueError(f"Duplicate feature names after hstack: {dupes[:5]}")
        labels = next((b.exchange_labels for b in blocks if b.exchange_labels is not None), None)
        return cls(
            np.concatenate([b.values for b in blocks], axis=1),
            first.offsets,
            feature_names=names,
            modalities=np.concatenate([b.modalities for b in blocks]),
            dialogue_ids=first.dialogue_ids,
            exchange_labels=labels,
        )

    def replace(self, **changes: Any) -> RaggedSequences:
        """A copy with some fields replaced (``values``, ``feature_names``, ...)."""
        fields = {
            "values": self.values,
            "offsets": self.offsets,
            "feature_names": self.feature_names,
            "modalities": self.modalities,
            "dialogue_ids": self.dialogue_ids,
            "exchange_labels": self.exchange_labels,
        }
        unknown = set(changes) - set(fields)
        if unknown:
            raise TypeError(f"Unknown field(s): {sorted(unknown)}")
        fields.update(changes)
        return RaggedSequences(**fields)

    def with_exchange_labels(self, exchange_labels: Any) -> RaggedSequences:
        """A copy carrying ``exchange_labels`` (stacked 1-D, or a list per dialogue)."""
        if exchange_labels is None:
            return self.replace(exchange_labels=None)
        if isinstance(exchange_labels, RaggedSequences):
            if not np.array_equal(exchange_labels.offsets, self.offsets):
                raise ValueError("exchange_labels have different dialogue lengths than X.")
            return self.replace(exchange_labels=exchange_labels.values[:, 0])
        if isinstance(exchange_labels, list | tuple):
            if len(exchange_labels) != self.n_dialogues:
                raise ValueError(
                    f"exchange_labels has {len(exchange_labels)} dialogues, X has "
                    f"{self.n_dialogues}."
                )
            stacked = []
            for i, lab in enumerate(exchange_labels):
                name = str(self.dialogue_ids[i])
                lab = _as_float_array(
                    np.asarray(lab), f"exchange_labels of dialogue {name!r}"
                ).ravel()
                if lab.shape[0] != self.lengths[i]:
                    raise ValueError(
                        f"Dialogue {name!r}: {lab.shape[0]} exchange labels for "
                        f"{self.lengths[i]} exchanges."
                    )
                stacked.append(lab)
            exchange_labels = np.concatenate(stacked) if stacked else np.zeros(0)
        return self.replace(exchange_labels=exchange_labels)

    # ------------------------------------------------------------ conversion
    def to_list(self) -> list[np.ndarray]:
        """One ``(n_exchanges_i, n_features)`` array per dialogue (copies)."""
        return [seq.copy() for seq in self]

    def to_padded(self, pad_value: float = 0.0, dtype: Any = None) -> tuple[np.ndarray, np.ndarray]:
        """Padded ``(n_dialogues, max_len, n_features)`` array and the lengths."""
        lengths = self.lengths
        max_len = int(lengths.max()) if lengths.size else 0
        dtype = self.values.dtype if dtype is None else dtype
        padded = np.full((self.n_dialogues, max_len, self.n_features), pad_value, dtype=dtype)
        # Row r of the stack lands at (its dialogue, its position within the dialogue).
        positions = np.arange(self.n_exchanges) - np.repeat(self.offsets[:-1], lengths)
        padded[self.dialogue_index, positions] = self.values
        return padded, lengths

    def to_padded_tensor(
        self, pad_value: float = 0.0, dtype: Any = None, device: Any = None
    ) -> tuple[Any, Any]:
        """Like :meth:`to_padded` but returns ``torch`` tensors ``(padded, lengths)``."""
        import torch

        padded, lengths = self.to_padded(pad_value=pad_value)
        tensor = torch.as_tensor(padded, device=device)
        if dtype is not None:
            tensor = tensor.to(dtype)
        return tensor, torch.as_tensor(lengths, dtype=torch.int64)

    @classmethod
    def from_padded(cls, padded: Any, lengths: Any, **kwargs: Any) -> RaggedSequences:
        """Inverse of :meth:`to_padded` (accepts numpy arrays or torch tensors)."""
        padded = np.asarray(padded)
        lengths = np.asarray(lengths, dtype=np.int64)
        if padded.ndim != 3 or padded.shape[0] != lengths.shape[0]:
            raise ValueError("padded must be (n_dialogues, max_len, n_features) matching lengths.")
        if lengths.size and (lengths.min() < 0 or lengths.max() > padded.shape[1]):
            raise ValueError("lengths must lie between 0 and the padded length.")
        mask = np.arange(padded.shape[1])[None, :] < lengths[:, None]
        return cls(padded[mask], _lengths_to_offsets(lengths), **kwargs)

    def equals(self, other: object) -> bool:
        """True when both hold the same data, names, tags, ids and labels."""
        if not isinstance(other, RaggedSequences):
            return False
        same_labels = (self.exchange_labels is None) == (other.exchange_labels is None) and (
            self.exchange_labels is None
            or np.array_equal(self.exchange_labels, other.exchange_labels, equal_nan=True)
        )
        return (
            same_labels
            and np.array_equal(self.offsets, other.offsets)
            and self.values.shape == other.values.shape
            and np.array_equal(self.values, other.values, equal_nan=True)
            and np.array_equal(self.feature_names, other.feature_names)
            and np.array_equal(self.modalities, other.modalities)
            and np.array_equal(self.dialogue_ids, other.dialogue_ids)
        )
