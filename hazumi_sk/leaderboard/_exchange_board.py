"""The exchange-level board: recognising each exchange's sentiment, participant-independent.

Every method predicts, for every exchange of a held-out participant's dialogue, whether
its sentiment label is high (> 4): self-sentiment ``SS`` and third-party sentiment
``TS_mean``. Folds are grouped by participant, and the same splits serve every method,
target and feature set, so fold scores pair. Personalisation is measured as a live
system could use it: causal vs whole-dialogue feature normalisation, and calibration on
the first ``k`` self-reported labels of the new participant, scored on the exchanges
after them.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from joblib import Parallel, delayed
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.dummy import DummyClassifier
from sklearn.metrics import accuracy_score, f1_score
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits
from tqdm.auto import tqdm

from ..datasets import to_xy
from ..evaluation import corrected_resampled_ttest, participant_groups, summarize_scores
from ._methods import PCA_COMPONENTS, _exchange_pca, _lstm_size, _select

__all__ = [
    "EXCHANGE_METHODS",
    "EXCHANGE_TARGETS",
    "PUBLISHED_EXCHANGE_RESULTS",
    "ExchangeBoardResult",
    "exchange_splits",
    "run_exchange_board",
]

#: Exchange labels scored (``X.exchange_labels > 4``): self-sentiment, third-party mean.
EXCHANGE_TARGETS = ("SS", "TS_mean")
#: Metrics of every fold, computed over the fold's scored exchanges pooled.
EXCHANGE_METRICS = ("accuracy", "f1_weighted", "f1_macro")
#: Method name -> what it is (the report's table of methods).
EXCHANGE_METHODS = {
    "majority": "the training exchanges' majority class for every exchange: the floor",
    "exchange-lr": "StandardScaler -> LogisticRegression(C=0.01) on each exchange's features "
    "(ExchangeClassifier)",
    "exchange-lr-causal": "the same after CausalSequenceScaler: each exchange standardised "
    "with its dialogue's exchanges so far (a live system can do this)",
    "exchange-lr-per-dialogue": "the same after SequenceScaler(per_dialogue=True): "
    "standardised with the whole dialogue, future exchanges included (not causal)",
    "lstm-exchange-head": "the paper's multitask LSTM (alpha 0.7, SequenceScaler -> PCA(32), "
    "dialogue label: the run's item), its exchange head (predict_exchange_proba)",
    "exchange-lr-calibrated": "exchange-lr with PersonalOffsetCalibrator: one logit offset per "
    "participant fitted on their first k labels",
    "majority-calibrated": "the training prior with the same offset: the participant's own "
    "first k answers, shrunk towards the prior",
}
#: The methods that take the first k labels of a test dialogue (scored after them).
CALIBRATED = {"exchange-lr-calibrated": "exchange-lr", "majority-calibrated": "majority"}
#: Methods whose rows ``scored == "all"`` are the exchange board proper.
BASE_METHODS = (
    "majority",
    "exchange-lr",
    "exchange-lr-causal",
    "exchange-lr-per-dialogue",
    "lstm-exchange-head",
)
DEFAULT_CALIBRATION_LABELS = (0, 3, 5, 10)
TINY_CALIBRATION_LABELS = (0, 1, 3)
#: Published exchange-level numbers, "as published" (records for a DataFrame): another
#: protocol, not re-run here; the report and ``exchange_leaderboard.csv`` show them beside.
PUBLISHED_EXCHANGE_RESULTS = (
    {
        "target": "SS",
        "method": "Katada et al. (as published)",
        "feature_set": "EDA + visual",
        "metric": "accuracy",
        "mean": 0.632,
        "note": "self-sentiment from EDA and visual features on Hazumi1911 as published: a "
        "different protocol, corpus and feature set from this board (not re-run here)",
    },
)
SCORED_ALL = "all"


@dataclass
class ExchangeBoardResult:
    """Everything an exchange-board run measured, as plain DataFrames.

    Attributes
    ----------
    board : pandas.DataFrame
        ``target, method, feature_set, n_labels, scored, metric, mean, std, n_scores,
        n_repeats, ci_low, ci_high, majority``: one row per configuration and metric;
        ``scored`` is ``"all"`` (every rated exchange) or ``"from <k+1>"`` (exchanges
        after the largest calibration ``k``, the same for every ``k``).
    paired : pandas.DataFrame
        Personalised variants against ``exchange-lr`` on the same folds and exchanges:
        ``target, method, feature_set, n_labels, scored, metric, reference,
        mean_difference, ci_low, ci_high, statistic, pvalue``.
    fold_scores : pandas.DataFrame
        One row per fold, configuration and metric (``score, n_train, n_test,
        n_exchanges``).
    splits : pandas.DataFrame
        ``repeat, fold, participant, side`` (``"train"`` or ``"test"``).
    settings : dict
        The run's arguments and wall time in seconds.
    """

    board: pd.DataFrame
    paired: pd.DataFrame
    fold_scores: pd.DataFrame
    splits: pd.DataFrame
    settings: dict


class _ExchangeHead(TransformerMixin, BaseEstimator):
    """A fitted sequence pipeline's exchange head as a transformer (board-internal)."""

    def __init__(self, pipeline: Any) -> None:
        self.pipeline = pipeline

    def fit(self, X: Any, y: Any = None) -> _ExchangeHead:
        self.pipeline_ = clone(self.pipeline).fit(X, y)
        return self

    def transform(self, X: Any) -> Any:
        check_is_fitted(self)
        return self.pipeline_[-1].predict_exchange_proba(self.pipeline_[:-1].transform(X))


