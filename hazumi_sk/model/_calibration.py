"""Per-participant calibration of exchange probabilities on a new participant's first labels."""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from scipy.optimize import brentq
from scipy.special import expit, logit
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    HasMethods,
    StrictInterval,
    check_feature_names,
    check_input_features,
    check_ragged,
)
from ._exchange import EXCHANGE_PROBA_COLUMNS, exchange_proba
from ._targets import binarize_exchange_labels

__all__ = ["PersonalOffsetCalibrator", "personal_offset"]

_EPS = 1e-6


def personal_offset(logits: Any, labels: Any, strength: float) -> float:
    """The logit offset ``b`` that fits a participant's labelled exchanges, shrunk to 0.

    ``b`` minimises ``sum_i logloss(labels_i, sigmoid(logits_i + b)) + strength * b**2 / 2``,
    i.e. it solves ``sum_i (sigmoid(logits_i + b) - labels_i) + strength * b = 0`` (a
    Gaussian prior of precision ``strength`` on the offset). No labels give 0.

    Parameters
    ----------
    logits : array-like of shape (n,)
        The model's logits of the labelled exchanges.
    labels : array-like of shape (n,)
        Their 0/1 labels.
    strength : float
        Precision of the prior, > 0.

    Returns
    -------
    offset : float

    Examples
    --------
    >>> from hazumi_sk.model import personal_offset
    >>> personal_offset([0.0, 0.0], [1, 0], strength=1.0)
    0.0
    >>> round(personal_offset([0.0], [1], strength=1.0), 4)  # solves 1 - sigmoid(b) = b
    0.4011
    """
    z = np.asarray(logits, dtype=np.float64).ravel()
    y = np.asarray(labels, dtype=np.float64).ravel()
    if z.shape != y.shape:
        raise ValueError(f"logits and labels differ in length: {z.size} and {y.size}.")
    if not strength > 0:
        raise ValueError(f"strength must be > 0, got {strength!r}.")
    if z.size == 0:
        return 0.0

    def gradient(b: float) -> float:
        return float(np.sum(expit(z + b) - y) + strength * b)

    # The gradient increases with b and changes sign inside [-n/strength, n/strength].
    bound = z.size / strength
    low, high = gradient(-bound), gradient(bound)
    if low >= 0:
        return -bound if low == 0 else 0.0  # pragma: no cover - unreachable by the bound
    if high <= 0:
        return bound  # pragma: no cover - unreachable by the bound
    return float(brentq(gradient, -bound, bound, xtol=1e-12))


