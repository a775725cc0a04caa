"""Run the paper's experiments on a dataset Bunch and write the report (demo and reproduce)."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..datasets import RAPPORT_ITEMS
from ..evaluation import (
    ReportFiles,
    ReproductionResults,
    corrected_resampled_ttest,
    nested_cv_score,
    paired_permutation_test,
    summarize_scores,
    write_report,
)
from ._experiments import (
    SINGLE_TASK_ALPHA,
    Preset,
    alpha_label,
    config_grid,
    grid_of,
    make_pipeline,
    score_configs,
)

#: The paper's descriptions of its features, per modality (section 4.1).
PAPER_FEATURES = {
    "A": "eGeMAPS functionals (openSMILE, 88), normalised per speaker",
    "L": "17 UPOS counts (Stanza) + 768-d Japanese BERT sentence vector (785)",
    "B": "Kinect v2, 5 upper-body joints x (max accel., max/mean/std velocity) (20)",
    "V": "OpenFace, 10 landmarks x 4 kinematics (40) + 18 action-unit means (58)",
}
TABLE5_ITEMS = ("well-coordinated", "awkward")


@dataclass(frozen=True)
class RunOptions:
    """What to run beyond the preset: items, feature sets, parallelism, output."""

    out_dir: Path
    items: tuple[str, ...] = tuple(RAPPORT_ITEMS)
    feature_sets: tuple[str, ...] | None = None
    n_jobs: int | None = None
    seed: int = 0
    paper_tables_dir: Path | None = None
    title: str = "hazumi-sk reproduction report"
    data_description: str = ""


def paper_feature_set(feature_set: str, available: list[str]) -> str:
    """The paper's ALL is A+L+B+V, not every tag (the dumpfiles also carry S and P)."""
    if feature_set.upper() == "ALL":
        return "+".join(t for t in ("L", "A", "B", "V") if t in available)
    return feature_set


def usable_feature_sets(requested: tuple[str, ...], available: list[str]) -> list[str]:
    """The requested feature sets whose modalities all exist in the data (ALL always)."""
    if "L" not in available:
        raise ValueError(
            f"The data has no linguistic (L) features (modalities {available}); every feature "
            "set of the paper includes L."
        )
    usable = []
    for fs in requested:
        tags = paper_feature_set(fs, available).split("+")
        if all(t in available for t in tags):
            usable.append(fs)
        else:
            warnings.warn(f"Feature set {fs} skipped: the data lacks {tags}.", stacklevel=2)
    return usable


def _targets(dataset: Any, items: list[str]) -> dict[str, tuple[Any, np.ndarray]]:
    from ..datasets import to_xy

    return {item: to_xy(dataset, item=item) for item in items}


def _part_grid(preset: Preset, part: str, feature_sets: list[str]) -> tuple[list, list]:
    """The part's feature sets (those usable here, in the user's order) and alphas + single."""
    wanted, alphas = grid_of(preset, part)
    chosen = [fs for fs in feature_sets if fs in wanted] or feature_sets
    return chosen, [*alphas, SINGLE_TASK_ALPHA]


def _plan(preset: Preset, options: RunOptions, feature_sets: list[str]) -> pd.DataFrame:
    """Every (item, feature_set, alpha, model) cell the chosen tables need, deduplicated."""
    plans = []
    if "table2" in preset.tables:
        plans.append(
            config_grid(
                ["worthwhile"], feature_sets, [SINGLE_TASK_ALPHA], list(preset.architectures)
            )
        )
    # (table, items, architecture) of the tables that search alpha.
    alpha_tables = (
        ("table3", ["worthwhile"], "LSTM(1-128)"),
        ("table4", list(options.items), "LSTM(1-128)"),
        ("table5", list(TABLE5_ITEMS), "LSTM(2-128)"),
    )
    for part, items, architecture in alpha_tables:
        if part in preset.tables:
            grid = _part_grid(preset, part, feature_sets)
            plans.append(config_grid(items, *grid, [architecture]))
    if not plans:
        return pd.DataFrame(columns=["item", "feature_set", "alpha", "model"])
    return pd.concat(plans, ignore_index=True).drop_duplicates(ignore_index=True)


def _summaries(scores: pd.DataFrame) -> pd.DataFrame:
    keys = ["item", "feature_set", "alpha", "model"]
    return summarize_scores(scores, by=keys)


def _table1(dataset: Any) -> pd.DataFrame:
    from ..analysis import exchange_dialogue_correlation

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # unrated dialogues are reported by n
        self_ = exchange_dialogue_correlation(dataset, exchange_label="SS")
        third = exchange_dialogue_correlation(dataset, exchange_label="TS_mean")
    return pd.DataFrame(
        {
            "item": self_.index,
            "r_third_party": third["r"].to_numpy(),
            "p_third_party": third["p"].to_numpy(),
            "r_self": self_["r"].to_numpy(),
            "p_self": self_["p"].to_numpy(),
            "n": self_["n"].to_numpy(),
        }
    )


