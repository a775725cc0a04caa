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
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, TransformerMixin, clone
from sklearn.decomposition import PCA
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..utils import check_ragged

__all__ = [
    "LSTM_FIT_SECONDS",
    "METHODS",
    "ItemOfMultiItem",
    "ItemTargets",
    "LeaderboardMethod",
    "MeanExchangeLabel",
    "RatingRouter",
    "available_methods",
    "default_methods",
    "item_targets",
]

#: Mean seconds of one default LSTM fit on 43 real dialogues in the full default run of
#: 2026-12-01 (ALL -> PCA(32), 60 epochs, 1 torch thread, 2 jobs on 2 shared cores); for
#: the plan. That run took 1 h 54 min; with 7 s and 0.05 s below the plan had said 67 min.
LSTM_FIT_SECONDS = 10.0
#: Seconds of one pooled-regression fit including joblib's per-cell overhead (same run).
FAST_FIT_SECONDS = 0.1
#: Logistic-regression strengths searched by the inner CV (full and tiny presets).
C_GRID = (0.01, 0.1, 1.0)
TINY_C_GRID = (0.1, 1.0)
#: Exchange PCA components in front of the LSTMs and of pca-pooled-lr.
PCA_COMPONENTS = 32
#: The leaderboard column holding each item's oracle score, and the oracle's name in every
#: report table and plot legend: what it is given, and that it is a reference line, not a
#: ceiling (it sees self-sentiment only; behaviour features may carry more about an item).
ORACLE_COLUMN = "true_mean_self_sentiment"
ORACLE_LABEL = "oracle: true mean self-sentiment (reference)"


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
        """Check that ``X`` carries exchange labels (nothing is learned)."""
        self._labels(X)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: Any) -> np.ndarray:
        """Shape ``(n_dialogues, 1)``."""
        check_is_fitted(self)
        labels = self._labels(X)
        means = []
        for start, stop in zip(X.offsets[:-1], X.offsets[1:], strict=True):
            chunk = labels[start:stop]
            chunk = chunk[~np.isnan(chunk)]
            means.append(chunk.mean() if chunk.size else 4.0)
        return np.asarray(means, dtype=np.float64).reshape(-1, 1)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The one output column, ``mean_exchange_label``."""
        check_is_fitted(self)
        return np.asarray(["mean_exchange_label"], dtype=object)

    @staticmethod
    def _labels(X: Any) -> np.ndarray:
        X = check_ragged(X, "MeanExchangeLabel")
        if X.exchange_labels is None:
            raise ValueError(
                "MeanExchangeLabel needs X.exchange_labels (the true exchange labels)."
            )
        return X.exchange_labels


@dataclass(frozen=True)
class ItemTargets:
    """What a rating-aware or multi-item method may learn from, keyed by dialogue id.

    Estimators look up only the dialogues they are fitted on, so a test fold's
    ratings and labels never reach a fit.

    Attributes
    ----------
    item : str
        The item being scored.
    ratings : tuple of (str, float)
        The item's raw post-dialogue rating of each dialogue.
    labels : tuple of (str, tuple of float)
        Every item's binary label (NaN: not rated) of each dialogue.
    items : tuple of str
        The order of ``labels``' inner tuples.
    item_index : int
        Position of ``item`` in ``items``.
    """

    item: str
    ratings: tuple
    labels: tuple
    items: tuple
    item_index: int


def item_targets(dataset: Any, X: Any, item: str) -> ItemTargets:
    """The :class:`ItemTargets` of ``item`` for the dialogues of ``X`` (from ``to_xy``).

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
    >>> from hazumi_sk.leaderboard import item_targets
    >>> data = make_synthetic_hazumi(12, n_exchanges=(4, 6), random_state=0)
    >>> X, y = to_xy(data, item="worthwhile")
    >>> t = item_targets(data, X, "worthwhile")
    >>> [int(r > 4) for _, r in t.ratings] == y.tolist()
    True
    """
    from ..datasets import RAPPORT_ITEMS
    from ..model import multi_item_targets

    ids = [str(d) for d in X.dialogue_ids]
    ratings = dataset.ratings_post[item].reindex(ids).astype(float)
    labels = multi_item_targets(dataset, X, items=RAPPORT_ITEMS)
    return ItemTargets(
        item=item,
        ratings=tuple(zip(ids, ratings.tolist(), strict=True)),
        labels=tuple((d, tuple(row)) for d, row in zip(ids, labels.to_numpy().tolist(),
                                                       strict=True)),
        items=tuple(RAPPORT_ITEMS),
        item_index=list(RAPPORT_ITEMS).index(item),
    )  # fmt: skip


class RatingRouter(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Pass each training dialogue's raw rating to ``estimator.fit`` as a fit parameter.

    The leaderboard's engine calls ``fit(X, y)`` only; this wrapper looks the
    ratings of the dialogues in ``X`` up by id (training dialogues only) so that
    a :class:`~hazumi_sk.model.ThresholdedRegressor` learns the 1-8 rating.

    Parameters
    ----------
    estimator : estimator
        Fitted as ``estimator.fit(X, y, **{fit_param: ratings})``.
    ratings : tuple of (str, float)
        ``(dialogue id, rating)`` pairs, e.g. :attr:`ItemTargets.ratings`.
    fit_param : str, default="rating"
        Name of the fit parameter (``"<step>__rating"`` inside a pipeline).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from hazumi_sk.leaderboard import RatingRouter
    >>> from hazumi_sk.preprocessing import SequencePooler
    >>> from hazumi_sk.model import ThresholdedRegressor
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from sklearn.pipeline import Pipeline
    >>> X = RaggedSequences.from_arrays([np.full((2, 1), r) for r in (1.0, 3.0, 5.0, 7.0)])
    >>> pipe = Pipeline([("pool", SequencePooler("mean")),
    ...                  ("model", ThresholdedRegressor(LinearRegression()))])
    >>> ratings = tuple(zip(X.dialogue_ids, (1.0, 3.0, 5.0, 7.0)))
    >>> clf = RatingRouter(pipe, ratings, fit_param="model__rating").fit(X, [0, 0, 1, 1])
    >>> clf.predict(X).tolist()
    [0, 0, 1, 1]
    """

    def __init__(self, estimator: Any, ratings: tuple = (), fit_param: str = "rating") -> None:
        self.estimator = estimator
        self.ratings = ratings
        self.fit_param = fit_param

    def fit(self, X: Any, y: Any) -> RatingRouter:
        """Fit ``estimator`` on ``X, y`` and the looked-up ratings of ``X``'s dialogues."""
        X = check_ragged(X, "RatingRouter")  # the ratings are looked up by dialogue id
        lookup = dict(self.ratings)
        missing = [d for d in X.dialogue_ids if d not in lookup]
        if missing:
            raise ValueError(f"RatingRouter: no rating for dialogue(s) {missing[:3]}.")
        rating = np.array([lookup[d] for d in X.dialogue_ids], dtype=np.float64)
        self.estimator_ = clone(self.estimator).fit(X, y, **{self.fit_param: rating})
        self.classes_ = self.estimator_.classes_
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def predict(self, X: Any) -> np.ndarray:
        """The wrapped estimator's predictions."""
        check_is_fitted(self)
        return self.estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        """The wrapped estimator's probabilities."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)


class ItemOfMultiItem(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Fit a multi-item model on every item's labels, predict one item.

    Parameters
    ----------
    estimator : estimator
        Fitted on ``(X, Y)`` with ``Y`` of shape ``(n_dialogues, n_items)`` (NaN:
        not rated), e.g. a pipeline ending in :class:`~hazumi_sk.model.MultiItemClassifier`.
    labels : tuple of (str, tuple of float)
        :attr:`ItemTargets.labels`; only the training dialogues are looked up.
    item_index : int, default=0
        Column of the item scored.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import Pipeline
    >>> from hazumi_sk.leaderboard import ItemOfMultiItem
    >>> from hazumi_sk.preprocessing import SequencePooler
    >>> from hazumi_sk.model import MultiItemClassifier
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> rng = np.random.default_rng(0)
    >>> level = rng.normal(size=20)
    >>> X = RaggedSequences.from_arrays([np.full((3, 1), v) for v in level])
    >>> labels = tuple((d, (float(v > 0), float(v > 0.2))) for d, v in zip(X.dialogue_ids, level))
    >>> pipe = Pipeline([("pool", SequencePooler("mean")),
    ...                  ("model", MultiItemClassifier(n_components=1))])
    >>> clf = ItemOfMultiItem(pipe, labels, item_index=1).fit(X, (level > 0.2).astype(int))
    >>> clf.predict(X).shape
    (20,)
    """

    def __init__(self, estimator: Any, labels: tuple = (), item_index: int = 0) -> None:
        self.estimator = estimator
        self.labels = labels
        self.item_index = item_index

    def fit(self, X: Any, y: Any) -> ItemOfMultiItem:
        """Fit ``estimator`` on the labels of every item of ``X``'s dialogues."""
        X = check_ragged(X, "ItemOfMultiItem")  # the labels are looked up by dialogue id
        lookup = dict(self.labels)
        missing = [d for d in X.dialogue_ids if d not in lookup]
        if missing:
            raise ValueError(f"ItemOfMultiItem: no labels for dialogue(s) {missing[:3]}.")
        y = np.asarray(y)
        if y.shape != (X.n_dialogues,):
            raise ValueError(f"y has shape {y.shape}, X has {X.n_dialogues} dialogues.")
        Y = np.array([lookup[d] for d in X.dialogue_ids], dtype=np.float64)
        column = Y[:, self.item_index]
        if not np.array_equal(column[~np.isnan(column)], y[~np.isnan(column)]):
            raise ValueError("ItemOfMultiItem: labels[item_index] disagree with y.")
        # An item with one class on a small training fold cannot train its head; drop it
        # (the scored item has both classes: the folds are stratified on it).
        n_classes = [np.unique(Y[~np.isnan(Y[:, j]), j]).size for j in range(Y.shape[1])]
        keep = [j for j, n in enumerate(n_classes) if j == self.item_index or n == 2]
        self.items_used_ = np.asarray(keep)
        self.column_ = keep.index(self.item_index)
        self.estimator_ = clone(self.estimator).fit(X, Y[:, keep])
        self.classes_ = np.asarray(self.estimator_.classes_[self.column_])
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Labels of the scored item."""
        check_is_fitted(self)
        return np.asarray(self.estimator_.predict(X))[:, self.column_].astype(int)

    def predict_proba(self, X: Any) -> np.ndarray:
        """Probabilities of the scored item."""
        check_is_fitted(self)
        return self.estimator_.predict_proba(X)[self.column_]


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
        ``build(feature_set, seed, tiny, targets) -> estimator`` (unfitted, takes
        ``RaggedSequences``; ``targets`` is None unless ``uses_item_targets``).
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
        paper's LSTM; ``"reference"`` the majority class; ``"oracle"`` the oracle, a
        reference line (the true mean self-sentiment; not a ceiling).
    fit_seconds : float
        Rough seconds per fit on the real corpus, for the plan's estimate.
    requires : tuple of str
        ``"module:Class"`` names that must import for the method to be available.
    uses_item_targets : bool, default=False
        ``build`` receives the item's :class:`ItemTargets` (ratings, all items' labels).
    in_default : bool, default=True
        Part of the run when no methods are named (False: too slow for the 3 h budget).
    """

    name: str
    description: str
    build: Callable[..., Any]
    grid: Mapping[str, tuple] = field(default_factory=dict)
    tiny_grid: Mapping[str, tuple] | None = None
    uses_features: bool = True
    needs_exchange_labels: bool = False
    role: str = "model"
    fit_seconds: float = FAST_FIT_SECONDS
    requires: tuple[str, ...] = ()
    uses_item_targets: bool = False
    in_default: bool = True

    def build_pipeline(
        self, feature_set: str, seed: int, tiny: bool = False, targets: ItemTargets | None = None
    ) -> Any:
        """An unfitted estimator for ``feature_set`` (ignored when ``uses_features`` is False).

        ``targets`` (the item's ratings and every item's labels) is required when
        ``uses_item_targets`` is True; the estimator only looks up its *training*
        dialogues in it.
        """
        if self.uses_item_targets and targets is None:
            raise ValueError(f"Method {self.name!r} needs targets=ItemTargets(...).")
        return self.build(feature_set, seed, tiny, targets)

    def param_grid(self, tiny: bool = False) -> dict[str, list]:
        """The grid of the nested CV as a :class:`~sklearn.model_selection.ParameterGrid` dict."""
        grid = self.tiny_grid if tiny and self.tiny_grid is not None else self.grid
        return {name: list(values) for name, values in grid.items()}

    def n_candidates(self, tiny: bool = False) -> int:
        """Number of grid points (1 when there is nothing to choose)."""
        return int(np.prod([len(v) for v in self.param_grid(tiny).values()], dtype=int))

    def is_available(self) -> bool:
        """True when every class in ``requires`` imports (other engineers' code has landed)."""
        return not self.missing()

    def missing(self) -> list[str]:
        """The ``requires`` entries that do not import now."""
        return [spec for spec in self.requires if _import(spec) is None]


