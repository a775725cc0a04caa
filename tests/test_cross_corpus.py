"""Training across corpora in the leaderboard: run_cross_corpus, its report section and CLI."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.metrics import f1_score
from sklearn.utils import Bunch

from hazumi_sk.cli._leaderboard import add_leaderboard_parser, cmd_leaderboard
from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.evaluation import (
    compare_protocols,
    dialogue_corpora,
    participant_groups,
    pooled_corpus_splits,
)
from hazumi_sk.leaderboard import (
    CROSS_CORPUS_COLUMNS,
    LeaderboardMethod,
    check_cross_corpus_features,
    run_cross_corpus,
    synthetic_corpora,
)

TESTED = ["1902", "1911"]
KEYS = ["item", "method", "feature_set", "per_corpus_scaling", "corpus"]


@pytest.fixture(scope="module")
def corpora():
    return synthetic_corpora(tiny=True)


@pytest.fixture(scope="module")
def run(corpora):
    """majority + pooled-lr, both scalings, 2 repeats of the tiny folds."""
    return run_cross_corpus(
        corpora, methods=["majority", "pooled-lr"], n_repeats=2, tiny=True, progress=False,
        return_fold_scores=True,
    )  # fmt: skip


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hazumi-sk")
    add_leaderboard_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["leaderboard", *argv])


# ------------------------------------------------------------ the synthetic corpora
def test_synthetic_corpora_look_like_a_harmonised_load():
    data = synthetic_corpora(tiny=True, random_state=3)
    base = make_synthetic_hazumi(
        48, n_exchanges=(10, 14), feature_dims={"A": 4, "L": 6, "B": 3, "V": 4}, random_state=3
    )
    assert data.sessions["version"].tolist() == ["1902"] * 16 + ["1911"] * 16 + ["2012"] * 16
    assert data.features.modality_set == ["A", "L", "V"]
    assert "B" not in set(data.feature_columns["modality"])
    # The 2012 block is recorded "online": 2 x value + 3, the rest unchanged.
    X, raw = data.features, base.features.select_modalities(["A", "L", "V"])
    online = np.repeat(dialogue_corpora(data, X) == "2012", X.lengths)
    np.testing.assert_allclose(X.values[online], 2 * raw.values[online] + 3)
    np.testing.assert_allclose(X.values[~online], raw.values[~online])
    # No self-sentiment in 2012: to_xy needs SS_or_TS, which uses TS there and SS elsewhere.
    with pytest.raises(ValueError, match="2012 has no"):
        to_xy(data, "worthwhile")
    Xs, _ = to_xy(data, "worthwhile", exchange_label="SS_or_TS")
    labels = np.repeat(dialogue_corpora(data, Xs), Xs.lengths)
    rated = ~np.isnan(Xs.exchange_labels)
    assert rated[labels == "2012"].any() and rated[labels != "2012"].any()


# --------------------------------------------------------------------- the table
def test_table_has_a_row_per_method_scaling_protocol_and_test_corpus(corpora, run):
    table, scores = run
    assert list(table.columns) == CROSS_CORPUS_COLUMNS
    expected_units = {
        "alone": ["1902+1911", "1902", "1911"],
        "pooled": ["1902+1911", "1902", "1911"],
        "loco": ["1902", "1911", "2012"],
    }
    trained = {"alone": {"1902+1911"}, "pooled": {"1902+1911+2012"}}
    configs = {
        ("majority", "-", False),
        ("pooled-lr", "A+L+V", False),
        ("pooled-lr", "A+L+V", True),
    }
    got = set(zip(table["method"], table["feature_set"], table["per_corpus_scaling"], strict=True))
    assert got == configs  # the majority ignores the features: unscaled only
    for _, group in table.groupby(["method", "per_corpus_scaling"]):
        assert group["protocol"].tolist() == ["alone"] * 3 + ["pooled"] * 3 + ["loco"] * 3
        for protocol, units in expected_units.items():
            rows = group[group["protocol"] == protocol]
            assert rows["corpus"].tolist() == units
            if protocol in trained:
                assert set(rows["train_corpora"]) == trained[protocol]
                assert (rows["n_scores"] == 2 * 2).all()  # 2 repeats x 2 folds
                assert (rows["n_repeats"] == 2).all()
    loco = table[table["protocol"] == "loco"].set_index(["method", "per_corpus_scaling", "corpus"])
    data, X, _ = _xy(corpora)
    sizes = pd.Series(dialogue_corpora(data, X)).value_counts()
    for (_, _, held_out), row in loco.iterrows():
        assert row["n_test"] == sizes[held_out] and row["n_train"] == sizes.sum() - sizes[held_out]
        assert row["train_corpora"] == "+".join(c for c in sorted(sizes.index) if c != held_out)
        assert row["n_scores"] == 1 and np.isnan(row["ci_low"])
    assert table.attrs["settings"]["pooled_corpora"] == ["2012"]
    assert len(scores) == int(table["n_scores"].sum())


def _xy(data):
    X, y = to_xy(data, "worthwhile", exchange_label="SS_or_TS")
    return data, X, y


def test_pooled_minus_alone_is_the_paired_difference_of_the_same_folds(run):
    table, scores = run
    arms = table.set_index([*KEYS, "protocol"])
    pooled = table[table["protocol"] == "pooled"]
    assert len(pooled) == 9
    for row in pooled.itertuples(index=False):
        key = (row.item, row.method, row.feature_set, row.per_corpus_scaling, row.corpus)
        alone = arms.loc[(*key, "alone"), "mean"]
        assert row.pooled_minus_alone == pytest.approx(row.mean - alone, abs=1e-12)
        mine = scores[
            (scores["method"] == row.method)
            & (scores["per_corpus_scaling"] == row.per_corpus_scaling)
            & (scores["corpus"] == row.corpus)
        ]
        ref = compare_protocols(mine[mine["protocol"] == "pooled"],
                                mine[mine["protocol"] == "alone"]).iloc[0]  # fmt: skip
        assert row.pooled_minus_alone_ci_low == pytest.approx(ref["ci_low"])
        assert row.pooled_minus_alone_ci_high == pytest.approx(ref["ci_high"])
        assert row.pooled_minus_alone_pvalue == pytest.approx(ref["pvalue"])
    others = table[table["protocol"] != "pooled"]
    assert others["pooled_minus_alone"].isna().all()


def _majority_f1(y, train, test) -> float:
    counts = np.bincount(y[train], minlength=2)
    return f1_score(y[test], np.full(len(test), int(np.argmax(counts))), average="weighted")


def test_majority_is_the_training_fold_majority_on_the_documented_folds(corpora, run):
    """The folds are pooled_corpus_splits over 1902+1911 (seed 0), the same for both arms."""
    table, scores = run
    data, X, y = _xy(corpora)
    corpus, groups = dialogue_corpora(data, X), participant_groups(X)
    kw = {"n_splits": 2, "n_repeats": 2, "random_state": 0, "test_corpora": TESTED}
    folds = {
        "alone": pooled_corpus_splits(y, corpus, groups, train_corpora=TESTED, **kw),
        "pooled": pooled_corpus_splits(y, corpus, groups, **kw),
    }
    majority = scores[(scores["method"] == "majority") & (scores["corpus"] == "1902+1911")]
    for protocol, splits in folds.items():
        got = majority[majority["protocol"] == protocol].sort_values(["repeat", "fold"])
        expected = [_majority_f1(y, train, test) for _, _, train, test in splits]
        np.testing.assert_allclose(got["score"], expected)
        assert got["n_train"].tolist() == [len(train) for _, _, train, _ in splits]
    means = table[table["method"] == "majority"].set_index(["protocol", "corpus"])["mean"]
    lr = table[table["method"] == "pooled-lr"]
    for row in lr.itertuples(index=False):
        assert row.majority == pytest.approx(means[(row.protocol, row.corpus)])


class _Recorder(ClassifierMixin, BaseEstimator):
    """Predicts 1; logs (training ids, test ids) of every predict call under ``tag``."""

    log: dict = {}

    def __init__(self, tag: str = "") -> None:
        self.tag = tag

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.train_ids_ = tuple(sorted(X.dialogue_ids))
        return self

    def predict(self, X):
        self.log.setdefault(self.tag, []).append((self.train_ids_, tuple(sorted(X.dialogue_ids))))
        return np.ones(len(X), dtype=int)


def test_alone_and_pooled_are_scored_on_identical_test_dialogues(corpora):
    _Recorder.log.clear()
    method = LeaderboardMethod("recorder", "logs its folds", lambda *a: _Recorder("r"))
    run_cross_corpus(
        corpora, methods=[method], n_repeats=2, tiny=True, per_corpus_scaling=False,
        protocols=["alone", "pooled"], by_corpus=False, progress=False,
    )  # fmt: skip
    data, X, _ = _xy(corpora)
    corpus = dialogue_corpora(data, X)
    online = set(X.dialogue_ids[corpus == "2012"])
    calls = _Recorder.log["r"]
    alone = [(tr, te) for tr, te in calls if not set(tr) & online]
    pooled = [(tr, te) for tr, te in calls if set(tr) & online]
    assert len(alone) == len(pooled) == 4  # 2 repeats x 2 folds each
    assert [te for _, te in alone] == [te for _, te in pooled]
    for (train_a, test), (train_p, _) in zip(alone, pooled, strict=True):
        assert set(train_p) == set(train_a) | online  # every 2012 dialogue joins training
        assert not set(test) & online and not set(test) & set(train_p)


def test_a_grid_is_chosen_on_the_training_fold_only(corpora):
    """Inner CV calls (2 candidates x 2 folds) precede each fold's final fit and prediction."""
    _Recorder.log.clear()
    method = LeaderboardMethod(
        "searched", "a grid over the log tag", lambda *a: _Recorder("a"), grid={"tag": ("a", "b")}
    )
    run_cross_corpus(
        corpora, methods=[method], tiny=True, per_corpus_scaling=False,
        protocols=["alone", "pooled"], by_corpus=False, progress=False,
    )  # fmt: skip
    calls = [(tr, te) for tag in ("a", "b") for tr, te in _Recorder.log[tag]]
    assert len(calls) == 4 * (2 * 2 + 1)  # 2 protocols x 2 folds, each 4 inner + 1 final
    data, X, y = _xy(corpora)
    corpus, ids = dialogue_corpora(data, X), X.dialogue_ids
    kw = {"n_splits": 2, "n_repeats": 1, "random_state": 0, "test_corpora": TESTED}
    outer = pooled_corpus_splits(y, corpus, participant_groups(X), **kw)
    outer += pooled_corpus_splits(y, corpus, participant_groups(X), train_corpora=TESTED, **kw)
    for _, _, train, test in outer:
        train_ids, test_ids = tuple(sorted(ids[train])), tuple(sorted(ids[test]))
        assert calls.count((train_ids, test_ids)) == 1  # the final fit on the whole fold
        inner = [(tr, te) for tr, te in calls if set(tr) | set(te) == set(train_ids)]
        assert len(inner) == 4  # 2 candidates x 2 inner folds, inside the training fold
        assert all(not (set(tr) | set(te)) & set(test_ids) for tr, te in inner)


