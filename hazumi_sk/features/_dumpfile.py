"""Modality blocks of the Hazumi dumpfile features (no raw media needed)."""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import check_parameters
from ..vocabulary import parse_modalities

__all__ = ["DumpfileFeatures"]


def _as_sequences(X: Any) -> RaggedSequences:
    if isinstance(X, RaggedSequences):
        return X
    features = getattr(X, "features", None) if not isinstance(X, dict) else X.get("features")
    if isinstance(features, RaggedSequences):
        return features
    raise TypeError(
        "X must be the dataset Bunch of load_hazumi / make_synthetic_hazumi or its "
        f"`features` RaggedSequences, got {type(X).__name__}"
        + (" whose features is None (no session has a dumpfile)" if features is None else "")
        + "."
    )


class DumpfileFeatures(TransformerMixin, BaseEstimator):
    """Select modality blocks of the corpus' precomputed (dumpfile) features.

    The Hazumi dumpfiles hold per-exchange features extracted by the corpus
    authors: IS09 acoustic (``A``, 384), linguistic (``L``: bag of words, POS
    counts and utterance length in 1902/1911; UPOS + BERT in 2010), face (``V``: 12
    landmarks x 4 kinematics + 18 action units), Kinect body (``B``), E4
    physiological (``P``, 1911) and system-side columns (``S``). The loader tags
    every column; this transformer keeps the chosen tags so that the public corpus
    can be used without raw media, in the same form as :class:`MultimodalFeatures`
    output (names prefixed ``"<tag>__"`` when ``prefix=True``).

    Parameters
    ----------
    modalities : str or list of str, default="ALL"
        ``"ALL"`` (the paper's A + L + B + V), ``"L+V"``-style strings or a list of
        tags. A tag absent from the data is an error.
    prefix : bool, default=True
        Prefix the feature names with ``"<tag>__"`` (left as is if already there).

    Attributes
    ----------
    modalities_ : list of str
    feature_names_in_ : ndarray of str
        Columns of the training features.
    feature_names_out_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.features import DumpfileFeatures
    >>> F = RaggedSequences.from_arrays([np.arange(6.).reshape(2, 3)],
    ...     feature_names=["F0_sma_amean", "noun", "EDA_mean"], modalities=["A", "L", "P"])
    >>> DumpfileFeatures("L+P").fit_transform(F).feature_names.tolist()
    ['L__noun', 'P__EDA_mean']
    """

    _parameter_constraints: ClassVar[dict] = {
        "modalities": [str, "array-like"],
        "prefix": ["boolean"],
    }

    def __init__(self, modalities: str | list[str] = "ALL", prefix: bool = True) -> None:
        self.modalities = modalities
        self.prefix = prefix

    def fit(self, X: Any, y: Any = None) -> DumpfileFeatures:
        """Check the requested modalities exist in ``X`` and remember the columns.

        Parameters
        ----------
        X : Bunch or RaggedSequences
        y : ignored

        Returns
        -------
        self
        """
        check_parameters(self)
        features = _as_sequences(X)
        tags = parse_modalities(self.modalities)
        present = set(features.modality_set)
        missing = [t for t in tags if t not in present]
        if missing:
            raise ValueError(
                f"Modalities {missing} are not in these features (they have "
                f"{features.modality_set}); for example Hazumi1902 has no 'P'."
            )
        self.modalities_ = tags
        self.feature_names_in_ = features.feature_names.astype(object)
        self.n_features_in_ = features.n_features
        selected = features.select_modalities(tags)
        self.columns_ = selected.feature_names.copy()
        self.feature_names_out_ = np.array(
            [
                self._name(n, t)
                for n, t in zip(selected.feature_names, selected.modalities, strict=True)
            ],
            dtype=object,
        )
        return self

    def _name(self, name: str, tag: str) -> str:
        if not self.prefix or name.startswith(f"{tag}__"):
            return str(name)
        return f"{tag}__{name}"

    def transform(self, X: Any) -> RaggedSequences:
        """Keep the fitted columns (by name, in training order).

        Parameters
        ----------
        X : Bunch or RaggedSequences

        Returns
        -------
        RaggedSequences
        """
        check_is_fitted(self, "columns_")
        features = _as_sequences(X)
        missing = sorted(set(self.columns_) - set(features.feature_names))
        if missing:
            raise ValueError(
                f"X lacks {len(missing)} column(s) seen in fit, for example {missing[:3]}."
            )
        selected = features.select_columns(self.columns_)
        return selected.replace(feature_names=self.feature_names_out_.astype(str))

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Selected (prefixed) feature names.

        Parameters
        ----------
        input_features : ignored

        Returns
        -------
        ndarray of str
        """
        check_is_fitted(self, "feature_names_out_")
        return self.feature_names_out_.copy()
