"""The evaluation engine: fit-and-score cells with a cache, repeated and nested CV, paired tests."""

from ._cache import FitCache
from ._cells import Cell, repeated_splits, run_cells
from ._compute import BACKENDS, compute_backend, compute_options, on_device
from ._corpora import (
    CorpusScaler,
    compare_protocols,
    cross_corpus_scores,
    dialogue_corpora,
    leave_one_corpus_out,
    participant_groups,
    pooled_corpus_splits,
)
from ._cv import repeated_cv_scores, summarize_scores
from ._document import Document
from ._nested import nested_cv_score, paper_protocol_best
from ._stats import PairedTestResult, corrected_resampled_ttest, paired_permutation_test

__all__ = [
    "BACKENDS",
    "Cell",
    "CorpusScaler",
    "Document",
    "FitCache",
    "PairedTestResult",
    "compare_protocols",
    "compute_backend",
    "compute_options",
    "corrected_resampled_ttest",
    "cross_corpus_scores",
    "dialogue_corpora",
    "leave_one_corpus_out",
    "nested_cv_score",
    "on_device",
    "paired_permutation_test",
    "paper_protocol_best",
    "participant_groups",
    "pooled_corpus_splits",
    "repeated_cv_scores",
    "repeated_splits",
    "run_cells",
    "summarize_scores",
]
