"""The reproduction report: reproduced tables next to the paper's, as Markdown + HTML + PNG."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from ..evaluation import Document
from ._canvas import new_axes, save_figure
from ._paper import load_paper_table

__all__ = ["ReportFiles", "ReproductionResults", "write_report"]


@dataclass
class ReproductionResults:
    """Everything a reproduction run measured, as plain DataFrames (all optional).

    Parameters
    ----------
    settings : DataFrame, optional
        ``setting, value``: data, preset, epochs, folds, repeats, seeds ...
    table1 : DataFrame, optional
        ``item, r_third_party, p_third_party, r_self, p_self``.
    table2 : DataFrame, optional
        Single task, one row per cell: ``feature_set, model, mean, ci_low, ci_high``
        (``model`` as in the paper, e.g. ``"LSTM(1-128)"``).
    table3 : DataFrame, optional
        ``feature_set, alpha, mean, ci_low, ci_high``; ``alpha`` is ``"0.1"`` ...
        ``"0.9"`` or ``"single"``.
    table4 : DataFrame, optional
        ``item, best_multitask, best_single, multitask_setting, single_setting,
        n_high, n_low`` (``diff`` is computed), optionally with the best cells'
        intervals ``multitask_ci_low/high`` and ``single_ci_low/high``.
    table5 : DataFrame, optional
        ``item, model, feature_set, mean`` with ``model`` in ``{"multitask", "single"}``.
    selection : DataFrame, optional
        Nested CV vs the paper's protocol: ``target, candidates, paper_protocol_best,
        best_params, nested_mean, nested_ci_low, nested_ci_high``.
    placebo : DataFrame, optional
        The selection control of Tables 3/4, per item: ``paper_protocol_gain`` (best
        multitask - best single), ``placebo_gain`` (best of as many single-task cells
        differing only in their seed - best single), ``n_multitask_cells``,
        ``n_placebo_cells`` and, where run, ``nested_multitask``, ``nested_single``,
        ``nested_gain``, ``nested_p_corrected``.
    paired_tests : DataFrame, optional
        ``item, feature_set, multitask_mean, single_mean, mean_difference, t,
        p_corrected, p_permutation``.
    feature_notes : DataFrame, optional
        ``modality, paper, here``: how this run's features differ from the paper's.
    figures : DataFrame, optional
        ``title, path`` of extra PNGs (made by the caller) to embed.
    notes : list of str, optional
        Free-form remarks printed under the settings.

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.reproduction import ReproductionResults
    >>> res = ReproductionResults(settings=pd.DataFrame({"setting": ["folds"], "value": ["5"]}))
    >>> res.table1 is None
    True
    """

    settings: pd.DataFrame | None = None
    table1: pd.DataFrame | None = None
    table2: pd.DataFrame | None = None
    table3: pd.DataFrame | None = None
    table4: pd.DataFrame | None = None
    table5: pd.DataFrame | None = None
    selection: pd.DataFrame | None = None
    placebo: pd.DataFrame | None = None
    paired_tests: pd.DataFrame | None = None
    feature_notes: pd.DataFrame | None = None
    figures: pd.DataFrame | None = None
    notes: list[str] | None = None


class ReportFiles(NamedTuple):
    """Paths written by :func:`write_report`."""

    markdown: Path
    html: Path
    figures: list[Path]


def _paper_or_none(name: str, tables_dir: Path | None) -> pd.DataFrame | None:
    """The paper's table: the shipped copy, or ``tables_dir``'s when one is given."""
    try:
        return load_paper_table(name, tables_dir)
    except FileNotFoundError:
        return None


def _ci(frame: pd.DataFrame) -> pd.Series:
    if not {"ci_low", "ci_high"} <= set(frame.columns):
        return pd.Series([""] * len(frame), index=frame.index)
    return frame.apply(
        lambda r: "" if pd.isna(r["ci_low"]) else f"[{r['ci_low']:.3f}, {r['ci_high']:.3f}]",
        axis=1,
    )


def _with_paper(ours: pd.DataFrame, paper: pd.DataFrame | None, keys: list[str]) -> pd.DataFrame:
    """Join the paper's value (column ``paper``) on ``keys`` and add ``diff = mean - paper``."""
    if paper is None:
        return ours.assign(paper=float("nan"), diff=float("nan"))
    merged = ours.merge(paper, on=keys, how="left")
    return merged.assign(diff=merged["mean"] - merged["paper"])


