"""Run a list of (estimator, train, test) cells with caching, joblib and tqdm.

Every evaluation in this package (repeated CV, nested CV, the paper's protocol)
reduces to such cells, so caching and parallelism live in one place.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import Parallel, delayed, parallel
from sklearn.base import clone
from sklearn.metrics import check_scoring
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.utils import _safe_indexing
from tqdm.auto import tqdm

from ._cache import FitCache, data_fingerprint, estimator_fingerprint
from ._compute import current_options, on_device

#: Most networks trained in one batched computation (memory grows with it).
MAX_BATCH = 64


@dataclass(frozen=True)
class Cell:
    """One fit-and-score job: an unfitted estimator, train and test row indices."""

    estimator: Any
    train: np.ndarray
    test: np.ndarray


def check_y(y: Any, n_samples: int) -> np.ndarray:
    """Validate the target: 1-D, same length as X, no NaN."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if len(y) != n_samples:
        raise ValueError(f"X has {n_samples} samples but y has {len(y)}; they must match.")
    if y.dtype.kind == "f" and np.isnan(y).any():
        raise ValueError("y contains NaN; drop unlabeled samples before evaluating.")
    return y


def n_samples_of(X: Any) -> int:
    """Number of samples (dialogues for ragged sequences, rows otherwise)."""
    return len(X)


def make_splitter(stratified: bool, y: np.ndarray, n_splits: int, seed: int) -> Any:
    """Stratified folds for classification (as the paper), plain K-fold otherwise."""
    if n_splits < 2:
        raise ValueError(f"n_splits must be >= 2, got {n_splits}.")
    if stratified:
        _, counts = np.unique(y, return_counts=True)
        if counts.min() < n_splits:
            raise ValueError(
                f"n_splits={n_splits} is larger than the smallest class ({counts.min()} samples)."
            )
        return StratifiedKFold(n_splits=n_splits, shuffle=True, random_state=seed)
    return KFold(n_splits=n_splits, shuffle=True, random_state=seed)


def repeated_splits(
    stratified: bool, y: np.ndarray, n_splits: int, n_repeats: int, random_state: int
) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """``(repeat, fold, train, test)`` for ``n_repeats`` reshuffled K-fold splits.

    Pass ``stratified=is_classifier(estimator)`` to stratify classification targets.

    Repeat ``r`` shuffles with seed ``random_state + r``, so repeat 0 of any
    two evaluations with the same ``random_state`` uses the same folds and
    their fold scores can be compared pairwise.
    """
    if n_repeats < 1:
        raise ValueError(f"n_repeats must be >= 1, got {n_repeats}.")
    out = []
    placeholder = np.zeros(len(y))
    for repeat in range(n_repeats):
        splitter = make_splitter(stratified, y, n_splits, random_state + repeat)
        for fold, (train, test) in enumerate(splitter.split(placeholder, y)):
            out.append((repeat, fold, train, test))
    return out


def _fit_and_score(cell: Cell, X: Any, y: np.ndarray, scoring: Any) -> dict:
    estimator = clone(cell.estimator)
    start = time.perf_counter()
    estimator.fit(_safe_indexing(X, cell.train), y[cell.train])
    fit_time = time.perf_counter() - start
    scorer = check_scoring(estimator, scoring=scoring)
    score = float(scorer(estimator, _safe_indexing(X, cell.test), y[cell.test]))
    return {"score": score, "fit_time": fit_time}


def _fit_and_score_batch(cells: list[Cell], X: Any, y: np.ndarray, scoring: Any) -> list[dict]:
    """Fit the networks of ``cells`` as one batched computation, then score each."""
    from ..model import fit_batched

    estimators = [clone(cell.estimator) for cell in cells]
    start = time.perf_counter()
    fit_batched(
        estimators,
        [_safe_indexing(X, cell.train) for cell in cells],
        [y[cell.train] for cell in cells],
    )
    fit_time = (time.perf_counter() - start) / len(cells)  # the batch's time, shared out
    records = []
    for estimator, cell in zip(estimators, cells, strict=True):
        scorer = check_scoring(estimator, scoring=scoring)
        score = float(scorer(estimator, _safe_indexing(X, cell.test), y[cell.test]))
        records.append({"score": score, "fit_time": fit_time})
    return records


