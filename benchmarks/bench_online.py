"""Live tracking speed: one tracker update vs recomputing the running estimate of the prefix.

Fits the paper's multitask LSTM (LSTM(1-128), ALL features, alpha 0.7; a few epochs:
the weights do not change the cost) on the real corpus where ``--data`` holds it (else
the synthetic one), then follows ``--dialogues`` dialogues of ``--length`` exchanges
(real exchanges, cycled where a dialogue is shorter) through
:class:`~hazumi_sk.online.ImpressionTracker`, timing every update. Prints:

- ``update_ms_p50``, ``update_ms_p99``: one update (features in, estimate out);
- ``vs_recompute_at_100``: ``predict_running_proba`` of the whole pipeline on the
  100-exchange prefix (what a system without the tracker does after every exchange)
  over one update at exchange 100 (goal >= 20);
- ``growth_1_to_100``: median update time at exchange 100 over exchange 1 (goal <= 1.5);
- the same update times for pooled-lr and two-stage, and the live-vs-offline agreement.

A timing, not a test: on a loaded machine the times vary, the ratios less. Run::

    python benchmarks/bench_online.py --data ../shared/hazumi
"""

from __future__ import annotations

import argparse
import time
import warnings
from pathlib import Path

import numpy as np
import torch

from hazumi_sk.datasets import load_hazumi, make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import METHODS
from hazumi_sk.online import ImpressionTracker, offline_trajectory
from hazumi_sk.reproduction import PRESETS, make_pipeline
from hazumi_sk.sequences import RaggedSequences

ITEM = "worthwhile"


def _corpus(data: Path | None):
    if data is not None and (data / "Hazumi1902").is_dir():
        return load_hazumi(data, versions=["1902", "1911"], progress=False), "real 1902+1911"
    return make_synthetic_hazumi(random_state=0), "synthetic"


def _long_dialogues(X: RaggedSequences, n: int, length: int) -> RaggedSequences:
    """``n`` dialogues of ``length`` real exchanges (each recorded dialogue cycled)."""
    order = np.argsort(-X.lengths)[:n]
    blocks = [np.resize(X.sequence(i), (length, X.n_features)) for i in order]
    return RaggedSequences.from_arrays(blocks, feature_names=X.feature_names,
                                       modalities=X.modalities,
                                       dialogue_ids=[f"long{i}" for i in order])  # fmt: skip


def _follow(tracker: ImpressionTracker, X: RaggedSequences) -> np.ndarray:
    """Milliseconds of every update, shape (n_dialogues, length)."""
    times = np.empty((X.n_dialogues, X.lengths.max()))
    names = list(tracker.required_features)
    columns = [int(np.flatnonzero(X.feature_names == n)[0]) for n in names]
    for i in range(X.n_dialogues):
        did = tracker.start()
        for t, row in enumerate(X.sequence(i)):
            exchange = dict(zip(names, row[columns].tolist(), strict=True))
            start = time.perf_counter()
            tracker.update(did, exchange)
            times[i, t] = (time.perf_counter() - start) * 1000
    return times


def _recompute_ms(model, prefix: RaggedSequences, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model[-1].predict_running_proba(model[:-1].transform(prefix))
        times.append((time.perf_counter() - start) * 1000)
    return float(np.median(times))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=None, help="folder with Hazumi1902/1911")
    parser.add_argument("--dialogues", type=int, default=10)
    parser.add_argument("--length", type=int, default=100)
    parser.add_argument("--epochs", type=int, default=3)
    args = parser.parse_args()
    torch.set_num_threads(1)
    warnings.simplefilter("ignore")
    dataset, source = _corpus(args.data)
    X, y = to_xy(dataset, item=ITEM)
    print(f"device: cpu ({source}, {X.n_dialogues} dialogues, {X.n_features} columns)")
    preset = PRESETS["paper"]
    lstm = make_pipeline("ALL", 0.7, "LSTM(1-128)", preset, 0)
    lstm.set_params(model__max_epochs=args.epochs, model__torch_num_threads=1).fit(X, y)
    long = _long_dialogues(X, args.dialogues, args.length)
    tracker = ImpressionTracker(lstm, item=ITEM, modalities=X.modalities)
    times = _follow(tracker, long)
    at_100 = min(100, args.length) - 1
    update_100 = float(np.median(times[:, at_100]))
    prefix = long[[0]].replace(values=long.sequence(0)[: at_100 + 1], offsets=[0, at_100 + 1])
    recompute = _recompute_ms(lstm, prefix, 20)
    print(f"update_ms_p50: {np.percentile(times, 50):.3f}")
    print(f"update_ms_p99: {np.percentile(times, 99):.3f}")
    print(f"recompute_ms_at_100: {recompute:.3f}")
    print(f"vs_recompute_at_100: {recompute / update_100:.1f}")
    print(f"growth_1_to_100: {update_100 / float(np.median(times[:, 0])):.2f}")
    live = [e.items[ITEM] for e in tracker.estimates(tracker.dialogues()[0])]
    offline = offline_trajectory(lstm, long, str(long.dialogue_ids[0]))
    worst = float(np.max(np.abs(np.asarray(live) - offline)))
    print(f"live_vs_offline_max_abs (paper LSTM, {args.length} exchanges): {worst:.2g}")
    for name in ("pooled-lr", "two-stage"):
        model = METHODS[name].build_pipeline("ALL", 0, tiny=False).fit(X, y)
        other = _follow(ImpressionTracker(model, item=ITEM, modalities=X.modalities), long)
        growth = np.median(other[:, at_100]) / np.median(other[:, 0])
        print(f"{name}_update_ms_p50: {np.percentile(other, 50):.3f} growth_1_to_100: {growth:.2f}")


if __name__ == "__main__":
    main()
