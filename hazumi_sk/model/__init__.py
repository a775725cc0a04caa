"""The multitask sequence networks (skorch), their torch modules and the meta-estimators."""

from ._batched import batch_signature, fit_batched
from ._classifier import MultitaskSequenceClassifier, TrainingDivergedError
from ._ensemble import SeedEnsembleClassifier
from ._multi_item import MultiItemClassifier, multi_item_targets
from ._network import MultitaskLoss, MultitaskRegressionLoss, MultitaskRNN
from ._regressor import MultitaskSequenceRegressor
from ._thresholded import ThresholdedRegressor
from ._two_stage import TwoStageClassifier

__all__ = [
    "MultiItemClassifier",
    "MultitaskLoss",
    "MultitaskRegressionLoss",
    "MultitaskRNN",
    "MultitaskSequenceClassifier",
    "MultitaskSequenceRegressor",
    "SeedEnsembleClassifier",
    "ThresholdedRegressor",
    "TrainingDivergedError",
    "TwoStageClassifier",
    "batch_signature",
    "fit_batched",
    "multi_item_targets",
]
