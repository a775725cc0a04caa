"""The published numbers of the reproduced paper, read from its tables as CSV."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

__all__ = ["PAPER_TABLES", "default_paper_tables_dir", "load_paper_table"]

#: Short name -> CSV file name of each transcribed table.
PAPER_TABLES: dict[str, str] = {
    "table1": "table1_correlations.csv",
    "table2": "table2_single_task_architectures.csv",
    "table3": "table3_multitask_alpha_worthwhile.csv",
    "table4": "table4_all_items.csv",
    "table5": "table5_prior_work.csv",
}


def default_paper_tables_dir() -> Path | None:
    """``$HAZUMI_SK_PAPER_TABLES``, else ``../shared/paper/tables`` beside the repository."""
    env = os.environ.get("HAZUMI_SK_PAPER_TABLES")
    if env:
        return Path(env)
    beside_repo = Path(__file__).resolve().parents[2].parent / "shared" / "paper" / "tables"
    return beside_repo if beside_repo.is_dir() else None


def load_paper_table(name: str, tables_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """Load one of the paper's tables.

    Parameters
    ----------
    name : str
        ``"table1"`` ... ``"table5"``, or the CSV stem such as ``"table1_correlations"``.
    tables_dir : path-like, optional
        Folder with the CSV files; defaults to :func:`default_paper_tables_dir`.

    Returns
    -------
    table : pandas.DataFrame
        The table as transcribed (see the folder's README for column meanings).

    Examples
    --------
    >>> from hazumi_sk.evaluation import load_paper_table
    >>> load_paper_table("table3").columns[:3].tolist()  # doctest: +SKIP
    ['feature_set', '0.1', '0.2']
    """
    stem = name.removesuffix(".csv")
    short = stem.split("_", 1)[0]
    if short not in PAPER_TABLES or (stem != short and PAPER_TABLES[short] != f"{stem}.csv"):
        raise ValueError(f"Unknown paper table {name!r}; expected one of {sorted(PAPER_TABLES)}.")
    folder = Path(tables_dir) if tables_dir is not None else default_paper_tables_dir()
    if folder is None:
        raise FileNotFoundError(
            "No paper tables folder: pass tables_dir (CLI: --paper-tables) or set "
            "HAZUMI_SK_PAPER_TABLES."
        )
    path = folder / PAPER_TABLES[short]
    if not path.is_file():
        raise FileNotFoundError(f"Paper table {name!r} not found: {path} does not exist.")
    return pd.read_csv(path)
