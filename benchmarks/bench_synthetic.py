"""How long the built-in synthetic corpus takes to generate (the demo and many tests use it).

Prints the best of ``--repeats`` wall times of ``make_synthetic_hazumi(random_state=1)``
and its ratio to the 1 s target. A timing, not a test: on a loaded machine it varies.

Run::

    python benchmarks/bench_synthetic.py --repeats 5
"""

from __future__ import annotations

import argparse
import time

from hazumi_sk.datasets import make_synthetic_hazumi

TARGET_SECONDS = 1.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    times = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        make_synthetic_hazumi(random_state=1)
        times.append(time.perf_counter() - start)
    best = min(times)
    print(f"make_synthetic_hazumi: best {best:.3f} s of {args.repeats}; "
          f"ratio to the {TARGET_SECONDS:.0f} s target {best / TARGET_SECONDS:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
