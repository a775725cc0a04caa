"""From a dataset Bunch to ``(X, y)``: one dialogue-level rapport item as a binary target."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..sequences import RaggedSequences
from ._items import RAPPORT_ITEMS

__all__ = ["to_xy", "RATING_SOURCES", "EXCHANGE_LABELS"]

#: Accepted ``rating`` names and the Bunch field each one reads.
RATING_SOURCES: dict[str, str] = {
    "post": "ratings_post",
    "participant_post": "ratings_post",
    "pre": "ratings_pre",
    "participant_pre": "ratings_pre",
    "third_party": "ratings_third_party",
}
#: Exchange-level labels a target can carry: self-sentiment, third-party sentiment
#: (mean of the annotators) and third-party topic continuance.
EXCHANGE_LABELS: tuple[str, ...] = ("SS", "TS_mean", "TC_mean")


def check_item(item: str) -> str:
    """Return ``item`` if it is one of the 18 rapport items, else raise a clear error."""
    if item not in RAPPORT_ITEMS:
        raise ValueError(f"Unknown rapport item {item!r}; expected one of {list(RAPPORT_ITEMS)}.")
    return item


def check_exchange_label(exchange_label: str) -> str:
    if exchange_label not in EXCHANGE_LABELS:
        raise ValueError(
            f"Unknown exchange_label {exchange_label!r}; expected one of {list(EXCHANGE_LABELS)}."
        )
    return exchange_label


def check_threshold(threshold: float) -> float:
    if not isinstance(threshold, Real) or isinstance(threshold, bool) or np.isnan(threshold):
        raise ValueError(f"threshold must be a real number, got {threshold!r}.")
    return float(threshold)


def rating_table(dataset: Bunch, rating: str) -> pd.DataFrame:
    """The dialogue x item ratings DataFrame that ``rating`` names."""
    if rating not in RATING_SOURCES:
        raise ValueError(f"Unknown rating {rating!r}; expected one of {list(RATING_SOURCES)}.")
    field = RATING_SOURCES[rating]
    table = getattr(dataset, field, None) if not isinstance(dataset, dict) else dataset.get(field)
    if not isinstance(table, pd.DataFrame):
        raise ValueError(f"The dataset has no DataFrame {field!r} (needed for rating={rating!r}).")
    return table


def _feature_rows_labels(dataset: Bunch, features: RaggedSequences, exchange_label: str):
    rows = dataset.get("feature_rows")
    if not isinstance(rows, pd.DataFrame) or exchange_label not in rows.columns:
        raise ValueError(
            f"dataset.feature_rows must be a DataFrame with column {exchange_label!r} "
            "(one row per feature row)."
        )
    if len(rows) != features.n_exchanges:
        raise ValueError(
            f"dataset.feature_rows has {len(rows)} rows but dataset.features has "
            f"{features.n_exchanges}; they must be aligned."
        )
    row_dialogues = rows["dialogue_id"].astype(str).to_numpy()
    if not np.array_equal(row_dialogues, features.dialogue_ids[features.dialogue_index]):
        raise ValueError("dataset.feature_rows.dialogue_id is not aligned with dataset.features.")
    return rows[exchange_label].to_numpy(dtype=np.float64)


def to_xy(
    dataset: Bunch,
    item: str = "worthwhile",
    rating: str = "post",
    threshold: float = 4,
    exchange_label: str = "SS",
) -> tuple[RaggedSequences, np.ndarray]:
    """Sequences and binary high/low labels for one dialogue-level rapport item.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        The Bunch of :func:`load_hazumi` or :func:`make_synthetic_hazumi`.
    item : str, default="worthwhile"
        One of the 18 :data:`RAPPORT_ITEMS`.
    rating : {"post", "pre", "third_party"}, default="post"
        Participant post-dialogue, participant pre-dialogue or third-party
        (mean of the annotators) questionnaire. ``"participant_post"`` and
        ``"participant_pre"`` are accepted as synonyms.
    threshold : float, default=4
        A dialogue is *high* (1) when its rating is strictly greater.
    exchange_label : {"SS", "TS_mean", "TC_mean"}, default="SS"
        The exchange-level label the sequences carry (from
        ``dataset.feature_rows``; NaN where an exchange is not rated).

    Returns
    -------
    X : RaggedSequences
        ``dataset.features`` restricted to the dialogues that have both feature
        rows and a (non-missing) rating of ``item``, in their original order,
        with ``exchange_labels`` set to ``exchange_label``.
    y : ndarray of int of shape (n_dialogues,)
        ``(rating > threshold)`` of each dialogue of ``X``.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
    >>> data = make_synthetic_hazumi(n_dialogues=10, n_exchanges=(5, 8),
    ...                              feature_dims={"L": 20}, random_state=0)
    >>> X, y = to_xy(data, item="cold", rating="post", threshold=4)
    >>> len(X) == len(y) == 9  # one synthetic dialogue has no feature rows
    True
    >>> sorted(set(y.tolist()))
    [0, 1]
    """
    item = check_item(item)
    exchange_label = check_exchange_label(exchange_label)
    threshold = check_threshold(threshold)
    ratings = rating_table(dataset, rating)
    if item not in ratings.columns:
        raise ValueError(f"The {rating!r} ratings have no column {item!r}.")
    features = dataset.get("features")
    if not isinstance(features, RaggedSequences):
        raise ValueError("dataset.features must be a RaggedSequences.")
    labels = _feature_rows_labels(dataset, features, exchange_label)

    scores = ratings[item].reindex(pd.Index(features.dialogue_ids)).to_numpy(dtype=np.float64)
    keep = ~np.isnan(scores)
    if not keep.any():
        raise ValueError(f"No dialogue has both feature rows and a {rating!r} rating of {item!r}.")
    X = features.with_exchange_labels(labels)[keep]
    return X, (scores[keep] > threshold).astype(np.int64)
