"""The multitask sequence classifier (skorch) and its torch network."""

from ._classifier import MultitaskSequenceClassifier, TrainingDivergedError
from ._ensemble import SeedEnsembleClassifier
from ._network import MultitaskLoss, MultitaskRNN
from ._thresholded import ThresholdedRegressor
from ._two_stage import TwoStageClassifier

__all__ = [
    "MultitaskLoss",
    "MultitaskRNN",
    "MultitaskSequenceClassifier",
    "SeedEnsembleClassifier",
    "ThresholdedRegressor",
    "TrainingDivergedError",
    "TwoStageClassifier",
]
