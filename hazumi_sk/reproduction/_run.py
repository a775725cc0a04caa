"""Run the paper's experiments on a dataset Bunch and write the report (demo and reproduce)."""

from __future__ import annotations

import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ..datasets import RAPPORT_ITEMS, to_xy
from ..evaluation import summarize_scores
from ..vocabulary import PAPER_MODALITIES, format_modalities, parse_modalities
from ._figures import report_figures
from ._grid import config_grid, score_configs
from ._presets import SINGLE_TASK_ALPHA, Preset, alpha_label, part_grid
from ._report import ReportFiles, ReproductionResults, write_report
from ._tables import (
    TABLE5_ITEMS,
    nested_selection,
    paired_tests,
    placebo_control,
    placebo_plan,
    table1,
    table2,
    table3,
    table4,
    table5,
)

__all__ = ["RunOptions", "run_reproduction", "usable_feature_sets"]

#: The paper's descriptions of its features, per modality (section 4.1).
PAPER_FEATURES = {
    "A": "eGeMAPS functionals (openSMILE, 88), normalised per speaker",
    "L": "17 UPOS counts (Stanza) + 768-d Japanese BERT sentence vector (785)",
    "B": "Kinect v2, 5 upper-body joints x (max accel., max/mean/std velocity) (20)",
    "V": "OpenFace, 10 landmarks x 4 kinematics (40) + 18 action-unit means (58)",
}


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


def usable_feature_sets(requested: tuple[str, ...], available: list[str]) -> list[str]:
    """The requested feature sets whose modalities all exist in the data (ALL always).

    Every feature set of the paper includes L, so data without L is an error; a
    set naming a modality the data lacks is skipped with a warning.
    """
    if "L" not in available:
        raise ValueError(
            f"The data has no linguistic (L) features (modalities {available}); every feature "
            "set of the paper includes L."
        )
    usable = []
    for fs in requested:
        try:
            parse_modalities(fs, available)
        except ValueError as error:
            warnings.warn(f"Feature set {fs} skipped: {error}", stacklevel=2)
        else:
            usable.append(fs)
    return usable


def _targets(dataset: Any, items: list[str]) -> dict[str, tuple[Any, np.ndarray]]:
    return {item: to_xy(dataset, item=item) for item in items}


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
            grid = part_grid(preset, part, feature_sets)
            plans.append(config_grid(items, *grid, [architecture]))
    if not plans:
        return pd.DataFrame(columns=["item", "feature_set", "alpha", "model"])
    return pd.concat(plans, ignore_index=True).drop_duplicates(ignore_index=True)


def _placebo_grids(
    preset: Preset, options: RunOptions, feature_sets: list[str]
) -> dict[str, tuple[list[str], list[float]]]:
    """Item -> the (feature sets, multitask alphas) its best multitask cell is chosen from."""
    grids = {}
    if "table4" in preset.tables:
        fs, alphas = part_grid(preset, "table4", feature_sets)
        grids = {item: (fs, alphas[:-1]) for item in options.items}
    if "table3" in preset.tables:  # worthwhile's cells are Table 3's grid (a superset)
        fs, alphas = part_grid(preset, "table3", feature_sets)
        grids["worthwhile"] = (fs, alphas[:-1])
    return grids


def _placebo(
    summary: pd.DataFrame, targets: dict, preset: Preset, options: RunOptions,
    feature_sets: list[str], out: Path,
) -> pd.DataFrame:  # fmt: skip
    """The selection placebo beside Tables 3 and 4 (scores saved as placebo_scores.csv)."""
    grids = _placebo_grids(preset, options, feature_sets)
    plan = pd.concat(
        [placebo_plan([item], fs, len(alphas)) for item, (fs, alphas) in grids.items()],
        ignore_index=True,
    )
    scores = score_configs(
        plan, targets, preset, seed=options.seed, n_jobs=options.n_jobs,
        cache_dir=out / "cache", label="placebo",
    )  # fmt: skip
    scores.to_csv(out / "placebo_scores.csv", index=False)
    nested_grid = None
    if preset.nested:
        fs, alphas = part_grid(preset, "nested", feature_sets)
        nested_grid = (fs, alphas[:-1])
    return placebo_control(
        summary, scores, targets, grids, preset,
        nested_grid=nested_grid, nested_items=["worthwhile"] if preset.nested else [],
        seed=options.seed, n_jobs=options.n_jobs, cache_dir=out / "cache",
    )  # fmt: skip


