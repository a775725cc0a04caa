"""The multitask sequence classifier (skorch) and its torch network."""

from ._classifier import MultitaskSequenceClassifier, TrainingDivergedError
from ._network import MultitaskLoss, MultitaskRNN

__all__ = ["MultitaskLoss", "MultitaskRNN", "MultitaskSequenceClassifier", "TrainingDivergedError"]
