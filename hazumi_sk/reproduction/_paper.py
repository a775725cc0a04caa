"""The published numbers of the reproduced paper, shipped with the package as CSV."""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import pandas as pd

__all__ = ["PAPER_TABLES", "load_paper_table"]

#: Short name -> CSV file name of each transcribed table.
PAPER_TABLES: dict[str, str] = {
    "table1": "table1_correlations.csv",
    "table2": "table2_single_task_architectures.csv",
    "table3": "table3_multitask_alpha_worthwhile.csv",
    "table4": "table4_all_items.csv",
    "table5": "table5_prior_work.csv",
}


def _short_name(name: str) -> str:
    stem = name.removesuffix(".csv")
    short = stem.split("_", 1)[0]
    if short not in PAPER_TABLES or (stem != short and PAPER_TABLES[short] != f"{stem}.csv"):
        raise ValueError(f"Unknown paper table {name!r}; expected one of {sorted(PAPER_TABLES)}.")
    return short


def load_paper_table(name: str, tables_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load one of the paper's tables (shipped with the package).

    Parameters
    ----------
    name : str
        ``"table1"`` ... ``"table5"``, or the CSV stem such as ``"table1_correlations"``.
    tables_dir : path-like, optional
        A folder with other CSV files of the same names (e.g. a corrected
        transcription); by default the copy inside the installed package is read.

    Returns
    -------
    table : pandas.DataFrame
        The table as transcribed (``hazumi_sk/reproduction/data/README.md`` gives the
        column meanings).

    Examples
    --------
    >>> from hazumi_sk.reproduction import load_paper_table
    >>> load_paper_table("table3").columns[:3].tolist()
    ['feature_set', '0.1', '0.2']
    """
    file_name = PAPER_TABLES[_short_name(name)]
    if tables_dir is None:
        with resources.files("hazumi_sk.reproduction").joinpath("data", file_name).open() as f:
            return pd.read_csv(f)
    path = Path(tables_dir) / file_name
    if not path.is_file():
        raise FileNotFoundError(f"Paper table {name!r} not found: {path} does not exist.")
    return pd.read_csv(path)
