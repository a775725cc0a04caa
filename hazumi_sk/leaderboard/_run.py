"""Nested repeated CV of every (item, method, feature set) on the same outer splits."""

from __future__ import annotations

import time
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.model_selection import ParameterGrid
from threadpoolctl import threadpool_limits

from ..datasets import RAPPORT_ITEMS, item_polarity, to_xy
from ..evaluation import (
    Cell,
    corrected_resampled_ttest,
    repeated_splits,
    run_cells,
    summarize_scores,
)
from ._methods import (
    FAST_FIT_SECONDS,
    METHODS,
    ORACLE_COLUMN,
    PAPER_LSTM,
    LeaderboardMethod,
    available_methods,
    default_methods,
    item_targets,
)

__all__ = [
    "DEFAULT_PRESET",
    "TINY_PRESET",
    "LeaderboardPreset",
    "LeaderboardResult",
    "plan_leaderboard",
    "run_leaderboard",
]

SCORING = "f1_weighted"
#: Item label of the averages over items (the rows of ``polarity_averages``).
AVERAGE_ITEMS = {
    "all": "average (all items)",  # n_items says how many
    "positive": "average (positive)",
    "negative": "average (negative)",
}
NO_FEATURES = "-"


@dataclass(frozen=True)
class LeaderboardPreset:
    """Fold counts of the outer and the inner CV."""

    name: str
    n_splits: int = 5
    n_repeats: int = 5
    n_inner_splits: int = 3


DEFAULT_PRESET = LeaderboardPreset("default")
#: Seconds-long: one repeat of 2 folds, 2 inner folds (and tiny networks, see the methods).
TINY_PRESET = LeaderboardPreset("tiny", n_splits=2, n_repeats=1, n_inner_splits=2)


@dataclass
class LeaderboardResult:
    """Everything a leaderboard run measured, as plain DataFrames.

    Attributes
    ----------
    leaderboard : pandas.DataFrame
        One row per item x method x feature set: ``item, polarity, method, role,
        feature_set, mean, std, ci_low, ci_high, n_scores, n_repeats, majority,
        true_mean_self_sentiment, paper_best_multitask, paper_best_single``
        (``majority`` and ``true_mean_self_sentiment``: the item's majority-class and
        oracle scores, the oracle being a reference line, not a ceiling).
    paired : pandas.DataFrame
        Each method against the item's best baseline and against the paper's
        LSTM: ``item, method, feature_set, reference, reference_method,
        reference_feature_set, mean_difference, statistic, pvalue``; the item
        averages appear as items named ``"average (...)"``.
    polarity_averages : pandas.DataFrame
        Per method and feature set, the mean over the items of each polarity
        (and all items) with its interval.
    fold_scores : pandas.DataFrame
        One row per outer fold: ``item, method, feature_set, repeat, fold, score,
        n_train, n_test, fit_time, cached, best_params, inner_score``.
    splits : pandas.DataFrame
        The outer splits: ``item, repeat, fold, train, test`` (index arrays).
    inner_splits : pandas.DataFrame
        The inner selection cells: ``item, method, feature_set, repeat, fold,
        candidate, params, inner_fold, train, test, score, cached``.
    plan : pandas.DataFrame
        The fits planned per method (see :func:`plan_leaderboard`).
    settings : dict
        The run's arguments, its wall time in seconds, and the corpus' L block:
        ``linguistic`` (``"transcripts"``, ``"dumpfile"`` or ``"synthetic"``) and
        ``text_encoder`` (the sentence encoder of transcript L, else ``"-"``).
    cross_corpus : pandas.DataFrame or None
        The training-across-corpora table of :func:`run_cross_corpus` (its
        ``attrs["settings"]`` included) when the run has that section, else None.
    cross_corpus_scores : pandas.DataFrame or None
        Its fold scores (``run_cross_corpus(..., return_fold_scores=True)``).
    """

    leaderboard: pd.DataFrame
    paired: pd.DataFrame
    polarity_averages: pd.DataFrame
    fold_scores: pd.DataFrame
    splits: pd.DataFrame
    inner_splits: pd.DataFrame
    plan: pd.DataFrame
    settings: dict
    cross_corpus: pd.DataFrame | None = None
    cross_corpus_scores: pd.DataFrame | None = None


@dataclass(frozen=True)
class _Config:
    method: LeaderboardMethod
    feature_set: str
    estimator: Any
    grid: list[dict]


