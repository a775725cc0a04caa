"""Two-stage model: exchange-level sentiment predictions, aggregated, then a dialogue model."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    TransformerMixin,
    _fit_context,
    clone,
    is_regressor,
)
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import check_cv
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import HasMethods, Interval, check_feature_names, check_finite, check_ragged
from ._targets import binarize_exchange_labels, resolve_exchange_labels

__all__ = ["TwoStageClassifier", "AGGREGATES"]


def _slope(p: np.ndarray, k: int) -> float:
    # Position runs from 0 (first exchange) to 1 (last), so the slope is the change of
    # the predicted sentiment over the whole dialogue, whatever its length.
    if p.size < 2:
        return 0.0
    t = np.linspace(0.0, 1.0, p.size)
    return float(np.polyfit(t, p, 1)[0])


#: Aggregate name -> function of (one dialogue's exchange predictions, ``k``).
AGGREGATES: dict[str, Any] = {
    "mean": lambda p, k: float(p.mean()),
    "std": lambda p, k: float(p.std()),
    "min": lambda p, k: float(p.min()),
    "max": lambda p, k: float(p.max()),
    "first": lambda p, k: float(p[0]),
    "last": lambda p, k: float(p[-1]),
    "slope": _slope,
    "first_k_mean": lambda p, k: float(p[:k].mean()),
    "last_k_mean": lambda p, k: float(p[-k:].mean()),
}


def _dialogue_estimator_has(attr: str):
    def check(self: TwoStageClassifier) -> bool:
        estimator = getattr(self, "dialogue_estimator_", self.dialogue_estimator)
        return estimator is None or hasattr(estimator, attr)

    return check


class TwoStageClassifier(ClassifierMixin, TransformerMixin, BaseEstimator):
    """Predict exchange sentiment, aggregate it per dialogue, classify the dialogue.

    Stage 1, ``exchange_estimator``, learns the exchange labels that travel in
    ``X`` (``X.exchange_labels``, or the ``exchange_y`` fit parameter) from
    the exchange rows ``X.values``. Its predictions are summarised per
    dialogue by ``aggregate`` (mean, slope, last segment, ...), and stage 2,
    ``dialogue_estimator``, learns the dialogue label ``y`` from those
    summaries.

    Like :class:`~sklearn.ensemble.StackingClassifier`, stage 2 is trained on
    **out-of-fold** stage-1 predictions: ``cv`` splits the *dialogues* (never
    exchanges of one dialogue across folds), stage 1 is fitted on the training
    dialogues of each fold and predicts the held-out ones. In-sample
    predictions of a flexible stage 1 would be near perfect and teach stage 2
    to trust them far more than it should at prediction time. Stage 1 is then
    refitted on all dialogues for :meth:`predict`.

    Parameters
    ----------
    exchange_estimator : estimator, default=None
        A classifier with ``predict_proba`` (trained on the binarised exchange
        labels; its aggregated feature is P(high)) or a regressor (trained on
        the raw labels, e.g. 1-7 sentiment; its aggregated feature is the
        predicted label). ``None`` means ``LogisticRegression()``.
    dialogue_estimator : classifier, default=None
        Trained on the aggregated features. ``None`` means
        ``make_pipeline(StandardScaler(), LogisticRegression())``.
    aggregate : sequence of str, default=("mean", "slope", "last_k_mean")
        Per-dialogue summaries of the exchange predictions, in this order:
        ``"mean"``, ``"std"``, ``"min"``, ``"max"``, ``"first"``, ``"last"``,
        ``"slope"`` (least-squares slope against position scaled to 0-1, 0
        for a single exchange), ``"first_k_mean"`` and ``"last_k_mean"`` (mean
        of the first / last ``k`` exchanges, all of them if fewer).
    k : int, default=3
        Exchanges in the first / last segment.
    cv : int, cross-validation generator or iterable, default=5
        How the dialogues are split for the out-of-fold predictions, as in
        :func:`~sklearn.model_selection.check_cv` applied to the dialogue
        labels (an int means stratified K-fold over dialogues). The test folds
        must partition the dialogues.
    exchange_threshold : float or None, default=4
        For a classifier stage 1: exchange labels above it are 1, the rest 0
        (the multitask model's convention); ``None`` means they are 0/1
        already. Ignored for a regressor. NaN labels (unrated exchanges) are
        left out of stage-1 training but still predicted and aggregated.

    Attributes
    ----------
    exchange_estimator_ : estimator
        Stage 1 refitted on all training dialogues.
    dialogue_estimator_ : classifier
        Stage 2, fitted on ``oof_features_``.
    oof_features_ : ndarray of shape (n_dialogues, n_aggregates)
        The out-of-fold aggregated features stage 2 was trained on.
    classes_ : ndarray
        Dialogue labels.
    n_rated_exchanges_ : int
        Exchanges whose label entered stage-1 training.
    n_unrated_exchanges_ : int
        Exchanges left out of it (NaN label).
    n_features_in_ : int
        Exchange features seen in ``fit``.
    feature_names_in_ : ndarray of str
        Their names.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.model import TwoStageClassifier
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> rng = np.random.default_rng(0)
    >>> y = np.arange(40) % 2  # 40 dialogues of 8 exchanges; label 1: ratings 4-6, else 1-3
    >>> ratings = [rng.integers(1, 4, 8) + 3.0 * label for label in y]
    >>> X = RaggedSequences.from_arrays(
    ...     [r[:, None] + rng.normal(size=(8, 2)) for r in ratings],
    ...     feature_names=["A0", "V0"], modalities=["A", "V"], exchange_labels=ratings,
    ... )
    >>> model = TwoStageClassifier(cv=4).fit(X, y)
    >>> model.get_feature_names_out().tolist()
    ['exchange_proba__mean', 'exchange_proba__slope', 'exchange_proba__last_k_mean']
    >>> model.predict_proba(X).shape, model.score(X, y) > 0.8
    ((40, 2), True)
    """

    _parameter_constraints: dict = {
        "exchange_estimator": [HasMethods(["fit", "predict"]), None],
        "dialogue_estimator": [HasMethods(["fit", "predict"]), None],
        "aggregate": [list, tuple],
        "k": [Interval(Integral, 1, None, closed="left")],
        "cv": ["cv_object"],
        "exchange_threshold": [Real, None],
    }

    def __init__(
        self,
        exchange_estimator: Any = None,
        dialogue_estimator: Any = None,
        aggregate: Any = ("mean", "slope", "last_k_mean"),
        k: int = 3,
        cv: Any = 5,
        exchange_threshold: float | None = 4,
    ) -> None:
        self.exchange_estimator = exchange_estimator
        self.dialogue_estimator = dialogue_estimator
        self.aggregate = aggregate
        self.k = k
        self.cv = cv
        self.exchange_threshold = exchange_threshold

    # ------------------------------------------------------------- validation
    def _check_aggregate(self) -> list[str]:
        names = list(self.aggregate)
        unknown = [a for a in names if a not in AGGREGATES]
        if unknown or not names:
            raise ValueError(
                f"The 'aggregate' parameter of {type(self).__name__} must be a non-empty list "
                f"of {sorted(AGGREGATES)}; got unknown {unknown or 'nothing'}."
            )
        return names

    def _stage_one(self) -> Any:
        estimator = self.exchange_estimator
        estimator = LogisticRegression() if estimator is None else estimator
        if not is_regressor(estimator) and not hasattr(estimator, "predict_proba"):
            raise ValueError(
                f"The 'exchange_estimator' parameter of {type(self).__name__} must be a regressor "
                f"or a classifier with predict_proba; {type(estimator).__name__} has no "
                "predict_proba (for an SVC set probability=True)."
            )
        return estimator

    def _check_X(self, X: Any) -> RaggedSequences:
        X = check_ragged(X, type(self).__name__)
        check_finite(X, type(self).__name__)
        return X

    def _exchange_targets(self, X: RaggedSequences, exchange_y: Any, regress: bool) -> np.ndarray:
        labels = resolve_exchange_labels(X, exchange_y)
        if labels is None or np.isnan(labels).all():
            raise ValueError(
                f"{type(self).__name__} trains 'exchange_estimator' on exchange labels, but "
                "X.exchange_labels is empty and no exchange_y was passed (or all are NaN)."
            )
        if np.isinf(labels).any():
            row = int(np.flatnonzero(np.isinf(labels))[0])
            dialogue = X.dialogue_ids[X.dialogue_index[row]]
            raise ValueError(
                f"Dialogue {str(dialogue)!r}: infinite exchange label; use NaN for unrated."
            )
        return labels if regress else binarize_exchange_labels(labels, self.exchange_threshold)

    # ---------------------------------------------------------------- stages
    def _fit_exchange(self, estimator: Any, X: RaggedSequences, labels: np.ndarray, where: str):
        rated = ~np.isnan(labels)
        if not is_regressor(estimator) and np.unique(labels[rated]).size < 2:
            raise ValueError(
                f"{type(self).__name__}: the rated exchanges of {where} have a single class "
                f"{np.unique(labels[rated]).tolist()}; 'exchange_estimator' needs two."
            )
        return clone(estimator).fit(X.values[rated], labels[rated])

    @staticmethod
    def _exchange_scores(estimator: Any, values: np.ndarray) -> np.ndarray:
        if is_regressor(estimator):
            return np.asarray(estimator.predict(values), dtype=np.float64)
        column = int(np.flatnonzero(estimator.classes_ == 1)[0])
        return estimator.predict_proba(values)[:, column]

    def _aggregate(self, scores: np.ndarray, offsets: np.ndarray) -> np.ndarray:
        functions = [AGGREGATES[name] for name in self._check_aggregate()]
        rows = [
            [f(scores[start:stop], self.k) for f in functions]
            for start, stop in zip(offsets[:-1], offsets[1:], strict=True)
        ]
        return np.asarray(rows, dtype=np.float64)

    def _out_of_fold_scores(
        self, estimator: Any, X: RaggedSequences, y: np.ndarray, labels: np.ndarray
    ) -> np.ndarray:
        cv = check_cv(self.cv, y, classifier=True)
        scores = np.full(X.n_exchanges, np.nan)
        seen = np.zeros(X.n_dialogues, dtype=int)
        labelled = X.replace(exchange_labels=labels)
        for fold, (train, test) in enumerate(cv.split(np.zeros((X.n_dialogues, 1)), y)):
            part = labelled[train]
            fitted = self._fit_exchange(estimator, part, part.exchange_labels, f"CV fold {fold}")
            rows = np.isin(X.dialogue_index, test)
            scores[rows] = self._exchange_scores(fitted, X.values[rows])
            seen[test] += 1
        if not np.all(seen == 1):
            raise ValueError(
                f"The 'cv' parameter of {type(self).__name__} must put every dialogue in exactly "
                f"one test fold (out-of-fold predictions); dialogue "
                f"{str(X.dialogue_ids[np.flatnonzero(seen != 1)[0]])!r} is not."
            )
        return scores

    # -------------------------------------------------------------------- fit
    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: RaggedSequences, y: Any, exchange_y: Any = None) -> TwoStageClassifier:
        """Fit stage 1 out of fold, stage 2 on its aggregates, then stage 1 on all dialogues.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues with exchange labels (``X.exchange_labels``) unless
            ``exchange_y`` is given.
        y : array-like of shape (n_dialogues,)
            Dialogue labels.
        exchange_y : list of arrays, RaggedSequences or array, default=None
            Exchange labels given explicitly, as for
            :class:`MultitaskSequenceClassifier`.

        Returns
        -------
        self : TwoStageClassifier
            The fitted estimator.
        """
        self._check_aggregate()
        estimator = self._stage_one()
        X = self._check_X(X)
        y = np.asarray(y)
        if y.shape != (X.n_dialogues,):
            raise ValueError(f"y has shape {y.shape}, X has {X.n_dialogues} dialogues.")
        regress = is_regressor(estimator)
        labels = self._exchange_targets(X, exchange_y, regress)
        self.n_rated_exchanges_ = int((~np.isnan(labels)).sum())
        self.n_unrated_exchanges_ = int(np.isnan(labels).sum())
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        oof = self._out_of_fold_scores(estimator, X, y, labels)
        self.oof_features_ = self._aggregate(oof, X.offsets)
        dialogue = self.dialogue_estimator
        # Aggregated probabilities spread over a narrow range: scale them, or the
        # default penalty flattens the dialogue model to the majority class.
        dialogue = (
            make_pipeline(StandardScaler(), LogisticRegression()) if dialogue is None else dialogue
        )
        self.dialogue_estimator_ = clone(dialogue).fit(self.oof_features_, y)
        self.classes_ = self.dialogue_estimator_.classes_
        self.exchange_estimator_ = self._fit_exchange(estimator, X, labels, "the training set")
        return self

    # ---------------------------------------------------------------- predict
    def transform(self, X: RaggedSequences) -> np.ndarray:
        """Aggregated stage-1 predictions per dialogue (the refitted stage 1).

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to summarise.

        Returns
        -------
        features : ndarray of shape (n_dialogues, n_aggregates)
            Columns named by :meth:`get_feature_names_out`.
        """
        check_is_fitted(self)
        X = self._check_X(X)
        check_feature_names(self, X)
        scores = self._exchange_scores(self.exchange_estimator_, X.values)
        return self._aggregate(scores, X.offsets)

    def score_exchanges(self, values: Any) -> np.ndarray:
        """Stage 1's score of each exchange row: P(high), or the predicted label of a regressor.

        The per-exchange input of the aggregates; a live tracker scores each new
        exchange with it alone.

        Parameters
        ----------
        values : array-like of shape (n_exchanges, n_features)
            Exchange rows with the columns seen in ``fit``.

        Returns
        -------
        scores : ndarray of shape (n_exchanges,)
        """
        check_is_fitted(self)
        values = np.asarray(values, dtype=np.float64)
        if values.ndim != 2 or values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"values must have shape (n_exchanges, {self.n_features_in_}), got {values.shape}."
            )
        return self._exchange_scores(self.exchange_estimator_, values)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``exchange_proba__<aggregate>`` (classifier stage 1) or ``exchange_pred__<...>``."""
        check_is_fitted(self)
        prefix = "exchange_pred" if is_regressor(self.exchange_estimator_) else "exchange_proba"
        return np.array([f"{prefix}__{name}" for name in self._check_aggregate()], dtype=object)

    def predict(self, X: RaggedSequences) -> np.ndarray:
        """Dialogue labels from stage 2.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to label.

        Returns
        -------
        y_pred : ndarray of shape (n_dialogues,)
            Values from ``classes_``.
        """
        features = self.transform(X)  # checks fitted first
        return self.dialogue_estimator_.predict(features)

    @available_if(_dialogue_estimator_has("predict_proba"))
    def predict_proba(self, X: RaggedSequences) -> np.ndarray:
        """Dialogue class probabilities from stage 2.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues to score.

        Returns
        -------
        proba : ndarray of shape (n_dialogues, n_classes)
            Columns follow ``classes_``.
        """
        features = self.transform(X)
        return self.dialogue_estimator_.predict_proba(features)
