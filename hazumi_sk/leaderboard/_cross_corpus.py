"""Training across corpora: the leaderboard's methods alone vs pooled on the same test folds.

The question is paired: on the *same* test folds of the in-person corpora (1902 +
1911), does adding the other loaded corpora (2012 ...) to every training set change
the weighted F1? Each method of :data:`METHODS` is scored under three protocols of
:func:`~hazumi_sk.evaluation.cross_corpus_scores` (``alone``, ``pooled`` and
leave-one-corpus-out), with and without per-corpus standardisation, and the
paired difference pooled - alone comes from
:func:`~hazumi_sk.evaluation.compare_protocols`.
"""

from __future__ import annotations

import dataclasses
import time
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, ClassifierMixin, MetaEstimatorMixin, clone
from sklearn.model_selection import GridSearchCV, ParameterGrid, StratifiedKFold
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from ..datasets import check_item, make_synthetic_hazumi, to_xy
from ..evaluation import (
    compare_protocols,
    cross_corpus_scores,
    dialogue_corpora,
    participant_groups,
    summarize_scores,
)
from ..vocabulary import parse_modalities
from ._methods import FAST_FIT_SECONDS, METHODS, LeaderboardMethod, item_targets
from ._run import NO_FEATURES, SCORING, _preset, _resolve_methods

__all__ = [
    "CROSS_CORPUS_COLUMNS",
    "CROSS_CORPUS_FEATURE_SET",
    "CROSS_CORPUS_METHODS",
    "CROSS_CORPUS_TEST_CORPORA",
    "check_cross_corpus_features",
    "run_cross_corpus",
    "synthetic_corpora",
]

#: The corpora whose dialogues are tested: the in-person, self-rated ones of the paper.
CROSS_CORPUS_TEST_CORPORA = ("1902", "1911")
#: The methods of the section when none are named (the floor, the baseline, the paper's LSTM).
CROSS_CORPUS_METHODS = ("majority", "pooled-lr", "lstm-single")
#: Modalities that Hazumi1902, 1911 and 2012 all have (2012 has no Kinect, so no B).
CROSS_CORPUS_FEATURE_SET = "A+L+V"
PROTOCOL_ORDER = ("alone", "pooled", "loco")
#: Columns of :func:`run_cross_corpus`'s table, in order.
CROSS_CORPUS_COLUMNS = [
    "item",
    "method",
    "feature_set",
    "per_corpus_scaling",
    "protocol",
    "corpus",
    "train_corpora",
    "mean",
    "std",
    "ci_low",
    "ci_high",
    "n_scores",
    "n_repeats",
    "n_train",
    "n_test",
    "majority",
    "pooled_minus_alone",
    "pooled_minus_alone_ci_low",
    "pooled_minus_alone_ci_high",
    "pooled_minus_alone_pvalue",
]
#: Training dialogues of a default leaderboard fit (43 of the 54): the reference of the
#: measured seconds per fit, scaled by the (larger) pooled training sets in the plan.
_REFERENCE_TRAIN = 43


# --------------------------------------------------------------------- checks
def _as_list(values: Any, name: str) -> list[str]:
    out = [values] if isinstance(values, str) else [str(v) for v in values]
    if not out:
        raise ValueError(f"{name} is empty.")
    if len(set(out)) != len(out):
        raise ValueError(f"{name} has duplicates: {out}.")
    return out


def _check_scalings(per_corpus_scaling: Any) -> tuple[bool, ...]:
    values = (
        (per_corpus_scaling,) if isinstance(per_corpus_scaling, bool) else tuple(per_corpus_scaling)
    )
    if not values or not all(isinstance(v, bool | np.bool_) for v in values):
        raise ValueError(
            f"per_corpus_scaling must be a bool or a sequence of bools, got {per_corpus_scaling!r}."
        )
    if len(set(values)) != len(values):
        raise ValueError(f"per_corpus_scaling has duplicates: {values}.")
    return tuple(bool(v) for v in values)


def _check_protocols(protocols: Any) -> list[str]:
    chosen = _as_list(protocols, "protocols")
    unknown = [p for p in chosen if p not in PROTOCOL_ORDER]
    if unknown:
        raise ValueError(f"protocols has unknown {unknown}; choose from {list(PROTOCOL_ORDER)}.")
    return [p for p in PROTOCOL_ORDER if p in chosen]


