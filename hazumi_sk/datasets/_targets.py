"""From a dataset Bunch to ``(X, y)``: one dialogue-level rapport item as a binary target."""

from __future__ import annotations

from numbers import Real

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

from ..sequences import RaggedSequences
from ._items import RAPPORT_ITEMS

__all__ = ["to_xy", "RATING_SOURCES", "EXCHANGE_LABELS", "ts_on_ss_scale", "exchange_label_values"]

#: Accepted ``rating`` names and the Bunch field each one reads.
RATING_SOURCES: dict[str, str] = {
    "post": "ratings_post",
    "participant_post": "ratings_post",
    "pre": "ratings_pre",
    "participant_pre": "ratings_pre",
    "third_party": "ratings_third_party",
}
#: Exchange-level labels a target can carry: self-sentiment, third-party sentiment
#: (mean of the annotators), third-party topic continuance, and ``SS_or_TS``: SS in
#: the corpora that have self-sentiment (1902, 1911), TS_mean on SS's scale elsewhere.
EXCHANGE_LABELS: tuple[str, ...] = ("SS", "TS_mean", "TC_mean", "SS_or_TS")
#: The table columns each exchange label is computed from.
LABEL_COLUMNS: dict[str, tuple[str, ...]] = {
    "SS": ("SS",),
    "TS_mean": ("TS_mean",),
    "TC_mean": ("TC_mean",),
    "SS_or_TS": ("SS", "TS_mean"),
}
_LABEL_NAMES = {
    "SS": "self-sentiment (no UI_self tier; only Hazumi1902 and Hazumi1911 have one)",
    "TS_mean": "third-party sentiment",
    "TC_mean": "third-party topic continuance",
}


def check_item(item: str) -> str:
    """Return ``item`` if it is one of the 18 rapport items, else raise a clear error."""
    if item not in RAPPORT_ITEMS:
        raise ValueError(f"Unknown rapport item {item!r}; expected one of {list(RAPPORT_ITEMS)}.")
    return item


def check_exchange_label(exchange_label: str) -> str:
    """Return ``exchange_label`` if it is one of :data:`EXCHANGE_LABELS`, else raise."""
    if exchange_label not in EXCHANGE_LABELS:
        raise ValueError(
            f"Unknown exchange_label {exchange_label!r}; expected one of {list(EXCHANGE_LABELS)}."
        )
    return exchange_label


def ts_on_ss_scale(ts_mean) -> np.ndarray:
    """Third-party mean sentiment on the self-sentiment scale: integers 1-7.

    ``TS_mean`` is a mean of five 1-7 labels, ``SS`` one integer 1-7. Rounding
    to the nearest integer with ties going *toward 4* (3.5 -> 4, 4.5 -> 4) maps
    the paper's TS ternary rule (high > 4.5, low < 3.5) exactly onto its SS
    rule (high >= 5, low <= 3), so both halves of ``SS_or_TS`` mean the same
    high / neutral / low. NaN stays NaN.

    Examples
    --------
    >>> from hazumi_sk.datasets import ts_on_ss_scale
    >>> ts_on_ss_scale([3.4, 3.5, 4.2, 4.5, 4.6, 6.8]).tolist()
    [3.0, 4.0, 4.0, 4.0, 5.0, 7.0]
    """
    values = np.asarray(ts_mean, dtype=np.float64)
    low = np.floor(values)
    tie = np.isclose(values - low, 0.5)
    nearest = np.floor(values + 0.5)
    return np.where(tie, np.where(values > 4, low, low + 1), nearest)


def _corpus_name(version: str) -> str:
    return f"Hazumi{version}" if str(version).isdigit() else f"corpus {version!r}"


def dialogue_versions(dataset: Bunch, dialogue_ids) -> np.ndarray:
    """The corpus version of each dialogue (``dataset.sessions``), ``"dataset"`` if unknown."""
    sessions = dataset.get("sessions") if isinstance(dataset, dict) else None
    ids = pd.Index(np.asarray(dialogue_ids).astype(str))
    if not isinstance(sessions, pd.DataFrame) or "version" not in sessions.columns:
        return np.full(len(ids), "dataset", dtype=object)
    versions = sessions["version"].copy()
    versions.index = versions.index.astype(str)
    return versions.reindex(ids).fillna("dataset").astype(str).to_numpy(dtype=object)


def exchange_label_values(table: pd.DataFrame, exchange_label: str, versions) -> np.ndarray:
    """``exchange_label`` per row of ``table``; a corpus without that label is an error.

    Parameters
    ----------
    table : pandas.DataFrame
        Rows with the columns :data:`LABEL_COLUMNS` names (``dataset.exchanges``
        or ``dataset.feature_rows``).
    exchange_label : str
        One of :data:`EXCHANGE_LABELS`.
    versions : array-like of str
        The corpus version of each row.

    Returns
    -------
    ndarray of float
        NaN where an exchange is not rated.

    Raises
    ------
    ValueError
        When every row of some corpus is NaN: the corpus does not have the label
        (e.g. Hazumi2010/2012 have no self-sentiment). The message names it.
    """
    versions = np.asarray(versions, dtype=object)
    if exchange_label == "SS_or_TS":
        ss = table["SS"].to_numpy(dtype=np.float64)
        has_ss = {v: bool(np.any(~np.isnan(ss[versions == v]))) for v in pd.unique(versions)}
        use_ss = np.array([has_ss[v] for v in versions], dtype=bool)
        ts = ts_on_ss_scale(table["TS_mean"].to_numpy(dtype=np.float64))
        values, missing_label = np.where(use_ss, ss, ts), "TS_mean"
    else:
        values = table[exchange_label].to_numpy(dtype=np.float64)
        missing_label = exchange_label
    lacking = [v for v in pd.unique(versions) if np.isnan(values[versions == v]).all()]
    if lacking:
        names = ", ".join(_corpus_name(v) for v in lacking)
        what = _LABEL_NAMES.get(missing_label, missing_label)
        advice = (
            " Use exchange_label='TS_mean' (third-party sentiment, every version) or "
            "'SS_or_TS' (SS where the corpus has it, TS_mean on SS's scale elsewhere)."
            if missing_label == "SS"
            else ""
        )
        raise ValueError(
            f"exchange_label={exchange_label!r}: {names} has no {what}; every one of its "
            f"exchanges would be NaN.{advice}"
        )
    return values


def check_threshold(threshold: float) -> float:
    """The rating threshold as a float (a real number, not NaN or a bool), else raise."""
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
    needed = LABEL_COLUMNS[exchange_label]
    if not isinstance(rows, pd.DataFrame) or not set(needed) <= set(rows.columns):
        raise ValueError(
            f"dataset.feature_rows must be a DataFrame with column(s) {list(needed)} "
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
    return exchange_label_values(rows, exchange_label, dialogue_versions(dataset, row_dialogues))


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
    exchange_label : {"SS", "TS_mean", "TC_mean", "SS_or_TS"}, default="SS"
        The exchange-level label the sequences carry (from
        ``dataset.feature_rows``; NaN where an exchange is not rated):
        self-sentiment (1902, 1911 only), the mean of the third-party
        sentiment or topic-continuance annotators (every version), or
        ``"SS_or_TS"``: ``SS`` in each corpus that has self-sentiment and
        elsewhere ``TS_mean`` rounded onto SS's integer 1-7 scale by
        :func:`ts_on_ss_scale` (ties toward 4, so the ternary rules agree).
        A label that a loaded corpus does not have at all (``SS`` on
        Hazumi2010/2012) raises a ``ValueError`` naming the corpus.

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
