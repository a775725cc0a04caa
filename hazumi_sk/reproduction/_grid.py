"""The cells of the paper's grid: one pipeline per cell and batched repeated-CV scoring."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline

from ..evaluation import Cell, repeated_splits, run_cells
from ._presets import ARCHITECTURES, Preset


def make_pipeline(feature_set: str, alpha: float, architecture: str, preset: Preset, seed: int):
    """``ModalitySelector -> SequenceScaler -> MultitaskSequenceClassifier`` for one cell."""
    from ..model import MultitaskSequenceClassifier
    from ..preprocessing import ModalitySelector, SequenceScaler

    arch = ARCHITECTURES[architecture]
    model = MultitaskSequenceClassifier(
        alpha=alpha,
        cell=arch["cell"],
        hidden_size=max(2, int(round(arch["hidden_size"] * preset.hidden_scale))),
        num_layers=arch["num_layers"],
        head_size=preset.head_size,
        max_epochs=preset.max_epochs,
        batch_size=preset.batch_size,
        lr=preset.lr,
        random_state=seed,
        torch_num_threads=preset.torch_threads,
    )
    return Pipeline(
        [("select", ModalitySelector(feature_set)), ("scale", SequenceScaler()), ("model", model)]
    )


def config_grid(
    items: list[str], feature_sets: list[str], alphas: list[float], architectures: list[str]
) -> pd.DataFrame:
    """All (item, feature_set, alpha, model) combinations, one per row."""
    index = pd.MultiIndex.from_product(
        [items, feature_sets, alphas, architectures],
        names=["item", "feature_set", "alpha", "model"],
    )
    return index.to_frame(index=False)


def score_configs(
    configs: pd.DataFrame,
    targets: dict[str, tuple[Any, np.ndarray]],
    preset: Preset,
    *,
    seed: int,
    n_jobs: int | None,
    cache_dir: Any,
    label: str,
) -> pd.DataFrame:
    """Repeated-CV fold scores for every config row, as one long DataFrame.

    ``targets`` maps each item to its ``(X, y)``. All cells of an item run as one
    joblib batch so ``n_jobs`` spreads over configurations as well as folds;
    finished cells come from ``cache_dir``. An optional ``seed_offset`` column
    shifts the model's ``random_state`` (the folds stay those of ``seed``): the
    placebo cells differ from each other only in it.
    """
    frames = []
    for item, group in configs.groupby("item", sort=False):
        X, y = targets[item]
        splits = repeated_splits(True, y, preset.n_splits, preset.n_repeats, seed)
        cells, rows = [], []
        for config in group.itertuples(index=False):
            model_seed = seed + int(getattr(config, "seed_offset", 0))
            estimator = make_pipeline(
                config.feature_set, config.alpha, config.model, preset, model_seed
            )
            for repeat, fold, train, test in splits:
                cells.append(Cell(estimator, train, test))
                rows.append({**config._asdict(), "repeat": repeat, "fold": fold,
                             "n_train": len(train), "n_test": len(test)})  # fmt: skip
        records = run_cells(
            cells,
            X,
            y,
            scoring="f1_weighted",
            n_jobs=n_jobs,
            cache_dir=cache_dir,
            progress=f"{label}: {item}",
        )
        frame = pd.DataFrame(rows)
        frame["score"] = [r["score"] for r in records]
        frame["fit_time"] = [r["fit_time"] for r in records]
        frames.append(frame)
    return pd.concat(frames, ignore_index=True)
