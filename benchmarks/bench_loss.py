"""Choose the default loss by measurement: cross-entropy vs squared error on real Hazumi data.

Paired repeated stratified 5-fold F1 (weighted), worthwhile item, L+V features, LSTM-128,
alpha=0.7 (the paper's best setting), 60 epochs, default batch size.

Usage::

    python benchmarks/bench_loss.py [--repeats 2] [--n-jobs 2]
"""

from __future__ import annotations

import argparse

from _paired_cv import corrected_interval, load_worthwhile, paired_cv, paper_pipeline


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--modalities", default="L+V")
    args = parser.parse_args()
    X, y = load_worthwhile()
    print(f"{X}; positives {int(y.sum())}/{len(y)}")
    pipelines = {
        loss: paper_pipeline(args.modalities, alpha=0.7, loss=loss)
        for loss in ("cross_entropy", "mse")
    }
    scores = paired_cv(pipelines, X, y, args.repeats, args.n_jobs)
    n_test = len(y) // 5
    mean, low, high = corrected_interval(
        scores["cross_entropy"], scores["mse"], len(y) - n_test, n_test
    )
    print(f"F1(cross_entropy) - F1(mse): {mean:+.3f}, 95% CI [{low:+.3f}, {high:+.3f}]")


if __name__ == "__main__":
    main()