def _table2(summary: pd.DataFrame) -> pd.DataFrame:
    rows = summary[(summary["item"] == "worthwhile") & (summary["alpha"] == SINGLE_TASK_ALPHA)]
    return rows[["feature_set", "model", "mean", "ci_low", "ci_high"]].reset_index(drop=True)


def _table3(summary: pd.DataFrame) -> pd.DataFrame:
    rows = summary[(summary["item"] == "worthwhile") & (summary["model"] == "LSTM(1-128)")]
    rows = rows.assign(alpha=rows["alpha"].map(alpha_label))
    return rows[["feature_set", "alpha", "mean", "ci_low", "ci_high"]].reset_index(drop=True)


def _best(rows: pd.DataFrame) -> pd.Series:
    return rows.sort_values("mean", ascending=False, kind="stable").iloc[0]


def _setting(row: pd.Series) -> str:
    if row["alpha"] == SINGLE_TASK_ALPHA:
        return f"{row['feature_set']}, single task"
    return f"{row['feature_set']}, alpha={alpha_label(row['alpha'])}"


def _best_multitask_and_single(summary: pd.DataFrame, items: list[str]):
    """Yield ``(item, best multitask row, best single-task row)`` of the LSTM(1-128) cells."""
    lstm = summary[summary["model"] == "LSTM(1-128)"]
    for item in items:
        cells = lstm[lstm["item"] == item]
        if cells.empty:
            continue
        multi = _best(cells[cells["alpha"] != SINGLE_TASK_ALPHA])
        yield item, multi, _best(cells[cells["alpha"] == SINGLE_TASK_ALPHA])


def _table4(summary: pd.DataFrame, targets: dict, items: list[str]) -> pd.DataFrame:
    rows = []
    for item, multi, single in _best_multitask_and_single(summary, items):
        y = targets[item][1]
        rows.append(
            {
                "item": item,
                "best_multitask": multi["mean"],
                "best_single": single["mean"],
                "multitask_ci_low": multi["ci_low"],
                "multitask_ci_high": multi["ci_high"],
                "single_ci_low": single["ci_low"],
                "single_ci_high": single["ci_high"],
                "multitask_setting": _setting(multi),
                "single_setting": _setting(single),
                "n_high": int(y.sum()),
                "n_low": int(len(y) - y.sum()),
            }
        )
    return pd.DataFrame(rows)


def _table5(summary: pd.DataFrame) -> pd.DataFrame:
    cells = summary[(summary["model"] == "LSTM(2-128)") & summary["item"].isin(TABLE5_ITEMS)]
    rows = []
    for (item, fs), group in cells.groupby(["item", "feature_set"], sort=False):
        multi = _best(group[group["alpha"] != SINGLE_TASK_ALPHA])
        single = group[group["alpha"] == SINGLE_TASK_ALPHA].iloc[0]
        rows.append({"item": item, "model": "multitask", "feature_set": fs, "mean": multi["mean"]})
        rows.append({"item": item, "model": "single", "feature_set": fs, "mean": single["mean"]})
    return pd.DataFrame(rows)


def _fold_scores(scores: pd.DataFrame, item: str, row: pd.Series) -> pd.DataFrame:
    mask = (
        (scores["item"] == item)
        & (scores["feature_set"] == row["feature_set"])
        & (scores["alpha"] == row["alpha"])
        & (scores["model"] == row["model"])
    )
    return scores[mask].sort_values(["repeat", "fold"])


def _paired_tests(scores: pd.DataFrame, summary: pd.DataFrame, items: list[str]) -> pd.DataFrame:
    """Best multitask vs best single task per item, on the same folds."""
    rows = []
    for item, multi, single in _best_multitask_and_single(summary, items):
        a, b = _fold_scores(scores, item, multi), _fold_scores(scores, item, single)
        test = corrected_resampled_ttest(
            a["score"], b["score"], int(a["n_train"].mean()), int(a["n_test"].mean())
        )
        # Repeats are the closest thing to independent units; with one repeat, use folds.
        unit = "repeat" if a["repeat"].nunique() > 1 else "fold"
        perm = paired_permutation_test(
            a.groupby(unit)["score"].mean(), b.groupby(unit)["score"].mean()
        )
        rows.append(
            {
                "item": item,
                "multitask": _setting(multi),
                "single": _setting(single),
                "multitask_mean": multi["mean"],
                "single_mean": single["mean"],
                "mean_difference": test.mean_difference,
                "t": test.statistic,
                "p_corrected": test.pvalue,
                "p_permutation": perm.pvalue,
                "permutation_unit": unit,
            }
        )
    return pd.DataFrame(rows)


