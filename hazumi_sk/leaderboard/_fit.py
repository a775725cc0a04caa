"""Fit one leaderboard method on all training dialogues, item by item, to ship it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.model_selection import GridSearchCV, StratifiedKFold
from tqdm.auto import tqdm

from ._methods import METHODS, item_targets

__all__ = ["FittedItem", "fit_method"]

#: Folds of the selection CV when a method has a grid (fewer when a class is smaller).
SELECTION_SPLITS = 3


@dataclass(frozen=True)
class FittedItem:
    """One item's fitted model and how it was chosen.

    Attributes
    ----------
    item : str
    model : estimator
        Fitted on every training dialogue rated on the item.
    chosen_params : dict
        The grid point chosen by stratified CV on the training dialogues
        (empty for a method without a grid).
    cv_score : float or None
        Its mean weighted F1 in that CV (None without a grid).
    n_dialogues : int
    n_high : int
    """

    item: str
    model: Any
    chosen_params: dict
    cv_score: float | None
    n_dialogues: int
    n_high: int


def _choose(estimator: Any, grid: dict, X: Any, y: np.ndarray, seed: int) -> tuple[Any, dict, Any]:
    smaller = int(np.bincount(y).min())
    n_splits = min(SELECTION_SPLITS, smaller)
    if n_splits < 2:
        # One dialogue in a class: no CV can score a grid point; take the first (documented).
        first = {name: values[0] for name, values in grid.items()}
        return estimator.set_params(**first).fit(X, y), first, None
    search = GridSearchCV(
        estimator,
        grid,
        cv=StratifiedKFold(n_splits, shuffle=True, random_state=seed),
        scoring="f1_weighted",
        error_score="raise",
    ).fit(X, y)
    return search.best_estimator_, dict(search.best_params_), float(search.best_score_)


def fit_method(
    method: str,
    dataset: Any,
    items: Sequence[str],
    feature_set: str,
    seed: int = 0,
    tiny: bool = False,
    exchange_label: str = "SS",
    progress: bool = True,
) -> dict[str, FittedItem]:
    """Fit ``method`` for every item on all dialogues of ``dataset``, choosing its grid by CV.

    Parameters
    ----------
    method : str
        A name of :data:`METHODS` (``"pooled-lr"``, ``"two-stage"``, ``"lstm-multitask"``, ...).
    dataset : Bunch
        From :func:`~hazumi_sk.datasets.load_hazumi` or the synthetic corpus.
    items : sequence of str
        Rapport items; each gets its own model.
    feature_set : str
        Modalities in the package's grammar (``"L+V"``, ``"A+V"``, ``"ALL"``).
    seed : int, default=0
        Seeds the models and the selection folds.
    tiny : bool, default=False
        The methods' tiny sizes (tests).
    exchange_label : str, default="SS"
        The exchange labels the sequences carry (see :func:`~hazumi_sk.datasets.to_xy`).
    progress : bool, default=True
        A tqdm bar over items.

    Returns
    -------
    fitted : dict of str to FittedItem
        In the order of ``items``.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> from hazumi_sk.leaderboard import fit_method
    >>> data = make_synthetic_hazumi(16, n_exchanges=(4, 6), random_state=0)
    >>> fitted = fit_method("pooled-lr", data, ["worthwhile"], "L+V", tiny=True, progress=False)
    >>> sorted(fitted["worthwhile"].chosen_params)
    ['model__C']
    """
    from ..datasets import to_xy

    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}; choose from {list(METHODS)}.")
    spec = METHODS[method]
    if spec.needs_exchange_labels:
        raise ValueError(
            f"Method {method!r} reads the true exchange labels at prediction time; it is a "
            "reference, not a model to ship."
        )
    fitted = {}
    for item in tqdm(list(items), desc=f"train {method}", disable=not progress):
        X, y = to_xy(dataset, item=item, exchange_label=exchange_label)
        targets = item_targets(dataset, X, item) if spec.uses_item_targets else None
        estimator = spec.build_pipeline(feature_set, seed, tiny=tiny, targets=targets)
        grid = spec.param_grid(tiny)
        if grid:
            model, chosen, score = _choose(estimator, grid, X, y, seed)
        else:
            model, chosen, score = estimator.fit(X, y), {}, None
        fitted[item] = FittedItem(item, model, chosen, score, len(y), int(y.sum()))
    return fitted
