"""Training across corpora: pooled folds scored per corpus, and leave-one-corpus-out.

The Hazumi corpora differ in how they were recorded (1902, 1911 in person; 2010,
2012 online), so pooling them may help or hurt. The question this module answers
is paired: on the *same* test folds of some corpora, does adding the other corpora
to every training set change the score? :func:`pooled_corpus_splits` builds the
folds over the test corpora only and then adds the other corpora's dialogues to
the training side, so the "alone" and "pooled" arms differ only in their training
sets.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.model_selection import StratifiedGroupKFold
from sklearn.pipeline import Pipeline
from sklearn.utils.validation import check_is_fitted

from ..sequences import RaggedSequences
from ..utils import VersionedStateMixin, check_feature_names, check_ragged
from ._cells import Cell, check_y, run_cells
from ._cv import summarize_scores
from ._stats import corrected_resampled_ttest

__all__ = [
    "CorpusScaler",
    "compare_protocols",
    "cross_corpus_scores",
    "dialogue_corpora",
    "leave_one_corpus_out",
    "participant_groups",
    "pooled_corpus_splits",
]

PROTOCOLS = ("pooled", "alone", "loco")
SCORE_COLUMNS = [
    "protocol",
    "train_corpora",
    "repeat",
    "fold",
    "corpus",
    "score",
    "n_train",
    "n_test",
    "fit_time",
    "cached",
]


# --------------------------------------------------------------------- inputs
def dialogue_corpora(dataset: Any, X: RaggedSequences) -> np.ndarray:
    """The corpus version (``dataset.sessions["version"]``) of each dialogue of ``X``.

    Parameters
    ----------
    dataset : sklearn.utils.Bunch
        The Bunch of :func:`~hazumi_sk.datasets.load_hazumi` (its ``sessions`` table).
    X : RaggedSequences
        Dialogues, e.g. from :func:`~hazumi_sk.datasets.to_xy`.

    Returns
    -------
    corpus : ndarray of str of shape (n_dialogues,)

    Examples
    --------
    >>> import pandas as pd, numpy as np
    >>> from sklearn.utils import Bunch
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.evaluation import dialogue_corpora
    >>> data = Bunch(sessions=pd.DataFrame({"version": ["1902", "2012"]},
    ...                                    index=["1902F2001", "2012M3001"]))
    >>> X = RaggedSequences.from_arrays([np.ones((2, 1))] * 2,
    ...                                 dialogue_ids=["2012M3001", "1902F2001"])
    >>> dialogue_corpora(data, X).tolist()
    ['2012', '1902']
    """
    sessions = dataset.get("sessions") if isinstance(dataset, Mapping) else None
    if not isinstance(sessions, pd.DataFrame) or "version" not in sessions.columns:
        raise ValueError("dataset must have a sessions table with a 'version' column.")
    versions = sessions["version"].astype(str)
    versions.index = versions.index.astype(str)
    found = versions.reindex(X.dialogue_ids)
    if found.isna().any():
        missing = X.dialogue_ids[found.isna().to_numpy()][:5].tolist()
        raise ValueError(f"X has dialogues absent from dataset.sessions: {missing}.")
    return found.to_numpy(dtype=str)


def participant_groups(X: RaggedSequences) -> np.ndarray:
    """The participant key of each dialogue: its dialogue id.

    Hazumi ids are ``YYMM G AA NN`` (corpus version, sex, age decade, serial);
    within a version each participant has exactly one session, so a dialogue is
    a participant. No corpus gives a key linking participants *across* versions
    (the serial restarts in each), so cross-version identity cannot be checked;
    the corpora were recorded in separate recruitments (2019-02, 2019-11,
    2020-12) and are treated as disjoint. Pass another ``groups`` array to the
    split functions if you know better: they never split a group.

    Parameters
    ----------
    X : RaggedSequences
        Dialogues.

    Returns
    -------
    groups : ndarray of str of shape (n_dialogues,)

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.evaluation import participant_groups
    >>> X = RaggedSequences.from_arrays([np.ones((2, 1))] * 2,
    ...                                 dialogue_ids=["1902F2001", "1911F2001"])
    >>> participant_groups(X).tolist()
    ['1902F2001', '1911F2001']
    """
    ids = np.asarray(X.dialogue_ids, dtype=str)
    if len(np.unique(ids)) != len(ids):
        raise ValueError("X.dialogue_ids are not unique; pass explicit groups instead.")
    return ids.copy()


def _check_arrays(y: Any, corpus: Any, groups: Any) -> tuple[np.ndarray, ...]:
    y = np.asarray(y)
    corpus = np.asarray(corpus).astype(str)
    groups = np.arange(len(y)) if groups is None else np.asarray(groups)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}.")
    if len(corpus) != len(y) or len(groups) != len(y):
        raise ValueError(
            f"y, corpus and groups must have the same length; got {len(y)}, "
            f"{len(corpus)} and {len(groups)}."
        )
    return y, corpus, groups


def _check_corpora(selected: Any, corpus: np.ndarray, name: str) -> list[str]:
    """``selected`` as a sorted list of known corpora (all of them when None)."""
    known = sorted(set(corpus.tolist()))
    if selected is None:
        return known
    chosen = [selected] if isinstance(selected, str) else [str(c) for c in selected]
    unknown = sorted(set(chosen) - set(known))
    if unknown or not chosen:
        raise ValueError(f"{name} has unknown corpora {unknown}; corpus holds {known}.")
    return sorted(set(chosen))


def _check_counts(n_splits: Any, n_repeats: Any) -> None:
    for name, value, low in (("n_splits", n_splits, 2), ("n_repeats", n_repeats, 1)):
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < low:
            raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")


def _drop_test_groups(train: np.ndarray, test: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Training rows whose group has no member in the test set (a group is never split)."""
    return np.sort(train[~np.isin(groups[train], groups[test])])