def _build(method: str, feature_set: str, seed: int, tiny: bool) -> Any:
    from ..model import ExchangeClassifier, MultitaskSequenceClassifier, PersonalOffsetCalibrator
    from ..preprocessing import CausalSequenceScaler, SequenceScaler

    if method in CALIBRATED:
        return PersonalOffsetCalibrator(_build(CALIBRATED[method], feature_set, seed, tiny))
    if method == "majority":
        model = ExchangeClassifier(DummyClassifier(strategy="prior"))
        return Pipeline([("select", _select(feature_set)), ("model", model)])
    if method == "lstm-exchange-head":
        net = MultitaskSequenceClassifier(
            alpha=0.7, random_state=seed, torch_num_threads=1, **_lstm_size(tiny)
        )
        pca = _exchange_pca(2 if tiny else PCA_COMPONENTS, seed)
        steps = [("select", _select(feature_set)), ("scale", SequenceScaler()), ("pca", pca)]
        return _ExchangeHead(Pipeline([*steps, ("model", net)]))
    scalers = {
        "exchange-lr": [],
        "exchange-lr-causal": [("scale", CausalSequenceScaler(nonfinite="impute"))],
        "exchange-lr-per-dialogue": [
            ("scale", SequenceScaler(per_dialogue=True, nonfinite="impute"))
        ],
    }
    if method not in scalers:
        raise ValueError(f"Unknown exchange method {method!r}; expected one of "
                         f"{list(EXCHANGE_METHODS)}.")  # fmt: skip
    model = ExchangeClassifier()
    return Pipeline([("select", _select(feature_set)), *scalers[method], ("model", model)])


def exchange_splits(
    X: Any, n_splits: int = 5, n_repeats: int = 5, seed: int = 0, threshold: float = 4
) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """Repeated participant-grouped folds of the dialogues of ``X``.

    The rated exchanges are split by :class:`~sklearn.model_selection.StratifiedGroupKFold`
    (groups: :func:`~hazumi_sk.evaluation.participant_groups`, strata: label > ``threshold``;
    repeat ``r`` shuffles with seed ``seed + r``), and every dialogue follows its
    participant, so no participant is on both sides of a fold.

    Parameters
    ----------
    X : RaggedSequences
        Dialogues carrying the exchange labels to stratify on.
    n_splits : int, default=5
        Folds per repeat.
    n_repeats : int, default=5
        Repeats.
    seed : int, default=0
        Seed of repeat 0.
    threshold : float, default=4
        An exchange is high when its label is strictly greater.

    Returns
    -------
    splits : list of (repeat, fold, train, test)
        ``train`` and ``test`` are dialogue indices of ``X``.

    Examples
    --------
    >>> from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
    >>> from hazumi_sk.leaderboard import exchange_splits
    >>> X, _ = to_xy(make_synthetic_hazumi(12, n_exchanges=(4, 6), random_state=0))
    >>> splits = exchange_splits(X, n_splits=3, n_repeats=2)
    >>> len(splits), sorted(len(s[2]) + len(s[3]) for s in splits) == [len(X)] * 6
    (6, True)
    """
    if X.exchange_labels is None:
        raise ValueError("exchange_splits needs X.exchange_labels to stratify on.")
    groups = participant_groups(X)
    exchange_group = np.repeat(groups, X.lengths)
    labels = X.exchange_labels
    rated = ~np.isnan(labels)
    strata = (labels[rated] > threshold).astype(int)
    n_groups = len(np.unique(exchange_group[rated]))
    if n_groups < n_splits:
        raise ValueError(
            f"n_splits={n_splits} folds need at least as many participants with rated "
            f"exchanges, got {n_groups}."
        )
    out = []
    for repeat in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=seed + repeat)
        for fold, (_, test_rows) in enumerate(
            splitter.split(np.zeros(strata.size), strata, exchange_group[rated])
        ):
            test_groups = np.unique(exchange_group[rated][test_rows])
            is_test = np.isin(groups, test_groups)
            out.append((repeat, fold, np.flatnonzero(~is_test), np.flatnonzero(is_test)))
    return out


