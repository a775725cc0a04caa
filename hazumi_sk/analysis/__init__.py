"""Exchange/dialogue correlation analysis: how exchange sentiment relates to impressions."""

from ._correlation import average_by_polarity, exchange_dialogue_correlation, significance_mark
from ._plotting import plot_correlation_table, plot_segment_correlation
from ._segments import segment_correlation, segment_positions

__all__ = [
    "average_by_polarity",
    "exchange_dialogue_correlation",
    "plot_correlation_table",
    "plot_segment_correlation",
    "segment_correlation",
    "segment_positions",
    "significance_mark",
]