# --------------------------------------------------------------------- splits
def pooled_corpus_splits(
    y: Any,
    corpus: Any,
    groups: Any = None,
    *,
    n_splits: int = 5,
    n_repeats: int = 1,
    random_state: int = 0,
    test_corpora: str | Iterable[str] | None = None,
    train_corpora: str | Iterable[str] | None = None,
) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    """Group K-fold on the test corpora (label x corpus strata), other corpora added to training.

    The folds are built by :class:`~sklearn.model_selection.StratifiedGroupKFold`
    on the dialogues of ``test_corpora`` only, with the stratum ``corpus + label``;
    every dialogue of the other ``train_corpora`` then joins every training set.
    The test folds therefore depend only on ``(y, corpus, groups)`` of the test
    corpora, ``random_state`` and the repeat, never on ``train_corpora``: the
    "alone" (``train_corpora=test_corpora``) and "pooled" (default) arms are
    scored on identical test sets and their fold scores are paired.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        Class labels.
    corpus : array-like of str of shape (n_samples,)
        Corpus of each sample (e.g. :func:`dialogue_corpora`).
    groups : array-like of shape (n_samples,), default=None
        Participant of each sample (e.g. :func:`participant_groups`); a group is
        never split, and training rows sharing a group with the test fold are
        dropped. None: every sample is its own group.
    n_splits : int, default=5
        Folds per repeat.
    n_repeats : int, default=1
        Reshuffles; repeat ``r`` uses seed ``random_state + r``.
    random_state : int, default=0
        Base seed.
    test_corpora : str or list of str, default=None
        Corpora whose samples are tested (all corpora when None).
    train_corpora : str or list of str, default=None
        Corpora whose samples may train (all corpora when None); must include
        ``test_corpora``.

    Returns
    -------
    splits : list of (repeat, fold, train, test)
        Sorted integer index arrays.

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.evaluation import pooled_corpus_splits
    >>> y = np.array([0, 1] * 10)
    >>> corpus = np.array(["a"] * 10 + ["b"] * 10)
    >>> pooled = pooled_corpus_splits(y, corpus, n_splits=5, test_corpora="a")
    >>> alone = pooled_corpus_splits(y, corpus, n_splits=5, test_corpora="a", train_corpora="a")
    >>> [len(s[2]) for s in pooled], [len(s[2]) for s in alone]
    ([18, 18, 18, 18, 18], [8, 8, 8, 8, 8])
    >>> all((p[3] == a[3]).all() for p, a in zip(pooled, alone))
    True
    """
    y, corpus, groups = _check_arrays(y, corpus, groups)
    _check_counts(n_splits, n_repeats)
    tested = _check_corpora(test_corpora, corpus, "test_corpora")
    trained = _check_corpora(train_corpora, corpus, "train_corpora")
    if not set(tested) <= set(trained):
        raise ValueError(
            f"train_corpora {trained} must include every test corpus (test_corpora {tested})."
        )
    pool = np.flatnonzero(np.isin(corpus, tested))
    extra = np.flatnonzero(np.isin(corpus, trained) & ~np.isin(corpus, tested))
    strata = np.char.add(np.char.add(corpus[pool], "|"), y[pool].astype(str))
    out = []
    for repeat in range(n_repeats):
        splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=random_state + repeat)
        folds = splitter.split(np.zeros(len(pool)), strata, groups[pool])
        for fold, (inner_train, inner_test) in enumerate(folds):
            test = np.sort(pool[inner_test])
            train = _drop_test_groups(np.r_[pool[inner_train], extra], test, groups)
            out.append((repeat, fold, train, test))
    return out


