"""
Load the Hazumi corpus and summarise it
=======================================

Loads Hazumi1902 + Hazumi1911 from ``../shared/hazumi`` (or the folder given as the
first argument), prints the dataset summary and the exclusion table counts, and plots
the number of exchanges and feature rows per session.

Run: ``python examples/load_hazumi.py [ROOT] [--plot OUT.png]``
"""

import argparse
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt

from hazumi_sk.datasets import load_hazumi

default_root = Path(__file__).resolve().parents[2] / "shared" / "hazumi"
parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
parser.add_argument("root", nargs="?", default=default_root, type=Path)
parser.add_argument("--plot", help="write a per-session bar chart to this PNG")
options = parser.parse_args()
root, plot_path = options.root, options.plot

start = time.perf_counter()
data = load_hazumi(root, versions=["1902", "1911"], progress=False)
print(f"loaded in {time.perf_counter() - start:.1f} s\n")
print(data.DESCR, "\n")
print(data.features, "\n")
print("exclusions by level and reason:")
kind = data.excluded["reason"].str.extract(r"^([^\d:'(\[]+)", expand=False).str.strip()
print(data.excluded.assign(kind=kind).groupby(["level", "kind"]).size().to_string(), "\n")
print("mean post-dialogue rating per item:")
print(data.ratings_post.mean().round(2).to_string())

if plot_path:
    sessions = data.sessions.reset_index()
    fig, ax = plt.subplots(figsize=(10, 3.5))
    ax.bar(sessions.index, sessions["n_exchanges"], label="ELAN exchanges", color="0.75")
    ax.bar(sessions.index, sessions["n_feature_rows"], label="dumpfile rows", color="C0")
    ax.set_xticks(sessions.index, sessions["dialogue_id"], rotation=90, fontsize=6)
    ax.set_ylabel("per session")
    ax.legend()
    fig.tight_layout()
    fig.savefig(plot_path, dpi=120)
    print(f"\nplot written to {plot_path}")
