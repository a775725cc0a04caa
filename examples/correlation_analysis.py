"""
How exchange sentiment relates to the dialogue impression
=========================================================

Reproduces the paper's correlation analysis: Table 1 (Pearson r between the
per-dialogue mean exchange-level sentiment and each of the 18 rapport items)
and Figure 3 (the same for ten consecutive dialogue segments).

Runs on the built-in synthetic corpus by default. Give a folder holding
``Hazumi1902/`` and ``Hazumi1911/`` to run it on the real corpus, and the
paper's ``table1_correlations.csv`` to draw the published values beside ours::

    python examples/correlation_analysis.py
    python examples/correlation_analysis.py ../shared/hazumi \
        --paper-table1 ../shared/paper/tables/table1_correlations.csv --out figures
"""

from __future__ import annotations

import argparse
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import pandas as pd

from hazumi_sk.analysis import (
    average_by_polarity,
    exchange_dialogue_correlation,
    plot_correlation_table,
    plot_segment_correlation,
    segment_correlation,
)
from hazumi_sk.datasets import load_hazumi, make_synthetic_hazumi


def load(root: str | None):
    if root is None:
        return make_synthetic_hazumi(random_state=0), "synthetic corpus"
    return load_hazumi(root, versions=["1902", "1911"]), "Hazumi1902+1911"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[1])
    parser.add_argument("root", nargs="?", help="Hazumi root (default: synthetic corpus)")
    parser.add_argument("--out", default="correlation_figures", help="output folder for PNGs")
    parser.add_argument("--paper-table1", help="table1_correlations.csv to draw beside ours")
    args = parser.parse_args(argv)
    data, name = load(args.root)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    reference = pd.read_csv(args.paper_table1) if args.paper_table1 else None

    with warnings.catch_warnings():
        warnings.simplefilter("default")
        self_sentiment = exchange_dialogue_correlation(data, "SS", "participant_post")
        third_party = exchange_dialogue_correlation(data, "TS_mean", "participant_post")
        segments = segment_correlation(data, items=("worthwhile", "cold"), n_segments=10)

    pd.set_option("display.width", 120)
    print(f"Table 1 on the {name}: self-sentiment (SS) vs participant post ratings")
    print(self_sentiment.round(3).to_string())
    print("Average r by item polarity, SS:", average_by_polarity(self_sentiment).round(3).to_dict())
    print("Average r by item polarity, TS:", average_by_polarity(third_party).round(3).to_dict())
    print("\nFigure 3: per-segment r")
    print(segments.round(3).to_string())

    fig = plot_correlation_table(
        self_sentiment,
        reference=reference,
        title=f"Mean self-sentiment vs post-dialogue ratings ({name})",
    )
    fig.savefig(out / "table1_self_sentiment.png", dpi=120)
    fig = plot_segment_correlation(segments, title=f"Per-segment correlation ({name})")
    fig.savefig(out / "figure3_segments.png", dpi=120)
    print(f"\nFigures written to {out.resolve()}")


if __name__ == "__main__":
    main()