def _resolve_methods(
    methods: Sequence[str | LeaderboardMethod] | None, tiny: bool = False
) -> list[LeaderboardMethod]:
    if methods is None:
        # The tiny preset runs every available method, the default run the affordable ones.
        names = available_methods() if tiny else default_methods()
        return [METHODS[name] for name in names]
    out = []
    for method in methods:
        if isinstance(method, LeaderboardMethod):
            out.append(method)
            continue
        if method not in METHODS:
            raise ValueError(f"Unknown method {method!r}; expected one of {list(METHODS)}.")
        if not METHODS[method].is_available():
            raise ValueError(
                f"Method {method!r} needs {list(METHODS[method].requires)}, not importable yet."
            )
        out.append(METHODS[method])
    names = [m.name for m in out]
    if len(set(names)) != len(names):
        raise ValueError(f"methods has duplicates: {names}.")
    return out


def _feature_sets_of(method: LeaderboardMethod, feature_sets: Sequence[str]) -> list[str]:
    return list(feature_sets) if method.uses_features else [NO_FEATURES]


def plan_leaderboard(
    methods: Sequence[str | LeaderboardMethod] | None = None,
    *,
    items: Sequence[str] | None = None,
    feature_sets: Sequence[str] = ("ALL",),
    n_repeats: int | None = None,
    tiny: bool = False,
    n_jobs: int | None = 1,
) -> pd.DataFrame:
    """How many fits a run makes and roughly how long they take, per method.

    Parameters
    ----------
    methods, items, feature_sets, n_repeats, tiny
        As in :func:`run_leaderboard`.
    n_jobs : int, default=1
        Parallel fits assumed by ``est_wall_min``.

    Returns
    -------
    plan : pandas.DataFrame
        ``method, n_configs, n_candidates, outer_fits, inner_fits, fits,
        fit_seconds, est_wall_min`` (one row per method, before any cache hit).

    Examples
    --------
    >>> from hazumi_sk.leaderboard import plan_leaderboard
    >>> plan = plan_leaderboard(["majority", "pooled-lr"], items=["worthwhile"])
    >>> plan["fits"].tolist()  # 25 outer fits; pooled-lr adds 25 x 3 C x 3 inner folds
    [25, 250]
    """
    preset = _preset(tiny, n_repeats)
    items = list(items or RAPPORT_ITEMS)
    workers = max(1, n_jobs or 1)
    rows = []
    for method in _resolve_methods(methods, tiny):
        n_configs = len(items) * len(_feature_sets_of(method, feature_sets))
        n_cand = method.n_candidates(tiny)
        # Tiny networks and grids fit in about the time of a pooled regression.
        seconds = FAST_FIT_SECONDS if tiny else method.fit_seconds
        outer = n_configs * preset.n_splits * preset.n_repeats
        inner = outer * n_cand * preset.n_inner_splits if n_cand > 1 else 0
        rows.append(
            {
                "method": method.name,
                "n_configs": n_configs,
                "n_candidates": n_cand,
                "outer_fits": outer,
                "inner_fits": inner,
                "fits": outer + inner,
                "fit_seconds": seconds,
                "est_wall_min": (outer + inner) * seconds / workers / 60,
            }
        )
    return pd.DataFrame(rows)


def _preset(tiny: bool, n_repeats: int | None) -> LeaderboardPreset:
    preset = TINY_PRESET if tiny else DEFAULT_PRESET
    if n_repeats is None:
        return preset
    if n_repeats < 1:
        raise ValueError(f"n_repeats must be >= 1, got {n_repeats}.")
    return LeaderboardPreset(preset.name, preset.n_splits, n_repeats, preset.n_inner_splits)


def _configs(
    methods: list[LeaderboardMethod],
    feature_sets: Sequence[str],
    seed: int,
    tiny: bool,
    targets: Any = None,
) -> list[_Config]:
    configs = []
    for method in methods:
        for fs in _feature_sets_of(method, feature_sets):
            estimator = method.build_pipeline(
                feature_sets[0] if fs == NO_FEATURES else fs,
                seed,
                tiny,
                targets if method.uses_item_targets else None,
            )
            configs.append(
                _Config(method, fs, estimator, list(ParameterGrid(method.param_grid(tiny))))
            )
    return configs


