"""
From raw recordings to a fitted multitask pipeline
==================================================

The public Hazumi corpus ships precomputed features only; with your own
recordings, :mod:`hazumi_sk.features` computes them. This example writes a few
small synthetic sessions in the formats the extractors read -- a WAV per
session, an OpenFace 2.x per-frame CSV, a joint-trajectory CSV and the
exchange table with transcripts and self-sentiment (``SS``) -- then fits

``MultimodalFeatures -> ModalitySelector("L+V") -> SequenceScaler -> MultitaskSequenceClassifier``

on the dialogues directly. Every modality is extracted once per dialogue and
cached on disk, so trying other modality sets or model settings afterwards
costs no extraction. Sizes and epochs are tiny for speed; the labels are
synthetic, so the score says nothing about real data. Run with::

    python examples/raw_to_pipeline.py
"""

import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from hazumi_sk.features import (
    AcousticFeatures,
    BodyFeatures,
    FaceFeatures,
    LinguisticFeatures,
    MultimodalFeatures,
    write_demo_recordings,
)
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

workdir = Path(tempfile.mkdtemp(prefix="hazumi_raw_"))

# %%
# Raw files
# ---------
# ``write_demo_recordings`` writes the files and returns one
# :class:`~hazumi_sk.datasets.Dialogue` per session pointing at them. With real
# data, build the Dialogue objects yourself (exchange times in ms on the same
# clock as the media).
dialogues = write_demo_recordings(workdir / "raw", n_dialogues=12, n_exchanges=8, random_state=0)
first = dialogues[0]
print(first.exchanges[["start_ms", "end_system_ms", "end_ms", "user_utterance", "SS"]])
print(pd.read_csv(first.body_path).iloc[:3, :7])  # time_ms, <Joint>_x/_y/_z ...
print(first.face_path.read_text().splitlines()[0][:120], "...")  # OpenFace 2.2 header

# A dialogue-level target; here: is the mean self-sentiment above 4?
y = np.array([int(d.exchanges["SS"].mean() > 4) for d in dialogues])
train, test = train_test_split(np.arange(len(y)), test_size=0.33, stratify=y, random_state=0)
X = np.array(dialogues, dtype=object)  # sklearn splits it like any array

# %%
# The pipeline
# ------------
# The extractors keep their modality tags (A, L, B, V), so the selector can pick
# any combination. The TF-IDF/SVD sentence encoder needs no download; for the
# paper's 785-d linguistic features use ``encoder="bert", model="<local folder>"``.
features = MultimodalFeatures(
    [
        ("A", AcousticFeatures()),  # eGeMAPS, z-scored per speaker
        ("L", LinguisticFeatures(n_components=8)),
        ("B", BodyFeatures()),
        ("V", FaceFeatures(landmarks="paper")),
    ],
    memory=str(workdir / "cache"),
    verbose=True,
)
pipe = Pipeline(
    [
        ("features", features),
        ("select", ModalitySelector("L+V")),
        ("scale", SequenceScaler()),
        (
            "model",
            MultitaskSequenceClassifier(
                alpha=0.7, hidden_size=16, head_size=16, max_epochs=20, random_state=0,
                torch_num_threads=1,
            ),
        ),
    ]
)  # fmt: skip
pipe.fit(X[train].tolist(), y[train])  # SS rides inside the extracted RaggedSequences
print("test accuracy:", np.mean(pipe.predict(X[test].tolist()) == y[test]))

# Other modality sets reuse the cached extraction.
pipe.set_params(select__modalities="ALL").fit(X[train].tolist(), y[train])
print("ALL modalities, test accuracy:", np.mean(pipe.predict(X[test].tolist()) == y[test]))

# %%
# What the extractors produced
# ----------------------------
# One row per exchange, columns grouped by modality, after the scaler.
fused = pipe[:-1].transform([first])
fig, ax = plt.subplots(figsize=(9, 3))
image = ax.imshow(
    fused.values.T, aspect="auto", cmap="coolwarm", vmin=-3, vmax=3, interpolation="nearest"
)
edges = np.flatnonzero(fused.modalities[1:] != fused.modalities[:-1]) + 1
for edge in edges:
    ax.axhline(edge - 0.5, color="k", lw=0.8)
for tag in fused.modality_set:
    rows = np.flatnonzero(fused.modalities == tag)
    ax.text(-0.7, rows.mean(), tag, ha="right", va="center")
ax.set(xlabel="exchange", yticks=[], title=f"scaled features of {first.dialogue_id}")
fig.colorbar(image, ax=ax, label="z")
fig.tight_layout()
fig.savefig("raw_to_pipeline.png")
print("saved raw_to_pipeline.png")
