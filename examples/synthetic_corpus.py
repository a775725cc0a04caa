"""
The built-in synthetic corpus
=============================

:func:`hazumi_sk.datasets.make_synthetic_hazumi` returns a corpus with exactly
the structure of the real Hazumi loader's Bunch, generated from a known story:
a per-dialogue mood drives the exchange self-sentiment (SS), the mean SS drives
the 18 ratings, and the L and V features carry signal about SS. This example
shows what is inside and plots the story::

    python examples/synthetic_corpus.py --out figures
"""

from __future__ import annotations

import argparse
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np

from hazumi_sk.datasets import make_synthetic_hazumi, to_xy


def plot_story(data):
    """SS trajectories of three dialogues, and mean SS against the worthwhile rating."""
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.8), layout="constrained")
    mean_ss = data.exchanges.groupby("dialogue_id")["SS"].mean()
    for dialogue_id in [
        mean_ss.idxmin(),
        mean_ss.sort_values().index[len(mean_ss) // 2],
        mean_ss.idxmax(),
    ]:
        table = data.exchanges[data.exchanges["dialogue_id"] == dialogue_id]
        left.plot(
            table["exchange"],
            table["SS"],
            marker=".",
            linewidth=0.8,
            label=f"{dialogue_id} (mean {mean_ss[dialogue_id]:.2f})",
        )
    left.set(xlabel="exchange", ylabel="self-sentiment (1-7)", title="SS trajectories")
    left.legend(fontsize=8, loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=3)
    worthwhile = data.ratings_post.loc[mean_ss.index, "worthwhile"]
    jitter = np.random.default_rng(0).uniform(-0.15, 0.15, size=len(worthwhile))
    right.scatter(mean_ss, worthwhile + jitter, s=18)
    r = np.corrcoef(mean_ss, worthwhile)[0, 1]
    right.axhline(4.5, color="grey", linestyle=":", label="high (> 4) / low")
    right.set(
        xlabel="mean SS of the dialogue",
        ylabel="worthwhile rating (1-8)",
        title=f"Mean SS drives the rating (r = {r:.2f})",
    )
    right.legend(fontsize=8)
    return fig


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Inspect the synthetic Hazumi-like corpus.")
    parser.add_argument("--out", default="synthetic_figures", help="output folder for PNGs")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    data = make_synthetic_hazumi(random_state=args.seed)
    print(data.DESCR, "\n")
    print(data.sessions.head(), "\n")
    print(data.exchanges.iloc[:5, :10], "\n")
    print(data.features)
    print(data.feature_columns.groupby("modality", sort=False)["source"].agg(["first", "size"]))
    X, y = to_xy(data, item="worthwhile", rating="post", threshold=4)
    print(f"\nto_xy: {len(X)} dialogues with features, {y.sum()} high / {len(y) - y.sum()} low")

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    plot_story(data).savefig(out / "synthetic_story.png", dpi=120)
    print(f"Figure written to {(out / 'synthetic_story.png').resolve()}")


if __name__ == "__main__":
    main()
