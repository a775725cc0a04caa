"""The paper reproduction: presets, the cell grid, Tables 1-5, figures and the report.

The paper's published tables ship with the package (:func:`load_paper_table`), so
every report shows them beside the reproduced numbers. A run is
:func:`run_reproduction` with a :class:`Preset` and :class:`RunOptions`; the
``hazumi-sk demo`` and ``hazumi-sk reproduce`` commands are thin wrappers.

Examples
--------
>>> from hazumi_sk.reproduction import PRESETS, load_paper_table
>>> PRESETS["quick"].tables
('table1', 'table3')
>>> float(load_paper_table("table3").set_index("feature_set").loc["L+V", "0.7"])
0.817
"""

from ._grid import config_grid, make_pipeline, score_configs
from ._paper import PAPER_TABLES, load_paper_table
from ._presets import (
    ALPHAS,
    ARCHITECTURES,
    DEMO_CORPUS,
    DEMO_PRESET,
    PRESETS,
    SINGLE_TASK_ALPHA,
    TABLES,
    TINY_CORPUS,
    Preset,
    alpha_label,
    demo_dataset,
    parse_alpha,
    tiny_preset,
)
from ._report import ReportFiles, ReproductionResults, write_report
from ._run import RunOptions, run_reproduction, usable_feature_sets

__all__ = [
    "ALPHAS",
    "ARCHITECTURES",
    "DEMO_CORPUS",
    "DEMO_PRESET",
    "PAPER_TABLES",
    "PRESETS",
    "Preset",
    "ReportFiles",
    "ReproductionResults",
    "RunOptions",
    "SINGLE_TASK_ALPHA",
    "TABLES",
    "TINY_CORPUS",
    "alpha_label",
    "config_grid",
    "demo_dataset",
    "load_paper_table",
    "make_pipeline",
    "parse_alpha",
    "run_reproduction",
    "score_configs",
    "tiny_preset",
    "usable_feature_sets",
    "write_report",
]
