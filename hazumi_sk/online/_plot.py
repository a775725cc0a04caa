"""The running impression of one dialogue, drawn exchange by exchange."""

from __future__ import annotations

import pandas as pd
from matplotlib.figure import Figure

__all__ = ["plot_trajectory"]


def plot_trajectory(trajectory: pd.DataFrame, title: str | None = None) -> Figure:
    """P(high) of each item after every exchange, with the exchange sentiment and self-reports.

    Parameters
    ----------
    trajectory : DataFrame
        One dialogue's rows of :meth:`ImpressionTracker.trajectory` (or of
        :func:`replay_dialogues`).
    title : str, optional
        Defaults to the dialogue id.

    Returns
    -------
    figure : matplotlib.figure.Figure
        Drawn without pyplot, so no backend is selected.

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.online import plot_trajectory
    >>> frame = pd.DataFrame({"dialogue_id": "d", "exchange": [0, 1], "item": "cold",
    ...                       "proba_high": [0.4, 0.6], "exchange_sentiment_proba_high": None,
    ...                       "self_report": None, "incremental": True})
    >>> len(plot_trajectory(frame).axes)
    1
    """
    figure = Figure(figsize=(8, 4), layout="constrained")
    ax = figure.add_subplot()
    for item, rows in trajectory.groupby("item", sort=False):
        ax.plot(rows["exchange"] + 1, rows["proba_high"], marker=".", linewidth=1, label=item)
    first = trajectory.drop_duplicates("exchange")
    sentiment = first.dropna(subset=["exchange_sentiment_proba_high"])
    if len(sentiment):
        ax.plot(sentiment["exchange"] + 1, sentiment["exchange_sentiment_proba_high"], "k--",
                linewidth=1, label="exchange sentiment P(high)")  # fmt: skip
    reports = first.dropna(subset=["self_report"])
    if len(reports):
        # Self-reports (1-7) drawn on the probability axis: 1 -> 0, 7 -> 1.
        ax.scatter(reports["exchange"] + 1, (reports["self_report"] - 1) / 6, marker="x",
                   color="k", label="self-report (1-7 scaled)")  # fmt: skip
    ax.axhline(0.5, color="grey", linewidth=0.5)
    ax.set_ylim(0, 1)
    ax.set_xlabel("exchange")
    ax.set_ylabel("P(high)")
    dialogue = str(trajectory["dialogue_id"].iloc[0]) if len(trajectory) else ""
    ax.set_title(title or f"running impression of {dialogue}")
    ax.legend(fontsize="small", ncol=2, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return figure
