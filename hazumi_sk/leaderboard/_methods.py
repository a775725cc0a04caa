"""The leaderboard's methods: how each one is built and which grid its nested CV searches.

Every method is a :class:`LeaderboardMethod`: a name, a builder of an unfitted
scikit-learn estimator that takes :class:`~hazumi_sk.sequences.RaggedSequences`
(one dialogue per sample) and a small grid for the inner CV. Methods written in
other subpackages (``SequencePooler``, ``TwoStageClassifier`` ...) are listed
only when their class can be imported, so the registry grows as they land.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from ..utils import check_ragged

__all__ = [
    "LSTM_FIT_SECONDS",
    "METHODS",
    "LeaderboardMethod",
    "available_methods",
    "DialogueStatistics",
    "MeanExchangeLabel",
]

#: Measured seconds of one default LSTM fit on 43 real dialogues (ALL features, 60 epochs,
#: 1 torch thread); used only to print the plan's time estimate.
LSTM_FIT_SECONDS = 6.0
#: Seconds of one pooled logistic-regression fit (order of magnitude, for the estimate).
FAST_FIT_SECONDS = 0.05
#: Logistic-regression strengths searched by the inner CV (full and tiny presets).
C_GRID = (0.01, 0.1, 1.0)
TINY_C_GRID = (0.1, 1.0)


class DialogueStatistics(TransformerMixin, BaseEstimator):
    """Per-dialogue mean and standard deviation of every exchange feature.

    Stands in for ``hazumi_sk.preprocessing.SequencePooler`` so that the pooled
    baseline exists before that class lands; NaN cells are ignored and an
    all-NaN column becomes 0 (the scaler's centre).

    Parameters
    ----------
    stats : tuple of {"mean", "std"}, default=("mean", "std")
        Statistics computed for each feature, concatenated in this order.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.leaderboard import DialogueStatistics
    >>> X = RaggedSequences.from_arrays([np.array([[1.0], [3.0]]), np.array([[5.0]])])
    >>> DialogueStatistics().fit_transform(X).tolist()
    [[2.0, 1.0], [5.0, 0.0]]
    """

    def __init__(self, stats: tuple[str, ...] = ("mean", "std")) -> None:
        self.stats = stats

    def fit(self, X: Any, y: Any = None) -> DialogueStatistics:
        """Check the statistics' names; nothing is learnt."""
        unknown = sorted(set(self.stats) - {"mean", "std"})
        if unknown or not self.stats:
            raise ValueError(f"stats must be a non-empty subset of ('mean', 'std'), got {unknown}.")
        self.n_features_in_ = check_ragged(X, type(self).__name__).n_features
        return self

    def transform(self, X: Any) -> np.ndarray:
        """One row per dialogue: the statistics of each column, in ``stats`` order."""
        X = check_ragged(X, type(self).__name__)
        rows = []
        for seq in X:
            with np.errstate(all="ignore"), _quiet_nan_warnings():
                parts = [
                    np.nanmean(seq, axis=0) if s == "mean" else np.nanstd(seq, axis=0)
                    for s in self.stats
                ]
            rows.append(np.concatenate(parts))
        return np.nan_to_num(np.vstack(rows), nan=0.0)


class MeanExchangeLabel(TransformerMixin, BaseEstimator):
    """The per-dialogue mean of the true exchange labels (``X.exchange_labels``).

    The oracle's only feature: the dialogue's mean self-sentiment as the
    participant rated it, which no behaviour-based model can know. Unrated
    exchanges are ignored; a dialogue with none gets the neutral 4.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.leaderboard import MeanExchangeLabel
    >>> X = RaggedSequences(np.zeros((3, 1)), [0, 2, 3], exchange_labels=[2.0, 6.0, np.nan])
    >>> MeanExchangeLabel().fit_transform(X).ravel().tolist()
    [4.0, 4.0]
    """

    def fit(self, X: Any, y: Any = None) -> MeanExchangeLabel:
        """Check that ``X`` carries exchange labels."""
        self._labels(X)
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Shape ``(n_dialogues, 1)``."""
        labels = self._labels(X)
        means = []
        for start, stop in zip(X.offsets[:-1], X.offsets[1:], strict=True):
            chunk = labels[start:stop]
            chunk = chunk[~np.isnan(chunk)]
            means.append(chunk.mean() if chunk.size else 4.0)
        return np.asarray(means, dtype=np.float64).reshape(-1, 1)

    @staticmethod
    def _labels(X: Any) -> np.ndarray:
        X = check_ragged(X, "MeanExchangeLabel")
        if X.exchange_labels is None:
            raise ValueError(
                "MeanExchangeLabel needs X.exchange_labels (the true exchange labels)."
            )
        return X.exchange_labels


class _quiet_nan_warnings:
    """Silence numpy's 'mean of empty slice' for all-NaN columns (handled afterwards)."""

    def __enter__(self) -> None:
        import warnings

        self._catcher = warnings.catch_warnings()
        self._catcher.__enter__()
        warnings.simplefilter("ignore", RuntimeWarning)

    def __exit__(self, *exc: Any) -> None:
        self._catcher.__exit__(*exc)


@dataclass(frozen=True)
class LeaderboardMethod:
    """One row family of the leaderboard.

    Parameters
    ----------
    name : str
        Identifier used by ``--methods`` and in every table.
    description : str
        One line for the report and the docs.
    build : callable
        ``build(feature_set, seed, tiny) -> estimator`` (unfitted, takes ``RaggedSequences``).
    grid : mapping of str to tuple
        The nested CV's candidates (pipeline parameter -> values); empty: nothing to choose.
    tiny_grid : mapping of str to tuple, optional
        The grid of the ``tiny`` preset (defaults to ``grid``).
    uses_features : bool, default=True
        False for methods that ignore the behaviour features (majority, oracle):
        they get one row per item, with ``feature_set`` "-".
    needs_exchange_labels : bool, default=False
        Reads ``X.exchange_labels`` at prediction time (the oracle).
    role : {"baseline", "model", "paper", "reference", "oracle"}, default="model"
        ``"baseline"`` methods compete for "best baseline"; ``"paper"`` marks the
        paper's LSTM; ``"reference"`` the majority class; ``"oracle"`` the ceiling.
    fit_seconds : float
        Rough seconds per fit on the real corpus, for the plan's estimate.
    requires : tuple of str
        ``"module:Class"`` names that must import for the method to be available.
    """

    name: str
    description: str
    build: Callable[[str, int, bool], Any]
    grid: Mapping[str, tuple] = field(default_factory=dict)
    tiny_grid: Mapping[str, tuple] | None = None
    uses_features: bool = True
    needs_exchange_labels: bool = False
    role: str = "model"
    fit_seconds: float = FAST_FIT_SECONDS
    requires: tuple[str, ...] = ()

    def build_pipeline(self, feature_set: str, seed: int, tiny: bool = False) -> Any:
        """An unfitted estimator for ``feature_set`` (ignored when ``uses_features`` is False)."""
        return self.build(feature_set, seed, tiny)

    def param_grid(self, tiny: bool = False) -> dict[str, list]:
        """The grid of the nested CV as a :class:`~sklearn.model_selection.ParameterGrid` dict."""
        grid = self.tiny_grid if tiny and self.tiny_grid is not None else self.grid
        return {name: list(values) for name, values in grid.items()}

    def n_candidates(self, tiny: bool = False) -> int:
        """Number of grid points (1 when there is nothing to choose)."""
        return int(np.prod([len(v) for v in self.param_grid(tiny).values()], dtype=int))

    def is_available(self) -> bool:
        """True when every class in ``requires`` imports (other engineers' code has landed)."""
        return all(_import(spec) is not None for spec in self.requires)


def _import(spec: str) -> Any:
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _select(feature_set: str) -> Any:
    from ..preprocessing import ModalitySelector

    return ModalitySelector(feature_set)


def _lr(seed: int) -> LogisticRegression:
    return LogisticRegression(C=1.0, max_iter=2000, random_state=seed)


def _majority(feature_set: str, seed: int, tiny: bool) -> Pipeline:
    # DummyClassifier needs a 2-D X; one pooled column is enough and cheap.
    return Pipeline([("pool", DialogueStatistics(stats=("mean",))), ("model", DummyClassifier())])


def _pooled_lr(feature_set: str, seed: int, tiny: bool) -> Pipeline:
    return Pipeline(
        [
            ("select", _select(feature_set)),
            ("pool", DialogueStatistics()),
            ("scale", StandardScaler()),
            ("model", _lr(seed)),
        ]
    )


def _oracle(feature_set: str, seed: int, tiny: bool) -> Pipeline:
    return Pipeline([("mean_label", MeanExchangeLabel()), ("model", _lr(seed))])


def _lstm(alpha: float) -> Callable[[str, int, bool], Pipeline]:
    def build(feature_set: str, seed: int, tiny: bool) -> Pipeline:
        from ..model import MultitaskSequenceClassifier
        from ..preprocessing import SequenceScaler

        size = {"hidden_size": 4, "head_size": 4, "max_epochs": 2} if tiny else {}
        model = MultitaskSequenceClassifier(
            alpha=alpha, random_state=seed, torch_num_threads=1, **size
        )
        return Pipeline(
            [("select", _select(feature_set)), ("scale", SequenceScaler()), ("model", model)]
        )

    return build


def _registry() -> dict[str, LeaderboardMethod]:
    methods = [
        LeaderboardMethod(
            "majority",
            "the training fold's majority class for every dialogue (the floor)",
            _majority,
            uses_features=False,
            role="reference",
        ),
        LeaderboardMethod(
            "pooled-lr",
            "per-dialogue mean+std of each exchange feature -> StandardScaler -> "
            "LogisticRegression, C chosen by the inner CV",
            _pooled_lr,
            grid={"model__C": C_GRID},
            tiny_grid={"model__C": TINY_C_GRID},
            role="baseline",
        ),
        LeaderboardMethod(
            "oracle",
            "LogisticRegression on the true mean exchange self-sentiment (not a method: "
            "the ceiling that behaviour features would reach by recovering it exactly)",
            _oracle,
            uses_features=False,
            needs_exchange_labels=True,
            role="oracle",
        ),
        LeaderboardMethod(
            "lstm-single",
            "the paper's LSTM(1-128), single task (alpha = 1: dialogue loss only), 60 epochs",
            _lstm(1.0),
            role="paper",
            fit_seconds=LSTM_FIT_SECONDS,
        ),
        LeaderboardMethod(
            "lstm-multitask",
            "the paper's LSTM(1-128) trained also on exchange self-sentiment, alpha = 0.7 "
            "(the paper's best for worthwhile; fixed to keep the run within 3 h)",
            _lstm(0.7),
            role="paper",
            fit_seconds=LSTM_FIT_SECONDS,
        ),
    ]
    return {m.name: m for m in methods}


#: Every method the leaderboard knows, by name (some may not be available yet).
METHODS: dict[str, LeaderboardMethod] = _registry()

#: The method the paired comparison calls "the paper's LSTM".
PAPER_LSTM = "lstm-multitask"


def available_methods() -> list[str]:
    """Names of the methods whose code is importable now, in registry order.

    Examples
    --------
    >>> from hazumi_sk.leaderboard import available_methods
    >>> "pooled-lr" in available_methods()
    True
    """
    return [name for name, method in METHODS.items() if method.is_available()]