def test_inner_search_falls_back_to_the_first_point_when_a_class_is_too_small():
    from hazumi_sk.leaderboard._cross_corpus import _InnerSearch

    X = np.arange(12, dtype=float).reshape(-1, 1)
    y = np.array([0] + [1] * 11)
    from sklearn.linear_model import LogisticRegression

    search = _InnerSearch(LogisticRegression(), {"C": [0.5, 2.0]}, n_splits=3).fit(X, y)
    assert search.best_params_ == {"C": 0.5}
    y = np.array([0, 0, 0] + [1] * 9)
    assert _InnerSearch(LogisticRegression(), {"C": [0.5, 2.0]}).fit(X, y).predict(X).shape == (12,)


def test_a_rerun_takes_every_fit_from_the_cache(corpora, tmp_path):
    kw = {"methods": ["pooled-lr"], "tiny": True, "progress": False, "cache_dir": tmp_path,
          "per_corpus_scaling": True, "return_fold_scores": True}  # fmt: skip
    first_table, first = run_cross_corpus(corpora, **kw)
    second_table, second = run_cross_corpus(corpora, **kw)
    assert not first["cached"].any() and second["cached"].all()
    np.testing.assert_allclose(second["score"], first["score"])
    pd.testing.assert_frame_equal(first_table, second_table)