def _summaries(scores: pd.DataFrame) -> pd.DataFrame:
    keys = ["item", "feature_set", "alpha", "model"]
    return summarize_scores(scores, by=keys)


def _feature_notes(dataset: Any) -> pd.DataFrame:
    columns = dataset.feature_columns
    rows = []
    for tag in PAPER_MODALITIES:
        block = columns[columns["modality"] == tag]
        if block.empty:
            here = "absent"
        else:
            parts = block.groupby("source", sort=False).size()
            here = "; ".join(f"{src} ({n})" for src, n in parts.items())
        rows.append({"modality": tag, "paper": PAPER_FEATURES[tag], "here": here})
    others = columns[~columns["modality"].isin(PAPER_MODALITIES)]
    if not others.empty:
        rows.append(
            {
                "modality": "+".join(sorted(others["modality"].unique())),
                "paper": "not used",
                "here": f"present ({len(others)} columns) but never selected: "
                f"ALL = {format_modalities(PAPER_MODALITIES)}",
            }
        )
    return pd.DataFrame(rows)


def _grid_settings(preset: Preset, feature_sets: list[str]) -> list[tuple[str, str]]:
    """One row per table (and the nested CV) whose grid is smaller than Table 3's."""
    parts = {"table4": "Table 4 grid", "table5": "Table 5 grid", "nested": "nested CV grid"}
    rows = []
    for part, label in parts.items():
        if not (preset.nested if part == "nested" else part in preset.tables):
            continue
        fs, alphas = part_grid(preset, part, feature_sets)
        if (fs, alphas) != part_grid(preset, "table3", feature_sets):
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


def run_reproduction(dataset: Any, preset: Preset, options: RunOptions) -> ReportFiles:
    """Score every cell the preset's tables need, then write the report.

    Parameters
    ----------
    dataset : Bunch
        A corpus as returned by :func:`~hazumi_sk.datasets.load_hazumi` or
        :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.
    preset : Preset
        Which tables, grids and training settings (:data:`PRESETS`, :data:`DEMO_PRESET`).
    options : RunOptions
        Items, feature sets, parallelism, seed and the output folder; finished fits
        are cached in ``options.out_dir / "cache"``, so an interrupted run resumes.

    Returns
    -------
    files : ReportFiles
        The Markdown and HTML report and its figures.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from hazumi_sk.reproduction import DEMO_PRESET, RunOptions, demo_dataset
    >>> from hazumi_sk.reproduction import run_reproduction, tiny_preset
    >>> files = run_reproduction(  # doctest: +SKIP
    ...     demo_dataset(tiny=True), tiny_preset(DEMO_PRESET), RunOptions(Path(tempfile.mkdtemp())))
    """
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
        results.table1 = table1(dataset)
    if len(plan):
        scores = score_configs(
            plan, targets, preset, seed=options.seed, n_jobs=options.n_jobs,
            cache_dir=cache_dir, label="CV",
        )  # fmt: skip
        scores.to_csv(out / "scores.csv", index=False)
        summary = _summaries(scores)
        summary.to_csv(out / "summary.csv", index=False)
        if "table2" in preset.tables:
            results.table2 = table2(summary)
        if "table3" in preset.tables:
            results.table3 = table3(summary)
        if "table4" in preset.tables:
            results.table4 = table4(summary, targets, list(options.items))
        if "table5" in preset.tables:
            results.table5 = table5(summary)
        if {"table3", "table4"} & set(preset.tables):
            results.placebo = _placebo(summary, targets, preset, options, feature_sets, out)
        tested = list(options.items) if "table4" in preset.tables else ["worthwhile"]
        results.paired_tests = paired_tests(scores, summary, tested)
        if preset.nested and "table3" in preset.tables:
            results.selection = nested_selection(
                scores, targets, feature_sets, preset,
                seed=options.seed, n_jobs=options.n_jobs, cache_dir=cache_dir,
            )  # fmt: skip
    results.figures = report_figures(dataset, results, out, preset, options.paper_tables_dir)
    results.settings = _settings(preset, options, feature_sets, time.perf_counter() - start)
    return write_report(
        results, out, paper_tables_dir=options.paper_tables_dir, title=options.title
    )
