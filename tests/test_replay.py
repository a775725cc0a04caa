"""Shipping any method for several items, and replaying recorded dialogues through the tracker."""

from __future__ import annotations

import json
import zipfile

import numpy as np
import pandas as pd
import pytest

from hazumi_sk.cli import main
from hazumi_sk.datasets import RAPPORT_ITEMS
from hazumi_sk.online import ImpressionTracker, offline_trajectory, replay_dialogues
from hazumi_sk.persistence import load_bundle, load_model, read_metadata


def _exit_message(capsys, argv) -> str:
    with pytest.raises(SystemExit) as excinfo:
        main(argv)
    assert excinfo.value.code == 2
    return capsys.readouterr().err


@pytest.fixture(scope="module")
def two_stage_bundle(tmp_path_factory):
    path = tmp_path_factory.mktemp("bundle") / "ts.hzm"
    argv = ["train", "--synthetic", "--tiny", "--items", "worthwhile", "cold",
            "--method", "pooled-lr", "--feature-set", "A+V", "--model", str(path)]  # fmt: skip
    assert main(argv) == 0
    return path


def test_train_any_method_for_several_items_writes_one_bundle(two_stage_bundle):
    meta = read_metadata(two_stage_bundle)
    assert meta.items == ("worthwhile", "cold") and meta.item is None
    assert meta.method == "pooled-lr" and meta.feature_set == "A+V"
    assert meta.linguistic == "synthetic"
    # pooled-lr's grid (tiny: C in {0.1, 1}) was chosen by CV for each item.
    assert set(meta.chosen_params) == {"worthwhile", "cold"}
    assert all(p["model__C"] in (0.1, 1.0) for p in meta.chosen_params.values())
    with zipfile.ZipFile(two_stage_bundle) as zf:
        assert {"item-0.skops", "item-1.skops"} <= set(zf.namelist())
        assert json.loads(zf.read("metadata.json"))["estimators"] == {
            "worthwhile": "item-0.skops", "cold": "item-1.skops"
        }  # fmt: skip
    bundle = load_bundle(two_stage_bundle)
    assert bundle.items == ("worthwhile", "cold")
    # A+V: the selector keeps acoustic and face columns only.
    tracker = ImpressionTracker(bundle)
    assert set(bundle.metadata.feature_modalities_in) == {"A", "L", "B", "V"}
    kept = np.isin(bundle.metadata.feature_modalities_in, ["A", "V"])
    assert len(tracker.required_features) == int(kept.sum())


def test_predict_reads_bundles_with_a_row_per_dialogue_and_item(two_stage_bundle, tmp_path):
    out = tmp_path / "p.csv"
    argv = ["predict", "--synthetic", "--tiny", "--model", str(two_stage_bundle), "--out", str(out)]
    assert main(argv) == 0
    preds, traj = pd.read_csv(out), pd.read_csv(tmp_path / "p_trajectories.csv")
    per_dialogue = preds.groupby("dialogue_id")["item"].apply(tuple)
    assert set(per_dialogue) == {("worthwhile", "cold")}
    last = traj.groupby(["dialogue_id", "item"])["proba_high"].last()
    expected = preds.set_index(["dialogue_id", "item"])["proba_high"]
    pd.testing.assert_series_equal(last.sort_index(), expected.sort_index(), check_names=False,
                                   atol=1e-9)  # fmt: skip


def test_a_one_item_bundle_loads_as_a_model_and_a_many_item_one_refuses(two_stage_bundle, tmp_path):
    from hazumi_sk.persistence import ModelFileError

    with pytest.raises(ModelFileError, match="is a bundle of 2 items"):
        load_model(two_stage_bundle)
    one = tmp_path / "one.hzm"
    argv = ["train", "--synthetic", "--tiny", "--item", "cold", "--method", "two-stage",
            "--model", str(one)]  # fmt: skip
    assert main(argv) == 0
    model, meta = load_model(one)
    assert meta.item == "cold" and meta.method == "two-stage" and hasattr(model, "predict_proba")


