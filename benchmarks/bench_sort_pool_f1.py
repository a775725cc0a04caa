"""Do length-sorted batches cost accuracy? F1 with and without ``iterator_train__sort_pool``.

Same protocol as ``bench_batch_size_f1.py`` (real Hazumi dumpfile features,
worthwhile, L+V, LSTM-128, alpha=0.7, 60 epochs, paired repeated stratified 5-fold),
comparing random batches (``sort_pool=0``) with length-sorted pools (``--pool``).

Usage::

    python benchmarks/bench_sort_pool_f1.py [--repeats 2] [--pool 4] [--n-jobs 2]
"""

from __future__ import annotations

from _paired_cv import fold_difference, load_worthwhile, paired_cv, paired_parser, paper_pipeline


def main() -> None:
    parser = paired_parser(__doc__, repeats=2)
    parser.add_argument("--pool", type=int, default=4)
    args = parser.parse_args()
    X, y = load_worthwhile()
    print(f"{X}; positives {int(y.sum())}/{len(y)}")
    pipelines = {
        f"sort_pool={pool}": paper_pipeline(
            args.modalities, alpha=0.7, iterator_train__sort_pool=pool
        )
        for pool in (args.pool, 0)
    }
    scores = paired_cv(pipelines, X, y, args.repeats, args.n_jobs)
    a, b = scores.values()
    mean, low, high = fold_difference(a, b, len(y))
    print(
        f"F1(sort_pool={args.pool}) - F1(sort_pool=0): {mean:+.3f}, "
        f"95% CI [{low:+.3f}, {high:+.3f}]"
    )


if __name__ == "__main__":
    main()
