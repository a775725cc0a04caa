"""The multitask sequence networks (skorch), their torch modules and the meta-estimators."""

from ._batched import batch_signature, fit_batched
from ._calibration import PersonalOffsetCalibrator, personal_offset
from ._classifier import MultitaskSequenceClassifier, TrainingDivergedError
from ._ensemble import SeedEnsembleClassifier
from ._exchange import EXCHANGE_PROBA_COLUMNS, ExchangeClassifier
from ._multi_item import MultiItemClassifier, multi_item_targets
from ._network import MultitaskLoss, MultitaskRegressionLoss, MultitaskRNN
from ._regressor import MultitaskSequenceRegressor
from ._thresholded import ThresholdedRegressor
from ._two_stage import TwoStageClassifier

__all__ = [
    "EXCHANGE_PROBA_COLUMNS",
    "ExchangeClassifier",
    "MultiItemClassifier",
    "MultitaskLoss",
    "MultitaskRegressionLoss",
    "MultitaskRNN",
    "MultitaskSequenceClassifier",
    "MultitaskSequenceRegressor",
    "PersonalOffsetCalibrator",
    "SeedEnsembleClassifier",
    "ThresholdedRegressor",
    "TrainingDivergedError",
    "TwoStageClassifier",
    "batch_signature",
    "fit_batched",
    "multi_item_targets",
    "personal_offset",
]
