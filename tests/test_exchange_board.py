"""The exchange-level board: participant-grouped folds, shared splits, known scores, files, CLI."""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from hazumi_sk.cli import main
from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
from hazumi_sk.leaderboard import (
    PUBLISHED_EXCHANGE_RESULTS,
    exchange_board_document,
    exchange_splits,
    run_exchange_board,
    write_exchange_board_report,
)
from hazumi_sk.reproduction import demo_dataset


@functools.cache
def _tiny_result():
    return run_exchange_board(
        demo_dataset(tiny=True),
        methods=["majority-calibrated", "exchange-lr-calibrated", "exchange-lr-causal",
                 "lstm-exchange-head"],
        feature_sets=["L+V"],
        tiny=True,
        progress=False,
    )  # fmt: skip


def test_splits_never_share_a_participant():
    X, _ = to_xy(make_synthetic_hazumi(15, n_exchanges=(4, 8), random_state=0))
    splits = exchange_splits(X, n_splits=3, n_repeats=2, seed=0)
    assert len(splits) == 6
    for repeat in (0, 1):
        tested = []
        for r, _, train, test in splits:
            if r != repeat:
                continue
            assert not set(X.dialogue_ids[train]) & set(X.dialogue_ids[test])
            assert len(train) + len(test) == len(X)
            tested += X.dialogue_ids[test].tolist()
        assert sorted(tested) == sorted(X.dialogue_ids.tolist())  # each tested once per repeat
    again = exchange_splits(X, n_splits=3, n_repeats=2, seed=0)
    for (_, _, _, a), (_, _, _, b) in zip(splits, again, strict=True):
        np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="participants"):
        exchange_splits(X[:2], n_splits=3)


def test_splits_file_has_one_side_per_participant_and_fold():
    result = _tiny_result()
    splits = result.splits
    assert {"repeat", "fold", "participant", "side"} <= set(splits.columns)
    assert set(splits["side"]) == {"train", "test"}
    sides = splits.groupby(["repeat", "fold", "participant"])["side"].nunique()
    assert (sides == 1).all()
    n = result.settings["n_dialogues"]
    assert (splits.groupby(["repeat", "fold"]).size() == n).all()


def test_every_method_and_target_is_scored_on_the_same_folds():
    scores = _tiny_result().fold_scores
    folds = scores.groupby(["target", "method", "feature_set", "n_labels", "scored", "metric"])[
        ["repeat", "fold", "n_test"]
    ].apply(lambda g: tuple(map(tuple, g.sort_values(["repeat", "fold"]).to_numpy())))
    assert folds.nunique() == 1
    assert set(scores["target"]) == {"SS", "TS_mean"}
    assert {"majority", "exchange-lr", "exchange-lr-causal", "lstm-exchange-head",
            "exchange-lr-calibrated", "majority-calibrated"} == set(scores["method"])  # fmt: skip


def test_majority_scores_by_hand():
    data = demo_dataset(tiny=True)
    result = run_exchange_board(
        data, methods=["majority"], targets=["SS"], feature_sets=["L+V"], tiny=True,
        progress=False,
    )  # fmt: skip
    X, _ = to_xy(data, exchange_label="SS")
    labels = np.split(X.exchange_labels, X.offsets[1:-1])  # a few are NaN: unrated
    per_dialogue = [(d[~np.isnan(d)] > 4) for d in labels]
    for _, row in result.fold_scores.query("metric == 'accuracy' and scored == 'all'").iterrows():
        split = exchange_splits(X, 2, 1, 0)[row["fold"]]
        train = np.concatenate([per_dialogue[i] for i in split[2]])
        test = np.concatenate([per_dialogue[i] for i in split[3]])
        majority = train.mean() > 0.5
        assert row["score"] == pytest.approx(np.mean(test == majority))
        assert row["n_exchanges"] == test.size


def test_personalisation_rows_share_the_later_exchanges():
    result = _tiny_result()
    board, scores = result.board, result.fold_scores
    later = scores[scores["scored"] != "all"]
    assert set(later["scored"]) == {"from 4"}  # tiny: k in (0, 1, 3)
    counts = later.groupby(["target", "repeat", "fold"])["n_exchanges"].nunique()
    assert (counts == 1).all()
    calibrated = board[board["method"] == "exchange-lr-calibrated"]
    assert sorted(calibrated["n_labels"].unique()) == [1, 3]
    # The uncalibrated model (k = 0) is the exchange-lr row, on both scorings.
    assert set(board[board["method"] == "exchange-lr"]["scored"]) == {"all", "from 4"}
    assert {"mean", "ci_low", "ci_high", "majority"} <= set(board.columns)
    paired = result.paired
    assert set(paired["reference"]) == {"exchange-lr"}
    assert set(paired["method"]) == {"exchange-lr-causal", "exchange-lr-calibrated"}


def test_report_files_and_published_number(tmp_path):
    result = _tiny_result()
    files = write_exchange_board_report(result, tmp_path)
    board = pd.read_csv(files.leaderboard)
    assert list(board.columns[:7]) == [
        "target", "method", "feature_set", "metric", "mean", "ci_low", "ci_high"
    ]  # fmt: skip
    assert set(board["linguistic"]) == {"as loaded"}  # the CLI records its L source here
    published = board[board["scored"] == "as published"]
    assert published["mean"].tolist() == [0.632]
    splits = pd.read_csv(files.splits)
    assert {"repeat", "fold", "participant", "side"} <= set(splits.columns)
    text = files.markdown.read_text()
    assert "as published" in text and "0.632" in text
    assert "Personalisation" in text
    assert files.html.read_text().startswith("<!DOCTYPE html>")
    assert exchange_board_document(result).title.startswith("Exchange-level board")
    assert all("different protocol" in row["note"] for row in PUBLISHED_EXCHANGE_RESULTS)


def test_argument_errors():
    data = demo_dataset(tiny=True)
    with pytest.raises(ValueError, match="Unknown exchange method"):
        run_exchange_board(data, methods=["pooled-lr"], tiny=True, progress=False)
    with pytest.raises(ValueError, match="calibration_labels"):
        run_exchange_board(data, methods=["majority"], calibration_labels=[3], tiny=True,
                           progress=False)  # fmt: skip
    with pytest.raises(ValueError, match="targets is empty"):
        run_exchange_board(data, targets=[], tiny=True, progress=False)


def test_cli_level_exchange(tmp_path, capsys):
    out = tmp_path / "board"
    status = main(["leaderboard", "--synthetic", "--tiny", "--level", "exchange", "--out",
                   str(out), "--methods", "majority", "exchange-lr-per-dialogue",
                   "--feature-sets", "L+V", "--no-progress"])  # fmt: skip
    assert status == 0
    assert (out / "exchange_leaderboard.csv").is_file()
    assert (out / "exchange_splits.csv").is_file()
    assert set(pd.read_csv(out / "exchange_leaderboard.csv")["linguistic"]) == {"synthetic"}
    assert "Exchange board" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--methods", "pooled-lr"], "--methods: unknown exchange method"),
        (["--items", "worthwhile", "cold"], "--items: --level exchange takes one item"),
        (["--paper-tables", "x"], "--paper-tables belongs to --level dialogue"),
        (["--feature-sets", "Q"], "--feature-sets"),
    ],
)
def test_cli_errors_name_the_argument(tmp_path, capsys, extra, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["leaderboard", "--synthetic", "--tiny", "--level", "exchange", "--out",
              str(tmp_path), *extra])  # fmt: skip
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