def test_replay_writes_trajectories_and_plots_equal_to_offline(two_stage_bundle, tmp_path, capsys):
    out = tmp_path / "r" / "replay.csv"
    argv = ["replay", "--synthetic", "--tiny", "--model", str(two_stage_bundle),
            "--dialogues", "syn002", "syn003", "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    printed = capsys.readouterr().out
    worst = float(printed.split("live_vs_offline_max_abs: ")[1].split()[0])
    assert worst < 1e-6
    frame = pd.read_csv(out)
    assert list(frame["dialogue_id"].unique()) == ["syn002", "syn003"]
    assert (out.parent / "replay_syn002.png").is_file()
    assert (out.parent / "replay_syn003.png").is_file()
    counts = frame.groupby(["dialogue_id", "item"]).size()
    assert counts.nunique() <= 2 and set(frame["item"]) == {"worthwhile", "cold"}


def test_replay_dialogues_and_offline_trajectory_agree_with_known_rows():
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline

    from hazumi_sk.preprocessing import SequencePooler
    from hazumi_sk.sequences import RaggedSequences

    X = RaggedSequences.from_arrays(
        [[[0.0], [1.0], [2.0]], [[5.0], [6.0]], [[0.5]], [[6.5], [7.0]]],
        feature_names=["x"], dialogue_ids=["a", "b", "c", "d"],
    )  # fmt: skip
    model = make_pipeline(SequencePooler("mean"), LogisticRegression()).fit(X, [0, 1, 0, 1])
    frame = replay_dialogues(ImpressionTracker(model, item="i"), X, ["a", "b"], progress=False)
    assert frame["exchange"].tolist() == [0, 1, 2, 0, 1]
    # The running mean after each exchange of "a" is 0, 0.5, 1.
    expected = model[-1].predict_proba(np.array([[0.0], [0.5], [1.0]]))[:, 1]
    np.testing.assert_allclose(frame["proba_high"].to_numpy()[:3], expected)
    np.testing.assert_allclose(offline_trajectory(model, X, "a"), expected)
    with pytest.raises(ValueError, match="Dialogue 'zz' is not in the data"):
        offline_trajectory(model, X, "zz")


def test_train_and_replay_argument_errors(two_stage_bundle, tmp_path, capsys):
    model = str(tmp_path / "m.hzm")
    base = ["train", "--synthetic", "--tiny", "--model", model]
    err = _exit_message(capsys, [*base, "--items", "worthwhile", "nope"])
    assert "--items: unknown item(s) ['nope']" in err
    err = _exit_message(capsys, [*base, "--items", "cold", "cold"])
    assert "--items: duplicates" in err
    err = _exit_message(capsys, [*base, "--item", "cold", "--method", "no-such"])
    assert "--method: unknown method(s) ['no-such']" in err
    err = _exit_message(capsys, [*base, "--item", "cold", "--method", "oracle"])
    assert "reads the true exchange labels" in err
    err = _exit_message(capsys, [*base, "--item", "cold", "--method", "pooled-lr",
                                 "--alpha", "0.5"])  # fmt: skip
    assert "--alpha configures the paper's network" in err
    err = _exit_message(capsys, [*base, "--item", "cold", "--feature-set", "L+P"])
    assert "--feature-set L+P: modality 'P' is not in the data" in err
    err = _exit_message(capsys, [*base, "--item", "cold", "--feature-set", "L+Q"])
    assert "--feature-set: unknown feature set 'L+Q'" in err
    err = _exit_message(capsys, ["replay", "--synthetic", "--tiny", "--model",
                                 str(two_stage_bundle), "--dialogues", "nobody", "--out",
                                 str(tmp_path / "r.csv")])  # fmt: skip
    assert "--dialogues: ['nobody'] not in the data" in err


def test_items_all_trains_the_18_items(tmp_path):
    path = tmp_path / "all.hzm"
    argv = ["train", "--synthetic", "--tiny", "--items", "all", "--method", "majority",
            "--model", str(path)]  # fmt: skip
    assert main(argv) == 0
    assert load_bundle(path).items == tuple(RAPPORT_ITEMS)


def test_recorded_times_follow_the_feature_rows_end_times():
    from sklearn.utils import Bunch

    from hazumi_sk.datasets import make_synthetic_hazumi, to_xy
    from hazumi_sk.online import recorded_times

    data = make_synthetic_hazumi(12, n_exchanges=(4, 6), random_state=0)
    X, _ = to_xy(data, item="worthwhile")
    dialogue = str(X.dialogue_ids[1])
    rows = data.feature_rows[data.feature_rows["dialogue_id"] == dialogue].sort_values("row")
    end = rows["end_ms"].to_numpy(dtype=float)
    np.testing.assert_allclose(recorded_times(data, X, dialogue), (end - end[0]) / 1000)
    np.testing.assert_allclose(recorded_times(data, X, dialogue, speed=4.0),
                               (end - end[0]) / 4000)  # fmt: skip
    with pytest.raises(ValueError, match="speed must be > 0"):
        recorded_times(data, X, dialogue, speed=0)
    shorter = Bunch(**{**data, "feature_rows": data.feature_rows.iloc[1:]})
    first = str(data.feature_rows["dialogue_id"].iloc[0])
    with pytest.raises(ValueError, match="its recorded pace is unknown"):
        recorded_times(shorter, X, first)
