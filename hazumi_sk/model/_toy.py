"""Small random dialogues with a learnable label, for tests, examples and benchmarks."""

from __future__ import annotations

import numpy as np

from ..sequences import RaggedSequences

__all__ = ["make_toy_sequences"]


def make_toy_sequences(
    n_dialogues: int = 40,
    lengths: tuple[int, int] = (5, 15),
    n_features: int = 6,
    modalities: tuple[str, ...] = ("A", "L", "V"),
    unrated: float = 0.1,
    signal: float = 1.0,
    random_state: int = 0,
) -> tuple[RaggedSequences, np.ndarray]:
    """Dialogues whose label drives the exchange ratings, which drive the features.

    Each dialogue gets a binary label; each exchange a 1-7 self-sentiment
    rating centred at 3 (label 0) or 5 (label 1); the first column of every
    modality carries the exchange's rating plus noise, the rest is noise. A
    fraction ``unrated`` of exchange labels is NaN.

    Returns
    -------
    X : RaggedSequences
        With ``exchange_labels`` and columns tagged round-robin by ``modalities``.
    y : ndarray of int of shape (n_dialogues,)
        Balanced dialogue labels.
    """
    rng = np.random.default_rng(random_state)
    y = rng.permutation(np.arange(n_dialogues) % 2)
    sizes = rng.integers(lengths[0], lengths[1] + 1, size=n_dialogues)
    tags = np.array([modalities[j % len(modalities)] for j in range(n_features)])
    informative = np.array([np.flatnonzero(tags == tag)[0] for tag in modalities])
    arrays, labels = [], []
    for label, size in zip(y, sizes, strict=True):
        ratings = np.clip(np.rint(rng.normal(3 + 2 * label, 1.0, size)), 1, 7)
        features = rng.normal(size=(size, n_features))
        features[:, informative] += signal * (ratings[:, None] - 4) / 2
        ratings[rng.random(size) < unrated] = np.nan
        arrays.append(features)
        labels.append(ratings)
    X = RaggedSequences.from_arrays(
        arrays,
        feature_names=[f"{tag}{j}" for j, tag in enumerate(tags)],
        modalities=tags,
        dialogue_ids=[f"d{i:03d}" for i in range(n_dialogues)],
        exchange_labels=labels,
    )
    return X, y
