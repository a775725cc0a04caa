"""Where a fit's time goes: torch.profiler over 3 epochs of bench_fit's data.

Usage::

    python benchmarks/profile_fit.py [--threads 1] [--rows 12]
"""

from __future__ import annotations

import argparse

import torch
from bench_fit import make_data
from torch.profiler import ProfilerActivity, profile

from hazumi_sk.model import MultitaskSequenceClassifier


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--rows", type=int, default=12)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    X, y = make_data()
    model = MultitaskSequenceClassifier(random_state=0, max_epochs=1).fit(X, y)  # warm-up
    model.set_params(warm_start=True, max_epochs=3)
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        model.fit(X, y)
    print(prof.key_averages().table(sort_by="self_cpu_time_total", row_limit=args.rows))


if __name__ == "__main__":
    main()