def _check_classes(item: str, y: np.ndarray, n_splits: int) -> None:
    counts = np.bincount(y.astype(int), minlength=2)
    if counts.min() < n_splits:
        raise ValueError(
            f"item {item!r}: {counts.min()} dialogues in its smaller class, fewer than the "
            f"{n_splits} folds; leave it out with items=..."
        )


def _inner_cells(configs, outer, y, preset, seed):
    """Selection cells on each outer training fold only (never its test fold)."""
    cells, rows = [], []
    for k, config in enumerate(configs):
        if len(config.grid) < 2:
            continue
        candidates = [clone(config.estimator).set_params(**p) for p in config.grid]
        for o, (repeat, fold, train, _) in enumerate(outer):
            counts = np.bincount(y[train].astype(int), minlength=2)
            n_inner = int(min(preset.n_inner_splits, counts.min()))
            if n_inner < 2:
                continue  # too few to select: the first grid point is used
            inner = repeated_splits(True, y[train], n_inner, 1, seed)
            for c, estimator in enumerate(candidates):
                for _, inner_fold, itrain, itest in inner:
                    cells.append(Cell(estimator, train[itrain], train[itest]))
                    rows.append(
                        {
                            "config": k,
                            "outer": o,
                            "method": config.method.name,
                            "feature_set": config.feature_set,
                            "repeat": repeat,
                            "fold": fold,
                            "candidate": c,
                            "params": _label(config.grid[c]),
                            "inner_fold": inner_fold,
                            "train": train[itrain],
                            "test": train[itest],
                        }
                    )
    return cells, rows


def _label(params: dict) -> str:
    import json

    return json.dumps(params, sort_keys=True, default=repr)


def _choose(configs, n_outer, inner_rows) -> tuple[np.ndarray, np.ndarray]:
    """Best candidate per (config, outer fold) by mean inner score; ties: grid order."""
    best = np.zeros((len(configs), n_outer), dtype=int)
    inner_score = np.full((len(configs), n_outer), np.nan)
    if not inner_rows:
        return best, inner_score
    frame = pd.DataFrame(
        [{k: r[k] for k in ("config", "outer", "candidate", "score")} for r in inner_rows]
    )
    means = frame.groupby(["config", "outer", "candidate"])["score"].mean().reset_index()
    for (k, o), group in means.groupby(["config", "outer"]):
        top = group.sort_values(["score", "candidate"], ascending=[False, True]).iloc[0]
        best[k, o], inner_score[k, o] = int(top["candidate"]), float(top["score"])
    return best, inner_score


def _run_item(item, X, y, configs, preset, *, seed, n_jobs, cache_dir, progress):
    outer = repeated_splits(True, y, preset.n_splits, preset.n_repeats, seed)
    cells, inner_rows = _inner_cells(configs, outer, y, preset, seed)
    if cells:
        records = run_cells(
            cells,
            X,
            y,
            scoring=SCORING,
            n_jobs=n_jobs,
            cache_dir=cache_dir,
            progress=f"{item} (inner)" if progress else False,
        )
        for row, rec in zip(inner_rows, records, strict=True):
            row["score"], row["cached"] = rec["score"], rec["cached"]
    best, inner_score = _choose(configs, len(outer), inner_rows)
    outer_cells, fold_rows = [], []
    for k, config in enumerate(configs):
        for o, (repeat, fold, train, test) in enumerate(outer):
            params = config.grid[best[k, o]]
            outer_cells.append(Cell(clone(config.estimator).set_params(**params), train, test))
            fold_rows.append(
                {
                    "item": item,
                    "method": config.method.name,
                    "feature_set": config.feature_set,
                    "repeat": repeat,
                    "fold": fold,
                    "n_train": len(train),
                    "n_test": len(test),
                    "best_params": _label(params),
                    "inner_score": inner_score[k, o],
                }
            )
    records = run_cells(
        outer_cells,
        X,
        y,
        scoring=SCORING,
        n_jobs=n_jobs,
        cache_dir=cache_dir,
        progress=item if progress else False,
    )
    for row, rec in zip(fold_rows, records, strict=True):
        row.update(score=rec["score"], fit_time=rec["fit_time"], cached=rec["cached"])
    splits = [
        {"item": item, "repeat": r, "fold": f, "train": tr, "test": te} for r, f, tr, te in outer
    ]
    for row in inner_rows:
        row["item"] = item
        del row["config"], row["outer"]
    return fold_rows, splits, inner_rows


