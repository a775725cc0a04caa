"""Does pooling Hazumi1902+1911+2012 beat training on 1902+1911 alone, on the same test folds?

The measurement is :func:`hazumi_sk.leaderboard.run_cross_corpus`, the same code as the
"Training across corpora" section of ``hazumi-sk leaderboard --cross-corpus``, with the
leaderboard's methods (``majority``, ``pooled-lr`` with its C chosen by an inner CV on each
training fold, ``lstm-single`` behind PCA(32)). For the feature set shared by the three
corpora (A + L + V; L = the dumpfiles' harmonised 5 columns or rebuilt from transcripts with
TF-IDF/SVD) and with or without per-corpus standardisation, it scores

* ``alone``: folds over the 1902+1911 dialogues, training on 1902+1911 only;
* ``pooled``: the *same* test folds, every 2012 dialogue added to each training set;
* ``loco``: train on two corpora, test on the third.

and prints F1 (weighted) with 95% corrected resampled t-intervals, the paired difference
pooled - alone (Nadeau-Bengio), and the majority class on the same folds; then the 18-item
average of the pooled baseline, and the LSTM. Cells are cached in ``--cache-dir``: an
interrupted run resumes.

Run (the LSTM stage dominates; see docs/leaderboard.rst for measured times)::

    nice -n 10 python benchmarks/bench_pooled_corpora.py --cache-dir /tmp/pooled-cache --n-jobs 2
    python benchmarks/bench_pooled_corpora.py --synthetic --tiny    # smoke test, seconds
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import pandas as pd

from hazumi_sk.evaluation import compare_protocols, summarize_scores
from hazumi_sk.leaderboard import run_cross_corpus

HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"
VERSIONS = ["1902", "1911", "2012"]
KEYS = ["method", "per_corpus_scaling"]


# --------------------------------------------------------------------- data
def load(root: Path, linguistic: str, data_cache: Path | None) -> Any:
    """The harmonised 1902+1911+2012 Bunch, L optionally rebuilt from the transcripts."""
    import joblib

    from hazumi_sk.datasets import load_hazumi

    path = data_cache / f"hazumi-{linguistic}.joblib" if data_cache else None
    if path is not None and path.exists():
        return joblib.load(path)
    dataset = load_hazumi(root, VERSIONS, columns="harmonized", progress=False)
    if linguistic != "dumpfile":
        from hazumi_sk.features import replace_linguistic

        dataset = replace_linguistic(dataset, linguistic)
    if path is not None:  # outside the repository: never commit derived corpus data
        path.parent.mkdir(parents=True, exist_ok=True)
        joblib.dump(dataset, path)
    return dataset


# ------------------------------------------------------------------- tables
def fmt(mean: float, low: float, high: float) -> str:
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def show(title: str, table: pd.DataFrame) -> None:
    print(f"\n## {title}\n", flush=True)
    print(table.to_string(index=False), flush=True)


def show_table(table: pd.DataFrame, title: str) -> None:
    """Every protocol's F1 and, beside the pooled rows, pooled - alone."""
    rows = table.assign(
        **{
            "F1 [95% CI]": [
                fmt(m, lo, hi)
                for m, lo, hi in table[["mean", "ci_low", "ci_high"]].itertuples(index=False)
            ],
            "pooled - alone [95% CI]": [
                "" if pd.isna(d) else fmt(d, lo, hi)
                for d, lo, hi in table[
                    [
                        "pooled_minus_alone",
                        "pooled_minus_alone_ci_low",
                        "pooled_minus_alone_ci_high",
                    ]
                ].itertuples(index=False)
            ],
            "p": table["pooled_minus_alone_pvalue"].round(3),
        }
    )
    columns = [*KEYS, "protocol", "corpus", "train_corpora", "F1 [95% CI]", "majority",
               "pooled - alone [95% CI]", "p", "n_scores"]  # fmt: skip
    show(title, rows[columns].round({"majority": 3}))


def cross_corpus(dataset: Any, args: argparse.Namespace, **kwargs: Any) -> Any:
    if args.tiny:  # the smoke test: 1 repeat of 2 folds, tiny grids and networks
        kwargs["n_repeats"] = None
    return run_cross_corpus(
        dataset, n_jobs=args.n_jobs, cache_dir=args.cache_dir, seed=args.seed, tiny=args.tiny,
        **kwargs,
    )  # fmt: skip


