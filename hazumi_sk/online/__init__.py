"""Live tracking: the running impression of dialogues in progress, one exchange at a time.

:class:`ImpressionTracker` wraps a fitted pipeline or a model bundle and turns
each new exchange into an :class:`Estimate` per item in O(1), equal to the
offline answer on the dialogue so far. See :doc:`/live`.
"""

from ._errors import (
    DuplicateDialogueError,
    EndedDialogueError,
    ExchangeError,
    TrackerError,
    UnknownDialogueError,
)
from ._forms import (
    IncrementalForm,
    incremental_form,
    input_feature_names,
    positive_column,
    used_features,
)
from ._plot import plot_trajectory
from ._replay import offline_trajectory, recorded_exchanges, recorded_times, replay_dialogues
from ._running import RUNNING_STATISTICS, RunningStatistics
from ._tracker import RESERVED_FIELDS, TRAJECTORY_COLUMNS, Estimate, ImpressionTracker

__all__ = [
    "DuplicateDialogueError",
    "EndedDialogueError",
    "Estimate",
    "ExchangeError",
    "ImpressionTracker",
    "IncrementalForm",
    "RESERVED_FIELDS",
    "RUNNING_STATISTICS",
    "RunningStatistics",
    "TRAJECTORY_COLUMNS",
    "TrackerError",
    "UnknownDialogueError",
    "incremental_form",
    "input_feature_names",
    "offline_trajectory",
    "plot_trajectory",
    "positive_column",
    "recorded_exchanges",
    "recorded_times",
    "replay_dialogues",
    "used_features",
]