def _check_corpora(dataset: Any, test_corpora: Any) -> tuple[list[str], list[str]]:
    """The test corpora and the other corpora of ``dataset`` (at least one of each)."""
    corpora = sorted(set(dialogue_corpora(dataset, dataset.features).tolist()))
    tested = sorted(_as_list(test_corpora, "test_corpora"))
    unknown = [c for c in tested if c not in corpora]
    if unknown:
        raise ValueError(
            f"test_corpora {unknown} not in the dataset, whose dialogues with features come "
            f"from corpora {corpora}."
        )
    extra = [c for c in corpora if c not in tested]
    if not extra:
        raise ValueError(
            f"Training across corpora needs a corpus beyond the test corpora {tested} to pool; "
            f"the dataset holds only {corpora}. Load more versions, e.g. "
            "load_hazumi(root, ['1902', '1911', '2012'], columns='harmonized')."
        )
    return tested, extra


def check_cross_corpus_features(dataset: Any, feature_set: str) -> list[str]:
    """The modality tags of ``feature_set``; each must have data in every corpus pooled.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        Several corpora (``sessions["version"]`` names each dialogue's corpus).
    feature_set : str
        Modalities in the package's grammar (``"A+L+V"``; ``"ALL"`` is the paper's
        A+L+B+V present in the data).

    Returns
    -------
    tags : list of str

    Raises
    ------
    ValueError
        A tag absent from the loaded columns, or whose columns are all missing
        in some corpus (a ``columns="union"`` load of a corpus without that
        sensor); the message names the modality and the corpus.

    Examples
    --------
    >>> from hazumi_sk.leaderboard import check_cross_corpus_features, synthetic_corpora
    >>> data = synthetic_corpora(tiny=True)
    >>> check_cross_corpus_features(data, "ALL")  # no B: 2012 has no Kinect
    ['A', 'L', 'V']
    >>> check_cross_corpus_features(data, "A+B")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: feature_set 'A+B': ... Hazumi2012 has no B (docs/corpora.rst).
    """
    X = dataset.features
    corpus = dialogue_corpora(dataset, X)
    corpora = sorted(set(corpus.tolist()))
    present = list(X.modality_set)
    try:
        tags = parse_modalities(feature_set, present)
    except ValueError as error:
        raise ValueError(
            f"feature_set {feature_set!r}: {error} Training across corpora can only use "
            f"modalities every pooled corpus ({', '.join(corpora)}) has; load_hazumi keeps "
            "those (columns='harmonized'), and Hazumi2012 has no B (docs/corpora.rst)."
        ) from None
    rows = np.repeat(corpus, X.lengths)
    for tag in tags:
        columns = X.modalities == tag
        for name in corpora:
            block = X.values[rows == name][:, columns]
            if block.size == 0 or np.isnan(block).all():
                raise ValueError(
                    f"feature_set {feature_set!r}: corpus {name} has no {tag} features (every "
                    f"value of its {int(columns.sum())} {tag} columns is missing); choose "
                    "modalities that every pooled corpus has, e.g. 'A+L+V'."
                )
    return tags