def leave_one_corpus_out(
    corpus: Any,
    groups: Any = None,
    *,
    test_corpora: str | Iterable[str] | None = None,
) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """Train on all corpora but one, test on that one, for each (test) corpus.

    Parameters
    ----------
    corpus : array-like of str of shape (n_samples,)
        Corpus of each sample.
    groups : array-like of shape (n_samples,), default=None
        Participants; training rows sharing a group with the held-out corpus are dropped.
    test_corpora : str or list of str, default=None
        The corpora to hold out in turn (all when None).

    Returns
    -------
    splits : list of (held_out, train, test)
        One per held-out corpus, sorted by name.

    Examples
    --------
    >>> from hazumi_sk.evaluation import leave_one_corpus_out
    >>> [(c, tr.tolist(), te.tolist()) for c, tr, te in leave_one_corpus_out(["a", "b", "a"])]
    [('a', [1], [0, 2]), ('b', [0, 2], [1])]
    """
    corpus = np.asarray(corpus).astype(str)
    _, corpus, groups = _check_arrays(np.zeros(len(corpus)), corpus, groups)
    known = _check_corpora(None, corpus, "corpus")
    if len(known) < 2:
        raise ValueError(f"leave_one_corpus_out needs at least 2 corpora, got {known}.")
    out = []
    for held_out in _check_corpora(test_corpora, corpus, "test_corpora"):
        test = np.flatnonzero(corpus == held_out)
        train = _drop_test_groups(np.flatnonzero(corpus != held_out), test, groups)
        out.append((held_out, train, test))
    return out


# -------------------------------------------------------------------- scaling
def _hazumi_prefix(dialogue_id: str) -> str:
    return str(dialogue_id)[:4]