def _import(spec: str) -> Any:
    module, _, name = spec.partition(":")
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError):
        return None


def _select(feature_set: str) -> Any:
    from ..preprocessing import ModalitySelector

    return ModalitySelector(feature_set)


def _lr(seed: int, C: float = 1.0) -> LogisticRegression:
    return LogisticRegression(C=C, max_iter=2000, random_state=seed)


def _exchange_pca(n_components: int, seed: int) -> Any:
    from ..preprocessing import SequenceTransformer

    # Seeded: on thousands of exchanges x 485 columns PCA's "auto" solver is the randomised
    # one, so an unseeded PCA gives another projection on every run.
    return SequenceTransformer(PCA(n_components=n_components, random_state=seed))


def _pooled(feature_set: str, model: Any, pca: int | None = None, seed: int = 0) -> Pipeline:
    """``select -> [scale -> exchange PCA] -> mean+std per dialogue -> StandardScaler -> model``."""
    from ..preprocessing import SequencePooler, SequenceScaler

    steps = [("select", _select(feature_set))]
    if pca is not None:
        # PCA needs the exchange columns on one scale first.
        steps += [("exchange_scale", SequenceScaler()),
                  ("pca", _exchange_pca(pca, seed))]  # fmt: skip
    steps += [("pool", SequencePooler(stats=("mean", "std"))), ("scale", StandardScaler())]
    return Pipeline([*steps, ("model", model)])