def run_leaderboard(
    dataset: Any,
    *,
    items: Sequence[str] | None = None,
    feature_sets: Sequence[str] = ("ALL",),
    methods: Sequence[str | LeaderboardMethod] | None = None,
    n_repeats: int | None = None,
    n_jobs: int | None = None,
    out_dir: str | Path | None = None,
    tiny: bool = False,
    seed: int = 0,
    progress: bool = True,
    paper_tables_dir: str | Path | None = None,
) -> LeaderboardResult:
    """Score every method on every item by nested repeated stratified K-fold CV.

    For each item the outer splits are drawn once (``repeated_splits`` with
    ``seed``) and shared by every method and feature set, so fold scores are
    paired. A method with more than one grid point picks it by an inner
    stratified CV on each outer training fold (3 folds; never the outer test
    fold), is refitted on the whole outer training fold and scored on its test
    fold (weighted F1).

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        From :func:`~hazumi_sk.datasets.load_hazumi` or
        :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.
    items : sequence of str, optional
        Rapport items (default: all 18).
    feature_sets : sequence of str, default=("ALL",)
        Modality subsets (``"L+V"``, ``"ALL"`` ...); each is a row of every
        feature-based method.
    methods : sequence of str or LeaderboardMethod, optional
        Names in :data:`METHODS` (default: every available one) or method objects.
    n_repeats : int, optional
        Outer repeats (default 5; 1 with ``tiny``).
    n_jobs : int, optional
        Parallel fits (joblib).
    out_dir : path-like, optional
        Run folder: the fit cache goes to ``out_dir/cache`` so a rerun resumes.
    tiny : bool, default=False
        Seconds-long preset for tests: 2 outer folds, 1 repeat, 2 inner folds,
        smaller grids, LSTMs of 4 units trained 2 epochs.
    seed : int, default=0
        Seed of the splits and of the models.
    progress : bool, default=True
        Print the plan and show tqdm bars.
    paper_tables_dir : path-like, optional
        Folder with the paper's CSV tables (default: the copy shipped with the package).

    Returns
    -------
    result : LeaderboardResult

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi
    >>> from hazumi_sk.leaderboard import run_leaderboard
    >>> data = make_synthetic_hazumi(24, n_exchanges=(8, 10), random_state=0)
    >>> res = run_leaderboard(data, items=["worthwhile"], methods=["majority", "pooled-lr"],
    ...                       tiny=True, progress=False)
    >>> res.leaderboard["method"].tolist()  # doctest: +SKIP
    ['pooled-lr', 'majority']
    """
    start = time.perf_counter()
    preset = _preset(tiny, n_repeats)
    items = list(items or RAPPORT_ITEMS)
    feature_sets = list(feature_sets)
    if not feature_sets:
        raise ValueError("feature_sets is empty; give at least one, e.g. ['ALL'].")
    resolved = _resolve_methods(methods, tiny)
    plan = plan_leaderboard(
        resolved,
        items=items,
        feature_sets=feature_sets,
        n_repeats=preset.n_repeats,
        tiny=tiny,
        n_jobs=n_jobs,
    )
    if progress:
        _print_plan(plan, n_jobs)
    cache_dir = None if out_dir is None else Path(out_dir) / "cache"
    folds, splits, inner = [], [], []
    # One BLAS/OpenMP thread per fit: these fits are tiny, and threaded BLAS on two shared
    # cores spins (measured 8x slower logistic regressions); parallelism comes from n_jobs.
    with threadpool_limits(limits=1):
        for item in items:
            X, y = to_xy(dataset, item=item)
            _check_classes(item, y, preset.n_splits)
            needs_targets = any(m.uses_item_targets for m in resolved)
            targets = item_targets(dataset, X, item) if needs_targets else None
            configs = _configs(resolved, feature_sets, seed, tiny, targets)
            f, s, i = _run_item(
                item,
                X,
                y,
                configs,
                preset,
                seed=seed,
                n_jobs=n_jobs,
                cache_dir=cache_dir,
                progress=progress,
            )
            folds += f
            splits += s
            inner += i
    fold_scores = pd.DataFrame(folds)
    roles = {m.name: m.role for m in resolved}
    averaged = average_over_items(fold_scores)
    leaderboard = _leaderboard_table(fold_scores, roles, _paper_table4(paper_tables_dir))
    paired = paired_comparisons(pd.concat([fold_scores, averaged], ignore_index=True), roles)
    linguistic, text_encoder = _linguistic_source(dataset)
    settings = {
        "items": items,
        "feature_sets": feature_sets,
        "methods": [m.name for m in resolved],
        "linguistic": linguistic,
        "text_encoder": text_encoder,
        "n_splits": preset.n_splits,
        "n_repeats": preset.n_repeats,
        "n_inner_splits": preset.n_inner_splits,
        "tiny": tiny,
        "seed": seed,
        "n_jobs": n_jobs,
        "wall_seconds": time.perf_counter() - start,
    }
    inner_columns = [
        "item",
        "method",
        "feature_set",
        "repeat",
        "fold",
        "candidate",
        "params",
        "inner_fold",
        "train",
        "test",
        "score",
        "cached",
    ]
    return LeaderboardResult(
        leaderboard=leaderboard,
        paired=paired,
        polarity_averages=_polarity_table(averaged, roles),
        fold_scores=fold_scores,
        splits=pd.DataFrame(splits),
        inner_splits=pd.DataFrame(inner, columns=inner_columns),
        plan=plan,
        settings=settings,
    )


