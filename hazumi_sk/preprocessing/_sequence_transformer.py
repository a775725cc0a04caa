"""Apply any 2-D scikit-learn transformer to the stacked exchanges, keeping the sequences."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.utils import get_tags
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    HasMethods,
    StrOptions,
    VersionedStateMixin,
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
)

__all__ = ["SequenceTransformer"]

#: Modality tag of derived columns (PCA components, ...) that mix several modalities.
MIXED_TAG = "mixed"


def _needs_labels(transformer: Any) -> bool:
    """Whether ``supervised="auto"`` passes the exchange labels as ``y``."""
    # Univariate selectors (SelectKBest, SelectPercentile, ...) take a score_func
    # that needs y but do not declare target_tags.required in scikit-learn 1.6+.
    params = transformer.get_params(deep=False)
    return get_tags(transformer).target_tags.required or "score_func" in params


class SequenceTransformer(VersionedStateMixin, TransformerMixin, BaseEstimator):
    """Apply a 2-D transformer (PCA, SelectKBest, ...) to every exchange of every dialogue.

    The transformer is cloned and fitted on the stacked exchanges of the
    training dialogues only (``X.values``), then transforms each exchange;
    dialogue ids, lengths and exchange labels travel unchanged, so the result
    feeds a sequence model such as
    :class:`~hazumi_sk.model.MultitaskSequenceClassifier`.

    Parameters
    ----------
    transformer : estimator with ``fit`` and ``transform``
        Any scikit-learn transformer of 2-D arrays.
    supervised : {"auto", "always", "never"}, default="auto"
        Whether the transformer is fitted with ``y``. The dialogue-level
        ``y`` has one entry per dialogue and cannot describe exchanges, so it
        is never passed; a supervised transformer gets the **exchange labels**
        carried by ``X`` instead, fitted on the rated exchanges only (rows with
        a NaN label are left out of ``fit`` but still transformed).
        ``"auto"`` does so when the transformer requires ``y`` (its tags say
        so, or it has a ``score_func`` parameter like ``SelectKBest``);
        ``"always"`` for others (``RFE``, ``SelectFromModel``); ``"never"``
        fits unsupervised.

    Attributes
    ----------
    transformer_ : estimator
        The fitted clone of ``transformer``.
    supervised_ : bool
        Whether ``transformer_`` was fitted on the exchange labels.
    feature_names_out_ : ndarray of str
        Output column names (see Notes).
    modalities_out_ : ndarray of str
        Output modality tags (see Notes).
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.

    See Also
    --------
    SequencePooler : Collapse each dialogue into one row of statistics.

    Notes
    -----
    Output columns:

    - A transformer that selects columns (it has ``get_support``, like
      ``SelectKBest``) or maps them one to one (its ``get_feature_names_out``
      returns the input names, like ``StandardScaler``) keeps the names and
      modality tags of the columns it returns.
    - Any other (``PCA``, ...) makes new columns. Their tag is the input's tag
      when the input has a single modality, else ``"mixed"`` (a component of
      L and V columns belongs to neither); their names are the transformer's
      ``get_feature_names_out`` (e.g. ``pca0``) prefixed by that tag,
      ``"L__pca0"`` or ``"mixed__pca0"``, so that blocks transformed per
      modality stay unique after :meth:`~hazumi_sk.sequences.RaggedSequences.hstack`.

    Non-finite values raise an error naming the dialogue and the feature
    unless the transformer accepts NaN (its ``allow_nan`` tag, e.g.
    ``SimpleImputer``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.decomposition import PCA
    >>> from hazumi_sk.preprocessing import SequenceTransformer
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> rng = np.random.default_rng(0)
    >>> X = RaggedSequences.from_arrays(
    ...     [rng.normal(size=(n, 4)) for n in (5, 7, 6)],
    ...     feature_names=["L0", "V1", "L2", "V3"], modalities=["L", "V", "L", "V"],
    ...     dialogue_ids=["d000", "d001", "d002"],
    ... )
    >>> Xt = SequenceTransformer(PCA(n_components=2)).fit_transform(X)
    >>> Xt.feature_names.tolist(), Xt.modality_set
    (['mixed__pca0', 'mixed__pca1'], ['mixed'])
    >>> bool((Xt.lengths == X.lengths).all()), Xt.dialogue_ids[:2].tolist()
    (True, ['d000', 'd001'])
    """

    _parameter_constraints: dict = {
        "transformer": [HasMethods(["fit", "transform"])],
        "supervised": [StrOptions({"auto", "always", "never"})],
    }

    def __init__(self, transformer: Any, supervised: str = "auto") -> None:
        self.transformer = transformer
        self.supervised = supervised

    def _check_input(self, X: RaggedSequences, transformer: Any) -> RaggedSequences:
        X = check_ragged(X, type(self).__name__)
        if not get_tags(transformer).input_tags.allow_nan:
            remedy = (
                f"{type(transformer).__name__} does not accept NaN. Impute first, e.g. "
                "SequenceScaler(nonfinite='impute')."
            )
            check_finite(X, "SequenceTransformer", remedy)
        return X

    def _fit_rows(self, X: RaggedSequences) -> tuple[np.ndarray, np.ndarray | None]:
        """The stacked training exchanges and, when supervised, their labels."""
        if not self.supervised_:
            return X.values, None
        name = type(self.transformer).__name__
        if X.exchange_labels is None:
            raise ValueError(
                f"SequenceTransformer(supervised={self.supervised!r}): {name} is fitted on "
                "exchange labels, but X carries none (RaggedSequences.with_exchange_labels)."
            )
        rated = np.isfinite(X.exchange_labels)
        if not rated.any():
            raise ValueError(
                f"SequenceTransformer: {name} needs exchange labels, but every exchange of "
                "the training dialogues is unrated (NaN)."
            )
        return X.values[rated], X.exchange_labels[rated]

    def _output_columns(self, X: RaggedSequences) -> tuple[np.ndarray, np.ndarray]:
        inner = self.transformer_
        if hasattr(inner, "get_support"):
            support = inner.get_support()
            return X.feature_names[support], X.modalities[support]
        if hasattr(inner, "get_feature_names_out"):
            names = np.asarray(inner.get_feature_names_out(X.feature_names), dtype=str)
        else:
            width = inner.transform(X.values[:1]).shape[1]
            names = np.array([f"{type(inner).__name__.lower()}{j}" for j in range(width)])
        if np.array_equal(names, X.feature_names):
            return names, X.modalities.copy()
        tags = X.modality_set
        tag = tags[0] if len(tags) == 1 else MIXED_TAG
        return np.char.add(f"{tag}__", names), np.full(names.shape, tag)

    def fit(self, X: RaggedSequences, y: Any = None) -> SequenceTransformer:
        """Fit a clone of ``transformer`` on the stacked exchanges of ``X``.

        Parameters
        ----------
        X : RaggedSequences
            Training sequences (with exchange labels if the transformer is supervised).
        y : ignored
            The dialogue labels; not used (see ``supervised``).

        Returns
        -------
        self : SequenceTransformer
            The fitted step.
        """
        self._validate_params()
        X = self._check_input(X, self.transformer)
        self.supervised_ = self.supervised == "always" or (
            self.supervised == "auto" and _needs_labels(self.transformer)
        )
        values, labels = self._fit_rows(X)
        self.transformer_ = clone(self.transformer).fit(values, labels)
        self.feature_names_out_, self.modalities_out_ = self._output_columns(X)
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Transform every exchange; dialogues, ids and exchange labels are kept.

        Parameters
        ----------
        X : RaggedSequences
            Sequences with the columns seen in ``fit``.

        Returns
        -------
        X_transformed : RaggedSequences
            The same dialogues with the transformer's output columns.
        """
        check_is_fitted(self)
        X = self._check_input(X, self.transformer_)
        check_feature_names(self, X)
        values = np.asarray(self.transformer_.transform(X.values), dtype=np.float64)
        return X.replace(
            values=values,
            feature_names=self.feature_names_out_,
            modalities=self.modalities_out_,
        )

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output columns (see Notes of the class).

        Parameters
        ----------
        input_features : array-like of str, default=None
            Must equal ``feature_names_in_`` if given.

        Returns
        -------
        feature_names_out : ndarray of str
            One name per output column.
        """
        check_is_fitted(self)
        check_input_features(self, input_features)
        return self.feature_names_out_.astype(object)