# -------------------------------------------------------------------- bad inputs
def _without_2012(corpora):
    data = Bunch(**corpora)
    data.sessions = corpora.sessions.assign(
        version=corpora.sessions["version"].replace("2012", "1911")
    )
    return data


def _union_like(corpora):
    """The V columns missing in 2012, as a columns='union' load of a corpus without a camera."""
    data = Bunch(**corpora)
    X = corpora.features
    rows = np.repeat(dialogue_corpora(corpora, X) == "2012", X.lengths)
    values = X.values.copy()
    values[np.ix_(rows, X.modalities == "V")] = np.nan
    data.features = X.replace(values=values)
    return data


@pytest.mark.parametrize(
    ("change", "kwargs", "message"),
    [
        (None, {"test_corpora": ["1902", "1999"]}, r"test_corpora \['1999'\] not in the dataset"),
        (_without_2012, {}, r"needs a corpus beyond the test corpora \['1902', '1911'\]"),
        (None, {"feature_set": "A+B"}, r"feature_set 'A\+B'.*Hazumi2012 has no B"),
        (_union_like, {"feature_set": "L+V"}, "corpus 2012 has no V features"),
        (None, {"items": ["happy"]}, "happy"),
        (None, {"items": []}, "items is empty"),
        (None, {"methods": ["svm"]}, r"Unknown method 'svm'"),
        (None, {"per_corpus_scaling": "yes"}, "per_corpus_scaling must be a bool"),
        (None, {"per_corpus_scaling": (True, True)}, "per_corpus_scaling has duplicates"),
        (None, {"protocols": ["mixed"]}, r"protocols has unknown \['mixed'\]"),
        (None, {"n_repeats": 0}, "n_repeats must be >= 1"),
    ],
)
def test_bad_inputs_name_the_parameter(corpora, change, kwargs, message):
    data = corpora if change is None else change(corpora)
    with pytest.raises(ValueError, match=message):
        run_cross_corpus(data, **{"methods": ["majority"], "tiny": True, "progress": False,
                                  **kwargs})  # fmt: skip


