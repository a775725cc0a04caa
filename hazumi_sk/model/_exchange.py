"""Exchange-level sentiment from each exchange's features: a 2-D classifier on stacked rows."""

from __future__ import annotations

from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    HasMethods,
    StrictInterval,
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
)
from ._targets import binarize_exchange_labels, resolve_exchange_labels

__all__ = ["EXCHANGE_PROBA_COLUMNS", "ExchangeClassifier"]

#: Output columns of every exchange-probability transformer: P(low), P(high).
EXCHANGE_PROBA_COLUMNS = ("exchange_low", "exchange_high")


def exchange_proba(X: RaggedSequences, high: np.ndarray) -> RaggedSequences:
    """``X``'s dialogues with the two columns ``exchange_low, exchange_high``."""
    high = np.asarray(high, dtype=np.float64)
    return RaggedSequences(
        np.column_stack([1.0 - high, high]),
        X.offsets,
        feature_names=list(EXCHANGE_PROBA_COLUMNS),
        dialogue_ids=X.dialogue_ids,
        exchange_labels=X.exchange_labels,
    )


class ExchangeClassifier(TransformerMixin, BaseEstimator):
    """Classify every exchange as high or low sentiment from that exchange's features.

    The exchange rows of all dialogues are stacked; ``estimator`` (any
    scikit-learn classifier on 2-D arrays) learns the binarised exchange labels
    that travel in ``X`` (``X.exchange_labels > threshold``; unrated exchanges,
    NaN, are left out of training). The output is one probability pair per
    exchange, with the dialogue structure kept, so per-dialogue steps (for
    example :class:`PersonalOffsetCalibrator`) can follow.

    It is a transformer rather than a classifier: its samples are dialogues
    (so cross-validation splits by dialogue, i.e. by participant), while its
    predictions are per exchange, which scikit-learn's ``predict(X) -> (n_samples,)``
    cannot express.

    Parameters
    ----------
    estimator : classifier, default=None
        Fitted on the stacked rated exchanges; needs ``predict_proba``. None:
        ``make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))``.
    threshold : float, default=4
        An exchange is *high* (1) when its label is strictly greater (the
        1-7 self-sentiment scale's midpoint).

    Attributes
    ----------
    estimator_ : classifier
        The fitted clone of ``estimator``.
    classes_ : ndarray of shape (n_classes,)
        The exchange classes seen in fit (``[0, 1]``, or one of them).
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.

    See Also
    --------
    hazumi_sk.model.MultitaskSequenceClassifier.predict_exchange_proba : the
        multitask network's exchange head.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.model import ExchangeClassifier
    >>> X = RaggedSequences.from_arrays([[[0.0], [1.0]], [[0.1], [0.9], [5.0]]],
    ...                                 exchange_labels=[[2, 6], [3, 7, np.nan]])
    >>> model = ExchangeClassifier().fit(X)
    >>> (model.transform(X).values[:, 1] > 0.5).astype(int).tolist()
    [0, 1, 0, 1, 1]
    >>> model.get_feature_names_out().tolist()
    ['exchange_low', 'exchange_high']
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"]), None],
        "threshold": [StrictInterval(Real, None, None, closed="neither")],
    }

    def __init__(self, estimator: Any = None, threshold: float = 4) -> None:
        self.estimator = estimator
        self.threshold = threshold

    def fit(self, X: RaggedSequences, y: Any = None, exchange_y: Any = None) -> ExchangeClassifier:
        """Fit ``estimator`` on the rated exchanges of ``X``.

        Parameters
        ----------
        X : RaggedSequences
            Training dialogues carrying exchange labels.
        y : ignored
            The dialogue labels, unused (present so pipelines can pass them).
        exchange_y : array-like, optional
            Exchange labels overriding ``X.exchange_labels`` (stacked, a list per
            dialogue or a one-column RaggedSequences).

        Returns
        -------
        self : ExchangeClassifier
            The fitted model.
        """
        self._validate_params()
        X = check_ragged(X, type(self).__name__)
        check_finite(X, type(self).__name__)
        labels = resolve_exchange_labels(X, exchange_y)
        if labels is None:
            raise ValueError(
                "ExchangeClassifier needs exchange labels: X.exchange_labels or exchange_y."
            )
        binary = binarize_exchange_labels(labels, self.threshold)
        rated = ~np.isnan(binary)
        if not rated.any():
            raise ValueError("ExchangeClassifier: no exchange of X is rated (all labels NaN).")
        estimator = self.estimator
        if estimator is None:
            estimator = make_pipeline(StandardScaler(), LogisticRegression(C=0.01, max_iter=2000))
        self.estimator_ = clone(estimator).fit(X.values[rated], binary[rated].astype(int))
        self.classes_ = np.asarray(self.estimator_.classes_)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def predict_exchange_proba(self, X: RaggedSequences) -> RaggedSequences:
        """P(low), P(high) of every exchange of ``X``.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues with the columns seen in ``fit``.

        Returns
        -------
        proba : RaggedSequences
            Same dialogues and lengths as ``X``; columns ``exchange_low``,
            ``exchange_high``.
        """
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        check_finite(X, type(self).__name__)
        proba = self.estimator_.predict_proba(X.values)
        classes = list(self.classes_)
        high = proba[:, classes.index(1)] if 1 in classes else np.zeros(X.n_exchanges)
        return exchange_proba(X, high)

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """The same as :meth:`predict_exchange_proba` (for use inside a pipeline).

        Parameters
        ----------
        X : RaggedSequences
            Dialogues with the columns seen in ``fit``.

        Returns
        -------
        proba : RaggedSequences
            Columns ``exchange_low``, ``exchange_high``.
        """
        return self.predict_exchange_proba(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """``exchange_low``, ``exchange_high``.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must equal ``feature_names_in_`` if given.

        Returns
        -------
        feature_names_out : ndarray of str
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        return np.asarray(EXCHANGE_PROBA_COLUMNS, dtype=object)