def _linguistic_source(dataset: Any) -> tuple[str, str]:
    """``(source, text_encoder)`` of a corpus' L block, as every leaderboard file records it.

    ``("transcripts", <encoder name or BERT folder>)`` after
    :func:`~hazumi_sk.features.replace_linguistic` (its ``linguistic`` entry);
    otherwise ``("synthetic", "-")`` when the L columns' ``source`` says synthetic,
    ``("dumpfile", "-")`` for the loader's own L columns and ``("none", "-")``
    without L.
    """
    recorded = dataset.get("linguistic") if hasattr(dataset, "get") else None
    if isinstance(recorded, dict) and recorded.get("source"):
        return str(recorded["source"]), str(recorded.get("text_encoder") or "-")
    columns = dataset.get("feature_columns") if hasattr(dataset, "get") else None
    if not isinstance(columns, pd.DataFrame) or "modality" not in columns:
        return "none", "-"
    sources = columns.loc[columns["modality"] == "L", "source"].astype(str)
    if sources.empty:
        return "none", "-"
    if sources.str.startswith("synthetic").all():
        return "synthetic", "-"
    return "dumpfile", "-"


def _print_plan(plan: pd.DataFrame, n_jobs: int | None) -> None:
    total = int(plan["fits"].sum())
    minutes = float(plan["est_wall_min"].sum())
    print(
        f"Leaderboard plan: {total} fits, about {minutes:.0f} min with n_jobs={n_jobs or 1} "
        "(before cache hits)"
    )
    print(plan.to_string(index=False, float_format=lambda v: f"{v:.1f}"))
    # Say so loudly: a method whose class does not import is left out of a default run.
    for name, method in METHODS.items():
        if method.missing():
            print(f"Not available (left out): {name}, needs {method.missing()}")


def average_over_items(fold_scores: pd.DataFrame) -> pd.DataFrame:
    """Fold scores averaged over the items of each polarity (and over all items).

    Every item's repeat ``r`` fold ``f`` comes from the same seed, so the
    average over items of fold ``(r, f)`` is one paired score per fold; the
    same corrected interval and test then apply to the averages. A method
    and feature set enters a group only when it has every item of it.
    """
    if fold_scores.empty:
        return fold_scores.copy()
    scores = fold_scores.assign(polarity=fold_scores["item"].map(item_polarity))
    n_items = scores.groupby("polarity")["item"].nunique().to_dict()
    n_items["all"] = scores["item"].nunique()
    frames = []
    for group, label in AVERAGE_ITEMS.items():
        part = scores if group == "all" else scores[scores["polarity"] == group]
        if part.empty:
            continue
        agg = part.groupby(["method", "feature_set", "repeat", "fold"], sort=False).agg(
            score=("score", "mean"),
            n_train=("n_train", "mean"),
            n_test=("n_test", "mean"),
            n_items=("item", "nunique"),
        )
        agg = agg[agg["n_items"] == n_items[group]].reset_index()
        frames.append(agg.assign(item=label, polarity=group))
    return pd.concat(frames, ignore_index=True)


def _summary(fold_scores: pd.DataFrame) -> pd.DataFrame:
    return summarize_scores(fold_scores, by=["item", "method", "feature_set"])


