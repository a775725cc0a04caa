"""hazumi-sk leaderboard: nested CV on shared splits, known answers, CLI, report, resume."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, ClassifierMixin, clone
from sklearn.metrics import f1_score
from sklearn.model_selection import ParameterGrid, StratifiedKFold

from hazumi_sk.cli._leaderboard import add_leaderboard_parser, cmd_leaderboard
from hazumi_sk.datasets import RAPPORT_ITEMS, make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import (
    METHODS,
    ItemTargets,
    LeaderboardMethod,
    available_methods,
    item_targets,
    plan_leaderboard,
    plot_forest,
    run_leaderboard,
)
from hazumi_sk.reproduction import TINY_CORPUS
from hazumi_sk.sequences import RaggedSequences

REQUIRED_COLUMNS = {
    "item",
    "method",
    "feature_set",
    "mean",
    "ci_low",
    "ci_high",
    "n_repeats",
    "majority",
    "true_mean_self_sentiment",
    "paper_best_multitask",
    "paper_best_single",
}


def _parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="hazumi-sk")
    add_leaderboard_parser(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(["leaderboard", *argv])


@pytest.fixture(scope="module")
def tiny_data():
    return make_synthetic_hazumi(**TINY_CORPUS, random_state=0)


@pytest.fixture(scope="module")
def cli_run(tmp_path_factory):
    """One ``--tiny --synthetic`` run of every method on every item, then the same again."""
    out = tmp_path_factory.mktemp("board")
    argv = ["--synthetic", "--tiny", "--out", str(out), "--no-progress", "--feature-sets", "ALL"]
    assert cmd_leaderboard(_parse(argv)) == 0
    first = pd.read_csv(out / "fold_scores.csv")
    first_inner = pd.read_csv(out / "inner_splits.csv")
    assert cmd_leaderboard(_parse(argv)) == 0
    return out, first, first_inner


def test_cli_writes_every_item_and_method(cli_run):
    out, _, _ = cli_run
    board = pd.read_csv(out / "leaderboard.csv")
    assert set(board.columns) >= REQUIRED_COLUMNS
    methods = available_methods()
    assert set(methods) >= {"majority", "pooled-lr", "oracle", "lstm-single", "lstm-multitask"}
    assert len(board) == len(RAPPORT_ITEMS) * len(methods)
    assert set(board["item"]) == set(RAPPORT_ITEMS)
    assert (board["n_repeats"] == 1).all()
    worthwhile = board[board["item"] == "worthwhile"]
    assert worthwhile["paper_best_multitask"].iloc[0] == pytest.approx(0.817)  # Table 4
    for name in ("paired.csv", "polarity_averages.csv", "forest.png", "leaderboard.html"):
        assert (out / name).stat().st_size > 0
    markdown = (out / "leaderboard.md").read_text()
    assert "![forest plot per item](forest.png)" in markdown
    # The oracle is named for what it is (a reference line), never called a ceiling.
    oracle = board[board["method"] == "oracle"].set_index("item")["mean"]
    np.testing.assert_allclose(
        board.set_index("item")["true_mean_self_sentiment"], oracle.loc[board["item"]]
    )
    assert "oracle: true mean self-sentiment (reference)" in markdown
    lower = markdown.lower()
    assert lower.count("ceiling") == lower.count("not a ceiling") == 1
    assert "| 18 | oracle |" not in markdown and "| worthwhile | oracle |" not in markdown
    averages = pd.read_csv(out / "polarity_averages.csv")
    assert set(averages["average"]) == {
        "average (all items)",
        "average (positive)",
        "average (negative)",
    }
    assert (
        averages.set_index(["average", "method"])["n_items"].loc[("average (positive)", "majority")]
        == 9
    )


def test_every_file_records_the_l_block(cli_run):
    out, _, _ = cli_run
    for path in sorted(out.glob("*.csv")):
        table = pd.read_csv(path)
        assert set(table["linguistic"]) == {"synthetic"}, path.name
        assert set(table["text_encoder"]) == {"-"}, path.name
    title = (out / "leaderboard.md").read_text().splitlines()[0]
    assert title == "# Which method? The hazumi-sk leaderboard (L from synthetic)"


def test_default_feature_sets_and_l_source():
    from hazumi_sk.cli._leaderboard import _check_args, _linguistic

    args = _parse(["--synthetic", "--tiny"])
    assert _check_args(args)["feature_sets"] == ["L+V", "ALL"]
    assert _linguistic(args) == ("synthetic", None)
    assert _linguistic(_parse(["--data", "x"])) == ("transcripts", None)
    assert _linguistic(_parse(["--data", "x", "--linguistic", "dumpfile"])) == ("dumpfile", None)
    encoder = _parse(["--data", "x", "--text-encoder", "ginza"])
    assert _linguistic(encoder) == ("transcripts", "ginza")


def test_transcript_l_is_recorded_and_encoded_once(tmp_path, monkeypatch):
    from hazumi_sk.features import _transcript_block

    calls = []

    def fake_rows(dialogues, rows, encoder, model, pos_backend):  # stands in for the encoder
        calls.append(encoder)
        values = np.repeat(np.arange(len(rows), dtype=float)[:, None], 2, axis=1) % 5
        return values, np.array(["L__a", "L__b"])

    monkeypatch.setattr(_transcript_block, "_linguistic_rows", fake_rows)
    out = tmp_path / "board"
    argv = ["--synthetic", "--tiny", "--linguistic", "transcripts", "--text-encoder", "tfidf-svd",
            "--items", "worthwhile", "--methods", "majority", "pooled-lr", "--out", str(out),
            "--no-progress"]  # fmt: skip
    assert cmd_leaderboard(_parse(argv)) == 0
    first = pd.read_csv(out / "fold_scores.csv")
    assert cmd_leaderboard(_parse(argv)) == 0
    assert calls == ["tfidf-svd"]  # the second run read out/cache/transcripts-*.npz
    assert len(list((out / "cache").glob("transcripts-*.npz"))) == 1
    second = pd.read_csv(out / "fold_scores.csv")
    assert second["cached"].all()
    np.testing.assert_allclose(second["score"], first["score"])
    assert set(second["feature_set"]) == {"-", "L+V", "ALL"}
    for name in ("leaderboard.csv", "paired.csv", "polarity_averages.csv", "splits.csv"):
        table = pd.read_csv(out / name)
        assert set(zip(table["linguistic"], table["text_encoder"], strict=True)) == {
            ("transcripts", "tfidf-svd")
        }, name
    title = (out / "leaderboard.md").read_text().splitlines()[0]
    assert title.endswith("(L from the transcripts, encoder tfidf-svd)")


def test_forest_legend_names_the_oracle_a_reference_line():
    board = pd.DataFrame({
        "item": ["worthwhile"] * 3, "method": ["majority", "pooled-lr", "oracle"],
        "role": ["reference", "baseline", "oracle"], "feature_set": ["-", "ALL", "-"],
        "mean": [0.5, 0.6, 0.8], "ci_low": [0.4, 0.5, 0.7], "ci_high": [0.6, 0.7, 0.9],
        "true_mean_self_sentiment": [0.8] * 3, "paper_best_multitask": [0.85] * 3,
    })  # fmt: skip
    (ax,) = plot_forest(board).axes
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["oracle: true mean self-sentiment (reference)", "paper's best multitask"]
    assert [label.get_text() for label in ax.get_yticklabels()] == ["majority", "pooled-lr [ALL]"]
    green = [line for line in ax.get_lines() if line.get_linestyle() == "--"]
    assert len(green) == 1 and green[0].get_xdata()[0] == 0.8


def test_polarity_average_is_mean_of_item_means(cli_run):
    out, _, _ = cli_run
    board = pd.read_csv(out / "leaderboard.csv")
    averages = pd.read_csv(out / "polarity_averages.csv").set_index(["average", "method"])
    pooled = board[board["method"] == "pooled-lr"]
    negative = pooled[pooled["polarity"] == "negative"]["mean"].mean()
    assert averages.loc[("average (negative)", "pooled-lr"), "mean"] == pytest.approx(negative)


def test_paired_compares_with_best_baseline_and_paper_lstm(cli_run):
    out, _, _ = cli_run
    paired = pd.read_csv(out / "paired.csv")
    board = pd.read_csv(out / "leaderboard.csv")
    row = paired[(paired["item"] == "worthwhile") & (paired["method"] == "majority")]
    assert set(row["reference"]) == {"best baseline", "paper LSTM"}
    vs_lstm = row[row["reference"] == "paper LSTM"].iloc[0]
    means = board[board["item"] == "worthwhile"].set_index("method")["mean"]
    expected = means["majority"] - means["lstm-multitask"]
    assert vs_lstm["mean_difference"] == pytest.approx(expected)
    assert paired["item"].str.startswith("average").any()


def test_resume_reuses_every_cell(cli_run):
    out, first, first_inner = cli_run
    second = pd.read_csv(out / "fold_scores.csv")
    second_inner = pd.read_csv(out / "inner_splits.csv")
    assert not first["cached"].any()
    assert second["cached"].all() and second_inner["cached"].all()
    assert len(second_inner) == len(first_inner) > 0
    np.testing.assert_allclose(second["score"], first["score"])


def _majority_f1(y: np.ndarray, train: np.ndarray, test: np.ndarray) -> float:
    counts = np.bincount(y[train], minlength=2)
    majority = int(np.argmax(counts))  # ties: the smaller label, as DummyClassifier
    return f1_score(y[test], np.full(len(test), majority), average="weighted")


def test_majority_row_is_training_fold_majority_by_hand(tiny_data):
    items = ["worthwhile", "cold"]
    res = run_leaderboard(
        tiny_data, items=items, methods=["majority"], n_repeats=2, tiny=True, seed=3, progress=False
    )
    for item in items:
        _, y = to_xy(tiny_data, item=item)
        expected = []
        for repeat in range(2):  # the splits as documented: seed + repeat, stratified, shuffled
            folds = StratifiedKFold(2, shuffle=True, random_state=3 + repeat)
            expected += [_majority_f1(y, tr, te) for tr, te in folds.split(np.zeros(len(y)), y)]
        got = res.fold_scores[res.fold_scores["item"] == item]["score"].to_numpy()
        np.testing.assert_allclose(got, expected)
        row = res.leaderboard[res.leaderboard["item"] == item].iloc[0]
        assert row["mean"] == pytest.approx(np.mean(expected))
        assert row["majority"] == pytest.approx(np.mean(expected))


class _Recorder(ClassifierMixin, BaseEstimator):
    """Predicts 1; writes the dialogue ids of every predict call into ``log[tag]``."""

    log: dict[str, list[tuple[str, ...]]] = {}

    def __init__(self, tag: str = "") -> None:
        self.tag = tag

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        return self

    def predict(self, X):
        self.log.setdefault(self.tag, []).append(tuple(X.dialogue_ids))
        return np.ones(len(X), dtype=int)


def _recording(tag: str) -> LeaderboardMethod:
    return LeaderboardMethod(
        tag, "records test ids", lambda fs, seed, tiny, targets=None: _Recorder(tag)
    )


def test_every_method_is_scored_on_the_same_test_folds(tiny_data):
    _Recorder.log.clear()
    res = run_leaderboard(
        tiny_data,
        items=["worthwhile"],
        methods=[_recording("a"), _recording("b")],
        n_repeats=3,
        tiny=True,
        progress=False,
    )
    assert len(_Recorder.log["a"]) == 6
    assert _Recorder.log["a"] == _Recorder.log["b"]
    X, _ = to_xy(tiny_data, item="worthwhile")
    tests = [tuple(X.dialogue_ids[t]) for t in res.splits["test"]]
    assert tests == _Recorder.log["a"]


class _Peeker(ClassifierMixin, BaseEstimator):
    """With ``cheat``: right on the ``peek`` dialogues, wrong everywhere else; else majority."""

    def __init__(self, truth: tuple = (), peek: tuple = (), cheat: bool = False) -> None:
        self.truth, self.peek, self.cheat = truth, peek, cheat

    def fit(self, X, y):
        self.classes_ = np.array([0, 1])
        self.majority_ = int(np.bincount(y, minlength=2).argmax())
        return self

    def predict(self, X):
        truth = dict(self.truth)
        right = np.array([truth[d] for d in X.dialogue_ids])
        if not self.cheat:
            return np.full(len(X), self.majority_)
        return np.where(np.isin(X.dialogue_ids, self.peek), right, 1 - right)


def test_nested_selection_never_sees_the_outer_test_fold(tiny_data):
    X, y = to_xy(tiny_data, item="worthwhile")
    folds = StratifiedKFold(2, shuffle=True, random_state=0).split(np.zeros(len(y)), y)
    _, first_test = next(folds)
    truth = tuple(zip(X.dialogue_ids, y.tolist(), strict=True))
    peek = tuple(X.dialogue_ids[first_test])
    method = LeaderboardMethod(
        "peeker",
        "cheats on the first outer test fold",
        lambda fs, seed, tiny, targets=None: _Peeker(truth, peek),
        grid={"cheat": (False, True)},
    )
    res = run_leaderboard(
        tiny_data, items=["worthwhile"], methods=[method], tiny=True, progress=False
    )
    first = res.fold_scores.iloc[0]
    # Chosen on the test fold, cheat=True would score 1.0 there; the inner CV must refuse it.
    assert first["best_params"] == '{"cheat": false}'
    assert first["score"] < 1.0
    np.testing.assert_array_equal(res.splits["test"].iloc[0], first_test)
    for row in res.inner_splits.itertuples():
        outer = res.splits[(res.splits["repeat"] == row.repeat) & (res.splits["fold"] == row.fold)]
        outer_train, outer_test = outer["train"].iloc[0], outer["test"].iloc[0]
        assert set(row.train) | set(row.test) <= set(outer_train)
        assert not set(row.test) & set(outer_test)


def test_item_target_methods_learn_only_from_training_dialogues(tiny_data):
    X, y = to_xy(tiny_data, item="cold")
    targets = item_targets(tiny_data, X, "cold")
    train = np.arange(16)
    rest = set(X.dialogue_ids[16:])
    # Scramble what the test dialogues' ratings and labels say: the fits must not change.
    scrambled = ItemTargets(
        "cold",
        tuple((d, 7.0 if d in rest else r) for d, r in targets.ratings),
        tuple((d, tuple(1.0 - v for v in row) if d in rest else row) for d, row in targets.labels),
        targets.items,
        targets.item_index,
    )
    for name in ("thresholded-ridge", "multi-item-pls", "lstm-regression"):
        method = METHODS[name]
        preds = [
            method.build_pipeline("ALL", 0, True, t).fit(X[train], y[train]).predict(X[16:])
            for t in (targets, scrambled)
        ]
        np.testing.assert_array_equal(preds[0], preds[1])


def test_thresholded_ridge_learns_the_rating():
    rng = np.random.default_rng(0)
    rating = rng.integers(1, 8, size=40).astype(float)
    X = RaggedSequences.from_arrays(
        [np.full((3, 2), r) + rng.normal(0, 0.1, (3, 2)) for r in rating], modalities=["L", "V"]
    )
    y = (rating > 4).astype(int)
    targets = ItemTargets("x", tuple(zip(X.dialogue_ids, rating, strict=True)), (), (), 0)
    model = METHODS["thresholded-ridge"].build_pipeline("ALL", 0, True, targets)
    model.set_params(estimator__model__regressor__alpha=1e-3).fit(X, y)
    ridge = model.estimator_.named_steps["model"].regressor_
    # Fitted on the 1-7 ratings, not the 0/1 labels: on standardised features the intercept
    # of the ridge is the mean rating (it would be the share of highs on the labels).
    assert model.estimator_.predict(X).tolist() == y.tolist()
    assert ridge.intercept_ == pytest.approx(rating.mean(), abs=1e-6)


def test_lstm_regression_learns_the_rating_and_the_exchange_ratings(tiny_data):
    X, y = to_xy(tiny_data, item="worthwhile")
    targets = item_targets(tiny_data, X, "worthwhile")
    model = METHODS["lstm-regression"].build_pipeline("ALL", 0, True, targets).fit(X, y)
    network = model.estimator_.named_steps["model"].regressor_
    ratings = np.array([r for _, r in targets.ratings])
    # Standardised on the item's ratings (not the 0/1 labels) and on the exchange ratings.
    assert network.y_mean_ == pytest.approx(ratings.mean())
    rated = X.exchange_labels[~np.isnan(X.exchange_labels)]
    assert network.exchange_mean_ == pytest.approx(rated.mean())
    assert set(model.predict(X)) <= {0, 1}


@pytest.mark.parametrize("name", list(METHODS))
def test_every_random_step_is_seeded(tiny_data, name):
    # An unseeded PCA runs the randomised solver on the real corpus' exchange matrix and
    # gave another LSTM score on every rerun of the same command.
    method = METHODS[name]
    X, _ = to_xy(tiny_data, item="worthwhile")
    targets = item_targets(tiny_data, X, "worthwhile") if method.uses_item_targets else None
    params = method.build_pipeline("ALL", 7, False, targets).get_params(deep=True)
    seeds = {key: value for key, value in params.items() if key.endswith("random_state")}
    assert all(value == 7 for value in seeds.values()), seeds


@pytest.mark.parametrize("name", list(METHODS))
def test_every_grid_point_is_a_valid_parameter(tiny_data, name):
    method = METHODS[name]
    X, _ = to_xy(tiny_data, item="worthwhile")
    targets = item_targets(tiny_data, X, "worthwhile") if method.uses_item_targets else None
    estimator = method.build_pipeline("ALL", 0, False, targets)
    grid = ParameterGrid(method.param_grid())
    assert len(grid) == method.n_candidates()
    for params in grid:
        clone(estimator).set_params(**params)


def test_plan_counts_outer_and_inner_fits():
    plan = plan_leaderboard(["majority", "pooled-lr", "lstm-single"]).set_index("method")
    assert plan.loc["majority", "fits"] == 18 * 5 * 5
    # 3 values of C x 3 inner folds on each of the 450 outer training folds, plus the refits.
    assert plan.loc["pooled-lr", "fits"] == 450 + 450 * 3 * 3
    assert plan.loc["lstm-single", "inner_fits"] == 0


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--items", "happy"], "--items: unknown item(s) ['happy']"),
        (["--methods", "svm"], "--methods: unknown method(s) ['svm']"),
        (["--feature-sets", "L+Q"], "--feature-sets: unknown feature set 'L+Q'"),
        (["--paper-tables", "/no/such/folder"], "--paper-tables"),
        (["--linguistic", "dumpfile"], "--linguistic dumpfile needs --data"),
        (["--text-encoder", "ginza"], "--text-encoder needs --linguistic transcripts (got synth"),
        (["--linguistic", "transcripts", "--text-encoder", "nope"], "--text-encoder: 'nope' is"),
    ],
)
def test_bad_arguments_fail_before_loading(monkeypatch, tmp_path, argv, message):
    from hazumi_sk.cli import CommandError
    from hazumi_sk.cli import _leaderboard as module

    def fail(*args, **kwargs):
        raise AssertionError("data loaded before the arguments were checked")

    monkeypatch.setattr(module, "_load", fail)
    with pytest.raises(CommandError) as error:
        cmd_leaderboard(_parse(["--synthetic", "--tiny", "--out", str(tmp_path), *argv]))
    assert message in str(error.value)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--repeats", "-1"], "argument --repeats: expected an integer >= 1, got -1"),
        (["--n-jobs", "0"], "argument --n-jobs: expected -1 or an integer >= 1, got 0"),
        (["--versions", "1999"], "argument --versions: invalid choice"),
    ],
)
def test_bad_values_stop_the_parser(capsys, tmp_path, argv, message):
    from hazumi_sk.cli import main

    with pytest.raises(SystemExit) as exit_:
        main(["leaderboard", "--synthetic", "--tiny", "--out", str(tmp_path), *argv])
    assert exit_.value.code == 2
    assert f"hazumi-sk leaderboard: error: {message}" in capsys.readouterr().err


def test_missing_data_folder_is_a_command_error(tmp_path):
    from hazumi_sk.cli import CommandError

    with pytest.raises(CommandError, match="does not exist"):
        cmd_leaderboard(_parse(["--data", str(tmp_path / "nope"), "--out", str(tmp_path)]))


def test_unavailable_method_is_refused(monkeypatch):
    ghost = LeaderboardMethod(
        "ghost",
        "needs a class that is not there",
        lambda *a: None,
        requires=("hazumi_sk.model:NoSuchClassifier",),
    )
    monkeypatch.setitem(METHODS, "ghost", ghost)
    assert "ghost" not in available_methods()
    with pytest.raises(ValueError, match="not importable"):
        plan_leaderboard(["ghost"])


@pytest.mark.realdata
def test_tiny_run_on_the_real_corpus(hazumi_root: Path, tmp_path):
    out = tmp_path / "real"
    argv = ["--data", str(hazumi_root), "--tiny", "--out", str(out), "--no-progress"]
    argv += ["--linguistic", "dumpfile", "--feature-sets", "ALL"]  # USE encoding takes minutes
    assert cmd_leaderboard(_parse(argv)) == 0
    board = pd.read_csv(out / "leaderboard.csv")
    assert len(board) == 18 * len(available_methods())
    assert set(zip(board["linguistic"], board["text_encoder"], strict=True)) == {("dumpfile", "-")}
    folds = pd.read_csv(out / "fold_scores.csv")
    splits = pd.read_csv(out / "splits.csv")
    from hazumi_sk.datasets import load_hazumi

    _, y = to_xy(load_hazumi(hazumi_root, versions=["1902", "1911"], progress=False), "worthwhile")
    assert len(y) == 54
    mine = splits[splits["item"] == "worthwhile"]
    expected = []
    for row in mine.itertuples():
        train = np.array(row.train.split(), dtype=int)
        test = np.array(row.test.split(), dtype=int)
        expected.append(_majority_f1(y, train, test))
    got = folds[(folds["item"] == "worthwhile") & (folds["method"] == "majority")]["score"]
    np.testing.assert_allclose(got.to_numpy(), expected)
