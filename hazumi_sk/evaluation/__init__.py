"""Repeated and nested cross-validation, paired tests and the reproduction report."""

from ._cache import FitCache
from ._cells import Cell, repeated_splits, run_cells
from ._cv import repeated_cv_scores, summarize_scores
from ._document import Document
from ._nested import nested_cv_score, paper_protocol_best
from ._paper import PAPER_TABLES, load_paper_table
from ._report import ReportFiles, ReproductionResults, write_report
from ._stats import PairedTestResult, corrected_resampled_ttest, paired_permutation_test

__all__ = [
    "PAPER_TABLES",
    "Cell",
    "Document",
    "FitCache",
    "PairedTestResult",
    "ReportFiles",
    "ReproductionResults",
    "corrected_resampled_ttest",
    "load_paper_table",
    "nested_cv_score",
    "paired_permutation_test",
    "paper_protocol_best",
    "repeated_cv_scores",
    "repeated_splits",
    "run_cells",
    "summarize_scores",
    "write_report",
]
