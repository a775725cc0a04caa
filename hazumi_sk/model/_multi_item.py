"""All 18 rapport items from one shared representation (PLS components), one head per item."""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.cross_decomposition import PLSRegression
from sklearn.linear_model import LogisticRegression
from sklearn.utils.validation import check_array, check_is_fitted

from ..datasets import RAPPORT_ITEMS
from ..sequences import RaggedSequences
from ..utils import HasMethods, Interval

__all__ = ["MultiItemClassifier", "multi_item_targets"]


def multi_item_targets(
    dataset: Any,
    X: RaggedSequences,
    items: Sequence[str] = RAPPORT_ITEMS,
    rating: str = "post",
    threshold: float = 4,
) -> pd.DataFrame:
    """Binary labels of every item for the dialogues of ``X``; NaN where a rating is missing.

    ``to_xy`` keeps, per item, only the dialogues rated on that item; a
    multi-item model needs one row per dialogue of ``X`` instead, so a missing
    rating stays visible as NaN (which :class:`MultiItemClassifier` handles)
    rather than dropping the dialogue.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        From :func:`~hazumi_sk.datasets.load_hazumi` or
        :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.
    X : RaggedSequences
        The dialogues (e.g. ``to_xy(dataset)[0]``).
    items : sequence of str, default=RAPPORT_ITEMS
        Columns, in this order.
    rating : {"post", "pre", "third_party"}, default="post"
        As in :func:`~hazumi_sk.datasets.to_xy`.
    threshold : float, default=4
        High (1.0) when the rating is strictly greater, as in ``to_xy``.

    Returns
    -------
    Y : pandas.DataFrame of shape (n_dialogues, n_items)
        Index ``X.dialogue_ids``; values 0.0, 1.0 or NaN.
    """
    from ..datasets import check_item, rating_table

    table = rating_table(dataset, rating)
    items = [check_item(item) for item in items]
    absent = [item for item in items if item not in table.columns]
    if absent:
        raise ValueError(f"The {rating!r} ratings have no column(s) {absent}.")
    scores = table[items].reindex(pd.Index(X.dialogue_ids)).astype(np.float64)
    return (scores > threshold).astype(np.float64).where(scores.notna())


class MultiItemClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Predict several correlated binary items from one shared PLS representation.

    The 18 rapport items of a dialogue correlate strongly, and 54 dialogues
    are too few to learn 18 unrelated models well. This estimator learns
    **one** representation for all items -- the ``n_components`` directions of
    partial least squares (PLS2) that covary most with the items *jointly*
    -- and then one small classifier per item on those few shared scores.
    Each item's evidence therefore shapes every other item's features.

    Missing ratings are NaN in ``Y``: a dialogue missing some item is left out
    of the shared representation's fit (PLS needs complete targets) and out
    of that item's head, but still trains the heads of the items it has; the
    counts are recorded in ``n_complete_dialogues_`` and ``n_rated_``.

    Parameters
    ----------
    n_components : int, default=2
        Shared PLS components.
    estimator : classifier, default=None
        Head cloned for each item, fitted on the PLS scores. ``None`` means
        ``LogisticRegression()``.

    Attributes
    ----------
    representation_ : PLSRegression
        The shared representation (its ``transform`` gives the scores).
    estimators_ : list of classifiers
        One fitted head per item.
    classes_ : list of ndarray
        Each item's classes.
    items_ : ndarray of str
        Item names (``Y``'s columns if a DataFrame, else ``item0, ...``).
    n_complete_dialogues_ : int
        Dialogues rated on every item (the representation's training set).
    n_rated_ : ndarray of int of shape (n_items,)
        Dialogues that trained each head.
    n_features_in_ : int
        Input features.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.model import MultiItemClassifier
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 5))
    >>> Y = (X[:, [0]] + rng.normal(0, 0.3, size=(40, 3)) > 0).astype(float)
    >>> Y[0, 1] = np.nan                      # one missing rating
    >>> model = MultiItemClassifier(n_components=1).fit(X, Y)
    >>> model.predict(X).shape, model.n_complete_dialogues_, model.n_rated_.tolist()
    ((40, 3), 39, [40, 39, 40])
    """

    _parameter_constraints: dict = {
        "n_components": [Interval(Integral, 1, None, closed="left")],
        "estimator": [HasMethods(["fit", "predict"]), None],
    }

    def __init__(self, n_components: int = 2, estimator: Any = None) -> None:
        self.n_components = n_components
        self.estimator = estimator

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.target_tags.single_output = False
        # Each item is binary (0/1, NaN unrated): the PLS representation regresses them.
        tags.classifier_tags.multi_class = False
        return tags

    def _check_Y(self, Y: Any, n_samples: int) -> np.ndarray:
        if Y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y is None."
            )
        names = Y.columns.astype(str).to_numpy() if isinstance(Y, pd.DataFrame) else None
        Y = np.asarray(Y, dtype=np.float64)
        if Y.ndim != 2 or Y.shape[0] != n_samples:
            raise ValueError(
                f"Y must be 2-D (n_dialogues={n_samples}, n_items), got shape {Y.shape}; "
                "build it with multi_item_targets."
            )
        rated = ~np.isnan(Y)
        bad = rated & (Y != 0) & (Y != 1)
        if bad.any():
            i, j = np.argwhere(bad)[0]
            raise ValueError(f"Y must hold 0, 1 or NaN; got {Y[i, j]!r} at row {i}, item {j}.")
        for j in range(Y.shape[1]):
            n_classes = np.unique(Y[rated[:, j], j]).size
            if n_classes < 2:
                raise ValueError(
                    f"Item {j} has {n_classes} class(es) among its rated dialogues; its head "
                    "needs two."
                )
        self.items_ = np.array([f"item{j}" for j in range(Y.shape[1])]) if names is None else names
        return Y

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, Y: Any) -> MultiItemClassifier:
        """Fit the shared representation on complete rows, then one head per item.

        Parameters
        ----------
        X : array-like of shape (n_dialogues, n_features)
            Per-dialogue features (pool sequences first).
        Y : array-like or DataFrame of shape (n_dialogues, n_items)
            0/1 labels, NaN for a missing rating.

        Returns
        -------
        self : MultiItemClassifier
            The fitted estimator.
        """
        X = check_array(X, dtype=np.float64)
        self.n_features_in_ = X.shape[1]
        Y = self._check_Y(Y, X.shape[0])
        complete = ~np.isnan(Y).any(axis=1)
        self.n_complete_dialogues_ = int(complete.sum())
        if self.n_complete_dialogues_ <= self.n_components:
            raise ValueError(
                f"Only {self.n_complete_dialogues_} dialogues are rated on every item; the "
                f"shared representation needs more than n_components={self.n_components}."
            )
        self.representation_ = PLSRegression(n_components=self.n_components).fit(
            X[complete], Y[complete]
        )
        scores = self.representation_.transform(X)
        head = LogisticRegression() if self.estimator is None else self.estimator
        self.estimators_, rated_counts = [], []
        for j in range(Y.shape[1]):
            rated = ~np.isnan(Y[:, j])
            self.estimators_.append(clone(head).fit(scores[rated], Y[rated, j].astype(np.int64)))
            rated_counts.append(int(rated.sum()))
        self.n_rated_ = np.array(rated_counts)
        self.classes_ = [head_.classes_ for head_ in self.estimators_]
        return self

    def _scores(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        X = check_array(X, dtype=np.float64)
        if X.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(self).__name__} is expecting "
                f"{self.n_features_in_} features as input."
            )
        return self.representation_.transform(X)

    def predict(self, X: Any) -> np.ndarray:
        """0/1 label of every item, shape ``(n_dialogues, n_items)``."""
        scores = self._scores(X)
        return np.column_stack([head.predict(scores) for head in self.estimators_])

    def predict_proba(self, X: Any) -> list[np.ndarray]:
        """One ``(n_dialogues, 2)`` probability array per item (as MultiOutputClassifier)."""
        scores = self._scores(X)
        return [head.predict_proba(scores) for head in self.estimators_]

    def score(self, X: Any, y: Any, sample_weight: Any = None) -> float:
        """Accuracy averaged over items, each on its rated dialogues only (``y`` as ``Y``)."""
        Y = np.asarray(y, dtype=np.float64)
        pred = self.predict(X)
        rated = ~np.isnan(Y)
        return float(np.mean([(pred[r, j] == Y[r, j]).mean() for j, r in enumerate(rated.T)]))