class CorpusScaler(VersionedStateMixin, TransformerMixin, BaseEstimator):
    """Standardise each feature within each corpus, with statistics of the training dialogues.

    Online (2010, 2012) and in-person (1902, 1911) recordings differ in level and
    spread of many features (microphone, camera, video-call compression), so a
    global scaler leaves a corpus offset that a model may learn as signal. This
    step removes it: ``fit`` stores each corpus' per-column mean and standard
    deviation over all exchanges of its *training* dialogues; ``transform``
    standardises every dialogue with the statistics of its corpus.

    Parameters
    ----------
    corpus_of : mapping of str to str, default=None
        Dialogue id -> corpus. None: the first four characters of the id (the
        Hazumi version ``YYMM``).
    unseen : {"error", "own"}, default="error"
        A corpus absent from ``fit`` at ``transform`` time (leave-one-corpus-out):
        ``"error"`` raises; ``"own"`` standardises it with its own statistics over
        the dialogues passed to ``transform`` (unsupervised: features only, no
        labels, but transductive: it needs the whole held-out corpus at once).

    Attributes
    ----------
    means_, scales_ : dict of str to ndarray of shape (n_features,)
        Per-corpus statistics; constant columns get scale 1.
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    Examples
    --------
    >>> import numpy as np
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.evaluation import CorpusScaler
    >>> X = RaggedSequences.from_arrays(
    ...     [np.array([[0.0], [2.0]]), np.array([[10.0], [14.0]])], dialogue_ids=["a1", "b1"])
    >>> scaler = CorpusScaler(corpus_of={"a1": "a", "b1": "b"}).fit(X)
    >>> scaler.transform(X).values.ravel().tolist()
    [-1.0, 1.0, -1.0, 1.0]
    """

    def __init__(self, corpus_of: Mapping[str, str] | None = None, unseen: str = "error") -> None:
        self.corpus_of = corpus_of
        self.unseen = unseen

    def _corpora(self, X: RaggedSequences) -> np.ndarray:
        if self.corpus_of is None:
            return np.array([_hazumi_prefix(i) for i in X.dialogue_ids], dtype=str)
        if not isinstance(self.corpus_of, Mapping):
            raise ValueError(
                f"corpus_of must be a mapping of dialogue id to corpus or None, "
                f"got {type(self.corpus_of).__name__}."
            )
        missing = [i for i in X.dialogue_ids if i not in self.corpus_of]
        if missing:
            raise ValueError(f"corpus_of has no corpus for dialogue(s) {missing[:5]}.")
        return np.array([str(self.corpus_of[i]) for i in X.dialogue_ids], dtype=str)

    @staticmethod
    def _rows(X: RaggedSequences, corpora: np.ndarray, name: str) -> np.ndarray:
        return np.repeat(corpora == name, X.lengths)

    @staticmethod
    def _stats(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        with np.errstate(all="ignore"):
            mean = np.nan_to_num(np.nanmean(values, axis=0))
            scale = np.nan_to_num(np.nanstd(values, axis=0))
        # Constant columns (a corpus may lack a signal) map to 0, not NaN.
        return mean, np.where(scale > 1e-12 * np.maximum(np.abs(mean), 1.0), scale, 1.0)

    def fit(self, X: RaggedSequences, y: Any = None) -> CorpusScaler:
        """Per-corpus mean and scale over the exchanges of the training dialogues."""
        if self.unseen not in ("error", "own"):
            raise ValueError(f"unseen must be 'error' or 'own', got {self.unseen!r}.")
        X = check_ragged(X, type(self).__name__)
        corpora = self._corpora(X)
        self.means_, self.scales_ = {}, {}
        for name in np.unique(corpora):
            rows = self._rows(X, corpora, name)
            self.means_[name], self.scales_[name] = self._stats(X.values[rows])
        self.n_features_in_ = X.n_features
        self.feature_names_in_ = X.feature_names.copy()
        return self

    def transform(self, X: RaggedSequences) -> RaggedSequences:
        """Standardise each dialogue with its corpus' training statistics."""
        check_is_fitted(self)
        X = check_ragged(X, type(self).__name__)
        check_feature_names(self, X)
        corpora = self._corpora(X)
        unseen = sorted(set(corpora.tolist()) - set(self.means_))
        if unseen and self.unseen == "error":
            raise ValueError(
                f"CorpusScaler was not fitted on corpora {unseen}; pass unseen='own' to "
                "standardise them with their own (unlabelled) statistics."
            )
        values = np.array(X.values, dtype=np.float64, copy=True)
        for name in np.unique(corpora):
            rows = self._rows(X, corpora, name)
            if name in self.means_:
                mean, scale = self.means_[name], self.scales_[name]
            else:
                mean, scale = self._stats(X.values[rows])
            values[rows] = (values[rows] - mean) / scale
        return X.replace(values=values)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """The input column names (scaling keeps every column)."""
        check_is_fitted(self)
        return self.feature_names_in_.copy()


# -------------------------------------------------------------------- scoring
def _plan(
    protocol: str,
    y: np.ndarray,
    corpus: np.ndarray,
    groups: np.ndarray,
    test_corpora: Any,
    n_splits: int,
    n_repeats: int,
    random_state: int,
) -> list[tuple[int, int, np.ndarray, np.ndarray]]:
    if protocol == "loco":
        splits = leave_one_corpus_out(corpus, groups, test_corpora=test_corpora)
        return [(0, fold, train, test) for fold, (_, train, test) in enumerate(splits)]
    if protocol == "alone" and test_corpora is None:
        raise ValueError(
            "protocol='alone' needs test_corpora (the corpora that train and test alone)."
        )
    return pooled_corpus_splits(
        y,
        corpus,
        groups,
        n_splits=n_splits,
        n_repeats=n_repeats,
        random_state=random_state,
        test_corpora=test_corpora,
        train_corpora=test_corpora if protocol == "alone" else None,
    )


def _with_scaling(estimator: Any, X: Any, corpus: np.ndarray, protocol: str) -> Any:
    X = check_ragged(X, "cross_corpus_scores(per_corpus_scaling=True)")
    corpus_of = dict(zip(X.dialogue_ids.tolist(), corpus.tolist(), strict=True))
    if len(corpus_of) != len(X):
        raise ValueError("per_corpus_scaling needs unique X.dialogue_ids.")
    # Only LOCO tests a corpus that training never saw; elsewhere an unseen corpus is a bug.
    unseen = "own" if protocol == "loco" else "error"
    scaler = CorpusScaler(corpus_of=corpus_of, unseen=unseen)
    return Pipeline([("corpus_scale", scaler), ("model", clone(estimator))])


def cross_corpus_scores(
    estimator: Any,
    X: Any,
    y: Any,
    corpus: Any,
    groups: Any = None,
    *,
    protocol: str = "pooled",
    test_corpora: str | Iterable[str] | None = None,
    per_corpus_scaling: bool = False,
    score_by_corpus: bool = True,
    n_splits: int = 5,
    n_repeats: int = 1,
    scoring: Any = "f1_weighted",
    random_state: int = 0,
    n_jobs: int | None = None,
    cache_dir: Any = None,
    progress: bool | str = True,
) -> pd.DataFrame:
    """Fold scores of one estimator under a cross-corpus protocol, one row per test corpus.

    Parameters
    ----------
    estimator : estimator object
        Unfitted; cloned for every cell.
    X : RaggedSequences or array-like
        Samples (a RaggedSequences with unique ``dialogue_ids`` when
        ``per_corpus_scaling``).
    y : array-like of shape (n_samples,)
        Class labels.
    corpus : array-like of str of shape (n_samples,)
        Corpus of each sample (:func:`dialogue_corpora`).
    groups : array-like of shape (n_samples,), default=None
        Participants (:func:`participant_groups`); None: one group per sample.
    protocol : {"pooled", "alone", "loco"}, default="pooled"
        ``"pooled"``: folds over ``test_corpora``, every other corpus added to
        each training set; ``"alone"``: the same test folds, training on
        ``test_corpora`` only (requires ``test_corpora``); ``"loco"``: train on
        all corpora but one, test on it (one fold per held-out corpus).
    test_corpora : str or list of str, default=None
        Corpora tested (all when None).
    per_corpus_scaling : bool, default=False
        Prepend a :class:`CorpusScaler` fitted on each training set. Under
        ``"loco"`` the held-out corpus is standardised with its own unlabelled
        statistics (``unseen="own"``), as it has no training dialogues.
    score_by_corpus : bool, default=True
        Score each test corpus of a fold separately (one cell each: the fit is
        repeated, deterministically for seeded estimators) or once on the whole
        fold (``corpus`` then joins the names with ``+``).
    n_splits, n_repeats, random_state : int
        As in :func:`pooled_corpus_splits` (ignored by ``"loco"``).
    scoring : str or callable, default="f1_weighted"
        Scorer.
    n_jobs : int, optional
        Cells in parallel (joblib).
    cache_dir : path-like, optional
        Resumable cache of finished cells (:func:`run_cells`).
    progress : bool or str, default=True
        tqdm bar (a string labels it).

    Returns
    -------
    scores : pandas.DataFrame
        ``protocol, train_corpora, repeat, fold, corpus, score, n_train, n_test,
        fit_time, cached``; :func:`summarize_scores` accepts it (``by="corpus"``).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from hazumi_sk.evaluation import cross_corpus_scores
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(40, 3)); y = np.tile([0, 1], 20); X[:, 0] += y
    >>> corpus = np.array(["a"] * 20 + ["b"] * 20)
    >>> scores = cross_corpus_scores(LogisticRegression(), X, y, corpus, protocol="loco",
    ...                              progress=False)
    >>> scores[["corpus", "train_corpora", "n_train", "n_test"]].values.tolist()
    [['a', 'b', 20, 20], ['b', 'a', 20, 20]]
    """
    if protocol not in PROTOCOLS:
        raise ValueError(f"protocol must be one of {PROTOCOLS}, got {protocol!r}.")
    y = check_y(y, len(X))
    y, corpus, groups = _check_arrays(y, corpus, groups)
    splits = _plan(protocol, y, corpus, groups, test_corpora, n_splits, n_repeats, random_state)
    model = _with_scaling(estimator, X, corpus, protocol) if per_corpus_scaling else estimator
    cells, meta = [], []
    for repeat, fold, train, test in splits:
        names = sorted(set(corpus[test].tolist()))
        parts = (
            [(c, test[corpus[test] == c]) for c in names]
            if score_by_corpus
            else [("+".join(names), test)]
        )
        trained = "+".join(sorted(set(corpus[train].tolist())))
        for name, part in parts:
            cells.append(Cell(model, train, part))
            meta.append((repeat, fold, name, trained, len(train), len(part)))
    records = run_cells(
        cells, X, y, scoring=scoring, n_jobs=n_jobs, cache_dir=cache_dir, progress=progress
    )
    rows = [
        {
            "protocol": protocol,
            "train_corpora": trained,
            "repeat": repeat,
            "fold": fold,
            "corpus": name,
            "score": rec["score"],
            "n_train": n_train,
            "n_test": n_test,
            "fit_time": rec["fit_time"],
            "cached": rec["cached"],
        }
        for (repeat, fold, name, trained, n_train, n_test), rec in zip(meta, records, strict=True)
    ]
    return pd.DataFrame(rows, columns=SCORE_COLUMNS)


def compare_protocols(
    scores_a: pd.DataFrame,
    scores_b: pd.DataFrame,
    *,
    by: str = "corpus",
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Paired difference ``a - b`` of two :func:`cross_corpus_scores` tables on the same folds.

    Rows are paired on ``(repeat, fold, by)``; the test sets must have the same
    sizes (they are the same dialogues when both come from
    :func:`pooled_corpus_splits` with the same ``test_corpora`` and seed). The
    interval and test are the Nadeau-Bengio corrected ones
    (:func:`summarize_scores`, :func:`corrected_resampled_ttest`) with the
    *smaller* arm's mean training size, which widens the correction: conservative.

    Parameters
    ----------
    scores_a, scores_b : pandas.DataFrame
        Fold scores (``repeat, fold, score, n_train, n_test`` and ``by``).
    by : str, default="corpus"
        Column identifying the scored unit within a fold.
    confidence : float, default=0.95
        Coverage of the interval.

    Returns
    -------
    comparison : pandas.DataFrame
        ``by, mean_a, mean_b, mean_difference, ci_low, ci_high, statistic,
        pvalue, n_pairs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from hazumi_sk.evaluation import compare_protocols
    >>> a = pd.DataFrame({"repeat": 0, "fold": [0, 1, 2], "corpus": "x",
    ...                   "score": [0.8, 0.7, 0.9], "n_train": 40, "n_test": 20})
    >>> b = a.assign(score=[0.6, 0.7, 0.7], n_train=20)
    >>> row = compare_protocols(a, b).iloc[0]
    >>> round(float(row["mean_difference"]), 3), round(float(row["statistic"]), 3)
    (0.133, 1.0)
    """
    keys = ["repeat", "fold", by]
    for name, frame in (("scores_a", scores_a), ("scores_b", scores_b)):
        missing = sorted({*keys, "score", "n_train", "n_test"} - set(frame.columns))
        if missing:
            raise ValueError(f"{name} lacks columns {missing}.")
    merged = scores_a.merge(scores_b, on=keys, how="outer", suffixes=("_a", "_b"), indicator=True)
    if (merged["_merge"] != "both").any():
        raise ValueError("scores_a and scores_b are not on the same (repeat, fold, corpus) rows.")
    if (merged["n_test_a"] != merged["n_test_b"]).any():
        raise ValueError("scores_a and scores_b have different test sets (n_test differs).")
    rows = []
    for unit, group in merged.groupby(by, sort=True):
        n_train = float(min(group["n_train_a"].mean(), group["n_train_b"].mean()))
        diff = pd.DataFrame(
            {
                "repeat": group["repeat"],
                "score": group["score_a"] - group["score_b"],
                "n_train": n_train,
                "n_test": group["n_test_a"],
            }
        )
        interval = summarize_scores(diff, confidence=confidence).iloc[0]
        test = corrected_resampled_ttest(
            group["score_a"], group["score_b"], n_train=n_train, n_test=group["n_test_a"].mean()
        )
        rows.append(
            {
                by: unit,
                "mean_a": float(group["score_a"].mean()),
                "mean_b": float(group["score_b"].mean()),
                "mean_difference": test.mean_difference,
                "ci_low": float(interval["ci_low"]),
                "ci_high": float(interval["ci_high"]),
                "statistic": test.statistic,
                "pvalue": test.pvalue,
                "n_pairs": len(group),
            }
        )
    return pd.DataFrame(rows)
