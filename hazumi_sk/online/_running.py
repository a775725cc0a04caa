"""Running per-feature statistics of a growing exchange sequence, updated in O(1) per row."""

from __future__ import annotations

from collections import deque
from typing import Any

import numpy as np

from ..preprocessing import POOLING_STATISTICS

__all__ = ["RUNNING_STATISTICS", "RunningStatistics"]

#: The statistics :class:`RunningStatistics` can report: every one of
#: :class:`~hazumi_sk.preprocessing.SequencePooler`, by the same names.
RUNNING_STATISTICS = POOLING_STATISTICS


class RunningStatistics:
    """Sufficient statistics of the rows seen so far, one value per feature.

    Every statistic of :class:`~hazumi_sk.preprocessing.SequencePooler` is
    available after each :meth:`update` without revisiting earlier rows: the
    count, Welford's running mean and sum of squared deviations (``std``), the
    running minimum and maximum, the first and last row, the sum of the first
    ``k`` rows (``head_mean``), the last ``k`` rows (``tail_mean``) and the
    co-moment of the values with the exchange index (``slope``). Memory and
    time per row do not grow with the dialogue.

    Parameters
    ----------
    n_features : int
        Width of each row.
    k : int, default=3
        Window of ``head_mean`` and ``tail_mean``. While fewer than ``k`` rows
        have been seen the window is all of them (as ``SequencePooler(short="use_all")``).

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.online import RunningStatistics
    >>> stats = RunningStatistics(1, k=2)
    >>> for value in (1.0, 3.0, 8.0):
    ...     stats.update(np.array([value]))
    >>> [float(stats.value(s)[0]) for s in ("mean", "std", "tail_mean", "slope")]
    [4.0, 2.943920288775949, 5.5, 3.5]
    """

    def __init__(self, n_features: int, k: int = 3) -> None:
        self.n_features = int(n_features)
        self.k = int(k)
        self.count = 0
        zeros = np.zeros(self.n_features)
        self.mean, self.m2 = zeros.copy(), zeros.copy()
        self.minimum, self.maximum = zeros.copy(), zeros.copy()
        self.first, self.last = zeros.copy(), zeros.copy()
        self.head_sum = zeros.copy()
        self.tail: deque[np.ndarray] = deque(maxlen=self.k)
        # Index t = 0, 1, ...: its running mean and sum of squares are closed-form, the
        # co-moment with the values is updated as Welford's bivariate form.
        self.comoment = zeros.copy()

    def update(self, row: np.ndarray) -> None:
        """Add one row (shape ``(n_features,)``)."""
        row = np.asarray(row, dtype=np.float64).reshape(self.n_features)
        t = float(self.count)
        self.count += 1
        n = self.count
        delta = row - self.mean
        t_delta = t - (n - 2) / 2.0 if n > 1 else 0.0  # t minus the previous index mean
        self.mean = self.mean + delta / n
        self.m2 = self.m2 + delta * (row - self.mean)
        self.comoment = self.comoment + t_delta * (row - self.mean) if n > 1 else self.comoment
        if n == 1:
            self.minimum, self.maximum, self.first = row.copy(), row.copy(), row.copy()
        else:
            self.minimum = np.minimum(self.minimum, row)
            self.maximum = np.maximum(self.maximum, row)
        self.last = row.copy()
        if n <= self.k:
            self.head_sum = self.head_sum + row
        self.tail.append(row.copy())

    def value(self, statistic: str) -> np.ndarray:
        """The current value of ``statistic`` (one of :data:`RUNNING_STATISTICS`)."""
        if self.count == 0:
            raise ValueError("RunningStatistics: no row has been added yet.")
        n = self.count
        if statistic == "mean":
            return self.mean.copy()
        if statistic == "std":
            return np.sqrt(np.maximum(self.m2, 0.0) / n)
        if statistic == "min":
            return self.minimum.copy()
        if statistic == "max":
            return self.maximum.copy()
        if statistic == "first":
            return self.first.copy()
        if statistic == "last":
            return self.last.copy()
        if statistic == "head_mean":
            return self.head_sum / min(n, self.k)
        if statistic == "tail_mean":
            return np.mean(np.vstack(self.tail), axis=0)
        if statistic == "slope":
            # Sum of squared deviations of 0..n-1 from their mean: n (n^2 - 1) / 12.
            t_m2 = n * (n * n - 1) / 12.0
            return self.comoment / t_m2 if t_m2 > 0 else np.zeros(self.n_features)
        raise ValueError(
            f"Unknown statistic {statistic!r}; choose from {list(RUNNING_STATISTICS)}."
        )

    def copy(self) -> RunningStatistics:
        """An independent copy (updating it leaves this one unchanged)."""
        other = RunningStatistics.__new__(RunningStatistics)
        other.__dict__.update(self.__dict__)  # the arrays are replaced, never changed in place
        other.tail = deque(self.tail, maxlen=self.k)
        return other

    # ------------------------------------------------------------- plain data
    def to_state(self) -> dict[str, Any]:
        """Everything as JSON-serialisable plain data (lists of floats)."""
        return {
            "n_features": self.n_features,
            "k": self.k,
            "count": self.count,
            "mean": self.mean.tolist(),
            "m2": self.m2.tolist(),
            "minimum": self.minimum.tolist(),
            "maximum": self.maximum.tolist(),
            "first": self.first.tolist(),
            "last": self.last.tolist(),
            "head_sum": self.head_sum.tolist(),
            "tail": [row.tolist() for row in self.tail],
            "comoment": self.comoment.tolist(),
        }

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> RunningStatistics:
        """Rebuild from :meth:`to_state` (bit-identical)."""
        stats = cls(state["n_features"], state["k"])
        stats.count = int(state["count"])
        for name in ("mean", "m2", "minimum", "maximum", "first", "last", "head_sum", "comoment"):
            value = np.asarray(state[name], dtype=np.float64)
            if value.shape != (stats.n_features,):
                raise ValueError(f"RunningStatistics state: {name!r} has shape {value.shape}.")
            setattr(stats, name, value)
        for row in state["tail"]:
            stats.tail.append(np.asarray(row, dtype=np.float64))
        return stats