# ------------------------------------------------------------------- stages
def baseline_stage(dataset: Any, linguistic: str, args: argparse.Namespace) -> None:
    """Majority and pooled LR: alone vs pooled (whole fold and per test corpus), and LOCO."""
    table = cross_corpus(dataset, args, methods=["majority", "pooled-lr"],
                         n_repeats=args.lr_repeats)  # fmt: skip
    show_table(table, f"worthwhile, L = {linguistic}: F1 on the same 1902+1911 test folds")


def all_items_stage(dataset: Any, args: argparse.Namespace) -> None:
    """Pooled LR over the 18 items: fold scores averaged over items, then paired."""
    from hazumi_sk.datasets import RAPPORT_ITEMS

    _, scores = cross_corpus(
        dataset, args, items=RAPPORT_ITEMS, methods=["majority", "pooled-lr"],
        per_corpus_scaling=False, protocols=["alone", "pooled"], by_corpus=False,
        n_repeats=args.items_repeats, return_fold_scores=True,
    )  # fmt: skip
    keys = [*KEYS, "protocol", "repeat", "fold", "corpus"]
    mean = scores.groupby(keys, as_index=False)[["score", "n_train", "n_test"]].mean()
    summary = summarize_scores(mean, by=[*KEYS, "protocol"])
    columns = [*KEYS, "protocol", "mean", "ci_low", "ci_high", "n_scores"]
    show("18-item average F1 on the 1902+1911 test folds", summary[columns].round(3))
    rows = []
    for key, group in mean.groupby(KEYS):
        pooled, alone = group[group["protocol"] == "pooled"], group[group["protocol"] == "alone"]
        res = compare_protocols(pooled, alone).iloc[0]
        rows.append({**dict(zip(KEYS, key, strict=True)),
                     "pooled - alone [95% CI]": fmt(res["mean_difference"], res["ci_low"],
                                                    res["ci_high"]),
                     "p": round(res["pvalue"], 3)})  # fmt: skip
    show("18-item average: pooled - alone", pd.DataFrame(rows))


def lstm_stage(dataset: Any, linguistic: str, args: argparse.Namespace) -> None:
    """The single-task LSTM, alone vs pooled on the same folds (majority beside it)."""
    table = cross_corpus(
        dataset, args, methods=["majority", "lstm-single"],
        per_corpus_scaling=(False, True) if args.lstm_scaling == "both" else False,
        protocols=["alone", "pooled", "loco"] if args.lstm_loco else ["alone", "pooled"],
        by_corpus=False, n_repeats=args.lstm_repeats,
    )  # fmt: skip
    show_table(table, f"worthwhile, L = {linguistic}, LSTM: F1 on the same 1902+1911 test folds")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=HAZUMI_ROOT)
    parser.add_argument("--cache-dir", type=Path, default=None)
    parser.add_argument("--data-cache", type=Path, default=None, help="folder outside the repo")
    parser.add_argument("--lr-repeats", type=int, default=5)
    parser.add_argument("--items-repeats", type=int, default=1, help="0 skips the 18 items")
    parser.add_argument("--lstm-repeats", type=int, default=1, help="0 skips the LSTM")
    parser.add_argument("--lstm-scaling", choices=["none", "both"], default="none")
    parser.add_argument("--lstm-loco", action="store_true")
    parser.add_argument("--linguistic", default="dumpfile,tfidf-svd")
    parser.add_argument("--n-jobs", type=int, default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--tiny", action="store_true", help="seconds-long settings (smoke test)")
    parser.add_argument("--synthetic", action="store_true", help="synthetic_corpora, not --root")
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def elapsed() -> None:
        print(f"\nelapsed {time.perf_counter() - start:.0f} s", flush=True)

    # Cheapest and most informative first; the LSTM (slowest) last, so a cut run keeps
    # the rest (and --cache-dir resumes it).
    variants = ["synthetic"] if args.synthetic else args.linguistic.split(",")

    def data(linguistic: str) -> Any:
        if args.synthetic:
            from hazumi_sk.leaderboard import synthetic_corpora

            return synthetic_corpora(tiny=args.tiny, random_state=args.seed)
        return load(args.root, linguistic, args.data_cache)

    for linguistic in variants:
        baseline_stage(data(linguistic), linguistic, args)
        elapsed()
    if args.items_repeats > 0:
        all_items_stage(data(variants[0]), args)
        elapsed()
    if args.lstm_repeats > 0:
        lstm_stage(data(variants[0]), variants[0], args)
        elapsed()


if __name__ == "__main__":
    main()