def _selection(
    scores: pd.DataFrame,
    targets: dict,
    feature_sets: list[str],
    preset: Preset,
    options: RunOptions,
    cache_dir: Path,
) -> pd.DataFrame:
    """Nested CV over (feature set, alpha) for worthwhile next to the paper's protocol."""
    X, y = targets["worthwhile"]
    available = X.modality_set
    feature_sets, alphas = _part_grid(preset, "nested", feature_sets)
    base = make_pipeline(
        paper_feature_set(feature_sets[0], available),
        alphas[0],
        "LSTM(1-128)",
        preset,
        options.seed,
    )
    grid = {
        "select__modalities": [paper_feature_set(fs, available) for fs in feature_sets],
        "model__alpha": alphas,
    }
    nested = nested_cv_score(
        base, grid, X, y, n_splits=preset.n_splits, n_inner_splits=preset.n_inner_splits,
        n_repeats=1, random_state=options.seed, n_jobs=options.n_jobs, cache_dir=cache_dir,
        progress="nested CV: worthwhile",
    )  # fmt: skip
    summary = summarize_scores(nested).iloc[0]
    # The paper's protocol on the same (repeat 0) outer folds: best mean over the grid.
    first = scores[
        (scores["item"] == "worthwhile")
        & (scores["model"] == "LSTM(1-128)")
        & (scores["repeat"] == 0)
    ]
    first = first[first["feature_set"].isin(feature_sets) & first["alpha"].isin(alphas)]
    means = first.groupby(["feature_set", "alpha"])["score"].mean()
    best_fs, best_alpha = means.idxmax()
    return pd.DataFrame(
        [
            {
                "target": "worthwhile",
                "candidates": f"{len(feature_sets)} feature sets x {len(alphas)} alphas",
                "paper_protocol_best": float(means.max()),
                "best_params": f"{best_fs}, alpha={alpha_label(best_alpha)}",
                "nested_mean": summary["mean"],
                "nested_ci_low": summary["ci_low"],
                "nested_ci_high": summary["ci_high"],
                "nested_choices": "; ".join(sorted(set(nested["best_params"]))),
            }
        ]
    )


def _feature_notes(dataset: Any) -> pd.DataFrame:
    columns = dataset.feature_columns
    rows = []
    for tag in ("A", "L", "B", "V"):
        block = columns[columns["modality"] == tag]
        if block.empty:
            here = "absent"
        else:
            parts = block.groupby("source", sort=False).size()
            here = "; ".join(f"{src} ({n})" for src, n in parts.items())
        rows.append({"modality": tag, "paper": PAPER_FEATURES[tag], "here": here})
    others = columns[~columns["modality"].isin(["A", "L", "B", "V"])]
    if not others.empty:
        rows.append(
            {
                "modality": "+".join(sorted(others["modality"].unique())),
                "paper": "not used",
                "here": f"present ({len(others)} columns) but never selected: ALL = L+A+B+V",
            }
        )
    return pd.DataFrame(rows)


def _correlation_figure(dataset: Any, out: Path, paper_tables_dir: Path | None) -> tuple:
    """Table 1's self-sentiment column as bars beside the paper's."""
    import matplotlib.pyplot as plt

    from ..analysis import exchange_dialogue_correlation, plot_correlation_table
    from ..evaluation import load_paper_table

    try:
        reference = load_paper_table("table1", paper_tables_dir)
    except (FileNotFoundError, ValueError):
        reference = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        corr = exchange_dialogue_correlation(dataset, exchange_label="SS")
    fig = plot_correlation_table(corr, reference, title="Table 1: r of mean self-sentiment")
    fig.savefig(out / "table1.png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return ("Table 1: correlation of mean self-sentiment with each item", out / "table1.png")


def _figures(
    dataset: Any,
    results: ReproductionResults,
    out: Path,
    preset: Preset,
    paper_tables_dir: Path | None,
) -> pd.DataFrame:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..analysis import plot_segment_correlation, segment_correlation

    figures = []
    if "table1" in preset.tables:
        figures.append(_correlation_figure(dataset, out, paper_tables_dir))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)
            n_min = int(dataset.sessions["n_exchanges"].min())
            seg = segment_correlation(dataset, n_segments=min(10, n_min))
        fig = plot_segment_correlation(seg)
        fig.savefig(out / "segments.png", dpi=100)
        plt.close(fig)
        figures.append(
            ("Segment-wise correlation of self-sentiment (Figure 3)", out / "segments.png")
        )
    if results.table1 is not None and results.table4 is not None and len(results.table4) > 2:
        joined = results.table4.merge(results.table1, on="item")
        fig, ax = plt.subplots(figsize=(5, 4))
        gain = joined["best_multitask"] - joined["best_single"]
        ax.scatter(joined["r_self"].abs(), gain)
        for item, x, g in zip(joined["item"], joined["r_self"].abs(), gain, strict=True):
            ax.annotate(item, (x, g), fontsize=6)
        ax.axhline(0, color="k", lw=0.8)
        ax.set_xlabel("|r| of mean self-sentiment with the item (Table 1)")
        ax.set_ylabel("best multitask - best single (Table 4)")
        ax.set_title("Correlation vs multitask improvement")
        fig.tight_layout()
        fig.savefig(out / "correlation_vs_gain.png", dpi=100)
        plt.close(fig)
        figures.append(("Correlation vs multitask improvement", out / "correlation_vs_gain.png"))
    return pd.DataFrame(figures, columns=["title", "path"])


