"""
Ragged exchange sequences
=========================

Build a :class:`~hazumi_sk.sequences.RaggedSequences` from per-dialogue arrays, index
it the way cross-validation does, select modalities, and pad it for a recurrent net.
"""

import numpy as np
from sklearn.model_selection import StratifiedKFold

from hazumi_sk.sequences import RaggedSequences

rng = np.random.default_rng(0)
lengths = rng.integers(3, 9, size=10)
X = RaggedSequences.from_arrays(
    [rng.normal(size=(n, 4)) for n in lengths],
    feature_names=["F0_mean", "loudness", "noun", "smile"],
    modalities=["A", "A", "L", "V"],
    dialogue_ids=[f"dialogue{i:02d}" for i in range(10)],
    exchange_labels=[rng.integers(1, 8, size=n).astype(float) for n in lengths],
)
y = np.array([0, 1] * 5)
print(X)
print("exchanges per dialogue:", X.lengths.tolist())

# Cross-validation splits dialogues, and the exchange labels go with them.
for train, test in StratifiedKFold(n_splits=5).split(X, y):
    X_train, X_test = X[train], X[test]
    print(
        f"train {len(X_train)} dialogues / test {X_test.dialogue_ids.tolist()}: "
        f"{X_test.n_exchanges} exchanges, {np.isnan(X_test.exchange_labels).sum()} unrated"
    )

# Column selection by modality tag, as ModalitySelector("L+V") does.
print(X.select_modalities(["L", "V"]).feature_names.tolist())

# Padded arrays for a recurrent network, and back.
padded, lens = X.to_padded()
print("padded shape:", padded.shape)
assert RaggedSequences.from_padded(
    padded,
    lens,
    feature_names=X.feature_names,
    modalities=X.modalities,
    dialogue_ids=X.dialogue_ids,
    exchange_labels=X.exchange_labels,
).equals(X)
