"""
Track the impression of running dialogues, exchange by exchange
===============================================================

A dialogue system wants to know how the user feels *while* the dialogue runs, not
after it. We fit two methods for two items -- the pooled baseline for *worthwhile*
and the two-stage model for *cold* -- ship them as one model bundle, load it back as
a live system would, and feed two dialogues to
:class:`~hazumi_sk.online.ImpressionTracker` one exchange at a time, interleaved.

Each update costs the same at the first and the hundredth exchange (running
statistics, running aggregates, a network's hidden state), and equals the offline
``predict_proba`` of the dialogue so far, which we check at the end. Halfway
through, one dialogue is saved as plain JSON and resumed in a fresh tracker, as a
service would after a restart.

The data are the synthetic Hazumi-like corpus, so this runs anywhere.
"""

import json
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import METHODS
from hazumi_sk.online import ImpressionTracker, offline_trajectory, plot_trajectory
from hazumi_sk.persistence import ModelBundle, ModelMetadata, load_bundle, save_bundle

data = make_synthetic_hazumi(random_state=0)
models = {}
for item, method in [("worthwhile", "pooled-lr"), ("cold", "two-stage")]:
    X, y = to_xy(data, item=item)
    models[item] = METHODS[method].build_pipeline("L+V", seed=0).fit(X, y)

# %%
# One file for both items; the metadata keeps the input columns and their modalities.
path = Path(tempfile.mkdtemp()) / "live.hzm"
save_bundle(ModelBundle(models, ModelMetadata.from_fit(models["worthwhile"], X)), path)
tracker = ImpressionTracker(load_bundle(path))
print(
    f"items {tracker.items}; {len(tracker.required_features)} of "
    f"{len(tracker.feature_names)} columns needed (L+V); O(1): {tracker.incremental}"
)

# %%
# Two dialogues at once. Each exchange sends only the columns the models read.
columns = [list(X.feature_names).index(name) for name in tracker.required_features]
first, second = (str(d) for d in X.dialogue_ids[:2])
rows = {d: X.sequence(i)[:, columns] for i, d in enumerate((first, second))}


def as_exchange(values):
    return dict(zip(tracker.required_features, values.tolist(), strict=True))


for dialogue in (first, second):
    tracker.start(dialogue)
for t in range(max(len(r) for r in rows.values())):
    for dialogue, values in rows.items():
        if t < len(values):
            estimate = tracker.update(dialogue, as_exchange(values[t]))
    if t == 2:
        # Save the first dialogue as plain data and continue it in a new tracker.
        state = json.dumps(tracker.state(first))
        resumed = ImpressionTracker(load_bundle(path))
        resumed.restore(json.loads(state))
for t in range(3, len(rows[first])):
    resumed.update(first, as_exchange(rows[first][t]))

# %%
# Live equals offline on every prefix, and the resumed dialogue equals the original.
for dialogue in (first, second):
    live = tracker.trajectory(dialogue)
    for item, model in models.items():
        ours = live.loc[live["item"] == item, "proba_high"].to_numpy()
        gap = np.abs(ours - offline_trajectory(model, X, dialogue)).max()
        print(f"{dialogue} {item}: {len(ours)} exchanges, max |live - offline| = {gap:.1e}")
print(f"last estimate of {second}: {estimate.items}")
same = resumed.trajectory(first)["proba_high"].equals(tracker.trajectory(first)["proba_high"])
print(f"resumed from JSON, identical trajectory: {same}")

figure = plot_trajectory(tracker.trajectory(first))
figure.savefig("live_tracking.png", dpi=90)
