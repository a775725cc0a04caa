"""Keep the feature columns of chosen modalities, written as in the paper ("L+V", "ALL")."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    VersionedStateMixin,
    check_feature_names,
    check_input_features,
    check_parameters,
    check_ragged,
)
from ..vocabulary import parse_modalities

__all__ = ["ModalitySelector"]


class ModalitySelector(VersionedStateMixin, TransformerMixin, BaseEstimator):
    """Keep the columns of the named modalities (early-fusion subsets of the paper).

    Parameters
    ----------
    modalities : str or list of str, default="ALL"
        Which modality tags to keep, written as in the paper: ``"L"``,
        ``"L+A"``, ``"L+B"``, ``"L+V"``, any ``"+"`` combination of the tags
        present in the data (``A`` acoustic, ``L`` linguistic, ``B`` body,
        ``V`` visual, ``P`` physiological), ``"ALL"`` for every column, or a
        list of tags such as ``["L", "V"]``. Columns keep their original order
        whatever the order of the tags.

    Attributes
    ----------
    modalities_ : list of str
        The tags kept.
    support_ : ndarray of bool of shape (n_features,)
        Mask of the kept input columns.
    n_features_in_ : int
        Number of input columns seen in ``fit``.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Names of the input columns seen in ``fit``.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.preprocessing import ModalitySelector
    >>> X = RaggedSequences.from_arrays(
    ...     [np.arange(6.0).reshape(2, 3)], feature_names=["pitch", "word", "smile"],
    ...     modalities=["A", "L", "V"])
    >>> ModalitySelector("L+V").fit_transform(X).feature_names.tolist()
    ['word', 'smile']
    """

    # The tags themselves are checked against the data by parse_modalities in fit.
    _parameter_constraints: ClassVar[dict] = {"modalities": [str, "array-like"]}

    def __init__(self, modalities: str | Sequence[str] = "ALL") -> None:
        self.modalities = modalities

    def fit(self, X: RaggedSequences, y: Any = None) -> ModalitySelector:
        """Resolve the tags against the columns of ``X``.

        Parameters
        ----------
        X : RaggedSequences
            Training sequences.
        y : ignored
            Present for API consistency.

        Returns
        -------
        self : ModalitySelector
            The fitted selector.
        """
        check_parameters(self)
        X = check_ragged(X, type(self).__name__)
        self.modalities_ = parse_modalities(self.modalities, X.modality_set)
        self.support_ = np.isin(X.modalities, self.modalities_)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Keep the selected columns; dialogues, ids and exchange labels travel unchanged.

        Parameters
        ----------
        X : RaggedSequences
            Sequences with the columns seen in ``fit``.

        Returns
        -------
        X_selected : RaggedSequences
            The same dialogues with only the selected columns.
        """
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        return X.select_columns(self.support_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the kept columns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must equal ``feature_names_in_`` if given.

        Returns
        -------
        feature_names_out : ndarray of str
            The selected column names.
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        return self.feature_names_in_[self.support_].astype(object)
