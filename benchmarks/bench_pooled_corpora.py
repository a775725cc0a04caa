"""Does pooling Hazumi1902+1911+2012 beat training on 1902+1911 alone, on the same test folds?

For each method (majority, pooled logistic regression, single-task LSTM), each feature
set shared by the three corpora (A + L + V; L = the dumpfiles' harmonised 5 columns or
rebuilt from transcripts with TF-IDF/SVD) and with or without per-corpus
standardisation, the script scores

* ``alone``: folds over the 1902+1911 dialogues, training on 1902+1911 only;
* ``pooled``: the *same* test folds, every 2012 dialogue added to each training set;
* ``loco``: train on two corpora, test on the third.

and prints F1 (weighted) with 95% corrected resampled t-intervals, the paired
difference pooled - alone (Nadeau-Bengio), and the majority class on the same folds.
Cells are cached in ``--cache-dir``: an interrupted run resumes.

Run (about 25 minutes on 2 shared cores; one LSTM fit took 35 s there)::

    nice -n 10 python benchmarks/bench_pooled_corpora.py --cache-dir /tmp/pooled-cache
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from hazumi_sk.evaluation import (
    compare_protocols,
    cross_corpus_scores,
    dialogue_corpora,
    participant_groups,
    summarize_scores,
)

HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"
VERSIONS = ["1902", "1911", "2012"]
TEST_CORPORA = ["1902", "1911"]
FEATURES = "A+L+V"


# ------------------------------------------------------------------ methods
def majority() -> Pipeline:
    from hazumi_sk.preprocessing import SequencePooler

    return Pipeline([("pool", SequencePooler(stats=("mean",))), ("model", DummyClassifier())])


def pooled_lr() -> Pipeline:
    from hazumi_sk.preprocessing import ModalitySelector, SequencePooler

    return Pipeline(
        [
            ("select", ModalitySelector(FEATURES)),
            ("pool", SequencePooler(stats=("mean", "std"))),
            ("scale", StandardScaler()),
            ("model", LogisticRegression(C=0.01, max_iter=2000)),
        ]
    )


def lstm() -> Pipeline:
    from hazumi_sk.model import MultitaskSequenceClassifier
    from hazumi_sk.preprocessing import ModalitySelector, SequenceScaler

    model = MultitaskSequenceClassifier(
        alpha=1.0, max_epochs=60, batch_size=8, torch_num_threads=1, random_state=0
    )
    return Pipeline(
        [("select", ModalitySelector(FEATURES)), ("scale", SequenceScaler()), ("model", model)]
    )


METHODS = {"majority": majority, "pooled-lr": pooled_lr, "lstm-single": lstm}


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


def xy(dataset: Any, item: str) -> tuple[Any, np.ndarray, np.ndarray, np.ndarray]:
    from hazumi_sk.datasets import to_xy

    # 2012 has no self-sentiment: SS_or_TS lets to_xy build one exchange label for all.
    X, y = to_xy(dataset, item, exchange_label="SS_or_TS")
    return X, y, dialogue_corpora(dataset, X), participant_groups(X)


# ------------------------------------------------------------------- tables
def fmt(mean: float, low: float, high: float) -> str:
    return f"{mean:.3f} [{low:.3f}, {high:.3f}]"


def summary_table(scores: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    summary = summarize_scores(scores, by=by)
    summary["F1 [95% CI]"] = [
        fmt(m, lo, hi)
        for m, lo, hi in summary[["mean", "ci_low", "ci_high"]].itertuples(index=False)
    ]
    return summary[[*by, "F1 [95% CI]", "n_scores"]]


def paired_table(scores: pd.DataFrame, keys: list[str], a: str, b: str) -> pd.DataFrame:
    rows = []
    for key, group in scores.groupby(keys, sort=False):
        arm = group.set_index("protocol")
        if not {a, b} <= set(arm.index):
            continue
        result = compare_protocols(arm.loc[[a]].reset_index(), arm.loc[[b]].reset_index())
        for _, res in result.iterrows():
            rows.append(
                {
                    **dict(zip(keys, key, strict=True)),
                    "corpus": res["corpus"],
                    f"{a} - {b} [95% CI]": fmt(
                        res["mean_difference"], res["ci_low"], res["ci_high"]
                    ),
                    "t": round(res["statistic"], 2),
                    "p": round(res["pvalue"], 3),
                    "pairs": res["n_pairs"],
                }
            )
    return pd.DataFrame(rows)


def show(title: str, table: pd.DataFrame) -> None:
    print(f"\n## {title}\n", flush=True)
    print(table.to_string(index=False), flush=True)


# ------------------------------------------------------------------ scoring
def scalings(method: str, args: argparse.Namespace) -> tuple[bool, ...]:
    if method == "majority":  # ignores the features
        return (False,)
    if method == "lstm-single" and args.lstm_scaling == "none":
        return (False,)
    return (False, True)


def score_arms(X, y, corpus, groups, method, repeats, args, score_by_corpus) -> pd.DataFrame:
    """alone / pooled on the same 1902+1911 folds, with and without per-corpus scaling."""
    frames = []
    for scaling in scalings(method, args):
        for protocol in ("alone", "pooled"):
            scores = cross_corpus_scores(
                METHODS[method](), X, y, corpus, groups, protocol=protocol,
                test_corpora=TEST_CORPORA, per_corpus_scaling=scaling,
                score_by_corpus=score_by_corpus, n_splits=5, n_repeats=repeats,
                random_state=args.seed, cache_dir=args.cache_dir,
                progress=f"{method} {protocol} scaling={scaling}",
            )  # fmt: skip
            frames.append(scores.assign(method=method, per_corpus_scaling=scaling))
    return pd.concat(frames, ignore_index=True)


def score_loco(X, y, corpus, groups, method: str, args) -> pd.DataFrame:
    frames = []
    for scaling in scalings(method, args):
        scores = cross_corpus_scores(
            METHODS[method](), X, y, corpus, groups, protocol="loco",
            per_corpus_scaling=scaling, cache_dir=args.cache_dir,
            progress=f"{method} loco scaling={scaling}",
        )  # fmt: skip
        frames.append(scores.assign(method=method, per_corpus_scaling=scaling))
    return pd.concat(frames, ignore_index=True)


KEYS = ["method", "per_corpus_scaling"]


def show_arms(arms: pd.DataFrame, linguistic: str) -> None:
    show(
        f"[{linguistic}] F1 on the 1902+1911 test folds (same folds for every row)",
        summary_table(arms, [*KEYS, "protocol"]),
    )
    show(f"[{linguistic}] paired: pooled - alone", paired_table(arms, KEYS, "pooled", "alone"))


def show_loco(loco: pd.DataFrame, linguistic: str) -> None:
    table = loco.pivot_table(index=KEYS, columns="corpus", values="score").round(3)
    show(f"[{linguistic}] leave-one-corpus-out F1 (column = held-out corpus)", table.reset_index())


def baseline_stage(dataset: Any, linguistic: str, args: argparse.Namespace) -> None:
    """Majority and pooled LR: alone vs pooled, per test corpus, and LOCO."""
    X, y, corpus, groups = xy(dataset, "worthwhile")
    counts = pd.crosstab(corpus, y, rownames=["corpus"], colnames=["label"])
    show(f"worthwhile, L = {linguistic}: dialogues per corpus and label (0 low, 1 high)",
         counts.reset_index())  # fmt: skip
    print(f"features {FEATURES}: {X.select_modalities(FEATURES.split('+')).n_features} columns")
    methods = ["majority", "pooled-lr"]
    arms = pd.concat([score_arms(X, y, corpus, groups, m, args.lr_repeats, args, False)
                      for m in methods])  # fmt: skip
    show_arms(arms, linguistic)
    by_corpus = score_arms(X, y, corpus, groups, "pooled-lr", args.lr_repeats, args, True)
    show(
        f"[{linguistic}] pooled-lr scored per test corpus: pooled - alone",
        paired_table(by_corpus, KEYS, "pooled", "alone"),
    )
    show_loco(pd.concat([score_loco(X, y, corpus, groups, m, args) for m in methods]), linguistic)


def lstm_stage(dataset: Any, linguistic: str, args: argparse.Namespace) -> None:
    """The single-task LSTM, alone vs pooled on the same folds (majority beside it)."""
    X, y, corpus, groups = xy(dataset, "worthwhile")
    arms = pd.concat(
        [
            score_arms(X, y, corpus, groups, "majority", args.lstm_repeats, args, False),
            score_arms(X, y, corpus, groups, "lstm-single", args.lstm_repeats, args, False),
        ]
    )
    show_arms(arms, f"{linguistic}, LSTM")
    if args.lstm_loco:
        show_loco(score_loco(X, y, corpus, groups, "lstm-single", args), f"{linguistic}, LSTM")


def all_items_stage(dataset: Any, args: argparse.Namespace) -> None:
    """Pooled LR over the 18 items: fold scores averaged over items, then paired."""
    from hazumi_sk.datasets import RAPPORT_ITEMS

    frames = []
    for item in RAPPORT_ITEMS:
        X, y, corpus, groups = xy(dataset, item)
        for method in ("majority", "pooled-lr"):
            scores = score_arms(X, y, corpus, groups, method, args.items_repeats, args, False)
            frames.append(scores.assign(item=item))
    scores = pd.concat(frames, ignore_index=True)
    keys = [*KEYS, "protocol", "repeat", "fold", "corpus"]
    mean = scores.groupby(keys, as_index=False)[["score", "n_train", "n_test"]].mean()
    show("18-item average F1 on the 1902+1911 test folds (dumpfile L)",
         summary_table(mean, [*KEYS, "protocol"]))  # fmt: skip
    show("18-item average: pooled - alone", paired_table(mean, KEYS, "pooled", "alone"))


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
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    start = time.perf_counter()

    def elapsed() -> None:
        print(f"\nelapsed {time.perf_counter() - start:.0f} s", flush=True)

    # Cheapest and most informative first; the LSTM (slowest) last, so a cut run keeps
    # the rest (and --cache-dir resumes it).
    variants = args.linguistic.split(",")
    for linguistic in variants:
        baseline_stage(load(args.root, linguistic, args.data_cache), linguistic, args)
        elapsed()
    if args.items_repeats > 0:
        all_items_stage(load(args.root, variants[0], args.data_cache), args)
        elapsed()
    if args.lstm_repeats > 0:
        lstm_stage(load(args.root, variants[0], args.data_cache), variants[0], args)
        elapsed()


if __name__ == "__main__":
    main()
