"""Padded dialogue tensors built once per fit, and the mini-batch iterator over them."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import torch
from torch.utils.data import Dataset, Subset

from ..sequences import RaggedSequences

__all__ = ["PaddedDialogues", "DialogueBatches"]


@dataclass
class PaddedDialogues(Dataset):
    """All dialogues of one fit as padded tensors, already on the training device.

    Padding happens once, with one vectorised scatter
    (:meth:`RaggedSequences.to_padded`), so no training step loops over
    dialogues or converts numpy arrays.

    Attributes
    ----------
    x : Tensor of shape (n_dialogues, max_len, n_features)
    lengths : Tensor of int64 of shape (n_dialogues,)
    y : Tensor of shape (n_dialogues,) or None
        Encoded dialogue labels (int64), or regression targets.
    exchange_y : Tensor of shape (n_dialogues, max_len) or None
        Binary exchange labels (int64) or regression targets, -1 where unrated
        or padded.
    exchange_mask : Tensor of float of shape (n_dialogues, max_len) or None
        1 where an exchange label counts in the loss.
    """

    x: torch.Tensor
    lengths: torch.Tensor
    y: torch.Tensor | None = None
    exchange_y: torch.Tensor | None = None
    exchange_mask: torch.Tensor | None = None

    @classmethod
    def from_ragged(
        cls,
        X: RaggedSequences,
        y: np.ndarray | None = None,
        exchange_y: np.ndarray | None = None,
        device: str | torch.device = "cpu",
        dtype: torch.dtype = torch.float32,
        target_dtype: torch.dtype = torch.int64,
    ) -> PaddedDialogues:
        """Pad ``X`` (and the stacked ``exchange_y``, NaN = unrated) once.

        ``target_dtype`` is int64 for class labels, a float type for regression.
        """
        padded, lengths = X.to_padded(dtype=np.float32 if dtype == torch.float32 else None)
        tensors = {
            "x": torch.as_tensor(padded, device=device).to(dtype),
            "lengths": torch.as_tensor(lengths, dtype=torch.int64, device=device),
        }
        if y is not None:
            tensors["y"] = torch.as_tensor(y, device=device).to(target_dtype)
        if exchange_y is not None:
            labels = RaggedSequences(exchange_y[:, None], X.offsets).to_padded(pad_value=np.nan)[0][
                ..., 0
            ]
            rated = ~np.isnan(labels)
            tensors["exchange_y"] = torch.as_tensor(np.where(rated, labels, -1), device=device).to(
                target_dtype
            )
            tensors["exchange_mask"] = torch.as_tensor(rated, device=device).to(dtype)
        return cls(**tensors)

    def __len__(self) -> int:
        return int(self.lengths.shape[0])

    def __getitem__(self, i: int) -> int:
        # Batches are cut by DialogueBatches; item access only serves len()/Subset.
        return i


def _unwrap(dataset: Dataset) -> tuple[PaddedDialogues, np.ndarray]:
    """The underlying padded tensors and the dialogue positions of a (sub)set."""
    if isinstance(dataset, PaddedDialogues):
        return dataset, np.arange(len(dataset))
    if isinstance(dataset, Subset):
        parent, positions = _unwrap(dataset.dataset)
        return parent, positions[np.asarray(dataset.indices)]
    raise TypeError(
        f"MultitaskSequenceClassifier batches PaddedDialogues, got {type(dataset).__name__}."
    )


class DialogueBatches:
    """Mini-batches of dialogues cut from padded tensors, trimmed to the batch's longest.

    Parameters
    ----------
    dataset : PaddedDialogues or torch Subset of one
        What to iterate over (skorch's internal validation split gives a Subset).
    batch_size : int
        Dialogues per batch; -1 means all.
    shuffle : bool
        Draw a new dialogue order every epoch from ``generator``.
    generator : torch.Generator, optional
        Source of the shuffling, seeded by the estimator's ``random_state``.
    sort_pool : int, default=0
        When shuffling, sort each run of ``sort_pool * batch_size`` shuffled
        dialogues by length before cutting batches, then shuffle the batch
        order: batches hold dialogues of similar length, so less padding is
        computed. 0 keeps purely random batches.
    """

    def __init__(
        self,
        dataset: Dataset,
        batch_size: int,
        shuffle: bool = False,
        generator: torch.Generator | None = None,
        sort_pool: int = 0,
    ) -> None:
        self.data, self.positions = _unwrap(dataset)
        self.sort_pool = int(sort_pool)
        self.batch_size = len(self.positions) if batch_size == -1 else int(batch_size)
        self.shuffle = shuffle
        self.generator = generator
        self._lengths = self.data.lengths.cpu().numpy()

    def __len__(self) -> int:
        return -(-len(self.positions) // self.batch_size)

    def _order(self) -> np.ndarray:
        if not self.shuffle:
            return self.positions
        permutation = torch.randperm(len(self.positions), generator=self.generator).numpy()
        return self.positions[permutation]

    def _batches(self) -> list[np.ndarray]:
        order = self._order()
        if not (self.shuffle and self.sort_pool > 0):
            return [order[i : i + self.batch_size] for i in range(0, len(order), self.batch_size)]
        pool = self.sort_pool * self.batch_size
        batches = []
        for start in range(0, len(order), pool):
            part = order[start : start + pool]
            part = part[np.argsort(self._lengths[part], kind="stable")]
            batches.extend(
                part[i : i + self.batch_size] for i in range(0, len(part), self.batch_size)
            )
        permutation = torch.randperm(len(batches), generator=self.generator).numpy()
        return [batches[i] for i in permutation]

    def __iter__(self) -> Iterator[tuple[dict[str, torch.Tensor], tuple]]:
        data = self.data
        for chosen in self._batches():
            length = int(self._lengths[chosen].max())
            index = torch.as_tensor(chosen, device=data.x.device)
            x = data.x[index, :length]
            targets = (
                None if data.y is None else data.y[index],
                None if data.exchange_y is None else data.exchange_y[index, :length],
                None if data.exchange_mask is None else data.exchange_mask[index, :length],
            )
            yield {"x": x, "lengths": data.lengths[index]}, targets