def _leaderboard_table(fold_scores, roles, paper) -> pd.DataFrame:
    table = _summary(fold_scores)
    table.insert(1, "polarity", table["item"].map(item_polarity))
    table.insert(3, "role", table["method"].map(roles))
    for name, column in (("majority", "reference"), (ORACLE_COLUMN, "oracle")):
        ref = table[table["role"] == column].groupby("item")["mean"].first()
        table[name] = table["item"].map(ref)
    if paper is not None:
        paper = paper.set_index("item")
        table["paper_best_multitask"] = table["item"].map(paper["best_multitask"])
        table["paper_best_single"] = table["item"].map(paper["best_single"])
    else:
        table["paper_best_multitask"] = table["paper_best_single"] = np.nan
    order = {item: k for k, item in enumerate(RAPPORT_ITEMS)}
    table = table.assign(_order=table["item"].map(order))
    table = table.sort_values(["_order", "mean"], ascending=[True, False], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def _polarity_table(averaged: pd.DataFrame, roles: dict) -> pd.DataFrame:
    if averaged.empty:
        return pd.DataFrame()
    table = _summary(averaged)
    counts = averaged.groupby("item")["n_items"].first()
    table.insert(1, "n_items", table["item"].map(counts).astype(int))
    table.insert(3, "role", table["method"].map(roles))
    table = table.rename(columns={"item": "average"})
    order = {label: k for k, label in enumerate(AVERAGE_ITEMS.values())}
    table = table.assign(_order=table["average"].map(order))
    table = table.sort_values(["_order", "mean"], ascending=[True, False], kind="stable")
    return table.drop(columns="_order").reset_index(drop=True)


def paired_comparisons(fold_scores: pd.DataFrame, roles: dict) -> pd.DataFrame:
    """Every (method, feature set) of an item against its best baseline and the paper's LSTM.

    The best baseline is the ``role == "baseline"`` row with the highest mean
    on the item (chosen on the same folds, so that reference is slightly
    optimistic, which makes beating it conservative). The paper's LSTM is
    :data:`PAPER_LSTM` with the same feature set (its first feature set for
    methods without features). The test is Nadeau-Bengio's corrected
    resampled t-test on the paired fold scores.
    """
    rows = []
    for item, scores in fold_scores.groupby("item", sort=False):
        by_config = {
            key: g.sort_values(["repeat", "fold"])
            for key, g in scores.groupby(["method", "feature_set"], sort=False)
        }
        refs = _references(by_config, roles)
        for (method, fs), group in by_config.items():
            for reference, ref_key in refs(method, fs):
                if ref_key is None or ref_key == (method, fs):
                    continue
                other = by_config[ref_key]
                test = corrected_resampled_ttest(
                    group["score"].to_numpy(),
                    other["score"].to_numpy(),
                    n_train=int(round(group["n_train"].mean())),
                    n_test=int(round(group["n_test"].mean())),
                )
                rows.append(
                    {
                        "item": item,
                        "method": method,
                        "feature_set": fs,
                        "reference": reference,
                        "reference_method": ref_key[0],
                        "reference_feature_set": ref_key[1],
                        "mean_difference": test.mean_difference,
                        "statistic": test.statistic,
                        "pvalue": test.pvalue,
                    }
                )
    columns = [
        "item",
        "method",
        "feature_set",
        "reference",
        "reference_method",
        "reference_feature_set",
        "mean_difference",
        "statistic",
        "pvalue",
    ]
    return pd.DataFrame(rows, columns=columns)


def _references(by_config: dict, roles: dict):
    means = {key: g["score"].mean() for key, g in by_config.items()}
    baselines = [key for key in by_config if roles.get(key[0]) == "baseline"]
    best = max(baselines, key=lambda key: means[key]) if baselines else None
    lstm = [key for key in by_config if key[0] == PAPER_LSTM]

    def refs(method: str, fs: str):
        same = [key for key in lstm if key[1] == fs]
        paper = same[0] if same else (lstm[0] if lstm else None)
        return [("best baseline", best), ("paper LSTM", paper)]

    return refs


def _paper_table4(tables_dir: str | Path | None) -> pd.DataFrame | None:
    """The paper's Table 4 (best multitask / best single per item), or None if unreadable."""
    try:
        from ..reproduction import load_paper_table
    except ImportError:
        try:
            from ..evaluation import load_paper_table  # before the move to reproduction
        except ImportError:
            return None
    try:
        return load_paper_table("table4", tables_dir)
    except (FileNotFoundError, ValueError, OSError) as error:
        warnings.warn(
            f"Paper's Table 4 not read ({error}); its columns are left empty.", stacklevel=3
        )
        return None
