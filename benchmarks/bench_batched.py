"""Many networks at once: ``fit_batched`` against one fit after another, on one device.

The networks are cells of the paper's grid for *worthwhile*: ALL features, LSTM(1-128)
with 128-unit heads, Adam lr=0.001, batch 8 dialogues, the real Hazumi 1902 + 1911
corpus when ``../shared/hazumi`` is present (the synthetic corpus otherwise), each
network on its own training fold (stratified 5-fold, seed 0) scaled on that fold, with
its own alpha (the paper's nine, cycled) and its own seed.

Printed lines:

* ``device: cpu`` (or ``cuda:0``), then what was trained;
* ``batched_vs_sequential: X`` -- wall time of ``--k`` networks trained one after
  another (``fit``) divided by the same networks trained by one ``fit_batched`` call,
  ``--epochs`` epochs each, in this run (above 1: batching is faster);
* ``max_abs_diff: X`` -- the largest difference of any predicted probability (on the
  whole corpus) between ``fit`` and ``fit_batched`` for ``--exact`` networks trained
  the full ``--exact-epochs`` (goal <= 1e-3), and whether every predicted label agrees;
* on CUDA, ``paper_preset_minutes: X`` -- the projected wall time of
  ``hazumi-sk reproduce --preset paper`` (``--paper-fits`` fits of 60 epochs) in
  batches of ``--k`` on this device, from the batched time per network-epoch measured
  here.

Usage::

    python benchmarks/bench_batched.py [--device cpu] [--k 45] [--epochs 1] [--exact 2]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.base import clone
from sklearn.model_selection import StratifiedKFold

from hazumi_sk.datasets import load_hazumi, make_synthetic_hazumi, to_xy
from hazumi_sk.model import MultitaskSequenceClassifier, fit_batched
from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"
ALPHAS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def load(root: Path):
    """(X, y, description) for worthwhile, ALL features."""
    if (root / "Hazumi1902").is_dir():
        data = load_hazumi(root, versions=["1902", "1911"], progress=False)
        name = "Hazumi 1902+1911"
    else:
        data = make_synthetic_hazumi(54, random_state=0)
        name = "synthetic corpus (no real corpus found)"
    X, y = to_xy(data, item="worthwhile")
    return ModalitySelector("ALL").fit_transform(X), y, name


def cells(X, y, k: int, device: str, epochs: int):
    """k (network, training X, training y): fold k % 5, alpha k % 9, seed k."""
    folds = list(StratifiedKFold(5, shuffle=True, random_state=0).split(np.zeros(len(y)), y))
    out = []
    for i in range(k):
        train = folds[i % 5][0]
        X_train = SequenceScaler().fit_transform(X[train])
        net = MultitaskSequenceClassifier(
            alpha=ALPHAS[i % 9], max_epochs=epochs, random_state=i, device=device
        )
        out.append((net, X_train, y[train]))
    return out


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def time_both(jobs, device: str) -> tuple[float, float, list, list]:
    sync(device)
    start = time.perf_counter()
    singles = [clone(net).fit(Xk, yk) for net, Xk, yk in jobs]
    sync(device)
    sequential = time.perf_counter() - start
    start = time.perf_counter()
    batched = fit_batched(
        [clone(net) for net, _, _ in jobs], [j[1] for j in jobs], [j[2] for j in jobs]
    )
    sync(device)
    return sequential, time.perf_counter() - start, singles, batched


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--k", type=int, default=45, help="networks in the timed batch")
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the timed fits")
    parser.add_argument("--exact", type=int, default=2, help="networks of the exactness check")
    parser.add_argument("--exact-epochs", type=int, default=60)
    parser.add_argument("--paper-fits", type=int, default=6000)
    parser.add_argument(
        "--threads", type=int, default=1, help="torch threads (1: robust on shared cores)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    device = str(torch.device(args.device))
    if device == "cuda":
        device = f"cuda:{torch.cuda.current_device()}"
    print(f"device: {device}", flush=True)
    X, y, name = load(HAZUMI_ROOT)
    print(
        f"data: {name}, {X.n_dialogues} dialogues, {X.n_features} features (ALL); "
        f"torch threads {torch.get_num_threads()}",
        flush=True,
    )
    jobs = cells(X, y, args.k, device, args.epochs)
    sequential, batched_time, _, _ = time_both(jobs, device)
    print(
        f"timed: {args.k} networks x {args.epochs} epochs: one after another "
        f"{sequential:.1f} s, batched {batched_time:.1f} s",
        flush=True,
    )
    print(f"batched_vs_sequential: {sequential / batched_time:.2f}", flush=True)
    exact = cells(X, y, args.exact, device, args.exact_epochs)
    seq_exact, batch_exact, singles, batched = time_both(exact, device)
    diffs = [
        np.abs(s.predict_proba(X) - b.predict_proba(X)).max()
        for s, b in zip(singles, batched, strict=True)
    ]
    same = all((s.predict(X) == b.predict(X)).all() for s, b in zip(singles, batched, strict=True))
    print(
        f"exactness: {args.exact} networks x {args.exact_epochs} epochs "
        f"(sequential {seq_exact:.0f} s, batched {batch_exact:.0f} s); "
        f"per network {', '.join(f'{d:.1e}' for d in diffs)}; same labels: {same}",
        flush=True,
    )
    print(f"max_abs_diff: {max(diffs):.2e}", flush=True)
    if device.startswith("cuda"):
        per_network_epoch = batched_time / (args.k * args.epochs)  # seconds
        minutes = per_network_epoch * args.paper_fits * 60 / 60  # 60 epochs a fit, in minutes
        print(f"paper_preset_minutes: {minutes:.1f}", flush=True)


if __name__ == "__main__":
    main()
