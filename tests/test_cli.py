"""The hazumi-sk command line: demo end to end, train/predict, argument errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from hazumi_sk.cli import main

HAZUMI_ROOT = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"


def _exit_message(capsys, argv) -> str:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    return capsys.readouterr().err


@pytest.mark.slow
def test_demo_tiny_writes_report(tmp_path):
    assert main(["demo", "--tiny", "--out", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    for section in ("Table 1", "Table 3", "Selection optimism", "Paired multitask"):
        assert section in md
    assert (tmp_path / "report.html").read_text().startswith("<!DOCTYPE html>")
    assert (tmp_path / "table3.png").is_file() and (tmp_path / "segments.png").is_file()
    scores = pd.read_csv(tmp_path / "scores.csv")
    # tiny: feature sets L, L+V x alphas {0.5, single} x 2 folds x 2 repeats.
    assert len(scores) == 16
    assert set(scores["feature_set"]) == {"L", "L+V"} and set(scores["alpha"]) == {0.5, 1.0}
    # Rerunning resumes from the cache: the same scores, no new fits (no new cache files).
    n_cached = len(list((tmp_path / "cache").rglob("*.json")))
    # 16 CV cells + 2 outer folds x 4 candidates x 2 inner folds; the nested outer fits
    # are the same cells as repeat 0 of the CV (same folds, same params), so shared.
    assert n_cached == 16 + 2 * 4 * 2
    assert main(["demo", "--tiny", "--out", str(tmp_path)]) == 0
    assert len(list((tmp_path / "cache").rglob("*.json"))) == n_cached
    again = pd.read_csv(tmp_path / "scores.csv")
    pd.testing.assert_series_equal(scores["score"], again["score"])


def test_train_and_predict_synthetic(tmp_path):
    model = tmp_path / "m.hzm"
    argv = ["train", "--synthetic", "--tiny", "--item", "cold", "--feature-set", "L+V"]
    assert main([*argv, "--alpha", "0.5", "--model", str(model)]) == 0
    out = tmp_path / "preds.csv"
    assert main(["predict", "--model", str(model), "--synthetic", "--tiny", "--out", str(out)]) == 0
    preds = pd.read_csv(out)
    assert list(preds.columns) == ["dialogue_id", "item", "predicted_high", "proba_high"]
    assert (preds["item"] == "cold").all() and preds["proba_high"].between(0, 1).all()
    traj = pd.read_csv(tmp_path / "preds_trajectories.csv")
    assert set(traj["dialogue_id"]) == set(preds["dialogue_id"])
    assert traj.groupby("dialogue_id")["exchange"].min().eq(0).all()
    # The last running estimate of a dialogue is its dialogue-level prediction.
    last = traj.groupby("dialogue_id")["proba_high"].last()
    pd.testing.assert_series_equal(
        last.sort_index(), preds.set_index("dialogue_id")["proba_high"].sort_index(),
        check_names=False, atol=1e-5,
    )  # fmt: skip


def test_argument_errors_name_the_parameter(tmp_path, capsys):
    missing = tmp_path / "nowhere"
    assert "--data: data folder" in _exit_message(capsys, ["reproduce", "--data", str(missing)])
    (tmp_path / "Hazumi1902").mkdir()
    err = _exit_message(capsys, ["reproduce", "--data", str(tmp_path), "--labels", "nice"])
    assert "--labels: unknown item(s) ['nice']" in err
    err = _exit_message(capsys, ["reproduce", "--data", str(tmp_path), "--feature-sets", "L+Q"])
    assert "--feature-sets: unknown feature set 'L+Q'" in err
    err = _exit_message(capsys, ["reproduce", "--data", str(tmp_path), "--paper-tables", "nope"])
    assert "--paper-tables: folder nope does not exist" in err
    argv = ["reproduce", "--data", str(tmp_path), "--preset", "quick", "--tables", "table4"]
    assert "--tables: ['table4'] not in the quick preset's tables" in _exit_message(capsys, argv)
    argv = ["reproduce", "--data", str(tmp_path), "--linguistic", "transcripts"]
    err = _exit_message(capsys, [*argv, "--text-encoder", "elmo"])
    assert "--text-encoder: 'elmo' is neither one of ['tfidf-svd'" in err
    argv = ["reproduce", "--data", str(tmp_path), "--linguistic", "dumpfile"]
    err = _exit_message(capsys, [*argv, "--text-encoder", "ginza"])
    assert "--text-encoder needs --linguistic transcripts" in err
    argv = ["train", "--synthetic", "--item", "nice", "--model", str(tmp_path / "m")]
    assert "--item: unknown item(s) ['nice']" in _exit_message(capsys, argv)
    argv = ["train", "--synthetic", "--item", "cold", "--alpha", "2", "--model", "m"]
    assert "argument --alpha: expected a number in [0, 1], got 2" in _exit_message(capsys, argv)
    argv = ["train", "--synthetic", "--item", "cold", "--alpha", "0", "--model", "m"]
    assert "--alpha must be in (0, 1]" in _exit_message(capsys, argv)
    argv = ["train", "--synthetic", "--item", "cold", "--architecture", "CNN", "--model", "m"]
    assert "--architecture: unknown 'CNN'" in _exit_message(capsys, argv)
    argv = ["predict", "--model", str(tmp_path / "none.hzm"), "--synthetic", "--out", "p.csv"]
    assert "argument --model: file" in _exit_message(capsys, argv)
    # argparse's own errors (missing required, bad choice) also exit with 2.
    assert "--preset" in _exit_message(capsys, ["reproduce", "--data", ".", "--preset", "huge"])
    assert "--item" in _exit_message(capsys, ["train", "--synthetic", "--model", "m"])


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.skipif(
    not (HAZUMI_ROOT / "Hazumi1902").is_dir(), reason=f"Hazumi corpus not found at {HAZUMI_ROOT}"
)
def test_reproduce_tiny_on_real_data(tmp_path):
    argv = ["reproduce", "--data", str(HAZUMI_ROOT), "--tiny", "--feature-sets", "L", "L+V"]
    argv += ["--linguistic", "dumpfile"]  # the default USE encoding takes minutes
    assert main([*argv, "--out", str(tmp_path)]) == 0
    md = (tmp_path / "report.md").read_text()
    assert "| worthwhile |" in md and "0.531" in md  # Table 1 with the paper's r_self
    assert "| L+V | 0.5 |" in md  # Table 3 row, reproduced next to the paper's 0.677
    assert "IS09" in md  # the feature-difference section names the dumpfile's acoustic set


@pytest.mark.slow
def test_replace_linguistic_from_transcripts():
    from hazumi_sk.features import replace_linguistic
    from hazumi_sk.reproduction import demo_dataset

    data = demo_dataset(tiny=True)
    new = replace_linguistic(data, "tfidf-svd")
    X, Y = data.features, new.features
    np.testing.assert_array_equal(X.lengths, Y.lengths)
    # 17 UPOS counts + 100 TF-IDF/SVD components replace the dumpfile's L block ...
    assert (Y.modalities == "L").sum() == 17 + 100
    assert set(new.feature_columns.loc[new.feature_columns["modality"] == "L", "source"]) == {
        "transcripts: UPOS (sudachi) + TF-IDF/SVD fitted once on all dialogues' utterances "
        "(unsupervised, not per fold)"
    }
    # ... while the other modalities are untouched.
    others = X.modalities != "L"
    np.testing.assert_array_equal(Y.values[:, : others.sum()], X.values[:, others])
    # Synthetic rows are one ELAN exchange each: the counts of row 0 are those of its utterance.
    from hazumi_sk.features import upos_counts
    from hazumi_sk.features._transcript import clean_transcript

    first = clean_transcript(data.dialogues[0].exchanges["user_utterance"].iloc[0], True, True)
    expected = upos_counts([first], "sudachi")[0]
    np.testing.assert_array_equal(Y.values[0, others.sum() : others.sum() + 17], expected)


@pytest.mark.slow
def test_full_preset_tiny_on_synthetic_covers_every_table(tmp_path):
    from hazumi_sk.reproduction import (
        PRESETS,
        RunOptions,
        demo_dataset,
        run_reproduction,
        tiny_preset,
    )

    items = ("worthwhile", "well-coordinated", "awkward")
    options = RunOptions(out_dir=tmp_path, items=items, feature_sets=("L", "ALL"))
    files = run_reproduction(demo_dataset(tiny=True), tiny_preset(PRESETS["full"]), options)
    md = files.markdown.read_text()
    for title in ("Table 1", "Table 2", "Table 3", "Table 4", "Table 5", "Selection optimism"):
        assert title in md
    # Table 2: four architectures x two feature sets, next to the paper's numbers.
    assert "| ALL | LSTM(2-128) |" in md and "| 0.618 |" in md
    # Table 4 and the paired tests have one row per requested item, Table 4 with intervals.
    assert "| best_multitask | multitask_95ci | best_single | single_95ci |" in md
    scores = pd.read_csv(tmp_path / "scores.csv")
    assert set(scores["item"]) == set(items)
    assert {p.name for p in files.figures} >= {"table4.png", "correlation_vs_gain.png"}
    assert md.count("| awkward | multitask |") == 2  # Table 5: L and ALL
    # The placebo control: one row per Table 4 item, with the nested gain for worthwhile.
    assert "Placebo control" in md
    placebo = pd.read_csv(tmp_path / "placebo_scores.csv")
    assert set(placebo["item"]) == set(items) and set(placebo["alpha"]) == {1.0}
    assert placebo.groupby("item")["seed_offset"].nunique().to_dict() == {
        "worthwhile": 1,
        "well-coordinated": 1,
        "awkward": 1,
    }  # tiny: one multitask alpha, so one placebo draw per feature set


def test_presets_plan_their_grids():
    from hazumi_sk.reproduction import PRESETS, RunOptions
    from hazumi_sk.reproduction._run import _plan, _settings
    from hazumi_sk.vocabulary import PAPER_FEATURE_SETS as FEATURE_SETS

    options = RunOptions(out_dir=Path("unused"))
    plan = _plan(PRESETS["full"], options, list(FEATURE_SETS))
    worthwhile = plan[plan["item"] == "worthwhile"]
    # Table 2 (5 feature sets x 4 models, single) and Table 3 (5 x (5 alphas + single)),
    # sharing the 5 LSTM(1-128) single-task cells.
    assert len(worthwhile) == 20 + 30 - 5
    cold = plan[plan["item"] == "cold"]
    assert set(cold["feature_set"]) == {"L+V", "ALL"} and set(cold["alpha"]) == {0.7, 1.0}
    awkward = plan[(plan["item"] == "awkward") & (plan["model"] == "LSTM(2-128)")]
    assert len(awkward) == 5 * 2
    assert len(plan) == 45 + 17 * 4 + 2 * 10
    # The paper preset asks for the complete grid: 9 alphas + single everywhere.
    paper = _plan(PRESETS["paper"], options, list(FEATURE_SETS))
    assert len(paper[(paper["item"] == "cold")]) == 5 * 10
    settings = _settings(PRESETS["full"], options, list(FEATURE_SETS), 1.0)
    rows = dict(zip(settings["setting"], settings["value"], strict=True))
    assert rows["Table 4 grid"] == "L+V, ALL x alpha 0.7, single"
    assert rows["nested CV grid"] == "L, L+V, ALL x alpha 0.7, single"
    paper_settings = _settings(PRESETS["paper"], options, list(FEATURE_SETS), 1.0)
    assert "Table 4 grid" not in set(paper_settings["setting"])


def test_text_encoder_names_and_folders():
    from hazumi_sk.vocabulary import DEFAULT_TEXT_ENCODER, resolve_text_encoder

    assert resolve_text_encoder(None) == (DEFAULT_TEXT_ENCODER, None) == ("use-multilingual", None)
    assert resolve_text_encoder("ginza") == ("ginza", None)
    assert resolve_text_encoder("models/bert-ja") == ("bert", "models/bert-ja")


def test_predict_rebuilds_the_linguistic_features_of_training(tmp_path, monkeypatch, capsys):
    from hazumi_sk.cli import _bundle_data
    from hazumi_sk.reproduction import demo_dataset

    calls = []

    def fake_load_corpus(data, versions, columns, linguistic, text_encoder):
        calls.append((text_encoder, linguistic))
        return demo_dataset(tiny=True)

    monkeypatch.setattr(_bundle_data, "load_corpus", fake_load_corpus)
    (tmp_path / "Hazumi1902").mkdir()
    model = tmp_path / "m.hzm"
    argv = ["train", "--data", str(tmp_path), "--tiny", "--item", "cold", "--model", str(model)]
    assert main([*argv, "--text-encoder", "ginza"]) == 0
    out = str(tmp_path / "p.csv")
    assert main(["predict", "--model", str(model), "--data", str(tmp_path), "--out", out]) == 0
    assert calls == [("ginza", "transcripts"), ("ginza", "transcripts")]
    # The default encoder is recorded by name, not as "whatever the default is later".
    assert main(argv) == 0
    assert main(["predict", "--model", str(model), "--data", str(tmp_path), "--out", out]) == 0
    assert calls[-1] == ("use-multilingual", "transcripts")
    # A TF-IDF/SVD fitted on the training corpus cannot be shipped with the model.
    err = _exit_message(capsys, [*argv, "--text-encoder", "tfidf-svd"])
    assert "--text-encoder tfidf-svd is fitted on the training corpus" in err
    # A synthetic-corpus model refuses real data.
    argv = ["train", "--synthetic", "--tiny", "--item", "cold", "--model", str(model)]
    assert main(argv) == 0
    err = _exit_message(capsys, ["predict", "--model", str(model), "--data", str(tmp_path),
                                 "--out", out])  # fmt: skip
    assert "was trained on the synthetic corpus; predict with --synthetic" in err


@pytest.mark.parametrize(
    ("argv", "words"),
    [
        (["train", "--synthetic", "--item", "cold", "--epochs", "0", "--model", "m.hzm"],
         "argument --epochs: expected an integer >= 1, got 0"),
        (["reproduce", "--data", ".", "--alphas", "1.5"],
         "argument --alphas: expected a loss weight in (0, 1], got 1.5"),
        (["reproduce", "--data", ".", "--repeats", "-1"],
         "argument --repeats: expected an integer >= 1, got -1"),
        (["demo", "--seed", "-1"], "argument --seed: expected an integer >= 0, got -1"),
        (["demo", "--n-jobs", "0"], "argument --n-jobs: expected -1 or an integer >= 1, got 0"),
        (["demo", "--n-jobs", "two"],
         "argument --n-jobs: expected -1 or an integer >= 1, got 'two'"),
        (["reproduce", "--data", ".", "--versions", "2013"], "argument --versions: invalid choice"),
        (["predict", "--model", "missing.hzm", "--synthetic", "--out", "p.csv"],
         "argument --model: file missing.hzm does not exist"),
    ],
)  # fmt: skip
def test_bad_values_stop_before_any_work(capsys, argv, words):
    err = _exit_message(capsys, argv)
    assert f"hazumi-sk {argv[0]}: error: {words}" in err


def test_output_paths_of_the_wrong_kind_are_refused(tmp_path, capsys):
    a_file = tmp_path / "report.txt"
    a_file.write_text("not a folder")
    err = _exit_message(capsys, ["demo", "--out", str(a_file)])
    assert f"argument --out: {a_file} exists and is not a folder" in err
    argv = ["train", "--synthetic", "--item", "cold", "--model", str(tmp_path)]
    assert f"argument --model: {tmp_path} is a folder, not a file" in _exit_message(capsys, argv)


def test_versions_name_what_the_data_folder_lacks(tmp_path, capsys):
    (tmp_path / "Hazumi1902").mkdir()
    err = _exit_message(capsys, ["reproduce", "--data", str(tmp_path), "--versions", "2012"])
    assert "--versions: Hazumi2012/ not in" in err and "(it holds 1902)" in err
    (tmp_path / "Hazumi1902").rmdir()
    err = _exit_message(capsys, ["reproduce", "--data", str(tmp_path)])
    assert "holds none of Hazumi1902/, Hazumi1911/, Hazumi2010/, Hazumi2012/" in err


def test_tiny_does_not_override_explicit_values(tmp_path):
    from hazumi_sk.persistence import load_model

    model = tmp_path / "m.hzm"
    argv = ["train", "--synthetic", "--tiny", "--item", "cold", "--model", str(model)]
    assert main([*argv, "--epochs", "3"]) == 0
    assert load_model(model).model[-1].max_epochs == 3
    assert main(argv) == 0
    assert load_model(model).model[-1].max_epochs == 2  # --tiny's value when none is given


def test_bad_model_files_are_clear_errors(tmp_path, capsys):
    import pickle

    out = str(tmp_path / "p.csv")
    text = tmp_path / "notes.hzm"
    text.write_text("hello")
    pickled = tmp_path / "dict.joblib"
    pickled.write_bytes(pickle.dumps({"model": 1}))
    for path, words in [(text, "--model: "), (pickled, "trusted_joblib")]:
        err = _exit_message(capsys, ["predict", "--model", str(path), "--synthetic", "--out", out])
        assert words in err and str(path) in err
    model = tmp_path / "m.hzm"
    assert main(["train", "--synthetic", "--tiny", "--item", "cold", "--model", str(model)]) == 0
    truncated = tmp_path / "cut.hzm"
    truncated.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    err = _exit_message(capsys, ["predict", "--model", str(truncated), "--synthetic", "--out", out])
    assert "--model: " in err and str(truncated) in err


def test_predict_names_the_modality_the_new_data_lacks(tmp_path, monkeypatch, capsys):
    from sklearn.utils import Bunch

    from hazumi_sk.cli import _bundle_data
    from hazumi_sk.reproduction import demo_dataset

    model = tmp_path / "m.hzm"
    argv = ["train", "--synthetic", "--tiny", "--item", "cold", "--feature-set", "L+V"]
    assert main([*argv, "--model", str(model)]) == 0

    def without_face(tiny, seed):
        data = demo_dataset(tiny, seed)
        keep = data.features.modalities != "V"
        return Bunch(**{**data, "features": data.features.select_columns(keep)})

    monkeypatch.setattr(_bundle_data, "demo_dataset", without_face)
    argv = ["predict", "--model", str(model), "--synthetic", "--out", str(tmp_path / "p.csv")]
    err = _exit_message(capsys, argv)
    assert "--model/--data: The data lacks" in err and "V" in err


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.skipif(
    not (HAZUMI_ROOT / "Hazumi2012").is_dir(), reason=f"Hazumi2012 not found at {HAZUMI_ROOT}"
)
def test_model_trained_on_pooled_corpora_predicts_another_version(tmp_path):
    from hazumi_sk.persistence import read_metadata

    model = tmp_path / "pooled.hzm"
    argv = ["train", "--data", str(HAZUMI_ROOT), "--versions", "1911", "2012", "--tiny",
            "--item", "worthwhile", "--feature-set", "L+V", "--linguistic", "dumpfile",
            "--exchange-label", "SS_or_TS", "--model", str(model)]  # fmt: skip
    assert main(argv) == 0
    meta = read_metadata(model)
    assert meta.corpus_versions == ("1911", "2012") and meta.extra["columns"] == "harmonized"
    out = tmp_path / "p2012.csv"
    argv = ["predict", "--model", str(model), "--data", str(HAZUMI_ROOT), "--versions", "2012",
            "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    preds = pd.read_csv(out)
    assert len(preds) == 63 and preds["dialogue_id"].str.startswith("2012").all()