def _scores(y: np.ndarray, high: np.ndarray) -> dict[str, float]:
    predicted = (high > 0.5).astype(int)
    return {
        "accuracy": float(accuracy_score(y, predicted)),
        "f1_weighted": float(f1_score(y, predicted, average="weighted", zero_division=0)),
        "f1_macro": float(f1_score(y, predicted, average="macro", zero_division=0)),
    }


def _fit_fold(job: dict) -> list[dict]:
    """Fit every method of one (target, feature set, fold) and score its test exchanges."""
    X, y, train, test = job["X"], job["y"], job["train"], job["test"]
    X_train, X_test = X[train], X[test]
    labels = X_test.exchange_labels
    position = np.concatenate([np.arange(n) for n in X_test.lengths])
    rated = ~np.isnan(labels)
    truth = (labels > job["threshold"]).astype(int)
    start = max(job["calibration_labels"])
    views = {SCORED_ALL: rated, f"from {start + 1}": rated & (position >= start)}
    rows = []

    def score(method: str, n_labels: int, high: np.ndarray, view_names: Sequence[str]) -> None:
        for view in view_names:
            mask = views[view]
            if not mask.any():
                continue
            for metric, value in _scores(truth[mask], high[mask]).items():
                rows.append(
                    {"method": method, "n_labels": n_labels, "scored": view, "metric": metric,
                     "score": value, "n_exchanges": int(mask.sum())}
                )  # fmt: skip

    with threadpool_limits(1):
        for method in job["methods"]:
            start_time = time.perf_counter()
            estimator = _build(method, job["feature_set"], job["seed"], job["tiny"])
            fitted = estimator.fit(X_train, y[train])
            fit_time = time.perf_counter() - start_time
            if method in CALIBRATED:
                for k in job["calibration_labels"]:
                    high = fitted.set_params(n_labels=k).transform(X_test).values[:, 1]
                    name = CALIBRATED[method] if k == 0 else method
                    # k = 0 is the uncalibrated model itself: its rows on every exchange are
                    # the board's, and on the later exchanges the personalisation's reference.
                    score(name, k, high, list(views) if k == 0 else [f"from {start + 1}"])
            else:
                high = fitted.transform(X_test).values[:, 1]
                score(method, 0, high, list(views))
            for row in rows:
                row.setdefault("fit_time", fit_time)
    for row in rows:
        row.update(
            target=job["target"], feature_set=job["feature_set"], repeat=job["repeat"],
            fold=job["fold"], n_train=len(train), n_test=len(test),
        )  # fmt: skip
    return rows


def _resolve_methods(methods: Sequence[str] | None) -> list[str]:
    names = list(EXCHANGE_METHODS) if methods is None else list(methods)
    unknown = [m for m in names if m not in EXCHANGE_METHODS]
    if unknown:
        raise ValueError(
            f"Unknown exchange method(s) {unknown}; expected some of {list(EXCHANGE_METHODS)}."
        )
    if len(set(names)) != len(names):
        raise ValueError(f"methods has duplicates: {names}.")
    return names


def _targets_of(dataset: Any, targets: Sequence[str], item: str) -> dict[str, tuple]:
    """``target -> (X, y)`` for every target some loaded corpus has."""
    out = {}
    for target in targets:
        try:
            X, y = to_xy(dataset, item=item, exchange_label=target)
        except ValueError as error:
            if len(targets) == 1:
                raise
            out[target] = error
            continue
        if X.exchange_labels is None or np.isnan(X.exchange_labels).all():
            out[target] = ValueError(f"no dialogue has {target} labels")
            continue
        out[target] = (X, y)
    return out