def _section_table1(doc: Document, ours: pd.DataFrame, paper: pd.DataFrame | None) -> None:
    doc.heading("Table 1: exchange-level sentiment vs dialogue-level items (Pearson r)")
    frame = ours.copy()
    if paper is not None:
        frame = frame.merge(
            paper[["item", "r_third_party", "r_self"]].rename(
                columns={"r_third_party": "paper_r_third_party", "r_self": "paper_r_self"}
            ),
            on="item",
            how="left",
        )
        frame["diff_r_self"] = frame["r_self"] - frame["paper_r_self"]
    doc.paragraph(
        "r: correlation between the per-dialogue mean exchange sentiment and the item rating "
        "(reproduced); paper_*: the published value; diff = reproduced - paper."
    )
    doc.table(frame)


def _section_long(
    doc: Document,
    title: str,
    ours: pd.DataFrame,
    paper_long: pd.DataFrame | None,
    keys: list[str],
    explanation: str,
) -> pd.DataFrame:
    doc.heading(title)
    frame = _with_paper(ours, paper_long, keys)
    frame = frame.assign(ci95=_ci(frame))
    columns = [*keys, "mean", "ci95", "paper", "diff"]
    doc.paragraph(explanation)
    doc.table(frame[columns].rename(columns={"mean": "reproduced"}))
    return frame


def _paper_table2_long(paper: pd.DataFrame | None) -> pd.DataFrame | None:
    if paper is None:
        return None
    return paper.melt(id_vars="feature_set", var_name="model", value_name="paper")


def _paper_table3_long(paper: pd.DataFrame | None) -> pd.DataFrame | None:
    if paper is None:
        return None
    return paper.melt(id_vars="feature_set", var_name="alpha", value_name="paper")


def _paper_table5_long(paper: pd.DataFrame | None) -> pd.DataFrame | None:
    if paper is None:
        return None
    long = paper.drop(columns="human_wizard").melt(
        id_vars=["item", "model"], var_name="feature_set", value_name="paper"
    )
    return long


def _plot_table3(frame: pd.DataFrame, path: Path) -> Path:
    fig, ax = new_axes((7, 4))
    multi = frame[frame["alpha"] != "single"].copy()
    multi["a"] = multi["alpha"].astype(float)
    single = frame[frame["alpha"] == "single"].set_index("feature_set")["mean"]
    for i, (fs, group) in enumerate(multi.groupby("feature_set", sort=False)):
        color = f"C{i}"
        group = group.sort_values("a")
        if {"ci_low", "ci_high"} <= set(group.columns) and group["ci_low"].notna().all():
            ax.fill_between(group["a"], group["ci_low"], group["ci_high"], color=color, alpha=0.1)
        ax.plot(group["a"], group["mean"], "o-", color=color, label=f"{fs} multitask")
        if fs in single.index:
            ax.axhline(single[fs], color=color, ls=":", lw=1.2, label=f"{fs} single task")
        if group["paper"].notna().any():
            ax.plot(group["a"], group["paper"], "x--", color=color, alpha=0.5, label=f"{fs} paper")
    ax.set_xlabel("loss weight alpha of the dialogue-level task")
    ax.set_ylabel("weighted F1")
    ax.set_title("Table 3: reproduced multitask (band: 95% CI), single task, paper")
    ax.legend(fontsize=7, ncol=3, loc="upper center", bbox_to_anchor=(0.5, -0.15))
    return save_figure(fig, path, tight=True)


def _plot_table4(frame: pd.DataFrame, path: Path) -> Path:
    fig, ax = new_axes((8, 4))
    x = range(len(frame))
    ax.bar([i - 0.2 for i in x], frame["diff"], width=0.4, label="reproduced")
    if "paper_diff" in frame and frame["paper_diff"].notna().any():
        ax.bar([i + 0.2 for i in x], frame["paper_diff"], width=0.4, label="paper")
    ax.axhline(0, color="k", lw=0.8)
    ax.set_xticks(list(x), frame["item"], rotation=60, ha="right", fontsize=8)
    ax.set_ylabel("best multitask - best single (F1)")
    ax.set_title("Table 4: multitask gain per item")
    ax.legend()
    return save_figure(fig, path)


