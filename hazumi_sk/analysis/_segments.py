"""Which part of a dialogue relates to the final impression (the paper's Figure 3)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..datasets import check_item, rating_table
from ..utils import StrictInterval, validate_params
from ._correlation import (
    LABEL_CONSTRAINTS,
    dialogue_label_means,
    exchange_label_table,
    paired_values,
    pearson,
)

_N_SEGMENTS = [StrictInterval(Integral, 1, None, closed="left")]

__all__ = ["segment_correlation", "segment_positions"]


@validate_params({"lengths": ["array-like"], "n_segments": _N_SEGMENTS})
def segment_positions(lengths: np.ndarray, n_segments: int) -> np.ndarray:
    """Segment (0-based) of every exchange when each dialogue is cut into ``n_segments``.

    The rule is :func:`numpy.array_split`'s: a dialogue of ``n`` exchanges is
    cut into contiguous segments of ``n // n_segments`` exchanges, and the first
    ``n % n_segments`` segments take one exchange more.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.analysis import segment_positions
    >>> segment_positions(np.array([7, 3]), 3).tolist()
    [0, 0, 0, 1, 1, 2, 2, 0, 1, 2]
    """
    lengths = np.asarray(lengths, dtype=np.int64)
    small, extra = np.divmod(lengths, n_segments)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    position = np.arange(lengths.sum()) - np.repeat(starts, lengths)
    small, extra = np.repeat(small, lengths), np.repeat(extra, lengths)
    long_part = extra * (small + 1)  # exchanges covered by the longer first segments
    return np.where(
        position < long_part,
        position // (small + 1),
        extra + (position - long_part) // np.maximum(small, 1),
    )


def _segment_means(labels: pd.DataFrame, n_segments: int) -> pd.DataFrame:
    lengths = labels.groupby("dialogue_id", sort=False).size()
    short = lengths[lengths < n_segments]
    if len(short):
        raise ValueError(
            f"Dialogue(s) {short.index.tolist()[:10]} have fewer exchanges ({short.tolist()[:10]}) "
            f"than n_segments={n_segments}."
        )
    # Stable sort keeps each dialogue's exchanges in their original order.
    labels = labels.sort_values("dialogue_id", kind="stable")
    lengths = lengths.reindex(labels["dialogue_id"].unique()).to_numpy()
    segments = segment_positions(lengths, n_segments) + 1
    means = labels.assign(segment=segments).groupby(["dialogue_id", "segment"])["label"].mean()
    return means.unstack("segment").reindex(columns=range(1, n_segments + 1))


@validate_params({**LABEL_CONSTRAINTS, "items": ["array-like"], "n_segments": _N_SEGMENTS})
def segment_correlation(
    dataset: Bunch,
    items: tuple[str, ...] | list[str] = ("worthwhile", "cold"),
    n_segments: int = 10,
    exchange_label: str = "SS",
    rating: str = "participant_post",
    *,
    not_rated: float | None = None,
    source: str = "exchanges",
) -> pd.DataFrame:
    """Pearson r between each dialogue segment's mean sentiment and the ratings.

    Every dialogue is cut into ``n_segments`` contiguous segments of near-equal
    exchange count (:func:`segment_positions`, the :func:`numpy.array_split`
    rule, counting not-rated exchanges too); the exchange label is averaged per
    segment (not-rated exchanges excluded) and correlated across dialogues with
    each item's rating. ``"overall"`` is the whole-dialogue mean, as in
    :func:`exchange_dialogue_correlation`.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        The Bunch of :func:`~hazumi_sk.datasets.load_hazumi` or
        :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.
    items : sequence of str, default=("worthwhile", "cold")
        Rapport items (the paper's Figure 3 shows these two).
    n_segments : int, default=10
        Number of segments per dialogue; every dialogue needs at least as many
        exchanges.
    exchange_label : {"SS", "TS_mean", "TC_mean"}, default="SS"
        Exchange-level label to average.
    rating : {"participant_post", "participant_pre", "third_party"}, default="participant_post"
        Which questionnaire (``"post"``/``"pre"`` are synonyms).
    not_rated : float, optional
        As in :func:`exchange_dialogue_correlation`.
    source : {"exchanges", "feature_rows"}, default="exchanges"
        As in :func:`exchange_dialogue_correlation`.

    Returns
    -------
    table : pandas.DataFrame
        Index: the items; columns: ``1 .. n_segments`` then ``"overall"``;
        values: Pearson r. A segment with no rated exchange in some dialogue
        leaves that dialogue out of that segment's correlation.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> from hazumi_sk.analysis import segment_correlation
    >>> data = make_synthetic_hazumi(random_state=0)
    >>> table = segment_correlation(data, items=["worthwhile"], n_segments=5)
    >>> table.columns.tolist()
    [1, 2, 3, 4, 5, 'overall']
    >>> bool((table > 0).all(axis=None))
    True
    """
    items = [check_item(item) for item in items]
    if not items:
        raise ValueError("items must name at least one rapport item.")
    ratings = rating_table(dataset, rating)
    labels = exchange_label_table(dataset, exchange_label, source, not_rated)
    per_segment = _segment_means(labels, n_segments)
    per_segment["overall"] = dialogue_label_means(labels)
    paired = paired_values(per_segment["overall"], ratings[items], None)
    per_segment = per_segment.reindex(paired.index)
    table = pd.DataFrame(
        index=pd.Index(items, name="item"), columns=per_segment.columns, dtype=float
    )
    for item in items:
        scores = paired[item].to_numpy(np.float64)
        for column in per_segment.columns:
            what = f"segment {column} {exchange_label} vs {rating} {item!r}"
            table.loc[item, column] = pearson(
                per_segment[column].to_numpy(np.float64), scores, what
            )[0]
    table.columns.name = "segment"
    return table