def _grid_settings(preset: Preset, feature_sets: list[str]) -> list[tuple[str, str]]:
    """One row per table (and the nested CV) whose grid is smaller than Table 3's."""
    parts = {"table4": "Table 4 grid", "table5": "Table 5 grid", "nested": "nested CV grid"}
    rows = []
    for part, label in parts.items():
        if not (preset.nested if part == "nested" else part in preset.tables):
            continue
        fs, alphas = _part_grid(preset, part, feature_sets)
        if (fs, alphas) != _part_grid(preset, "table3", feature_sets):
            text = ", ".join(fs) + " x alpha " + ", ".join(alpha_label(a) for a in alphas)
            rows.append((label, text))
    return rows


def _settings(preset: Preset, options: RunOptions, feature_sets: list[str], seconds: float):
    rows = [
        ("data", options.data_description),
        ("preset", preset.name),
        ("tables", ", ".join(preset.tables)),
        ("feature sets", ", ".join(feature_sets)),
        ("alphas (multitask)", ", ".join(f"{a:g}" for a in preset.alphas)),
        *_grid_settings(preset, feature_sets),
        (
            "epochs / lr / batch",
            f"{preset.max_epochs} / {preset.lr} / {preset.batch_size} dialogues",
        ),
        ("hidden size scale / head size", f"{preset.hidden_scale:g} / {preset.head_size}"),
        ("cross-validation", f"stratified {preset.n_splits}-fold x {preset.n_repeats} repeats"),
        ("target", "rating > 4 is high (1); weighted F1"),
        ("seed", str(options.seed)),
        ("wall time of this run (s)", f"{seconds:.0f}"),
    ]
    return pd.DataFrame(rows, columns=["setting", "value"])


def run_experiments(dataset: Any, preset: Preset, options: RunOptions) -> ReportFiles:
    """Score every cell the preset's tables need, then write the report to ``options.out_dir``."""
    start = time.perf_counter()
    out = Path(options.out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cache_dir = out / "cache"
    available = dataset.features.modality_set
    feature_sets = usable_feature_sets(options.feature_sets or preset.feature_sets, available)
    plan = _plan(preset, options, feature_sets)
    items = list(dict.fromkeys(plan["item"])) if len(plan) else []
    if preset.nested and "worthwhile" not in items:
        items.append("worthwhile")
    targets = _targets(dataset, items)
    results = ReproductionResults(notes=[], feature_notes=_feature_notes(dataset))
    if "table1" in preset.tables:
        results.table1 = _table1(dataset)
    if len(plan):
        runnable = plan.assign(
            feature_set=plan["feature_set"].map(lambda fs: paper_feature_set(fs, available))
        )
        scores = score_configs(
            runnable, targets, preset, seed=options.seed, n_jobs=options.n_jobs,
            cache_dir=cache_dir, label="CV",
        )  # fmt: skip
        # Report feature sets under the paper's names (ALL, not L+A+B+V).
        names = {paper_feature_set(fs, available): fs for fs in feature_sets}
        scores["feature_set"] = scores["feature_set"].map(names)
        scores.to_csv(out / "scores.csv", index=False)
        summary = _summaries(scores)
        summary.to_csv(out / "summary.csv", index=False)
        if "table2" in preset.tables:
            results.table2 = _table2(summary)
        if "table3" in preset.tables:
            results.table3 = _table3(summary)
        if "table4" in preset.tables:
            results.table4 = _table4(summary, targets, list(options.items))
        if "table5" in preset.tables:
            results.table5 = _table5(summary)
        tested = list(options.items) if "table4" in preset.tables else ["worthwhile"]
        results.paired_tests = _paired_tests(scores, summary, tested)
        if preset.nested and "table3" in preset.tables:
            results.selection = _selection(
                scores, targets, feature_sets, preset, options, cache_dir
            )
    results.figures = _figures(dataset, results, out, preset, options.paper_tables_dir)
    results.settings = _settings(preset, options, feature_sets, time.perf_counter() - start)
    return write_report(
        results, out, paper_tables_dir=options.paper_tables_dir, title=options.title
    )


__all__ = ["RunOptions", "paper_feature_set", "run_experiments", "usable_feature_sets"]
