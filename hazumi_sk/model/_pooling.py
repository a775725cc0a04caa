"""Per-dialogue mean and standard deviation of the exchange features (a stopgap pooler).

``hazumi_sk.preprocessing.SequencePooler`` is the package's pooling transformer;
until it lands, the meta-estimators' tests, examples and benchmark use this
function inside a :class:`~sklearn.preprocessing.FunctionTransformer`.
"""

from __future__ import annotations

import numpy as np

from ..sequences import RaggedSequences
from ..utils import check_ragged

__all__ = ["pool_mean_std"]


def pool_mean_std(X: RaggedSequences) -> np.ndarray:
    """``(n_dialogues, 2 * n_features)``: each feature's mean, then its std, per dialogue.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.model._pooling import pool_mean_std
    >>> X = RaggedSequences.from_arrays([np.array([[1.0], [3.0]]), np.array([[5.0]])])
    >>> pool_mean_std(X).tolist()
    [[2.0, 1.0], [5.0, 0.0]]
    """
    X = check_ragged(X, "pool_mean_std")
    starts = X.offsets[:-1]
    lengths = X.lengths[:, None]
    mean = np.add.reduceat(X.values, starts, axis=0) / lengths
    square = np.add.reduceat(X.values**2, starts, axis=0) / lengths
    # Clip the rounding error of E[x^2] - E[x]^2 that can make it slightly negative.
    std = np.sqrt(np.clip(square - mean**2, 0.0, None))
    return np.hstack([mean, std])