def _batch_groups(cells: list[Cell], todo: list[int], batch: bool | str) -> list[list[int]]:
    """The cells to fit: singletons, and batches of cells whose networks have one shape.

    ``"auto"`` batches networks on CUDA only (on the CPU batches measured no faster).
    """
    from ..model import batch_signature

    groups: dict[Any, list[int]] = {}
    jobs: list[list[int]] = []
    for i in todo:
        signature = batch_signature(cells[i].estimator) if batch else None
        device = str(_device_of(cells[i].estimator))
        if signature is None or (batch == "auto" and not device.startswith("cuda")):
            jobs.append([i])
        else:
            groups.setdefault(signature, []).append(i)
    for members in groups.values():
        jobs.extend(members[j : j + MAX_BATCH] for j in range(0, len(members), MAX_BATCH))
    return sorted(jobs)


def _device_of(estimator: Any) -> Any:
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    return next((v for k, v in params.items() if k == "device" or k.endswith("__device")), None)


def _library_versions() -> tuple[str, ...]:
    """Versions whose change may change a fit: a new release does not reuse old cells."""
    import sklearn
    import torch

    from .._version import __version__

    return (__version__, sklearn.__version__, torch.__version__)


def cell_key(cell: Cell, data_key: str, scoring: Any) -> str:
    """Cache key of a cell: estimator params, data hash, fold indices, scoring, versions."""
    import joblib

    return joblib.hash(
        (
            estimator_fingerprint(cell.estimator),
            data_key,
            cell.train,
            cell.test,
            repr(scoring),
            _library_versions(),
        )
    )


def run_cells(
    cells: list[Cell],
    X: Any,
    y: np.ndarray,
    *,
    scoring: Any,
    n_jobs: int | None = None,
    cache_dir: Any = None,
    progress: bool | str = True,
) -> list[dict]:
    """Fit and score every cell, reusing finished ones from ``cache_dir``.

    Returns one ``{"score", "fit_time", "cached"}`` record per cell, in order.
    Inside :func:`compute_options`, every network is put on its ``device`` first
    (part of the cache key) and cells whose networks have one shape may train
    as one batched computation (not part of the key); joblib's backend
    (:func:`compute_backend`) decides where the jobs run.
    """
    options = current_options()
    cells = [Cell(on_device(c.estimator, options.device), c.train, c.test) for c in cells]
    cache = FitCache(cache_dir)
    data_key = data_fingerprint(X, y) if cache.directory is not None else ""
    keys = [cell_key(c, data_key, scoring) if data_key else "" for c in cells]
    records: list[dict | None] = [cache.get(k) if k else None for k in keys]
    for record in records:
        if record is not None:
            record["cached"] = True
    todo = [i for i, r in enumerate(records) if r is None]
    desc = progress if isinstance(progress, str) else "fits"
    bar = tqdm(total=len(cells), initial=len(cells) - len(todo), desc=desc, disable=not progress)
    groups = _batch_groups(cells, todo, options.batch)
    jobs = (
        delayed(_fit_and_score)(cells[g[0]], X, y, scoring)
        if len(g) == 1
        else delayed(_fit_and_score_batch)([cells[i] for i in g], X, y, scoring)
        for g in groups
    )
    # Results arrive in submission order; storing each as it arrives makes runs resumable
    # (Ray's joblib backend returns them all at the end instead).
    backend = parallel.get_active_backend()[0]
    as_generator = getattr(backend, "supports_return_generator", True)
    results = Parallel(n_jobs=n_jobs, return_as="generator" if as_generator else "list")(jobs)
    for group, result in zip(groups, results, strict=True):
        for i, record in zip(group, [result] if len(group) == 1 else result, strict=True):
            if keys[i]:
                cache.put(keys[i], record)
            records[i] = {**record, "cached": False}
        bar.update(len(group))
    bar.close()
    return records  # type: ignore[return-value]