def _section_table4(doc: Document, ours: pd.DataFrame, paper: pd.DataFrame | None) -> pd.DataFrame:
    doc.heading("Table 4: best multitask vs best single task, all 18 items")
    frame = ours.assign(diff=ours["best_multitask"] - ours["best_single"])
    for side in ("multitask", "single"):
        bounds = [f"{side}_ci_low", f"{side}_ci_high"]
        if set(bounds) <= set(frame.columns):
            interval = _ci(frame[bounds].set_axis(["ci_low", "ci_high"], axis=1))
            at = frame.columns.get_loc(f"best_{side}") + 1
            frame = frame.drop(columns=bounds)
            frame.insert(at, f"{side}_95ci", interval)
    if paper is not None:
        frame = frame.merge(
            paper[["item", "best_multitask", "best_single", "diff"]].rename(
                columns={
                    "best_multitask": "paper_multitask",
                    "best_single": "paper_single",
                    "diff": "paper_diff",
                }
            ),
            on="item",
            how="left",
        )
    doc.paragraph(
        "Best over feature sets (and alpha for multitask), selected on the reporting folds as in "
        "the paper (optimistic; see the selection section)."
    )
    doc.table(frame)
    return frame


def _section_placebo(doc: Document, placebo: pd.DataFrame) -> None:
    doc.heading("Placebo control: how much of the multitask gain is selection")
    doc.paragraph(
        "paper_protocol_gain: best multitask cell minus best single-task cell, both picked "
        "on the reporting folds (the paper's Table 4 protocol). The multitask side picks from "
        "n_multitask_cells cells, the single side from one per feature set, so it wins by "
        "selection alone. placebo_gain: the same selection over n_placebo_cells single-task "
        "cells that differ only in their seed; a paper_protocol_gain no larger than it is no "
        "evidence for multitask learning. nested_gain: multitask minus single task, each "
        "chosen by an inner CV and scored on untouched outer folds (the honest gain)."
    )
    doc.table(placebo)
    means = placebo[["paper_protocol_gain", "placebo_gain"]].mean()
    doc.paragraph(
        f"Mean over {len(placebo)} item(s): paper-protocol gain "
        f"{means['paper_protocol_gain']:+.3f}, placebo gain {means['placebo_gain']:+.3f}."
    )


def _relative(path: str | os.PathLike, out_dir: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), out_dir.resolve())).as_posix()


