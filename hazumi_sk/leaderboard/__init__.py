"""Which method? Every dialogue-impression method under the same nested, repeated CV."""

from ._methods import (
    METHODS,
    PAPER_LSTM,
    DialogueStatistics,
    LeaderboardMethod,
    MeanExchangeLabel,
    available_methods,
)
from ._plot import plot_forest
from ._report import LeaderboardFiles, leaderboard_document, write_leaderboard_report
from ._run import (
    DEFAULT_PRESET,
    TINY_PRESET,
    LeaderboardPreset,
    LeaderboardResult,
    average_over_items,
    paired_comparisons,
    plan_leaderboard,
    run_leaderboard,
)

__all__ = [
    "DEFAULT_PRESET",
    "METHODS",
    "PAPER_LSTM",
    "TINY_PRESET",
    "DialogueStatistics",
    "LeaderboardFiles",
    "LeaderboardMethod",
    "LeaderboardPreset",
    "LeaderboardResult",
    "MeanExchangeLabel",
    "available_methods",
    "average_over_items",
    "leaderboard_document",
    "paired_comparisons",
    "plan_leaderboard",
    "plot_forest",
    "run_leaderboard",
    "write_leaderboard_report",
]