# -------------------------------------------------------------------- methods
class _InnerSearch(MetaEstimatorMixin, ClassifierMixin, BaseEstimator):
    """Choose a grid point by stratified inner CV on the training data, then refit on it all.

    As :func:`run_leaderboard`'s inner CV: ``min(n_splits, smaller class)`` folds, and the
    first grid point when that is below 2 (a training set too small to select on).
    """

    def __init__(self, estimator: Any, param_grid: dict | None = None, n_splits: int = 3,
                 random_state: int = 0) -> None:  # fmt: skip
        self.estimator = estimator
        self.param_grid = param_grid
        self.n_splits = n_splits
        self.random_state = random_state

    def fit(self, X: Any, y: Any) -> _InnerSearch:
        y = np.asarray(y)
        grid = list(ParameterGrid(self.param_grid or {}))
        n_inner = int(min(self.n_splits, np.bincount(y.astype(int), minlength=2).min()))
        if len(grid) < 2 or n_inner < 2:
            self.best_params_ = grid[0] if grid else {}
            self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, y)
        else:
            cv = StratifiedKFold(n_inner, shuffle=True, random_state=self.random_state)
            search = GridSearchCV(
                self.estimator, self.param_grid, cv=cv, scoring=SCORING, error_score="raise"
            ).fit(X, y)
            self.best_params_, self.best_estimator_ = search.best_params_, search.best_estimator_
        self.classes_ = self.best_estimator_.classes_
        return self

    def predict(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.best_estimator_.predict(X)

    def predict_proba(self, X: Any) -> np.ndarray:
        check_is_fitted(self)
        return self.best_estimator_.predict_proba(X)


def _estimator(method: LeaderboardMethod, feature_set: str, seed: int, tiny: bool, targets: Any):
    """The method's pipeline; a grid is searched by an inner CV on each training fold."""
    estimator = method.build_pipeline(
        feature_set, seed, tiny, targets if method.uses_item_targets else None
    )
    if method.n_candidates(tiny) < 2:
        return estimator
    n_inner = _preset(tiny, None).n_inner_splits
    return _InnerSearch(estimator, method.param_grid(tiny), n_splits=n_inner, random_state=seed)


def _fits_per_cell(method: LeaderboardMethod, tiny: bool) -> int:
    n_cand = method.n_candidates(tiny)
    return 1 if n_cand < 2 else n_cand * _preset(tiny, None).n_inner_splits + 1


# -------------------------------------------------------------------- scoring
def _score_config(X, y, corpus, groups, estimator, protocols, scaling, tested, by_corpus,
                  preset, seed, n_jobs, cache_dir, progress, label) -> pd.DataFrame:  # fmt: skip
    frames = []
    for protocol in protocols:
        # LOCO holds out every corpus in turn (the pooled-only one included); the other two
        # score the combined test folds and, with by_corpus, each test corpus on its own.
        ways = [True] if protocol == "loco" else ([False, True] if by_corpus else [False])
        if protocol != "loco" and len(tested) == 1:
            ways = [False]
        for score_by_corpus in ways:
            frames.append(
                cross_corpus_scores(
                    estimator,
                    X,
                    y,
                    corpus,
                    groups,
                    protocol=protocol,
                    test_corpora=None if protocol == "loco" else tested,
                    per_corpus_scaling=scaling,
                    score_by_corpus=score_by_corpus,
                    n_splits=preset.n_splits,
                    n_repeats=preset.n_repeats,
                    scoring=SCORING,
                    random_state=seed,
                    n_jobs=n_jobs,
                    cache_dir=cache_dir,
                    progress=f"{label} {protocol}" if progress else False,
                )
            )
    return pd.concat(frames, ignore_index=True)


def _order(table: pd.DataFrame, items: list[str], methods: list[str], tested) -> pd.DataFrame:
    combined = "+".join(tested)
    corpus_rank = table["corpus"].map(lambda c: (c != combined, c not in tested, c))
    keys = pd.DataFrame(
        {
            "item": table["item"].map(items.index),
            "method": table["method"].map(methods.index),
            "scaling": table["per_corpus_scaling"].astype(int),
            "protocol": table["protocol"].map(PROTOCOL_ORDER.index),
            "corpus": corpus_rank,
        }
    )
    order = sorted(range(len(table)), key=lambda i: tuple(keys.iloc[i]))
    return table.iloc[order].reset_index(drop=True)


def _table(scores: pd.DataFrame, items, methods, tested) -> pd.DataFrame:
    keys = ["item", "method", "feature_set", "per_corpus_scaling", "protocol", "corpus"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # loco: one score, no interval
        table = summarize_scores(scores, by=keys)
    sizes = scores.groupby(keys, sort=False).agg(
        train_corpora=("train_corpora", "first"), n_train=("n_train", "mean"),
        n_test=("n_test", "mean"),
    )  # fmt: skip
    table = table.merge(sizes.reset_index(), on=keys, how="left")
    reference = table[(table["method"] == "majority") & ~table["per_corpus_scaling"]]
    majority = reference.set_index(["item", "protocol", "corpus"])["mean"]
    table["majority"] = [
        majority.get((i, p, c), np.nan)
        for i, p, c in table[["item", "protocol", "corpus"]].itertuples(index=False)
    ]
    diff = ["pooled_minus_alone", "pooled_minus_alone_ci_low", "pooled_minus_alone_ci_high",
            "pooled_minus_alone_pvalue"]  # fmt: skip
    for column in diff:
        table[column] = np.nan
    config = ["item", "method", "feature_set", "per_corpus_scaling"]
    for key, group in scores.groupby(config, sort=False):
        arms = {p: g for p, g in group.groupby("protocol")}
        if not {"alone", "pooled"} <= set(arms):
            continue
        paired = compare_protocols(arms["pooled"], arms["alone"], by="corpus")
        for _, row in paired.iterrows():
            where = (
                (table[config] == pd.Series(dict(zip(config, key, strict=True)))).all(axis=1)
                & (table["protocol"] == "pooled")
                & (table["corpus"] == row["corpus"])
            )
            table.loc[where, diff] = [
                row["mean_difference"],
                row["ci_low"],
                row["ci_high"],
                row["pvalue"],
            ]
    return _order(table[CROSS_CORPUS_COLUMNS], items, methods, tested)


def run_cross_corpus(
    dataset: Any,
    *,
    items: str | Sequence[str] = ("worthwhile",),
    methods: Sequence[str | LeaderboardMethod] | None = CROSS_CORPUS_METHODS,
    feature_set: str = CROSS_CORPUS_FEATURE_SET,
    test_corpora: str | Sequence[str] = CROSS_CORPUS_TEST_CORPORA,
    per_corpus_scaling: bool | Sequence[bool] = (False, True),
    protocols: Sequence[str] = PROTOCOL_ORDER,
    by_corpus: bool = True,
    n_repeats: int | None = None,
    n_jobs: int | None = None,
    cache_dir: Any = None,
    seed: int = 0,
    tiny: bool = False,
    progress: bool = True,
    return_fold_scores: bool = False,
) -> pd.DataFrame | tuple[pd.DataFrame, pd.DataFrame]:
    """Score leaderboard methods trained alone, pooled across corpora, and corpus-out.

    For each item, method and scaling choice:

    * ``alone``: repeated stratified group K-fold over the dialogues of
      ``test_corpora`` (strata corpus x label,
      :func:`~hazumi_sk.evaluation.pooled_corpus_splits`), training on the
      test corpora only;
    * ``pooled``: the **same** test folds, every dialogue of the other corpora
      added to each training set;
    * ``loco``: train on all corpora but one, test on that one (every corpus in
      turn, so also the corpora that only join training in ``pooled``).

    ``alone`` and ``pooled`` are scored on the whole test fold (``corpus`` is the
    test corpora joined by ``+``) and, with ``by_corpus``, on each test corpus of
    the fold; their paired difference (Nadeau-Bengio corrected interval and
    t-test, :func:`~hazumi_sk.evaluation.compare_protocols`) sits on the
    ``pooled`` rows. A method with a grid chooses its point by an inner
    stratified CV on each training fold, as in :func:`run_leaderboard` (3
    folds, fewer when the smaller class is smaller; in ``pooled`` the
    training fold includes the added corpora, and a per-corpus scaler is
    fitted on the whole training fold before it). The majority class is
    always scored on the same folds (column ``majority``).

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        Several corpora with the same feature columns, e.g.
        ``load_hazumi(root, ["1902", "1911", "2012"], columns="harmonized")`` or
        :func:`synthetic_corpora`. Exchange labels are ``SS_or_TS`` (``to_xy``):
        self-sentiment where a corpus has it, third-party sentiment elsewhere.
    items : str or sequence of str, default=("worthwhile",)
        Rapport items.
    methods : sequence of str or LeaderboardMethod, optional
        Names in :data:`METHODS` (default :data:`CROSS_CORPUS_METHODS`; None:
        the same) or method objects.
    feature_set : str, default="A+L+V"
        Modalities that **every** corpus of ``dataset`` has; an absent one is a
        ``ValueError`` naming it and the corpus.
    test_corpora : str or sequence of str, default=("1902", "1911")
        Corpora whose dialogues are tested; ``dataset`` must hold at least one
        other corpus.
    per_corpus_scaling : bool or sequence of bool, default=(False, True)
        Run without and/or with a :class:`~hazumi_sk.evaluation.CorpusScaler`
        in front of the method (fitted on each training fold; the held-out
        corpus of ``loco`` is standardised with its own unlabelled statistics).
        Methods that ignore the features (majority, oracle) run unscaled only.
    protocols : sequence of {"alone", "pooled", "loco"}, default=all three
        Protocols to run (the difference needs ``alone`` and ``pooled``).
    by_corpus : bool, default=True
        Also score each test corpus of a fold on its own (one more fit per
        test corpus and fold; seeded fits are identical, only time is spent).
    n_repeats : int, optional
        Repeats of the folds (default 5; 1 with ``tiny``).
    n_jobs : int, optional
        Parallel fits (joblib).
    cache_dir : path-like, optional
        Fit cache (:func:`~hazumi_sk.evaluation.run_cells`): a rerun resumes.
    seed : int, default=0
        Seed of the folds (repeat ``r`` uses ``seed + r``) and of the models.
    tiny : bool, default=False
        Seconds-long settings for tests: 2 folds, 1 repeat, 2 inner folds,
        small grids and networks (as :func:`run_leaderboard`'s ``tiny``).
    progress : bool, default=True
        Print the plan and show tqdm bars.
    return_fold_scores : bool, default=False
        Also return every fold score.

    Returns
    -------
    table : pandas.DataFrame
        One row per item x method x scaling x protocol x test unit, with the
        columns :data:`CROSS_CORPUS_COLUMNS`: the mean weighted F1 with its 95%
        corrected interval (``n_scores`` fold scores; ``loco`` has one score
        per held-out corpus, so no interval), the mean training and test
        sizes, the majority class on the same folds and, on ``pooled`` rows,
        ``pooled_minus_alone`` with its interval and p-value.
        ``table.attrs["settings"]`` records the run.
    fold_scores : pandas.DataFrame
        Only with ``return_fold_scores``: ``item, method, feature_set,
        per_corpus_scaling`` and the columns of
        :func:`~hazumi_sk.evaluation.cross_corpus_scores`.

    See Also
    --------
    hazumi_sk.evaluation.cross_corpus_scores : One estimator under one protocol.
    run_leaderboard : The methods on the test corpora alone, under nested CV.

    Examples
    --------
    >>> from hazumi_sk.leaderboard import run_cross_corpus, synthetic_corpora
    >>> data = synthetic_corpora(tiny=True)
    >>> table = run_cross_corpus(data, methods=["majority", "pooled-lr"], tiny=True,
    ...                          progress=False)
    >>> lr = table[(table["method"] == "pooled-lr") & ~table["per_corpus_scaling"]]
    >>> pooled = lr[lr["protocol"] == "pooled"]
    >>> pooled["corpus"].tolist(), pooled["train_corpora"].unique().tolist()
    (['1902+1911', '1902', '1911'], ['1902+1911+2012'])
    >>> alone = lr[lr["protocol"] == "alone"]
    >>> diff = pooled["mean"].to_numpy() - alone["mean"].to_numpy()
    >>> bool((abs(pooled["pooled_minus_alone"].to_numpy() - diff) < 1e-12).all())
    True
    >>> lr[lr["protocol"] == "loco"]["corpus"].tolist()
    ['1902', '1911', '2012']
    """
    start = time.perf_counter()
    items = [check_item(item) for item in _as_list(items, "items")]
    resolved = _resolve_methods(CROSS_CORPUS_METHODS if methods is None else methods, tiny)
    scalings = _check_scalings(per_corpus_scaling)
    protocols = _check_protocols(protocols)
    preset = _preset(tiny, n_repeats)
    tested, extra = _check_corpora(dataset, test_corpora)
    check_cross_corpus_features(dataset, feature_set)
    majority = METHODS["majority"]
    with_reference = resolved if any(m.name == "majority" for m in resolved) else [
        majority, *resolved
    ]  # fmt: skip
    if progress:
        _print_plan(with_reference, items, scalings, protocols, by_corpus, preset, tested,
                    extra, dataset, tiny, n_jobs)  # fmt: skip
    frames = []
    # One BLAS/OpenMP thread per fit, parallelism from n_jobs (as in run_leaderboard).
    with threadpool_limits(limits=1):
        for item in items:
            X, y = to_xy(dataset, item=item, exchange_label="SS_or_TS")
            corpus = dialogue_corpora(dataset, X)
            groups = participant_groups(X)
            _check_classes(item, y, corpus, tested, preset.n_splits)
            targets = (
                item_targets(dataset, X, item)
                if any(m.uses_item_targets for m in with_reference)
                else None
            )
            for method in with_reference:
                fs = feature_set if method.uses_features else NO_FEATURES
                estimator = _estimator(method, feature_set, seed, tiny, targets)
                for scaling in scalings if method.uses_features else (False,):
                    label = f"{item} {method.name}" + (" scaled" if scaling else "")
                    scores = _score_config(
                        X, y, corpus, groups, estimator, protocols, scaling, tested,
                        by_corpus, preset, seed, n_jobs, cache_dir, progress, label,
                    )  # fmt: skip
                    frames.append(
                        scores.assign(
                            item=item,
                            method=method.name,
                            feature_set=fs,
                            per_corpus_scaling=scaling,
                        )  # fmt: skip
                    )
    fold_scores = pd.concat(frames, ignore_index=True)
    front = ["item", "method", "feature_set", "per_corpus_scaling"]
    fold_scores = fold_scores[front + [c for c in fold_scores.columns if c not in front]]
    names = [m.name for m in with_reference]
    table = _table(fold_scores, items, names, tested)
    if all(m.name != "majority" for m in resolved):  # the reference only fills `majority`
        table = table[table["method"] != "majority"].reset_index(drop=True)
        fold_scores = fold_scores[fold_scores["method"] != "majority"].reset_index(drop=True)
    table.attrs["settings"] = {
        "items": items,
        "methods": [m.name for m in resolved],
        "feature_set": feature_set,
        "test_corpora": tested,
        "pooled_corpora": extra,
        "per_corpus_scaling": list(scalings),
        "protocols": protocols,
        "by_corpus": by_corpus,
        "n_splits": preset.n_splits,
        "n_repeats": preset.n_repeats,
        "n_inner_splits": preset.n_inner_splits,
        "tiny": tiny,
        "seed": seed,
        "n_jobs": n_jobs,
        "wall_seconds": time.perf_counter() - start,
    }
    return (table, fold_scores) if return_fold_scores else table


def _check_classes(item: str, y: np.ndarray, corpus: np.ndarray, tested, n_splits: int) -> None:
    counts = np.bincount(y[np.isin(corpus, tested)].astype(int), minlength=2)
    if counts.min() < n_splits:
        raise ValueError(
            f"item {item!r}: {counts.min()} dialogues of the test corpora {list(tested)} in its "
            f"smaller class, fewer than the {n_splits} folds; leave it out of items."
        )


def _print_plan(methods, items, scalings, protocols, by_corpus, preset, tested, extra,
                dataset, tiny, n_jobs) -> None:  # fmt: skip
    """The number of fits and a rough wall time (seconds per fit scaled by training size)."""
    corpus = dialogue_corpora(dataset, dataset.features)
    sizes = {c: int((corpus == c).sum()) for c in set(corpus.tolist())}
    n_test = sum(sizes[c] for c in tested)
    units = 1 + (len(tested) if by_corpus and len(tested) > 1 else 0)
    train = {  # (cells, mean training dialogues) per protocol
        "alone": (preset.n_splits * preset.n_repeats * units, n_test * (1 - 1 / preset.n_splits)),
        "pooled": (
            preset.n_splits * preset.n_repeats * units,
            n_test * (1 - 1 / preset.n_splits) + sum(sizes[c] for c in extra),
        ),
        "loco": (len(sizes), sum(sizes.values()) * (1 - 1 / len(sizes))),
    }
    fits, seconds = 0, 0.0
    for method in methods:
        n_scalings = len(scalings) if method.uses_features else 1
        per_fit = FAST_FIT_SECONDS if tiny else method.fit_seconds
        for protocol in protocols:
            cells, n_train = train[protocol]
            n = cells * n_scalings * len(items) * _fits_per_cell(method, tiny)
            fits += n
            seconds += n * per_fit * max(1.0, n_train / _REFERENCE_TRAIN)
    minutes = seconds / max(1, n_jobs or 1) / 60
    print(
        f"Cross-corpus plan: {fits} fits (test corpora {'+'.join(tested)}, pooled with "
        f"{'+'.join(extra)}), about {minutes:.0f} min with n_jobs={n_jobs or 1} (before cache hits)"
    )


# ------------------------------------------------------------------ synthetic
def synthetic_corpora(tiny: bool = False, random_state: int = 0) -> Any:
    """Three synthetic corpora named 1902, 1911 and 2012, shaped like a harmonised load.

    One :func:`~hazumi_sk.datasets.make_synthetic_hazumi` corpus (the same
    generative story throughout) is split into three equal blocks of
    dialogues whose ``sessions["version"]`` reads ``"1902"``, ``"1911"`` and
    ``"2012"``. As in ``load_hazumi(..., ["1902", "1911", "2012"],
    columns="harmonized")``, the B columns are dropped (2012 has no Kinect) and
    the 2012 block has no self-sentiment (its ``SS`` is missing, so ``to_xy``
    needs ``exchange_label="SS_or_TS"``). Its features are recorded "online":
    every column is ``2 x value + 3``, a corpus offset that per-corpus
    standardisation removes exactly.

    Parameters
    ----------
    tiny : bool, default=False
        48 dialogues of 10-14 exchanges and a few columns per modality (tests),
        else 90 dialogues of 12-24 exchanges.
    random_state : int, default=0
        Seed of :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.

    Returns
    -------
    data : sklearn.utils.Bunch
        The fields of ``make_synthetic_hazumi``'s Bunch.

    Examples
    --------
    >>> from hazumi_sk.leaderboard import synthetic_corpora
    >>> data = synthetic_corpora(tiny=True)
    >>> data.sessions["version"].value_counts().sort_index().to_dict()
    {'1902': 16, '1911': 16, '2012': 16}
    >>> data.features.modality_set
    ['A', 'L', 'V']
    """
    n = 48 if tiny else 90
    dims = {"A": 4, "L": 6, "B": 3, "V": 4} if tiny else {"A": 12, "L": 24, "B": 8, "V": 12}
    data = make_synthetic_hazumi(
        n,
        n_exchanges=(10, 14) if tiny else (12, 24),
        feature_dims=dims,
        random_state=random_state,
    )
    ids = data.sessions.index.astype(str)
    version = pd.Series(np.repeat(["1902", "1911", "2012"], n // 3), index=ids)
    online = set(ids[version.to_numpy() == "2012"])
    data.sessions = data.sessions.assign(version=version.to_numpy())
    X = data.features.select_columns(data.features.modalities != "B")
    rows = np.isin(X.dialogue_ids[X.dialogue_index], sorted(online))
    values = X.values.copy()
    values[rows] = 2.0 * values[rows] + 3.0
    data.features = X.replace(values=values)
    if isinstance(data.feature_columns, pd.DataFrame):
        data.feature_columns = data.feature_columns[data.feature_columns["modality"] != "B"]
    rated = data.feature_rows["dialogue_id"].astype(str).isin(online)
    data.feature_rows = data.feature_rows.assign(SS=data.feature_rows["SS"].mask(rated))
    if isinstance(data.exchanges, pd.DataFrame) and "SS" in data.exchanges:
        online_rows = data.exchanges["dialogue_id"].astype(str).isin(online)
        data.exchanges = data.exchanges.assign(SS=data.exchanges["SS"].mask(online_rows))
    data.dialogues = [
        dataclasses.replace(d, version=str(version[d.dialogue_id])) for d in data.dialogues
    ]
    data.DESCR = (
        "Three synthetic corpora (1902, 1911, 2012: equal blocks of one synthetic corpus; "
        "no B; 2012 without self-sentiment and with features 2 x value + 3).\n\n" + data.DESCR
    )
    return data