def test_feature_check_accepts_the_shared_modalities(corpora):
    assert check_cross_corpus_features(corpora, "A+L+V") == ["A", "L", "V"]
    assert check_cross_corpus_features(corpora, "ALL") == ["A", "L", "V"]  # no B in the data


# ----------------------------------------------------------------------- the CLI
BOARD = ["--synthetic", "--tiny", "--items", "worthwhile", "--methods", "majority", "pooled-lr",
         "--no-progress"]  # fmt: skip


@pytest.fixture(scope="module")
def cli_runs(tmp_path_factory):
    """The same tiny board without and with the section, then the section again (cached)."""
    plain, out = tmp_path_factory.mktemp("plain"), tmp_path_factory.mktemp("cross")
    assert cmd_leaderboard(_parse([*BOARD, "--out", str(plain)])) == 0
    argv = [*BOARD, "--out", str(out), "--cross-corpus", "--cross-corpus-methods", "majority",
            "pooled-lr"]  # fmt: skip
    assert cmd_leaderboard(_parse(argv)) == 0
    first = pd.read_csv(out / "cross_corpus_fold_scores.csv")
    assert cmd_leaderboard(_parse(argv)) == 0
    return plain, out, first


def test_cli_writes_the_section_and_leaves_the_tables_unchanged(cli_runs):
    plain, out, _ = cli_runs
    table = pd.read_csv(out / "cross_corpus.csv")
    assert list(table.columns) == [*CROSS_CORPUS_COLUMNS, "linguistic", "text_encoder"]
    assert set(zip(table["linguistic"], table["text_encoder"], strict=True)) == {("synthetic", "-")}
    assert set(table["method"]) == {"majority", "pooled-lr"}
    assert set(table["protocol"]) == {"alone", "pooled", "loco"}
    assert set(table["per_corpus_scaling"]) == {False, True}
    assert (out / "cross_corpus.png").stat().st_size > 0
    markdown = (out / "leaderboard.md").read_text()
    assert "## Training across corpora" in markdown
    assert "![training across corpora](cross_corpus.png)" in markdown
    assert "<h2>Training across corpora</h2>" in (out / "leaderboard.html").read_text()
    assert "Training across corpora" not in (plain / "leaderboard.md").read_text()
    assert not (plain / "cross_corpus.csv").exists()
    # The section trains on 2012 too; the leaderboard's own tables do not change.
    for name in ("leaderboard.csv", "fold_scores.csv"):
        timing = ["fit_time", "cached"]
        before = pd.read_csv(plain / name).drop(columns=timing, errors="ignore")
        after = pd.read_csv(out / name).drop(columns=timing, errors="ignore")
        pd.testing.assert_frame_equal(before, after)


def test_cli_section_resumes_from_the_fit_cache(cli_runs):
    _, out, first = cli_runs
    second = pd.read_csv(out / "cross_corpus_fold_scores.csv")
    assert not first["cached"].any() and second["cached"].all()
    np.testing.assert_allclose(second["score"], first["score"])


