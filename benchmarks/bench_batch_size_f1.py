"""Does the default batch size cost accuracy? F1 at the default batch size vs batch size 1.

Paired repeated stratified 5-fold F1 (weighted) on the real Hazumi dumpfile features
(worthwhile item, L+V, LSTM-128, alpha=0.7, 60 epochs, default loss); both settings
see the same folds and model seeds. Prints each setting's mean F1 and the mean and
Nadeau-Bengio corrected 95% interval of the difference (default - batch 1): "no
measurable loss" means the interval includes 0 or lies above it.

Usage::

    python benchmarks/bench_batch_size_f1.py [--repeats 1] [--n-jobs 2]
"""

from __future__ import annotations

from _paired_cv import fold_difference, load_worthwhile, paired_cv, paired_parser, paper_pipeline

from hazumi_sk.model import MultitaskSequenceClassifier


def main() -> None:
    parser = paired_parser(__doc__, repeats=1)
    args = parser.parse_args()
    default = MultitaskSequenceClassifier().batch_size
    X, y = load_worthwhile()
    print(f"{X}; positives {int(y.sum())}/{len(y)}")
    pipelines = {
        f"batch_size={default}": paper_pipeline(args.modalities, alpha=0.7, batch_size=default),
        "batch_size=1": paper_pipeline(args.modalities, alpha=0.7, batch_size=1),
    }
    scores = paired_cv(pipelines, X, y, args.repeats, args.n_jobs)
    a, b = scores.values()
    mean, low, high = fold_difference(a, b, len(y))
    verdict = "no measurable loss" if high >= 0 and (low <= 0 or mean > 0) else "a loss"
    print(
        f"F1(batch_size={default}) - F1(batch_size=1): {mean:+.3f}, "
        f"95% CI [{low:+.3f}, {high:+.3f}] -> {verdict}"
    )


if __name__ == "__main__":
    main()
