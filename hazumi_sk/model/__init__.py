"""The multitask sequence classifier (skorch) and its torch network."""

from ._classifier import MultitaskSequenceClassifier, TrainingDivergedError
from ._ensemble import SeedEnsembleClassifier
from ._multi_item import MultiItemClassifier, multi_item_targets
from ._network import MultitaskLoss, MultitaskRNN
from ._thresholded import ThresholdedRegressor
from ._two_stage import TwoStageClassifier

__all__ = [
    "MultiItemClassifier",
    "MultitaskLoss",
    "MultitaskRNN",
    "MultitaskSequenceClassifier",
    "SeedEnsembleClassifier",
    "ThresholdedRegressor",
    "TrainingDivergedError",
    "TwoStageClassifier",
    "multi_item_targets",
]
