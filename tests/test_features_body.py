"""Kinematics (shared by body and face) and BodyFeatures: known motions, gaps, errors."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from hazumi_sk.datasets import Dialogue
from hazumi_sk.features import BodyFeatures, exchange_kinematics, read_joint_csv


def _line(times: np.ndarray, speed: float) -> np.ndarray:
    """One point moving along x at ``speed`` units/s: shape (n_frames, 1, 3)."""
    return np.stack([speed * times / 1000.0, 0 * times, 0 * times], axis=1)[:, None, :]


# ------------------------------------------------------------ kinematics
def test_constant_velocity_gives_speed_mean_and_zero_std_and_acceleration():
    t = np.arange(0, 2001, 40.0)  # 25 fps
    stats = exchange_kinematics(t, _line(t, 0.5), np.array([[0, 2000]]), max_gap_ms=100)
    np.testing.assert_allclose(stats, [[0.0, 0.5, 0.5, 0.0]], atol=1e-9)


def test_statistics_do_not_depend_on_frame_rate():
    spans = np.array([[0, 1000], [1000, 2000]])
    slow = np.arange(0, 2001, 40.0)
    fast = np.arange(0, 2001, 10.0)
    a = exchange_kinematics(slow, _line(slow, 2.0), spans, max_gap_ms=100)
    b = exchange_kinematics(fast, _line(fast, 2.0), spans, max_gap_ms=100)
    np.testing.assert_allclose(a, b, atol=1e-9)
    np.testing.assert_allclose(a[:, 2], [2.0, 2.0])


def test_velocity_step_gives_known_maxima_and_acceleration():
    # 1 unit/s until 1000 ms, then 3 unit/s: frames every 100 ms.
    t = np.arange(0, 2001, 100.0)
    x = np.where(t <= 1000, t / 1000.0, 1.0 + 3.0 * (t - 1000) / 1000.0)
    positions = np.stack([x, 0 * t, 0 * t], axis=1)[:, None, :]
    stats = exchange_kinematics(t, positions, np.array([[0, 2000]]), max_gap_ms=150)
    acceleration_max, velocity_max, velocity_mean, velocity_std = stats[0]
    # The velocity jumps by 2 unit/s between two segments whose centres are 100 ms apart.
    assert acceleration_max == pytest.approx(2.0 / 0.1)
    assert velocity_max == pytest.approx(3.0)
    assert velocity_mean == pytest.approx(2.0)  # 10 segments at 1, 10 at 3
    assert velocity_std == pytest.approx(1.0)


def test_no_velocity_across_a_gap_or_a_missing_frame():
    t = np.array([0, 100, 200, 900, 1000, 1100.0])
    positions = _line(t, 1.0)
    positions[4, 0, :] = 50.0  # a jump that must not count...
    positions[4, 0, :] = np.nan  # ...because the frame is missing (NaN)
    stats = exchange_kinematics(t, positions, np.array([[0, 1100]]), max_gap_ms=150)
    # Only 0-100, 100-200 remain (200-900 is a gap; 900-1100 spans 200 ms across the NaN).
    np.testing.assert_allclose(stats, [[0.0, 1.0, 1.0, 0.0]], atol=1e-9)


def test_too_few_frames_give_fill_value_per_statistic():
    t = np.array([0, 100, 1000, 1100, 1200.0])
    stats = exchange_kinematics(
        t, _line(t, 1.0), np.array([[0, 150], [900, 1250], [300, 800]]), 150, fill_value=-1
    )
    np.testing.assert_allclose(stats[0], [-1, 1, 1, 0])  # one speed, no acceleration
    np.testing.assert_allclose(stats[1], [0, 1, 1, 0], atol=1e-9)
    np.testing.assert_allclose(stats[2], [-1, -1, -1, -1])  # no frame at all


def test_velocity_uses_3d_distance():
    t = np.arange(0, 1001, 100.0)
    positions = np.stack([0.3 * t / 1000, 0.4 * t / 1000, 0 * t], axis=1)[:, None, :]
    stats = exchange_kinematics(t, positions, np.array([[0, 1000]]), max_gap_ms=150)
    assert stats[0, 2] == pytest.approx(0.5)


# ------------------------------------------------------------ BodyFeatures
def _write_body(path, times, speeds: dict[str, float]) -> None:
    table = {"time_ms": times}
    for joint, speed in speeds.items():
        table[f"{joint}_x"] = speed * times / 1000.0
        table[f"{joint}_y"] = 0.0
        table[f"{joint}_z"] = 2.0
    pd.DataFrame(table).to_csv(path, index=False)


def _dialogue(body_path, ends=(1000, 2000), **kwargs) -> Dialogue:
    starts = [0, *ends[:-1]]
    table = pd.DataFrame(
        {"exchange": range(len(ends)), "start_ms": starts, "end_ms": list(ends), "SS": [3, 6]}
    )
    return Dialogue("s1", table, body_path=body_path, **kwargs)


def test_body_features_known_speeds_names_and_labels(tmp_path):
    path = tmp_path / "body.csv"
    _write_body(path, np.arange(0, 2001, 33.0), {"Head": 0.2, "HandLeft": 1.5})
    X = BodyFeatures(joints=("HandLeft", "Head")).fit_transform([_dialogue(path)])
    assert X.feature_names.tolist()[:4] == [
        "B__HandLeft_acceleration_max",
        "B__HandLeft_velocity_max",
        "B__HandLeft_velocity_mean",
        "B__HandLeft_velocity_std",
    ]
    assert set(X.modalities) == {"B"}
    np.testing.assert_allclose(X.values[:, 2], [1.5, 1.5])
    np.testing.assert_allclose(X.values[:, 6], [0.2, 0.2])
    np.testing.assert_allclose(X.exchange_labels, [3, 6])


def test_joint_reader_reports_missing_columns_and_bad_times(tmp_path):
    path = tmp_path / "body.csv"
    _write_body(path, np.arange(0, 500, 33.0), {"Head": 0.2})
    with pytest.raises(ValueError, match=r"lacks column\(s\) \['HandLeft_x'"):
        read_joint_csv(path, ["HandLeft"])
    pd.DataFrame({"time_ms": [0, 10, 5], "Head_x": 0, "Head_y": 0, "Head_z": 0}).to_csv(
        path, index=False
    )
    with pytest.raises(ValueError, match="timestamps do not increase"):
        read_joint_csv(path, ["Head"])


def test_body_missing_file_raises_or_gives_nan(tmp_path):
    d = _dialogue(tmp_path / "absent.csv")
    with pytest.raises(FileNotFoundError, match=r"Dialogue 's1'.*absent.csv"):
        BodyFeatures().fit_transform([d])
    X = BodyFeatures(on_missing="nan").fit_transform([d])
    assert X.values.shape == (2, 20) and np.isnan(X.values).all()


def test_exchange_outside_recording_is_named(tmp_path):
    path = tmp_path / "body.csv"
    _write_body(path, np.arange(0, 1500, 33.0), {j: 0.1 for j in ("Head",)})
    d = _dialogue(path, ends=(1000, 5000))
    with pytest.raises(ValueError, match=r"dialogue 's1', exchange 1: \[1000, 5000\] ms"):
        BodyFeatures(joints=("Head",)).fit_transform([d])
    X = BodyFeatures(joints=("Head",), on_missing="nan").fit_transform([d])
    assert np.isfinite(X.values[0]).all() and np.isnan(X.values[1]).all()


@pytest.mark.parametrize(
    "params, message",
    [
        ({"segment": "turn"}, "'segment' parameter of BodyFeatures must be"),
        ({"on_missing": "skip"}, "'on_missing' parameter of BodyFeatures must be"),
        ({"max_gap_ms": 0}, r"'max_gap_ms' parameter .* range \(0.0, inf\)"),
        ({"joints": "Head"}, "'joints' parameter of BodyFeatures must be an array-like"),
    ],
)
def test_bad_parameters_are_named_in_fit(tmp_path, params, message):
    with pytest.raises(ValueError, match=message):
        BodyFeatures(**params).fit([_dialogue(tmp_path / "x.csv")])


def test_user_segment_needs_end_system_column(tmp_path):
    with pytest.raises(ValueError, match="needs column 'end_system_ms'"):
        BodyFeatures(segment="user").fit_transform([_dialogue(tmp_path / "x.csv")])


def test_body_clone_pickle_and_input_checks(tmp_path):
    path = tmp_path / "body.csv"
    _write_body(path, np.arange(0, 2001, 33.0), {"Head": 0.2})
    d = _dialogue(path)
    body = BodyFeatures(joints=("Head",), max_gap_ms=80.0)
    assert clone(body).get_params() == body.get_params()
    fitted = pickle.loads(pickle.dumps(body.fit([d])))
    assert fitted.transform([d]).equals(body.transform([d]))
    with pytest.raises(TypeError, match="sequence of Dialogue"):
        body.transform(d)
    with pytest.raises(TypeError, match=r"X\[0\] must be a Dialogue"):
        body.transform(["s1"])


def test_missing_exchange_time_is_named(tmp_path):
    table = pd.DataFrame(
        {"exchange": [0, 1], "start_ms": [0, 1000], "end_system_ms": [500, np.nan],
         "end_ms": [1000, 2000]}
    )  # fmt: skip
    d = Dialogue("s9", table, body_path=tmp_path / "x.csv")
    with pytest.raises(ValueError, match=r"dialogue 's9', exchange 1: missing end_system_ms"):
        BodyFeatures(segment="user").fit_transform([d])