class PersonalOffsetCalibrator(TransformerMixin, BaseEstimator):
    """Shift a new participant's exchange probabilities with their first ``n_labels`` answers.

    A live system could ask a new participant for their sentiment ``k`` times
    at the start of the dialogue. This step uses exactly those answers: for
    each dialogue it fits one logit offset ``b`` (:func:`personal_offset`) on
    the exchange labels at positions ``0..n_labels-1`` that are rated, and
    returns ``sigmoid(logit(p) + b)`` for every exchange, where ``p`` is the
    high probability of ``estimator`` (any transformer whose output has the
    column ``exchange_high``, such as :class:`ExchangeClassifier` or a pipeline
    ending in it). Labels at positions ``>= n_labels`` are never read, so the
    remaining exchanges can be scored honestly (the first ``n_labels`` outputs
    were calibrated on their own labels and should not be).

    Nothing personal is learned in ``fit``: ``n_labels``, ``strength`` and
    ``threshold`` are read by ``transform`` only, so one fitted calibrator can be
    scored for several ``k`` with ``set_params(n_labels=k)`` and no refit.

    Parameters
    ----------
    estimator : transformer
        Fitted on the training dialogues; its ``transform`` gives exchange
        probabilities (``exchange_low``, ``exchange_high``).
    n_labels : int, default=3
        Exchanges at the start of each dialogue whose labels are used. ``0``
        leaves the probabilities unchanged.
    strength : float, default=1.0
        Precision of the Gaussian prior that shrinks the offset towards 0 (in
        logit units): large values trust the shared model, small ones the
        participant's answers.
    threshold : float, default=4
        An exchange label is *high* when strictly greater.

    Attributes
    ----------
    estimator_ : transformer
        The fitted clone of ``estimator``.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.dummy import DummyClassifier
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.model import ExchangeClassifier, PersonalOffsetCalibrator
    >>> X = RaggedSequences.from_arrays([[[0.0]] * 4, [[0.0]] * 4],
    ...                                 exchange_labels=[[6, 6, 6, 2], [2, 2, 2, 6]])
    >>> prior = ExchangeClassifier(DummyClassifier(strategy="prior"))
    >>> calibrated = PersonalOffsetCalibrator(prior, n_labels=2).fit(X)
    >>> calibrated.transform(X).values[[0, 4], 1].round(3).tolist()  # was 0.5 for both
    [0.663, 0.337]
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "transform"])],
        "n_labels": [StrictInterval(Integral, 0, None, closed="left")],
        "strength": [StrictInterval(Real, 0, None, closed="neither")],
        "threshold": [StrictInterval(Real, None, None, closed="neither")],
    }

    def __init__(
        self, estimator: Any, n_labels: int = 3, strength: float = 1.0, threshold: float = 4
    ) -> None:
        self.estimator = estimator
        self.n_labels = n_labels
        self.strength = strength
        self.threshold = threshold

    def fit(self, X: RaggedSequences, y: Any = None, **fit_params: Any) -> PersonalOffsetCalibrator:
        """Fit ``estimator`` on the training dialogues (nothing personal is learned here).

        Parameters
        ----------
        X : RaggedSequences
            Training dialogues carrying exchange labels.
        y : array-like, optional
            Dialogue labels, passed on to ``estimator``.
        **fit_params : dict
            Passed on to ``estimator.fit``.

        Returns
        -------
        self : PersonalOffsetCalibrator
            The fitted calibrator.
        """
        self._validate_params()
        X = check_ragged(X, type(self).__name__)
        self.estimator_ = clone(self.estimator).fit(X, y, **fit_params)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def personal_offsets(self, X: RaggedSequences) -> np.ndarray:
        """The logit offset of each dialogue of ``X`` (0 where none of its first labels is rated).

        Parameters
        ----------
        X : RaggedSequences
            Dialogues carrying exchange labels (only the first ``n_labels`` are read).

        Returns
        -------
        offsets : ndarray of shape (n_dialogues,)
        """
        return self._calibrate(X)[1]

    def _calibrate(self, X: RaggedSequences) -> tuple[np.ndarray, np.ndarray]:
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        proba = self.estimator_.transform(X)
        names = list(getattr(proba, "feature_names", []))
        if not isinstance(proba, RaggedSequences) or EXCHANGE_PROBA_COLUMNS[1] not in names:
            raise ValueError(
                "PersonalOffsetCalibrator: estimator.transform must return RaggedSequences with "
                f"the column {EXCHANGE_PROBA_COLUMNS[1]!r} (e.g. an ExchangeClassifier)."
            )
        high = proba.values[:, names.index(EXCHANGE_PROBA_COLUMNS[1])]
        z = logit(np.clip(high, _EPS, 1.0 - _EPS))
        offsets = np.zeros(X.n_dialogues)
        if self.n_labels > 0:
            if X.exchange_labels is None:
                raise ValueError(
                    f"PersonalOffsetCalibrator(n_labels={self.n_labels}) needs the first "
                    "exchange labels of each dialogue in X.exchange_labels."
                )
            for d, start in enumerate(X.offsets[:-1]):
                stop = min(int(start) + self.n_labels, int(X.offsets[d + 1]))
                first = binarize_exchange_labels(X.exchange_labels[start:stop], self.threshold)
                rated = ~np.isnan(first)
                offsets[d] = personal_offset(z[start:stop][rated], first[rated], self.strength)
        shifted = expit(z + np.repeat(offsets, X.lengths))
        return shifted, offsets

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Exchange probabilities shifted by each dialogue's offset.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues carrying exchange labels (only the first ``n_labels`` of
            each are read).

        Returns
        -------
        proba : RaggedSequences
            Columns ``exchange_low``, ``exchange_high``.
        """
        high, _ = self._calibrate(X)
        return exchange_proba(X, high)

    def predict_exchange_proba(self, X: RaggedSequences) -> RaggedSequences:
        """The same as :meth:`transform`.

        Parameters
        ----------
        X : RaggedSequences
            Dialogues carrying exchange labels.

        Returns
        -------
        proba : RaggedSequences
            Columns ``exchange_low``, ``exchange_high``.
        """
        return self.transform(X)

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
