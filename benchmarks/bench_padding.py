"""Padding + masking vs pack_padded_sequence for one LSTM training step on CPU.

Times forward + backward of LSTM(951 -> 128) over batches of dialogues with 60-120
exchanges and prints microseconds per exchange for each batch size.

Usage::

    python benchmarks/bench_padding.py [--threads 1]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence


def step_time(lstm: torch.nn.LSTM, batch: int, packed: bool, reps: int = 10) -> float:
    lengths = torch.randint(60, 121, (batch,), generator=torch.Generator().manual_seed(batch))
    x = torch.randn(batch, int(lengths.max()), lstm.input_size)
    start = time.perf_counter()
    for _ in range(reps):
        if packed:
            out, _ = lstm(pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False))
            states, _ = pad_packed_sequence(out, batch_first=True)
        else:
            states, _ = lstm(x)
        states.sum().backward()
    return (time.perf_counter() - start) / reps / int(lengths.sum()) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    lstm = torch.nn.LSTM(951, 128, batch_first=True)
    for batch in (1, 4, 8, 16):
        padded, packed = step_time(lstm, batch, False), step_time(lstm, batch, True)
        print(f"batch {batch:2d}: padded {padded:6.1f} us/exchange, packed {packed:6.1f}")


if __name__ == "__main__":
    main()
