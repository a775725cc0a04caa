"""Choose the default loss by measurement: cross-entropy vs squared error on real Hazumi data.

Paired repeated stratified 5-fold F1 (weighted), worthwhile item, L+V features, LSTM-128,
alpha=0.7 (the paper's best setting), 60 epochs, default batch size.

Usage::

    python benchmarks/bench_loss.py [--repeats 2] [--n-jobs 2]
"""

from __future__ import annotations

from _paired_cv import fold_difference, load_worthwhile, paired_cv, paired_parser, paper_pipeline


def main() -> None:
    parser = paired_parser(__doc__, repeats=2)
    args = parser.parse_args()
    X, y = load_worthwhile()
    print(f"{X}; positives {int(y.sum())}/{len(y)}")
    pipelines = {
        loss: paper_pipeline(args.modalities, alpha=0.7, loss=loss)
        for loss in ("cross_entropy", "mse")
    }
    scores = paired_cv(pipelines, X, y, args.repeats, args.n_jobs)
    mean, low, high = fold_difference(scores["cross_entropy"], scores["mse"], len(y))
    print(f"F1(cross_entropy) - F1(mse): {mean:+.3f}, 95% CI [{low:+.3f}, {high:+.3f}]")


if __name__ == "__main__":
    main()