def _paired(fold_scores: pd.DataFrame) -> pd.DataFrame:
    """Personalised variants minus exchange-lr on the same folds and scored exchanges."""
    key = ["target", "feature_set", "scored", "metric", "repeat", "fold"]
    reference = fold_scores[(fold_scores["method"] == "exchange-lr")][[*key, "score"]]
    others = fold_scores[
        fold_scores["method"].isin(
            ["exchange-lr-causal", "exchange-lr-per-dialogue", "exchange-lr-calibrated"]
        )
    ]
    merged = others.merge(reference, on=key, suffixes=("", "_reference"))
    rows = []
    group_keys = ["target", "method", "feature_set", "n_labels", "scored", "metric"]
    for values, group in merged.groupby(group_keys, sort=False):
        if len(group) < 2:
            continue
        test = corrected_resampled_ttest(
            group["score"], group["score_reference"], group["n_train"].mean(),
            group["n_test"].mean(),
        )  # fmt: skip
        diff = group.assign(score=group["score"] - group["score_reference"])
        interval = summarize_scores(diff)
        rows.append(
            {**dict(zip(group_keys, values, strict=True)), "reference": "exchange-lr",
             "mean_difference": test.mean_difference,
             "ci_low": float(interval["ci_low"].iloc[0]),
             "ci_high": float(interval["ci_high"].iloc[0]),
             "statistic": test.statistic, "pvalue": test.pvalue}
        )  # fmt: skip
    return pd.DataFrame(rows)


