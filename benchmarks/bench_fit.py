"""Time one fit at the paper's configuration against a per-dialogue PyTorch loop and the FLOP floor.

Configuration: 48 training dialogues of 60-120 exchanges, 951 features, LSTM-128
(1 layer, 128-unit heads), 60 epochs, Adam lr=0.001, alpha=0.7, the estimator's
default batch size. In the same run it times

* the reference: the same network and loss trained the way most research code
  does it -- loop over the dialogues, batch size 1, one numpy->torch conversion
  and one optimizer step per dialogue;
* the floor: the matrix-multiply FLOPs the fit must do (input projection,
  recurrent matmuls, both heads), each divided
  by the torch.matmul rate measured at that term's shape, with the same threads
  (measured before, between and after the fits; the fastest is kept). A layer
  costs 3x its forward FLOPs (forward, input gradient, weight gradient), except the
  input projection: its input is the data, whose gradient no fit needs, so it
  costs 2x. (PyTorch's fused oneDNN LSTM computes that input gradient anyway: it
  runs as fast with ``requires_grad=False`` inputs as with ``True`` ones.)

The last two lines are ``vs_reference: <reference s / ours>`` and
``vs_floor: <ours s / floor s>``.

Usage::

    python benchmarks/bench_fit.py [--threads 1] [--reference-epochs 60] [--sort-pool 0]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
from torch import nn

from hazumi_sk.model import MultitaskSequenceClassifier
from hazumi_sk.sequences import RaggedSequences

N_DIALOGUES, LENGTHS, N_FEATURES = 48, (60, 120), 951
HIDDEN, HEAD, EPOCHS, LR, ALPHA = 128, 128, 60, 0.001, 0.7


def make_data(seed: int = 0) -> tuple[RaggedSequences, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.arange(N_DIALOGUES) % 2)
    lengths = rng.integers(LENGTHS[0], LENGTHS[1] + 1, size=N_DIALOGUES)
    arrays = [rng.normal(size=(n, N_FEATURES)).astype(np.float32) for n in lengths]
    for label, array in zip(y, arrays, strict=True):
        array[:, :10] += label  # make the label learnable
    labels = [np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 8, n)) for n in lengths]
    return RaggedSequences.from_arrays(arrays, exchange_labels=labels), y


# ------------------------------------------------------------------ reference
class ReferenceNet(nn.Module):
    """The same network, written plainly for one dialogue at a time."""

    def __init__(self) -> None:
        super().__init__()
        self.rnn = nn.LSTM(N_FEATURES, HIDDEN, batch_first=True)
        self.dialogue_head = nn.Sequential(nn.Linear(HIDDEN, HEAD), nn.Linear(HEAD, 2))
        self.exchange_head = nn.Sequential(nn.Linear(HIDDEN, HEAD), nn.Linear(HEAD, 2))

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        states, _ = self.rnn(x)
        dialogue = torch.log_softmax(self.dialogue_head(states[:, -1]), dim=-1)
        exchange = torch.log_softmax(self.exchange_head(states[0]), dim=-1)
        return dialogue, exchange


def fit_reference(X: RaggedSequences, y: np.ndarray, epochs: int) -> np.ndarray:
    """Seconds of each epoch of the per-dialogue loop."""
    torch.manual_seed(0)
    net = ReferenceNet()
    optimizer = torch.optim.Adam(net.parameters(), lr=LR)
    dialogues = X.to_list()
    sentiments = [X.labels_of(i) for i in range(len(X))]
    rng = np.random.default_rng(0)
    epoch_seconds = []
    for _ in range(epochs):
        epoch_start = time.perf_counter()
        for i in rng.permutation(len(dialogues)):
            x = torch.from_numpy(dialogues[i]).float().unsqueeze(0)
            rated = ~np.isnan(sentiments[i])
            target = torch.from_numpy((sentiments[i][rated] > 4).astype(np.int64))
            dialogue, exchange = net(x)
            loss = ALPHA * nn.functional.nll_loss(dialogue, torch.tensor([int(y[i])]))
            loss = loss + (1 - ALPHA) * nn.functional.nll_loss(
                exchange[torch.from_numpy(rated)], target
            )
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        epoch_seconds.append(time.perf_counter() - epoch_start)
    return np.array(epoch_seconds)


# ---------------------------------------------------------------------- floor
def matmul_seconds_per_flop(m: int, k: int, n: int, min_time: float = 0.3) -> float:
    a, b = torch.randn(m, k), torch.randn(k, n)
    for _ in range(3):
        torch.matmul(a, b)
    reps, start = 0, time.perf_counter()
    while time.perf_counter() - start < min_time:
        torch.matmul(a, b)
        reps += 1
    return (time.perf_counter() - start) / reps / (2.0 * m * k * n)


#: Training FLOPs as a multiple of forward FLOPs: forward + input grad + weight grad,
#: but the data's gradient is never needed, so the input projection costs 2x.
PASS_FACTOR = {"input_projection": 2, "recurrent": 3, "exchange_head": 3, "dialogue_head": 3}


def floor_terms(lengths: np.ndarray, batch_size: int) -> dict[str, tuple[float, tuple]]:
    """name -> (forward matmul FLOPs per epoch, representative (m, k, n) shape)."""
    gates = 4 * HIDDEN
    exchanges, dialogues = int(lengths.sum()), len(lengths)
    rows = batch_size * int(lengths.mean())  # rows of one batch's time-distributed matmuls
    terms = {  # name: (forward FLOPs per epoch, representative (m, k, n))
        "input_projection": (2.0 * exchanges * N_FEATURES * gates, (rows, N_FEATURES, gates)),
        "recurrent": (2.0 * exchanges * HIDDEN * gates, (batch_size, HIDDEN, gates)),
        "exchange_head": (
            2.0 * exchanges * (HIDDEN * HEAD + HEAD * 2),
            (rows, HIDDEN, HEAD),
        ),
        "dialogue_head": (
            2.0 * dialogues * (HIDDEN * HEAD + HEAD * 2),
            (batch_size, HIDDEN, HEAD),
        ),
    }
    return terms


def measure_rates(terms: dict[str, tuple[float, tuple]]) -> dict[str, float]:
    """Seconds per FLOP of torch.matmul at each term's shape."""
    return {name: matmul_seconds_per_flop(*shape) for name, (_, shape) in terms.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1, help="torch threads for all timings")
    parser.add_argument(
        "--reference-epochs",
        type=int,
        default=EPOCHS,
        help="epochs to time the reference for (scaled to 60 if fewer)",
    )
    parser.add_argument(
        "--sort-pool", type=int, default=0, help="iterator_train__sort_pool (0: estimator default)"
    )
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y = make_data()
    extra = {"iterator_train__sort_pool": args.sort_pool} if args.sort_pool else {}
    model = MultitaskSequenceClassifier(alpha=ALPHA, random_state=0, **extra)
    print(
        f"data: {len(X)} dialogues, {X.n_exchanges} exchanges ({X.lengths.min()}-"
        f"{X.lengths.max()}), {X.n_features} features; epochs={EPOCHS}, "
        f"batch_size={model.batch_size}, threads={torch.get_num_threads()}"
    )
    terms = floor_terms(X.lengths, model.batch_size)
    # The machine may be shared: the matmul rates are measured before, between and
    # after the fits, and the fastest is kept (the strictest floor).
    rates = [measure_rates(terms)]
    start = time.perf_counter()
    model.fit(X, y)
    ours = time.perf_counter() - start
    ours_epochs = np.array(model.history[:, "dur"])
    print(f"ours: {ours:.2f} s (median epoch {np.median(ours_epochs) * 1000:.0f} ms)")
    rates.append(measure_rates(terms))

    reference_epochs = fit_reference(X, y, args.reference_epochs)
    reference = reference_epochs.sum() * EPOCHS / args.reference_epochs
    print(
        f"reference (per dialogue, batch 1): {reference:.2f} s "
        f"(median epoch {np.median(reference_epochs) * 1000:.0f} ms)"
    )
    rates.append(measure_rates(terms))

    floor = 0.0
    for name, (flops, _) in terms.items():
        seconds_per_flop = min(r[name] for r in rates)
        train_flops = PASS_FACTOR[name] * flops * EPOCHS
        term = train_flops * seconds_per_flop
        floor += term
        print(
            f"floor {name}: {train_flops / 1e9:.1f} GFLOP at "
            f"{1 / seconds_per_flop / 1e9:.1f} GFLOP/s (slowest of 3: "
            f"{1 / max(r[name] for r in rates) / 1e9:.1f}) = {term:.2f} s"
        )
    print(f"floor: {floor:.2f} s")
    print(
        "median-epoch ratios (less sensitive to load changes): "
        f"reference/ours {np.median(reference_epochs) / np.median(ours_epochs):.2f}, "
        f"ours/floor {np.median(ours_epochs) * EPOCHS / floor:.2f}"
    )
    print(f"vs_reference: {reference / ours:.2f}")
    print(f"vs_floor: {ours / floor:.2f}")


if __name__ == "__main__":
    main()
