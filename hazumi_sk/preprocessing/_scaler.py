"""Per-feature standardisation of exchange sequences: over training exchanges or per dialogue."""

from __future__ import annotations

import warnings
from numbers import Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import (
    StrOptions,
    VersionedStateMixin,
    check_feature_names,
    check_finite,
    check_input_features,
    check_ragged,
)

__all__ = ["SequenceScaler"]

#: Prefix of the appended dialogue-mean columns (``keep_dialogue_means=True``).
DIALOGUE_MEAN_PREFIX = "dmean__"


def _center_scale(
    values: np.ndarray, method: str, quantile_range: tuple[float, float]
) -> tuple[np.ndarray, np.ndarray]:
    """Per-column center and scale over the finite rows (NaN marks non-finite values)."""
    with warnings.catch_warnings():
        # A column without finite values gives NaN; callers handle it explicitly.
        warnings.simplefilter("ignore", RuntimeWarning)
        if method == "standard":
            return np.nanmean(values, axis=0), np.nanstd(values, axis=0)
        low, median, high = np.nanpercentile(
            values, [quantile_range[0], 50.0, quantile_range[1]], axis=0
        )
    return median, high - low


def _constant_mask(center: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Scales too small to divide by (constant columns; NaN scales count as constant)."""
    with np.errstate(invalid="ignore"):
        return ~(scale > 10 * np.finfo(np.float64).eps * np.maximum(np.abs(center), 1.0))


def _safe_scale(center: np.ndarray, scale: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scale with constant columns set to 1 (they map to 0 instead of NaN), and the mask."""
    constant = _constant_mask(center, scale)
    return np.where(constant, 1.0, scale), constant


def _finite_training_values(X: RaggedSequences, owner: str) -> np.ndarray:
    """``X.values`` with non-finite entries as NaN; a column with no finite value is an error."""
    values = np.where(np.isfinite(X.values), X.values, np.nan)
    no_finite = np.all(np.isnan(values), axis=0)
    if no_finite.any():
        raise ValueError(
            f"{owner}: feature(s) "
            f"{X.feature_names[no_finite][:5].tolist()} have no finite training value."
        )
    return values


def _dialogue_means(X: RaggedSequences, values: np.ndarray) -> np.ndarray:
    """Per-dialogue mean of every column over its finite values (NaN if it has none)."""
    finite = ~np.isnan(values)
    sums = np.add.reduceat(np.where(finite, values, 0.0), X.offsets[:-1], axis=0)
    counts = np.add.reduceat(finite.astype(np.float64), X.offsets[:-1], axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return sums / counts


class SequenceScaler(VersionedStateMixin, TransformerMixin, BaseEstimator):
    """Centre and scale every feature over the training exchanges, or within each dialogue.

    The statistics pool all exchanges of the dialogues passed to ``fit`` (so
    in cross-validation only the training folds' exchanges are used); every
    exchange is then transformed as ``(x - center_) / scale_``.

    With ``per_dialogue=True`` every feature is instead standardised within
    each dialogue, ``(x - dialogue center) / dialogue scale``, like the paper's
    per-speaker normalisation: a sequence model then sees each person's
    variation around their own level rather than differences between people.
    ``keep_dialogue_means=True`` keeps those levels as extra columns.

    Parameters
    ----------
    method : {"standard", "robust"}, default="standard"
        ``"standard"``: mean and standard deviation. ``"robust"``: median and
        interquartile range (``quantile_range``), less sensitive to outlying
        exchanges.
    quantile_range : tuple of (float, float), default=(25.0, 75.0)
        Percentiles of the range used as scale by ``method="robust"``.
    nonfinite : {"raise", "impute"}, default="raise"
        What to do with NaN or infinite feature values. ``"raise"`` stops with
        an error naming the dialogue and the feature. ``"impute"`` computes
        the statistics over the finite values only and replaces non-finite
        values by the training center (mean or median), i.e. by 0 after
        scaling. A feature with no finite training value raises either way.
    per_dialogue : bool, default=False
        Standardise within each dialogue (center and scale by ``method`` over
        that dialogue's exchanges) instead of with the training statistics.
        A feature constant within a dialogue, and every feature of a
        one-exchange dialogue, gets scale 1 and so becomes 0. A feature with
        no finite value in a dialogue (``nonfinite="impute"``) becomes 0.
    keep_dialogue_means : bool, default=False
        With ``per_dialogue=True``, append one column per feature holding the
        dialogue's mean, named ``dmean__<feature>`` with the feature's
        modality tag, standardised across dialogues with the training
        dialogues' statistics (``dialogue_mean_center_``,
        ``dialogue_mean_scale_``, by ``method``). Requires ``per_dialogue``.

    Attributes
    ----------
    center_ : ndarray of shape (n_features,)
        Per-feature mean (standard) or median (robust).
    scale_ : ndarray of shape (n_features,)
        Per-feature standard deviation or interquartile range. Constant
        features (scale 0) get scale 1, so they become exactly 0 instead of
        NaN; ``constant_features_`` lists them.
    constant_features_ : ndarray of str
        Names of the features that were constant over the training exchanges.
    dialogue_mean_center_, dialogue_mean_scale_ : ndarray of shape (n_features,)
        With ``keep_dialogue_means=True``: center and scale (constant -> 1) of
        the training dialogues' means, used to standardise the ``dmean__`` columns.
    n_features_in_ : int
        Number of input features.
    feature_names_in_ : ndarray of str of shape (n_features,)
        Input feature names.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.preprocessing import SequenceScaler
    >>> X = RaggedSequences.from_arrays([[[1.0, 5.0], [3.0, 5.0]], [[5.0, 5.0]]])
    >>> scaler = SequenceScaler().fit(X)
    >>> scaler.center_.tolist(), scaler.constant_features_.tolist()
    ([3.0, 5.0], ['x1'])
    >>> scaler.transform(X).values[:, 1].tolist()
    [0.0, 0.0, 0.0]

    Per dialogue, keeping the dialogue means:

    >>> per = SequenceScaler(per_dialogue=True, keep_dialogue_means=True).fit(X)
    >>> Xt = per.transform(X)
    >>> Xt.feature_names.tolist()
    ['x0', 'x1', 'dmean__x0', 'dmean__x1']
    >>> Xt.values[:, [0, 2]].tolist()
    [[-1.0, -1.0], [1.0, -1.0], [0.0, 1.0]]
    """

    _parameter_constraints: dict = {
        "method": [StrOptions({"standard", "robust"})],
        "quantile_range": [tuple],
        "nonfinite": [StrOptions({"raise", "impute"})],
        "per_dialogue": ["boolean"],
        "keep_dialogue_means": ["boolean"],
    }

    def __init__(
        self,
        method: str = "standard",
        quantile_range: tuple[float, float] = (25.0, 75.0),
        nonfinite: str = "raise",
        per_dialogue: bool = False,
        keep_dialogue_means: bool = False,
    ) -> None:
        self.method = method
        self.quantile_range = quantile_range
        self.nonfinite = nonfinite
        self.per_dialogue = per_dialogue
        self.keep_dialogue_means = keep_dialogue_means

    def _check_params(self) -> None:
        # Types and options come from _parameter_constraints; what they cannot say is here.
        self._validate_params()
        bounds = self.quantile_range
        if not (
            len(bounds) == 2
            and all(isinstance(b, Real) and not isinstance(b, bool) for b in bounds)
            and 0 <= bounds[0] < bounds[1] <= 100
        ):
            raise ValueError(
                "The 'quantile_range' parameter of SequenceScaler must be two numbers "
                f"0 <= low < high <= 100, got {bounds!r}."
            )
        if self.keep_dialogue_means and not self.per_dialogue:
            raise ValueError(
                "The 'keep_dialogue_means' parameter of SequenceScaler needs per_dialogue=True "
                "(the dialogue means are the level that per-dialogue scaling removes)."
            )

    def _check_finite(self, X: RaggedSequences) -> None:
        if self.nonfinite == "raise":
            remedy = (
                "Fix the input, or pass nonfinite='impute' to replace non-finite values by the "
                "training center."
            )
            check_finite(X, "SequenceScaler", remedy)

    def fit(self, X: RaggedSequences, y: Any = None) -> SequenceScaler:
        """Compute the per-feature center and scale over all exchanges of ``X``.

        Parameters
        ----------
        X : RaggedSequences
            Training sequences.
        y : ignored
            Present for API consistency.

        Returns
        -------
        self : SequenceScaler
            The fitted scaler.
        """
        self._check_params()
        X = check_ragged(X, type(self).__name__)
        self._check_finite(X)
        values = _finite_training_values(X, "SequenceScaler")
        center, scale = _center_scale(values, self.method, self.quantile_range)
        self.center_ = center
        self.scale_, constant = _safe_scale(center, scale)
        self.constant_features_ = X.feature_names[constant]
        if self.keep_dialogue_means:
            means = _dialogue_means(X, values)
            mean_center, mean_scale = _center_scale(means, self.method, self.quantile_range)
            self.dialogue_mean_center_ = mean_center
            self.dialogue_mean_scale_ = _safe_scale(mean_center, mean_scale)[0]
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Scale every exchange with the training statistics.

        Parameters
        ----------
        X : RaggedSequences
            Sequences with the columns seen in ``fit``.

        Returns
        -------
        X_scaled : RaggedSequences
            Same dialogues, ids and exchange labels, scaled values.
        """
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        self._check_finite(X)
        if self.per_dialogue:
            return self._transform_per_dialogue(X)
        values = X.values
        if self.nonfinite == "impute":
            values = np.where(np.isfinite(values), values, self.center_)
        return X.replace(values=(values - self.center_) / self.scale_)

    def _transform_per_dialogue(self, X: RaggedSequences) -> RaggedSequences:
        finite = np.isfinite(X.values)
        values = np.where(finite, X.values, np.nan)
        scaled = np.empty_like(values, dtype=np.float64)
        for start, stop in zip(X.offsets[:-1], X.offsets[1:], strict=True):
            block = values[start:stop]
            center, scale = _center_scale(block, self.method, self.quantile_range)
            scale = _safe_scale(center, scale)[0]
            scaled[start:stop] = (block - center) / scale
        # Imputed (non-finite) values sit at their dialogue's center, i.e. 0.
        scaled[~finite] = 0.0
        if not self.keep_dialogue_means:
            return X.replace(values=scaled)
        means = (_dialogue_means(X, values) - self.dialogue_mean_center_) / (
            self.dialogue_mean_scale_
        )
        means = np.repeat(np.nan_to_num(means, nan=0.0), X.lengths, axis=0)
        return X.replace(
            values=np.hstack([scaled, means]),
            feature_names=self.get_feature_names_out().astype(str),
            modalities=np.concatenate([X.modalities, X.modalities]),
        )

    def inverse_transform(self, X: RaggedSequences) -> RaggedSequences:
        """Undo :meth:`transform` (imputed values come back as the training center).

        Parameters
        ----------
        X : RaggedSequences
            Scaled sequences.

        Returns
        -------
        X_original : RaggedSequences
            Values on the original scale.
        """
        check_is_fitted(self)
        if self.per_dialogue:
            raise ValueError(
                "SequenceScaler(per_dialogue=True) cannot be inverted: each dialogue's own "
                "center and scale are not kept."
            )
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        return X.replace(values=X.values * self.scale_ + self.center_)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input names, then ``dmean__<feature>`` with ``keep_dialogue_means=True``.

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
        names = self.feature_names_in_.astype(object)
        if self.keep_dialogue_means:
            names = np.concatenate([names, DIALOGUE_MEAN_PREFIX + names])
        return names