def run_exchange_board(
    dataset: Any,
    *,
    targets: Sequence[str] = EXCHANGE_TARGETS,
    feature_sets: Sequence[str] = ("L+V", "ALL"),
    methods: Sequence[str] | None = None,
    lstm_feature_sets: Sequence[str] | None = ("L+V",),
    calibration_labels: Sequence[int] | None = None,
    item: str = "worthwhile",
    n_splits: int = 5,
    n_repeats: int | None = None,
    n_jobs: int | None = None,
    seed: int = 0,
    tiny: bool = False,
    progress: bool = True,
) -> ExchangeBoardResult:
    """Score exchange-level sentiment recognition on participant-grouped repeated folds.

    For every target (``SS > 4``, ``TS_mean > 4``; a target no loaded corpus has is
    left out and named in ``settings["skipped_targets"]``), every feature set and every
    method of :data:`EXCHANGE_METHODS`, each fold's model is fitted on the training
    participants' dialogues and predicts every exchange of the test participants'
    dialogues. Accuracy, weighted F1 and macro F1 are computed over each fold's rated
    test exchanges pooled, and summarised with the 95% Nadeau-Bengio corrected interval
    (:func:`~hazumi_sk.evaluation.summarize_scores`). The splits
    (:func:`exchange_splits`, stratified on ``SS``, or the first target) are shared by
    every target, method and feature set.

    Personalisation: the calibrated methods take the first ``k`` labels of each test
    dialogue (``k`` in ``calibration_labels``); they, ``k = 0`` and every other method
    are also scored on the exchanges after the largest ``k`` only (``scored ==
    "from <k+1>"``), the same exchanges for every ``k``.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        From :func:`~hazumi_sk.datasets.load_hazumi` (e.g. with transcript L from
        :func:`~hazumi_sk.features.replace_linguistic`) or
        :func:`~hazumi_sk.datasets.make_synthetic_hazumi`.
    targets : sequence of str, default=("SS", "TS_mean")
        Exchange labels to recognise (high: > 4).
    feature_sets : sequence of str, default=("L+V", "ALL")
        Modality subsets; each is a row of every feature-based method.
    methods : sequence of str, optional
        Names in :data:`EXCHANGE_METHODS` (default: all).
    lstm_feature_sets : sequence of str or None, default=("L+V",)
        Feature sets on which ``lstm-exchange-head`` runs (its fits dominate the
        cost); None: every feature set.
    calibration_labels : sequence of int, optional
        The ``k`` of the calibrated methods (default ``(0, 3, 5, 10)``; tiny ``(0, 1, 3)``).
    item : str, default="worthwhile"
        The dialogue item: it selects the dialogues (those rated on it, as ``to_xy``)
        and is the LSTM's dialogue label.
    n_splits : int, default=5
        Folds per repeat (tiny: 2).
    n_repeats : int, optional
        Repeats (default 5; tiny 1).
    n_jobs : int, optional
        Folds fitted in parallel (joblib).
    seed : int, default=0
        Seed of the splits and the models.
    tiny : bool, default=False
        Seconds-long settings for tests (2 folds, 1 repeat, a 4-unit LSTM for 2 epochs).
    progress : bool, default=True
        Show a tqdm bar.

    Returns
    -------
    result : ExchangeBoardResult

    Examples
    --------
    >>> from hazumi_sk.reproduction import demo_dataset
    >>> from hazumi_sk.leaderboard import run_exchange_board
    >>> result = run_exchange_board(demo_dataset(tiny=True), methods=["majority"],
    ...                             feature_sets=["L+V"], tiny=True, progress=False)
    >>> sorted(result.board["metric"].unique())
    ['accuracy', 'f1_macro', 'f1_weighted']
    """
    started = time.perf_counter()
    names = _resolve_methods(methods)
    if not targets:
        raise ValueError("targets is empty; pass e.g. ('SS', 'TS_mean').")
    ks = tuple(
        calibration_labels or (TINY_CALIBRATION_LABELS if tiny else DEFAULT_CALIBRATION_LABELS)
    )
    if any((not isinstance(k, int | np.integer)) or k < 0 for k in ks) or 0 not in ks:
        raise ValueError(
            f"calibration_labels must be non-negative integers including 0, got {list(ks)}."
        )
    n_splits = 2 if tiny else n_splits
    n_repeats = n_repeats or (1 if tiny else 5)
    lstm_sets = list(feature_sets if lstm_feature_sets is None else lstm_feature_sets)
    data = _targets_of(dataset, targets, item)
    usable = {t: v for t, v in data.items() if not isinstance(v, Exception)}
    if not usable:
        raise ValueError(f"No target could be scored: {[str(e) for e in data.values()]}.")
    first = next(iter(usable.values()))[0]
    splits = exchange_splits(first, n_splits, n_repeats, seed)
    jobs = []
    for target, (X, y) in usable.items():
        if not np.array_equal(X.dialogue_ids, first.dialogue_ids):
            raise ValueError(f"target {target!r} selects other dialogues than the first target.")
        for fs in feature_sets:
            fs_methods = [m for m in names if m != "lstm-exchange-head" or fs in lstm_sets]
            # A calibrated method's k = 0 is its base model: fitted once, named by the base.
            covered = {CALIBRATED[m] for m in fs_methods if m in CALIBRATED}
            fs_methods = [m for m in fs_methods if m not in covered]
            for repeat, fold, train, test in splits:
                jobs.append(
                    {"X": X, "y": y, "train": train, "test": test, "target": target,
                     "feature_set": fs, "methods": fs_methods, "repeat": repeat, "fold": fold,
                     "seed": seed, "tiny": tiny, "threshold": 4.0, "calibration_labels": ks}
                )  # fmt: skip
    bar = tqdm(total=len(jobs), desc="exchange board", disable=not progress)
    rows: list[dict] = []
    for result in Parallel(n_jobs=n_jobs, return_as="generator")(
        delayed(_fit_fold)(job) for job in jobs
    ):
        rows += result
        bar.update(1)
    bar.close()
    fold_scores = pd.DataFrame(rows)
    keys = ["target", "method", "feature_set", "n_labels", "scored", "metric"]
    board = summarize_scores(fold_scores, by=keys)
    majority = board[board["method"] == "majority"][
        ["target", "scored", "metric", "mean"]
    ].drop_duplicates(["target", "scored", "metric"])
    board = board.merge(
        majority.rename(columns={"mean": "majority"}), on=["target", "scored", "metric"], how="left"
    )
    ids = first.dialogue_ids
    participants = participant_groups(first)
    split_rows = [
        {"repeat": r, "fold": f, "participant": participants[i], "dialogue_id": ids[i],
         "side": side}
        for r, f, train, test in splits
        for side, index in (("train", train), ("test", test))
        for i in index
    ]  # fmt: skip
    settings = {
        "targets": list(usable),
        "skipped_targets": {t: str(e) for t, e in data.items() if isinstance(e, Exception)},
        "feature_sets": list(feature_sets),
        "lstm_feature_sets": lstm_sets,
        "methods": names,
        "calibration_labels": list(ks),
        "item": item,
        "n_splits": n_splits,
        "n_repeats": n_repeats,
        "n_dialogues": int(first.n_dialogues),
        "seed": seed,
        "tiny": tiny,
        "wall_seconds": time.perf_counter() - started,
    }
    return ExchangeBoardResult(
        board=board,
        paired=_paired(fold_scores),
        fold_scores=fold_scores,
        splits=pd.DataFrame(split_rows),
        settings=settings,
    )