def _fake_root(tmp_path: Path, versions=("1902", "1911", "2012")) -> Path:
    for version in versions:
        (tmp_path / f"Hazumi{version}").mkdir(parents=True)
    return tmp_path


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--versions", "1902", "1911", "2012"], "--versions 2012: the leaderboard's tables are"),
        (["--versions", "1902", "1911", "--cross-corpus"],
         "--cross-corpus needs --data whose loaded versions include a corpus beyond"),
        (["--cross-corpus"], "--cross-corpus needs --data"),  # default versions: 1902 + 1911
        (["--versions", "2012", "--cross-corpus"], "--versions: the leaderboard is scored on"),
        (["--cross-corpus-methods", "pooled-lr"], "--cross-corpus-methods needs --cross-corpus"),
        (["--corpus-scaling", "on"], "--corpus-scaling needs --cross-corpus"),
        (["--versions", "1902", "1911", "2012", "--cross-corpus", "--cross-corpus-methods", "svm"],
         "--cross-corpus-methods: unknown method(s) ['svm']"),
        (["--versions", "1902", "1911", "2012", "--cross-corpus", "--cross-corpus-items", "happy"],
         "--cross-corpus-items: unknown item(s) ['happy']"),
        (["--versions", "1902", "1911", "2012", "--cross-corpus",
          "--cross-corpus-feature-set", "L+Q"], "--cross-corpus-feature-set: unknown feature set"),
    ],
)  # fmt: skip
def test_bad_arguments_fail_before_loading(monkeypatch, tmp_path, argv, message):
    from hazumi_sk.cli import CommandError
    from hazumi_sk.cli import _leaderboard as module

    def fail(*args, **kwargs):
        raise AssertionError("data loaded before the arguments were checked")

    monkeypatch.setattr(module, "_load", fail)
    root = _fake_root(tmp_path / "data")
    with pytest.raises(CommandError) as error:
        cmd_leaderboard(
            _parse(["--data", str(root), "--tiny", "--out", str(tmp_path / "o"), *argv])
        )
    assert message in str(error.value)


def test_absent_modality_is_a_command_error_naming_it(tmp_path):
    from hazumi_sk.cli import CommandError

    argv = [*BOARD, "--out", str(tmp_path), "--cross-corpus", "--cross-corpus-feature-set", "A+B"]
    with pytest.raises(CommandError, match=r"--cross-corpus-feature-set: feature_set 'A\+B'"):
        cmd_leaderboard(_parse(argv))
    assert not (tmp_path / "leaderboard.csv").exists()  # refused before any fit


@pytest.mark.realdata
def test_tiny_section_on_the_real_corpora(hazumi_root: Path, tmp_path):
    if not (hazumi_root / "Hazumi2012").is_dir():
        pytest.skip(f"Hazumi2012 not found at {hazumi_root} (needs Hazumi2012/ to pool).")
    out = tmp_path / "real"
    argv = ["--data", str(hazumi_root), "--versions", "1902", "1911", "2012", "--tiny",
            "--items", "worthwhile", "--methods", "majority", "--cross-corpus",
            "--cross-corpus-methods", "majority", "pooled-lr", "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert cmd_leaderboard(_parse(argv)) == 0
    # The leaderboard's tables stay on the 54 dialogues of 1902 + 1911 with features.
    splits = pd.read_csv(out / "splits.csv")
    indices = [int(i) for row in splits.itertuples() for i in f"{row.train} {row.test}".split()]
    assert sorted(set(indices)) == list(range(54))
    table = pd.read_csv(out / "cross_corpus.csv")
    loco = table[(table["protocol"] == "loco") & (table["method"] == "pooled-lr")]
    sizes = dict(zip(loco["corpus"], loco["n_test"], strict=True))
    assert {k: sizes[k] for k in sorted(sizes)} == {"1902": 28, "1911": 26, "2012": 63}
    arms = table[table["corpus"] == "1902+1911"].set_index(["method", "per_corpus_scaling",
                                                            "protocol"])  # fmt: skip
    for method, scaled in [("majority", False), ("pooled-lr", False), ("pooled-lr", True)]:
        alone, pooled = arms.loc[(method, scaled, "alone")], arms.loc[(method, scaled, "pooled")]
        assert alone["n_test"] == pooled["n_test"] == 27  # the same 54 dialogues in 2 folds
        assert pooled["n_train"] == alone["n_train"] + 63
        assert pooled["train_corpora"] == "1902+1911+2012"
    assert "## Training across corpora" in (out / "leaderboard.md").read_text()