def _majority(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Pipeline:
    from ..preprocessing import SequencePooler

    # DummyClassifier needs a 2-D X; the pooled means are cheap and ignored.
    return Pipeline(
        [("pool", SequencePooler(stats=("mean",))), ("model", DummyClassifier(random_state=seed))]
    )


def _pooled_lr(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Pipeline:
    return _pooled(feature_set, _lr(seed))


def _pca_pooled_lr(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Pipeline:
    return _pooled(feature_set, _lr(seed), pca=2 if tiny else PCA_COMPONENTS, seed=seed)


def _oracle(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Pipeline:
    return Pipeline([("mean_label", MeanExchangeLabel()), ("model", _lr(seed))])


def _thresholded_ridge(feature_set: str, seed: int, tiny: bool, targets: Any) -> Any:
    from ..model import ThresholdedRegressor

    pipe = _pooled(
        feature_set, ThresholdedRegressor(Ridge(alpha=100.0, random_state=seed), threshold=4.0)
    )
    return RatingRouter(pipe, ratings=targets.ratings, fit_param="model__rating")


def _multi_item(feature_set: str, seed: int, tiny: bool, targets: Any) -> Any:
    from ..model import MultiItemClassifier

    pipe = _pooled(feature_set, MultiItemClassifier(n_components=2))
    return ItemOfMultiItem(pipe, labels=targets.labels, item_index=targets.item_index)


def _two_stage(per_dialogue: bool) -> Callable[..., Pipeline]:
    def build(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Pipeline:
        from ..model import TwoStageClassifier
        from ..preprocessing import SequenceScaler

        scaler = SequenceScaler(per_dialogue=per_dialogue, keep_dialogue_means=per_dialogue)
        # A strongly regularised stage 1 (485 exchange columns) keeps a fit under 2 s; 3
        # out-of-fold splits instead of 5 halve its cost. Fixed, not searched (budget).
        model = TwoStageClassifier(
            exchange_estimator=_lr(seed, C=0.01),
            dialogue_estimator=make_pipeline(StandardScaler(), _lr(seed)),
            cv=2 if tiny else 3,
        )
        return Pipeline([("select", _select(feature_set)), ("scale", scaler), ("model", model)])

    return build


def _lstm_size(tiny: bool) -> dict[str, int]:
    return {"hidden_size": 4, "head_size": 4, "max_epochs": 2} if tiny else {}


def _sequence_pipeline(feature_set: str, model: Any, tiny: bool, seed: int) -> Pipeline:
    from ..preprocessing import SequenceScaler

    # PCA(32) in front: measured 14 s instead of 24 s per fit on ALL (485 columns).
    pca = _exchange_pca(2 if tiny else PCA_COMPONENTS, seed)
    return Pipeline(
        [("select", _select(feature_set)), ("scale", SequenceScaler()), ("pca", pca),
         ("model", model)]
    )  # fmt: skip


def _lstm_pipeline(feature_set: str, alpha: float, seed: int, tiny: bool) -> Pipeline:
    from ..model import MultitaskSequenceClassifier

    model = MultitaskSequenceClassifier(
        alpha=alpha, random_state=seed, torch_num_threads=1, **_lstm_size(tiny)
    )
    return _sequence_pipeline(feature_set, model, tiny, seed)


def _lstm_regression(feature_set: str, seed: int, tiny: bool, targets: Any) -> Any:
    from ..model import MultitaskSequenceRegressor, ThresholdedRegressor

    network = MultitaskSequenceRegressor(
        alpha=0.7, random_state=seed, torch_num_threads=1, **_lstm_size(tiny)
    )
    regressor = ThresholdedRegressor(network, threshold=4.0)
    pipe = _sequence_pipeline(feature_set, regressor, tiny, seed)
    return RatingRouter(pipe, ratings=targets.ratings, fit_param="model__rating")


def _lstm(alpha: float) -> Callable[..., Pipeline]:
    def build(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Pipeline:
        return _lstm_pipeline(feature_set, alpha, seed, tiny)

    return build


def _seed_ensemble(feature_set: str, seed: int, tiny: bool, targets: Any = None) -> Any:
    from ..model import SeedEnsembleClassifier

    member = _lstm_pipeline(feature_set, 0.7, seed, tiny)
    return SeedEnsembleClassifier(member, n_seeds=2 if tiny else 3, random_state=seed)


_POOLER = "hazumi_sk.preprocessing:SequencePooler"
_TRANSFORMER = "hazumi_sk.preprocessing:SequenceTransformer"


def _registry() -> dict[str, LeaderboardMethod]:
    # Only pooled-lr searches in the tiny preset (tests): the other grids' names are
    # checked without fitting (tests/test_leaderboard.py), which keeps --tiny in seconds.
    c_grid = {"grid": {"model__C": C_GRID}, "tiny_grid": {"model__C": TINY_C_GRID}}
    methods = [
        LeaderboardMethod(
            "majority",
            "the training fold's majority class for every dialogue (the floor)",
            _majority,
            uses_features=False,
            role="reference",
            requires=(_POOLER,),
        ),
        LeaderboardMethod(
            "pooled-lr",
            "SequencePooler (per-dialogue mean+std of each exchange feature) -> "
            "StandardScaler -> LogisticRegression, C in {0.01, 0.1, 1}",
            _pooled_lr,
            **c_grid,
            role="baseline",
            requires=(_POOLER,),
        ),
        LeaderboardMethod(
            "pca-pooled-lr",
            "SequenceScaler -> SequenceTransformer(PCA(32)) on the exchanges -> "
            "mean+std pooling -> StandardScaler -> LogisticRegression, C in {0.01, 0.1, 1}",
            _pca_pooled_lr,
            grid={"model__C": C_GRID},
            tiny_grid={},
            role="baseline",
            requires=(_POOLER, _TRANSFORMER),
        ),
        LeaderboardMethod(
            "thresholded-ridge",
            "mean+std pooling -> Ridge on the 1-8 rating itself (ThresholdedRegressor, high "
            "when the predicted rating > 4), alpha in {10, 100, 1000}",
            _thresholded_ridge,
            grid={"estimator__model__regressor__alpha": (10.0, 100.0, 1000.0)},
            tiny_grid={},
            uses_item_targets=True,
            requires=(_POOLER, "hazumi_sk.model:ThresholdedRegressor"),
        ),
        LeaderboardMethod(
            "multi-item-pls",
            "mean+std pooling -> one PLS representation of all 18 items (trained on the "
            "training dialogues' labels of every item) -> LogisticRegression per item, "
            "n_components in {1, 2, 3}",
            _multi_item,
            grid={"estimator__model__n_components": (1, 2, 3)},
            tiny_grid={},
            uses_item_targets=True,
            requires=(_POOLER, "hazumi_sk.model:MultiItemClassifier"),
        ),
        LeaderboardMethod(
            "two-stage",
            "TwoStageClassifier: exchange self-sentiment from each exchange (LogisticRegression, "
            "C = 0.01), out-of-fold mean/slope/last-3 per dialogue -> LogisticRegression",
            _two_stage(per_dialogue=False),
            fit_seconds=0.5,
            requires=("hazumi_sk.model:TwoStageClassifier",),
        ),
        LeaderboardMethod(
            "two-stage-per-dialogue",
            "as two-stage, after SequenceScaler(per_dialogue=True, keep_dialogue_means=True): "
            "stage 1 sees each person's variation around their own level",
            _two_stage(per_dialogue=True),
            fit_seconds=2.3,
            requires=("hazumi_sk.model:TwoStageClassifier",),
        ),
        LeaderboardMethod(
            "oracle",
            "LogisticRegression on the true mean exchange self-sentiment: a reference line, "
            "not a method (what recovering self-sentiment exactly would reach; not a ceiling: "
            "behaviour features may carry more about an item than self-sentiment does)",
            _oracle,
            uses_features=False,
            needs_exchange_labels=True,
            role="oracle",
        ),
        LeaderboardMethod(
            "lstm-single",
            "the paper's LSTM(1-128), single task (alpha = 1: dialogue loss only), 60 epochs, "
            "after SequenceScaler -> PCA(32) (speed)",
            _lstm(1.0),
            role="paper",
            fit_seconds=LSTM_FIT_SECONDS,
            requires=(_TRANSFORMER,),
        ),
        LeaderboardMethod(
            "lstm-multitask",
            "the paper's multitask LSTM(1-128) (also trained on exchange self-sentiment), "
            "alpha = 0.7 (the paper's best for worthwhile; fixed to fit the 3 h budget), "
            "after SequenceScaler -> PCA(32)",
            _lstm(0.7),
            role="paper",
            fit_seconds=LSTM_FIT_SECONDS,
            requires=(_TRANSFORMER,),
        ),
        LeaderboardMethod(
            "lstm-regression",
            "the multitask LSTM regressing the 1-8 item rating and the 1-7 exchange "
            "self-sentiment (MultitaskSequenceRegressor, MSE on both, alpha = 0.7), high when "
            "the predicted rating > 4 (ThresholdedRegressor); after SequenceScaler -> PCA(32)",
            _lstm_regression,
            fit_seconds=LSTM_FIT_SECONDS,
            uses_item_targets=True,
            # Opt-in: +0 on worthwhile (measured) for a third more run time.
            in_default=False,
            requires=(_TRANSFORMER, "hazumi_sk.model:MultitaskSequenceRegressor"),
        ),
        LeaderboardMethod(
            "seed-ensemble-lstm",
            "SeedEnsembleClassifier: the multitask LSTM's probabilities averaged over 3 seeds "
            "(3x its cost; not in the default run)",
            _seed_ensemble,
            fit_seconds=3 * LSTM_FIT_SECONDS,
            in_default=False,
            requires=(_TRANSFORMER, "hazumi_sk.model:SeedEnsembleClassifier"),
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


def default_methods() -> list[str]:
    """The available methods that a run without ``methods`` uses (``in_default``)."""
    return [name for name in available_methods() if METHODS[name].in_default]
