"""Which method? Every dialogue-impression method under the same nested, repeated CV."""

from ._cross_corpus import (
    CROSS_CORPUS_COLUMNS,
    CROSS_CORPUS_FEATURE_SET,
    CROSS_CORPUS_METHODS,
    CROSS_CORPUS_TEST_CORPORA,
    check_cross_corpus_features,
    run_cross_corpus,
    synthetic_corpora,
)
from ._exchange_board import (
    EXCHANGE_METHODS,
    EXCHANGE_TARGETS,
    PUBLISHED_EXCHANGE_RESULTS,
    ExchangeBoardResult,
    exchange_splits,
    run_exchange_board,
)
from ._exchange_report import (
    ExchangeBoardFiles,
    exchange_board_document,
    write_exchange_board_report,
)
from ._fit import FittedItem, fit_method
from ._methods import (
    METHODS,
    PAPER_LSTM,
    ItemOfMultiItem,
    ItemTargets,
    LeaderboardMethod,
    MeanExchangeLabel,
    RatingRouter,
    available_methods,
    default_methods,
    item_targets,
)
from ._personal_items import personalised_item_scores
from ._plot import plot_cross_corpus, plot_forest
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
    "CROSS_CORPUS_COLUMNS",
    "CROSS_CORPUS_FEATURE_SET",
    "CROSS_CORPUS_METHODS",
    "CROSS_CORPUS_TEST_CORPORA",
    "DEFAULT_PRESET",
    "EXCHANGE_METHODS",
    "EXCHANGE_TARGETS",
    "FittedItem",
    "METHODS",
    "PUBLISHED_EXCHANGE_RESULTS",
    "PAPER_LSTM",
    "TINY_PRESET",
    "ExchangeBoardFiles",
    "ExchangeBoardResult",
    "ItemOfMultiItem",
    "ItemTargets",
    "LeaderboardFiles",
    "LeaderboardMethod",
    "LeaderboardPreset",
    "LeaderboardResult",
    "MeanExchangeLabel",
    "RatingRouter",
    "available_methods",
    "average_over_items",
    "check_cross_corpus_features",
    "default_methods",
    "exchange_board_document",
    "exchange_splits",
    "fit_method",
    "item_targets",
    "leaderboard_document",
    "paired_comparisons",
    "personalised_item_scores",
    "plan_leaderboard",
    "plot_cross_corpus",
    "plot_forest",
    "run_cross_corpus",
    "run_exchange_board",
    "run_leaderboard",
    "synthetic_corpora",
    "write_exchange_board_report",
    "write_leaderboard_report",
]
