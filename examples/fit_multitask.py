"""
Fit the multitask model and follow a dialogue exchange by exchange
==================================================================

A pipeline selects the L+V modalities, standardises them on the training
dialogues and trains :class:`~hazumi_sk.model.MultitaskSequenceClassifier`
on the dialogue-level impression (``worthwhile`` > 4) jointly with the
exchange-level self-sentiment that travels inside ``X``. We then look at the
three kinds of output: dialogue probabilities, per-exchange sentiment
probabilities and the running dialogue estimate after each exchange.

The data are the synthetic Hazumi-like corpus, so this runs anywhere; swap in
``load_hazumi`` for the real one. Epochs and sizes are reduced for speed; the
paper's settings are the estimator's defaults.
"""

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from sklearn.metrics import f1_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import Pipeline

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

X, y = to_xy(make_synthetic_hazumi(random_state=0), item="worthwhile")
print(X)
train, test = train_test_split(np.arange(len(y)), test_size=0.25, stratify=y, random_state=0)

pipe = Pipeline(
    [
        ("select", ModalitySelector("L+V")),
        ("scale", SequenceScaler()),
        (
            "model",
            MultitaskSequenceClassifier(
                alpha=0.7, hidden_size=32, max_epochs=30, random_state=0, progress_bar=True
            ),
        ),
    ]
)
pipe.fit(X[train], y[train])  # exchange labels ride inside X[train]
model = pipe.named_steps["model"]
print("training loss per epoch:", np.round(model.history[:, "train_loss"], 3))
print("test F1 (weighted):", f1_score(y[test], pipe.predict(X[test]), average="weighted"))

# Per-exchange outputs need the transformed features of the pipeline's first steps.
X_test = pipe[:-1].transform(X[test])
sentiment = model.predict_exchange_proba(X_test)  # RaggedSequences, columns low/high
running = model.predict_running_proba(X_test)  # RaggedSequences, one column per class

dialogue = 0
fig, ax = plt.subplots(figsize=(8, 3))
ax.plot(running.sequence(dialogue)[:, 1], label="running P(worthwhile high)")
ax.plot(sentiment.sequence(dialogue)[:, 1], alpha=0.6, label="P(exchange sentiment high)")
ax.axhline(pipe.predict_proba(X[test[[dialogue]]])[0, 1], ls="--", c="k", label="final estimate")
ax.set(xlabel="exchange", ylabel="probability", title=f"dialogue {X_test.dialogue_ids[0]}")
ax.legend(loc="lower right")
fig.tight_layout()
fig.savefig("fit_multitask.png")
print("saved fit_multitask.png")