def write_report(
    results: ReproductionResults,
    out_dir: str | os.PathLike,
    *,
    paper_tables_dir: str | os.PathLike | None = None,
    title: str = "hazumi-sk reproduction report",
) -> ReportFiles:
    """Write ``report.md``, ``report.html`` and PNG figures comparing results with the paper.

    Parameters
    ----------
    results : ReproductionResults
        The measured tables; sections whose table is None are left out.
    out_dir : path-like
        Output folder (created). Images are referenced relative to it, so the
        folder can be moved as a whole.
    paper_tables_dir : path-like, optional
        A folder of CSV files replacing the paper's tables shipped with the
        package (see :func:`load_paper_table`).
    title : str
        Report title.

    Returns
    -------
    files : ReportFiles
        Paths of the Markdown, the HTML and the figures written.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> from hazumi_sk.reproduction import ReproductionResults, write_report
    >>> res = ReproductionResults(table3=pd.DataFrame(
    ...     {"feature_set": ["L", "L"], "alpha": ["0.5", "single"], "mean": [0.7, 0.6],
    ...      "ci_low": [0.6, 0.5], "ci_high": [0.8, 0.7]}))
    >>> files = write_report(res, tempfile.mkdtemp())
    >>> files.html.name
    'report.html'
    """
    if not isinstance(results, ReproductionResults):
        raise TypeError(f"results must be a ReproductionResults, got {type(results).__name__}.")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    tables_dir = Path(paper_tables_dir) if paper_tables_dir is not None else None
    if tables_dir is not None and not tables_dir.is_dir():
        raise FileNotFoundError(f"paper_tables_dir {paper_tables_dir} is not a folder.")
    doc = Document(title)
    figures: list[Path] = []
    present = [f.name for f in fields(results) if getattr(results, f.name) is not None]
    source = "from paper_tables_dir" if tables_dir else "shipped with hazumi-sk"
    doc.paragraph(
        f"Reproduced numbers next to the published ones (paper tables {source}). "
        f"Sections: {', '.join(present) if present else 'none'}."
    )
    if results.settings is not None:
        doc.heading("Settings")
        doc.table(results.settings)
    if results.notes:
        doc.bullets(results.notes)
    if results.feature_notes is not None:
        doc.heading("Where the features differ from the paper's")
        doc.table(results.feature_notes)
    if results.table1 is not None:
        _section_table1(doc, results.table1, _paper_or_none("table1", tables_dir))
    if results.table2 is not None:
        _section_long(
            doc,
            "Table 2: single-task architectures (worthwhile, weighted F1)",
            results.table2,
            _paper_table2_long(_paper_or_none("table2", tables_dir)),
            ["feature_set", "model"],
            "reproduced: mean weighted F1 over repeated stratified K-fold CV (see Settings); ci95: "
            "corrected resampled t-interval (Nadeau-Bengio); paper: one 5-fold run.",
        )
    if results.table3 is not None:
        t3 = results.table3.assign(alpha=results.table3["alpha"].astype(str))
        frame = _section_long(
            doc,
            "Table 3: multitask over the loss weight alpha vs single task (worthwhile)",
            t3,
            _paper_table3_long(_paper_or_none("table3", tables_dir)),
            ["feature_set", "alpha"],
            "alpha weights the dialogue-level loss, 1 - alpha the exchange-level loss; 'single' "
            "is the single-task model. ci95: corrected resampled t-interval.",
        )
        figures.append(_plot_table3(frame, out / "table3.png"))
        doc.image("Table 3 reproduced vs paper", "table3.png")
    if results.table4 is not None:
        frame = _section_table4(doc, results.table4, _paper_or_none("table4", tables_dir))
        figures.append(_plot_table4(frame, out / "table4.png"))
        doc.image("Table 4 gains", "table4.png")
    if results.table5 is not None:
        paper5 = _paper_or_none("table5", tables_dir)
        _section_long(
            doc,
            "Table 5: LSTM(2-128) on well-coordinated and awkward, with the earlier work",
            results.table5,
            _paper_table5_long(paper5),
            ["item", "model", "feature_set"],
            "paper: this paper's numbers; the earlier work's (prior_work_multi_other) and the "
            "human (Wizard) figures follow.",
        )
        if paper5 is not None:
            doc.table(paper5[paper5["model"] == "prior_work_multi_other"])
    if results.selection is not None:
        doc.heading("Selection optimism: nested CV vs the paper's protocol")
        doc.paragraph(
            "paper_protocol_best picks the best candidate on the same folds it reports (as the "
            "paper does); nested_mean selects in an inner CV on each outer training set and "
            "scores on the untouched outer fold. The gap is the selection optimism."
        )
        sel = results.selection
        if {"paper_protocol_best", "nested_mean"} <= set(sel.columns):
            sel = sel.assign(optimism=sel["paper_protocol_best"] - sel["nested_mean"])
        doc.table(sel)
    if results.placebo is not None:
        _section_placebo(doc, results.placebo)
    if results.paired_tests is not None:
        doc.heading("Paired multitask vs single-task tests")
        doc.paragraph(
            "Same folds for both models. p_corrected: Nadeau-Bengio corrected resampled t-test "
            "over all fold scores; p_permutation: exact sign-flip permutation test over the "
            "per-repeat mean differences (per-fold with a single repeat: permutation_unit). "
            "Both compare the best multitask and best single setting chosen on these folds, "
            "so the selection makes the p-values optimistic."
        )
        doc.table(results.paired_tests)
    if results.figures is not None:
        doc.heading("Figures")
        for row in results.figures.itertuples(index=False):
            doc.paragraph(str(row.title))
            doc.image(str(row.title), _relative(row.path, out))
            figures.append(Path(row.path))
    md_path, html_path = out / "report.md", out / "report.html"
    md_path.write_text(doc.to_markdown(), encoding="utf-8")
    html_path.write_text(doc.to_html(), encoding="utf-8")
    return ReportFiles(md_path, html_path, figures)
