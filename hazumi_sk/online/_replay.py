"""Replay recorded dialogues exchange by exchange, and the offline answer to check them against."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pandas as pd
from tqdm.auto import tqdm

from ..sequences import RaggedSequences
from ._forms import positive_column
from ._tracker import ImpressionTracker

__all__ = ["offline_trajectory", "recorded_exchanges", "recorded_times", "replay_dialogues"]


def _position(X: RaggedSequences, dialogue_id: str) -> int:
    hits = np.flatnonzero(X.dialogue_ids == str(dialogue_id))
    if hits.size == 0:
        raise ValueError(
            f"Dialogue {dialogue_id!r} is not in the data ({X.n_dialogues} dialogues, e.g. "
            f"{X.dialogue_ids[:3].tolist()})."
        )
    return int(hits[0])


def recorded_exchanges(
    X: RaggedSequences, dialogue_id: str, names: Sequence[str], self_reports: bool = False
) -> Iterator[dict[str, Any]]:
    """The exchanges of one recorded dialogue as a live system would send them.

    Parameters
    ----------
    X : RaggedSequences
        Recorded dialogues with the model's input columns.
    dialogue_id : str
    names : sequence of str
        The features to send (``tracker.required_features``).
    self_reports : bool, default=False
        Also send each rated exchange's recorded label as ``"self_report"``.

    Yields
    ------
    exchange : dict
        Feature name -> value (and ``"self_report"``), in exchange order.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.online import recorded_exchanges
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> X = RaggedSequences(np.arange(6.0).reshape(3, 2), [0, 3], feature_names=["a", "b"],
    ...                     dialogue_ids=["d"], exchange_labels=[5.0, np.nan, 2.0])
    >>> [e for e in recorded_exchanges(X, "d", ["b"], self_reports=True)]
    [{'b': 1.0, 'self_report': 5.0}, {'b': 3.0}, {'b': 5.0, 'self_report': 2.0}]
    """
    i = _position(X, dialogue_id)
    columns = [int(np.flatnonzero(X.feature_names == n)[0]) for n in names]
    labels = X.labels_of(i) if X.exchange_labels is not None else None
    for t, row in enumerate(X.sequence(i)):
        exchange = {name: float(row[j]) for name, j in zip(names, columns, strict=True)}
        if self_reports and labels is not None and not np.isnan(labels[t]):
            exchange["self_report"] = float(labels[t])
        yield exchange


def replay_dialogues(
    tracker: ImpressionTracker,
    X: RaggedSequences,
    dialogue_ids: Sequence[str],
    self_reports: bool = False,
    progress: bool = True,
) -> pd.DataFrame:
    """Feed recorded dialogues through ``tracker`` one exchange at a time.

    Parameters
    ----------
    tracker : ImpressionTracker
    X : RaggedSequences
        The recorded dialogues (with the tracker's input columns).
    dialogue_ids : sequence of str
        Which dialogues, each tracked under its own id.
    self_reports : bool, default=False
        Send the recorded exchange labels as self-reports.
    progress : bool, default=True
        A tqdm bar over dialogues.

    Returns
    -------
    trajectories : DataFrame
        :data:`~hazumi_sk.online.TRAJECTORY_COLUMNS`, one row per dialogue x exchange x item.
    """
    frames = []
    for dialogue_id in tqdm(list(dialogue_ids), desc="replay", disable=not progress):
        started = tracker.start(str(dialogue_id))
        for exchange in recorded_exchanges(X, started, tracker.required_features, self_reports):
            tracker.update(started, exchange)
        tracker.end(started)
        frames.append(tracker.trajectory(started))
    return pd.concat(frames, ignore_index=True)


def offline_trajectory(
    model: Any, X: RaggedSequences, dialogue_id: str, self_reports: bool = False
) -> np.ndarray:
    """``model.predict_proba`` of every prefix of one dialogue: the P(high) after each exchange.

    What the tracker must reproduce; all prefixes go through the model in one call.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from hazumi_sk.online import offline_trajectory
    >>> from hazumi_sk.preprocessing import SequencePooler
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> X = RaggedSequences.from_arrays([[[0.0], [1.0]], [[5.0], [6.0]]])
    >>> model = make_pipeline(SequencePooler("mean"), LogisticRegression()).fit(X, [0, 1])
    >>> offline_trajectory(model, X, "1").shape
    (2,)
    """
    i = _position(X, dialogue_id)
    sequence = X.sequence(i)
    n = len(sequence)
    labels = X.labels_of(i) if (self_reports and X.exchange_labels is not None) else None
    prefixes = RaggedSequences(
        np.vstack([sequence[: t + 1] for t in range(n)]),
        np.concatenate([[0], np.cumsum(np.arange(1, n + 1))]),
        feature_names=X.feature_names,
        modalities=X.modalities,
        dialogue_ids=[f"{dialogue_id}:{t}" for t in range(n)],
        exchange_labels=None if labels is None else np.concatenate(
            [labels[: t + 1] for t in range(n)]
        ),
    )  # fmt: skip
    proba = np.asarray(model.predict_proba(prefixes))
    return proba[:, positive_column(model.classes_)]


def recorded_times(
    dataset: Any, X: RaggedSequences, dialogue_id: str, speed: float = 1.0
) -> np.ndarray:
    """When each exchange of a recorded dialogue ended, in seconds after the first one ended.

    A live system sends an exchange when it ends, so these are the offsets at which
    :func:`~hazumi_sk.serve.replay_to_server` sends them at the recorded pace.

    Parameters
    ----------
    dataset : Bunch
        The corpus ``X`` came from (its ``feature_rows`` hold ``start_ms`` and ``end_ms``).
    X : RaggedSequences
    dialogue_id : str
    speed : float, default=1.0
        Play faster (``> 1``) or slower than recorded.

    Returns
    -------
    seconds : ndarray of shape (n_exchanges,)
        Starting at 0, non-decreasing.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
    >>> from hazumi_sk.online import recorded_times
    >>> data = make_synthetic_hazumi(12, n_exchanges=(4, 6), random_state=0)
    >>> X, _ = to_xy(data, item="worthwhile")
    >>> times = recorded_times(data, X, X.dialogue_ids[0])
    >>> float(times[0]), bool((times[1:] > 0).all())
    (0.0, True)
    """
    if not speed > 0:
        raise ValueError(f"speed must be > 0, got {speed!r}.")
    i = _position(X, dialogue_id)
    rows = dataset.feature_rows
    rows = rows[rows["dialogue_id"] == str(dialogue_id)].sort_values("row")
    end = rows["end_ms"].to_numpy(dtype=np.float64)
    if end.size != X.lengths[i] or np.isnan(end).any():
        raise ValueError(
            f"Dialogue {dialogue_id!r}: {end.size} timed feature rows for {X.lengths[i]} "
            "exchanges; its recorded pace is unknown."
        )
    return np.maximum.accumulate(end - end[0]) / 1000.0 / speed
