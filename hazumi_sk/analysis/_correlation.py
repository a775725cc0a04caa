"""How exchange-level sentiment relates to dialogue-level impressions (the paper's Table 1)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from numbers import Real

import numpy as np
import pandas as pd
from scipy import stats
from sklearn.utils import Bunch

from ..datasets import (
    LABEL_COLUMNS,
    RAPPORT_ITEMS,
    check_exchange_label,
    check_threshold,
    dialogue_versions,
    exchange_label_values,
    item_polarity,
    rating_table,
)
from ..utils import StrictInterval, validate_params

__all__ = ["exchange_dialogue_correlation", "average_by_polarity", "significance_mark"]

#: Constraints of the arguments the correlation analyses share; the label, rating and
#: source names are checked against their vocabularies where they are used.
LABEL_CONSTRAINTS = {
    "dataset": "no_validation",  # a Bunch or any object with the tables as attributes
    "exchange_label": [str],
    "rating": [str],
    "not_rated": [StrictInterval(Real, None, None, closed="neither"), None],
    "source": [str],
}

#: Where the exchange labels are read from: the annotated (ELAN) exchanges of every
#: session, or the feature rows (dumpfile rows, only sessions that have features).
EXCHANGE_SOURCES = ("exchanges", "feature_rows")


@validate_params({"p": [Real, None]})
def significance_mark(p: float) -> str:
    """The paper's marks: ``"**"`` for p < 0.001, ``"*"`` for p < 0.05, else ``""``.

    Examples
    --------
    >>> from hazumi_sk.analysis import significance_mark
    >>> [significance_mark(p) for p in (0.0004, 0.01, 0.2)]
    ['**', '*', '']
    """
    if p is None or np.isnan(p):
        return ""
    return "**" if p < 0.001 else "*" if p < 0.05 else ""


def _check_not_rated(not_rated: float | None) -> float | None:
    if not_rated is None:
        return None
    if not isinstance(not_rated, Real) or isinstance(not_rated, bool) or np.isnan(not_rated):
        raise ValueError(f"not_rated must be None or a number, got {not_rated!r}.")
    return float(not_rated)


def exchange_label_table(
    dataset: Bunch, exchange_label: str, source: str, not_rated: float | None
) -> pd.DataFrame:
    """``dialogue_id`` and ``label`` per exchange, in exchange order, with not-rated handled.

    ``not_rated=None`` keeps not-rated exchanges as NaN (they are then excluded from
    every mean); a number substitutes it for them.
    """
    exchange_label = check_exchange_label(exchange_label)
    not_rated = _check_not_rated(not_rated)
    if source not in EXCHANGE_SOURCES:
        raise ValueError(f"Unknown source {source!r}; expected one of {list(EXCHANGE_SOURCES)}.")
    table = dataset.get(source)
    needed = LABEL_COLUMNS[exchange_label]
    if not isinstance(table, pd.DataFrame) or not {"dialogue_id", *needed} <= set(table.columns):
        raise ValueError(
            f"dataset.{source} must be a DataFrame with columns 'dialogue_id' and "
            f"{', '.join(map(repr, needed))}."
        )
    for column in needed:
        numbers = pd.to_numeric(table[column], errors="coerce")
        bad = numbers.isna() & table[column].notna()
        if bad.any():
            first = table.loc[bad].iloc[0]
            raise ValueError(
                f"dataset.{source}[{column!r}] has non-numeric value "
                f"{first[column]!r} (dialogue {first['dialogue_id']!r})."
            )
    numeric = table.assign(**{c: pd.to_numeric(table[c], errors="coerce") for c in needed})
    # Says plainly when a loaded corpus has no such label (Hazumi2010/2012: no self-sentiment)
    # instead of failing later on "need at least 3 dialogues ... got 0".
    versions = dialogue_versions(dataset, table["dialogue_id"].astype(str).to_numpy())
    labels = pd.Series(exchange_label_values(numeric, exchange_label, versions), index=table.index)
    if not_rated is not None:
        labels = labels.fillna(not_rated)
    return pd.DataFrame(
        {"dialogue_id": table["dialogue_id"].astype(str).to_numpy(), "label": labels.to_numpy()}
    )


def dialogue_label_means(labels: pd.DataFrame) -> pd.Series:
    """Mean label per dialogue, not-rated (NaN) exchanges excluded; NaN if none is rated."""
    return labels.groupby("dialogue_id", sort=True)["label"].mean()


def paired_values(
    means: pd.Series, ratings: pd.DataFrame, dialogue_ids: Iterable[str] | None
) -> pd.DataFrame:
    """Ratings of the dialogues that have a mean label, with the mean as column ``"_mean"``."""
    ratings = ratings.copy()
    ratings.index = ratings.index.astype(str)
    if dialogue_ids is not None:
        wanted = pd.Index([str(d) for d in dialogue_ids])
        unknown = wanted.difference(ratings.index.union(means.index))
        if len(unknown):
            raise ValueError(f"Unknown dialogue_ids: {unknown.tolist()[:10]}")
        ratings, means = ratings.reindex(wanted), means.reindex(wanted)
    without_mean = ratings.index.difference(means.dropna().index)
    if len(without_mean):
        warnings.warn(
            f"{len(without_mean)} rated dialogue(s) have no rated exchange and are left out: "
            f"{without_mean.tolist()[:10]}",
            UserWarning,
            stacklevel=3,
        )
    joined = ratings.join(means.rename("_mean"), how="inner")
    return joined[joined["_mean"].notna()]


def pearson(x: np.ndarray, y: np.ndarray, what: str) -> tuple[float, float]:
    """Pearson r and two-sided p over the pairs where both are present."""
    present = ~(np.isnan(x) | np.isnan(y))
    x, y = x[present], y[present]
    if x.size < 3:
        raise ValueError(f"{what}: need at least 3 dialogues for a correlation, got {x.size}.")
    if np.ptp(x) == 0 or np.ptp(y) == 0:
        warnings.warn(f"{what}: constant input, correlation undefined.", UserWarning, stacklevel=3)
        return np.nan, np.nan
    result = stats.pearsonr(x, y)
    return float(result.statistic), float(result.pvalue)


@validate_params(
    {
        **LABEL_CONSTRAINTS,
        "threshold": [StrictInterval(Real, None, None, closed="neither")],
        "dialogue_ids": [Iterable, None],
    }
)
def exchange_dialogue_correlation(
    dataset: Bunch,
    exchange_label: str = "SS",
    rating: str = "participant_post",
    threshold: float = 4,
    *,
    not_rated: float | None = None,
    source: str = "exchanges",
    dialogue_ids: Iterable[str] | None = None,
) -> pd.DataFrame:
    """Pearson correlation between mean exchange sentiment and each rapport item.

    For every dialogue the exchange label is averaged over its exchanges (not
    rated ones excluded), and this mean is correlated across dialogues with each
    of the 18 dialogue-level ratings -- the analysis of the paper's Table 1.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        The Bunch of :func:`~hazumi_sk.datasets.load_hazumi` or
        :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.
    exchange_label : {"SS", "TS_mean", "TC_mean", "SS_or_TS"}, default="SS"
        Self-sentiment, third-party sentiment (mean of the annotators),
        third-party topic continuance, or SS where the corpus has it and
        TS_mean on SS's scale elsewhere (see :func:`~hazumi_sk.datasets.to_xy`).
        A corpus without the label (SS on Hazumi2010/2012) raises a
        ``ValueError`` saying so.
    rating : {"participant_post", "participant_pre", "third_party"}, default="participant_post"
        Which questionnaire; ``"post"`` and ``"pre"`` are synonyms.
    threshold : float, default=4
        ``n_high`` counts ratings strictly above it, ``n_low`` the others.
    not_rated : float, optional
        ``None`` excludes not-rated exchanges (NaN labels) from the means; a
        number stands in for them instead. On Hazumi1902+1911, ``not_rated=3``
        reproduces the paper's self-sentiment column to within 0.001, the
        default to within 0.01 (see the analysis docs).
    source : {"exchanges", "feature_rows"}, default="exchanges"
        Average over the annotated (ELAN) exchanges of every session, or over
        the feature (dumpfile) rows of the sessions that have them.
    dialogue_ids : iterable of str, optional
        Restrict the analysis to these dialogues.

    Returns
    -------
    table : pandas.DataFrame
        Indexed by the 18 item names in questionnaire order, with columns
        ``polarity`` (``"positive"``/``"negative"`` wording), ``r``, ``p``
        (two-sided), ``significance`` (``"**"`` p < 0.001, ``"*"`` p < 0.05),
        ``n`` (dialogues used), ``n_high`` and ``n_low``.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> from hazumi_sk.analysis import exchange_dialogue_correlation
    >>> data = make_synthetic_hazumi(random_state=0)
    >>> table = exchange_dialogue_correlation(data)
    >>> bool(table.loc["worthwhile", "r"] > 0 > table.loc["cold", "r"])
    True
    >>> int(table.loc["worthwhile", "n_high"] + table.loc["worthwhile", "n_low"])
    60
    """
    threshold = check_threshold(threshold)
    ratings = rating_table(dataset, rating)
    missing = [item for item in RAPPORT_ITEMS if item not in ratings.columns]
    if missing:
        raise ValueError(f"The {rating!r} ratings lack item column(s) {missing}.")
    labels = exchange_label_table(dataset, exchange_label, source, not_rated)
    paired = paired_values(dialogue_label_means(labels), ratings, dialogue_ids)
    mean = paired["_mean"].to_numpy(np.float64)
    rows = []
    for item in RAPPORT_ITEMS:
        scores = paired[item].to_numpy(np.float64)
        r, p = pearson(mean, scores, f"{exchange_label} vs {rating} {item!r}")
        rated = scores[~np.isnan(scores)]
        rows.append(
            {
                "polarity": item_polarity(item),
                "r": r,
                "p": p,
                "significance": significance_mark(p),
                "n": int(rated.size),
                "n_high": int(np.sum(rated > threshold)),
                "n_low": int(np.sum(rated <= threshold)),
            }
        )
    return pd.DataFrame(rows, index=pd.Index(RAPPORT_ITEMS, name="item"))


@validate_params({"table": [pd.DataFrame], "column": [str]})
def average_by_polarity(table: pd.DataFrame, column: str = "r") -> pd.Series:
    """Mean of ``column`` over the positive and the negative items (the paper's "Average" rows).

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.analysis import average_by_polarity
    >>> table = pd.DataFrame({"polarity": ["positive", "negative", "positive"],
    ...                       "r": [0.2, -0.4, 0.4]})
    >>> average_by_polarity(table).round(2).to_dict()
    {'positive': 0.3, 'negative': -0.4}
    """
    if "polarity" not in table.columns or column not in table.columns:
        raise ValueError(f"table needs columns 'polarity' and {column!r}.")
    return table.groupby("polarity")[column].mean().reindex(["positive", "negative"])
