"""Average ``predict_proba`` over clones of one estimator that differ only in their seed."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..utils import HasMethods, Interval
from ._tags import follow_input_tags

__all__ = ["SeedEnsembleClassifier"]

_MAX_SEED = 2**31 - 1


def random_state_params(estimator: Any) -> list[str]:
    """Every parameter of ``estimator`` (nested ones too) that is a ``random_state``."""
    return sorted(
        key
        for key in estimator.get_params(deep=True)
        if key == "random_state" or key.endswith("__random_state")
    )


def _fit_one(estimator: Any, keys: list[str], seed: int, X: Any, y: Any, fit_params: dict):
    member = clone(estimator).set_params(**dict.fromkeys(keys, seed))
    return member.fit(X, y, **fit_params)


class SeedEnsembleClassifier(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Average the class probabilities of ``n_seeds`` clones fitted with different seeds.

    A small network's score moves with its initialisation and batch order as
    much as with the data: on the Hazumi folds part of the fold-to-fold
    spread of the multitask LSTM is seed noise. Averaging ``predict_proba``
    over clones that differ only in ``random_state`` removes that part
    (bagging without resampling).

    Parameters
    ----------
    estimator : classifier
        Must have ``predict_proba`` and at least one ``random_state``
        parameter (a pipeline's nested ``<step>__random_state`` counts; every
        one of them is set to the member's seed).
    n_seeds : int, default=5
        Number of clones.
    random_state : int, RandomState or None, default=None
        Draws the members' seeds (``seeds_``); an int makes fits repeatable.
    n_jobs : int or None, default=None
        Members fitted in parallel (joblib).

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted members.
    seeds_ : ndarray of int of shape (n_seeds,)
        The seed each member was given.
    classes_ : ndarray
        Class labels (the same for every member).
    n_features_in_ : int
        Present when the members define it.
    feature_names_in_ : ndarray of str
        The members' input names, present when they define them.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from hazumi_sk.model import SeedEnsembleClassifier
    >>> X, y = make_classification(n_samples=60, random_state=0)
    >>> ensemble = SeedEnsembleClassifier(RandomForestClassifier(n_estimators=5),
    ...                                   n_seeds=3, random_state=0).fit(X, y)
    >>> len(ensemble.estimators_), ensemble.predict_proba(X).shape
    (3, (60, 2))
    """

    _parameter_constraints: dict = {
        "estimator": [HasMethods(["fit", "predict_proba"])],
        "n_seeds": [Interval(Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": [Integral, None],
    }

    def __init__(
        self, estimator: Any, n_seeds: int = 5, random_state: Any = None, n_jobs: int | None = None
    ) -> None:
        self.estimator = estimator
        self.n_seeds = n_seeds
        self.random_state = random_state
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        # X goes to the members untouched, so it accepts what the estimator accepts.
        return follow_input_tags(super().__sklearn_tags__(), self.estimator)

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, X: Any, y: Any, **fit_params: Any) -> SeedEnsembleClassifier:
        """Fit ``n_seeds`` clones of ``estimator``.

        Parameters
        ----------
        X, y :
            As ``estimator.fit`` takes them.
        **fit_params : dict
            Passed to every member's ``fit`` (e.g. ``exchange_y``).

        Returns
        -------
        self : SeedEnsembleClassifier
            The fitted ensemble.
        """
        keys = random_state_params(self.estimator)
        if not keys:
            raise ValueError(
                f"The 'estimator' parameter of {type(self).__name__} must have a random_state "
                f"parameter to vary; {type(self.estimator).__name__} has none, so its clones "
                "would be identical."
            )
        rng = check_random_state(self.random_state)
        self.seeds_ = rng.randint(_MAX_SEED, size=self.n_seeds)
        self.estimators_ = Parallel(n_jobs=self.n_jobs)(
            delayed(_fit_one)(self.estimator, keys, int(seed), X, y, fit_params)
            for seed in self.seeds_
        )
        self.classes_ = self.estimators_[0].classes_
        for member in self.estimators_[1:]:
            if not np.array_equal(member.classes_, self.classes_):
                raise ValueError("The ensemble members disagree on classes_; check the estimator.")
        if hasattr(self.estimators_[0], "n_features_in_"):
            self.n_features_in_ = self.estimators_[0].n_features_in_
        if hasattr(self.estimators_[0], "feature_names_in_"):
            self.feature_names_in_ = self.estimators_[0].feature_names_in_
        return self

    def predict_proba(self, X: Any) -> np.ndarray:
        """Mean of the members' ``predict_proba``.

        Parameters
        ----------
        X :
            As the estimator's ``predict_proba`` takes it.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Columns follow ``classes_``.
        """
        check_is_fitted(self)
        return np.mean([member.predict_proba(X) for member in self.estimators_], axis=0)

    def predict(self, X: Any) -> np.ndarray:
        """The class of highest mean probability."""
        proba = self.predict_proba(X)  # checks fitted before classes_ is read
        return self.classes_[np.argmax(proba, axis=1)]
