"""FaceFeatures on OpenFace 2.x CSVs in the real column format, with known motions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from hazumi_sk.datasets import Dialogue
from hazumi_sk.features import FaceFeatures, read_openface_csv
from hazumi_sk.features._demo import openface_header, write_openface_csv
from hazumi_sk.vocabulary import FACE_LANDMARK_PRESETS, OPENFACE_ACTION_UNITS

TIMES = np.arange(0, 2001, 40.0)  # 25 fps, two exchanges of 1 s


def _landmarks(speed_mm_s: float) -> np.ndarray:
    """All 68 landmarks translate along X at ``speed_mm_s``."""
    positions = np.full((len(TIMES), 68, 3), 100.0)
    positions[:, :, 0] += speed_mm_s * TIMES[:, None] / 1000.0
    return positions


def _dialogue(path, ends=(1000, 2000)) -> Dialogue:
    table = pd.DataFrame({"exchange": [0, 1], "start_ms": [0, ends[0]], "end_ms": list(ends)})
    return Dialogue("f1", table, face_path=path)


def test_header_is_openface_2_2_with_spaced_separators(tmp_path):
    path = write_openface_csv(tmp_path / "of.csv", TIMES, _landmarks(0.0))
    first_line = path.read_text().splitlines()[0]
    assert first_line.startswith("frame, face_id, timestamp, confidence, success, gaze_0_x")
    header = openface_header()
    assert header.count("AU28_c") == 1 and "AU28_r" not in header and len(header) == 714


def test_landmark_speed_and_au_presence_rates(tmp_path):
    aus = np.zeros((len(TIMES), 18))
    aus[:, OPENFACE_ACTION_UNITS.index("AU12")] = (TIMES < 500).astype(float)  # half of exch. 0
    aus[:, OPENFACE_ACTION_UNITS.index("AU45")] = 1.0
    path = write_openface_csv(tmp_path / "of.csv", TIMES, _landmarks(20.0), aus)
    X = FaceFeatures().fit_transform([_dialogue(path)])
    names = X.feature_names.tolist()
    assert len(names) == 12 * 4 + 18 and names[0] == "V__17_acceleration_max"
    assert set(X.modalities) == {"V"}
    np.testing.assert_allclose(X.values[:, names.index("V__48_velocity_mean")], [20.0, 20.0])
    np.testing.assert_allclose(X.values[:, names.index("V__48_velocity_std")], 0.0, atol=1e-9)
    # Exchange 0 has frames 0..1000 ms inclusive: 13 of 26 frames are before 500 ms.
    np.testing.assert_allclose(X.values[:, names.index("V__AU12_c_mean")], [13 / 26, 0.0])
    np.testing.assert_allclose(X.values[:, names.index("V__AU45_c_mean")], [1.0, 1.0])


def test_low_confidence_and_failed_frames_are_excluded(tmp_path):
    aus = np.zeros((len(TIMES), 18))
    bad = (TIMES > 200) & (TIMES < 700)
    aus[bad, 0] = 1.0  # AU01 only in frames that must be ignored
    confidence = np.where(bad & (TIMES < 450), 0.3, 0.95)
    success = np.where(bad & (TIMES >= 450), 0, 1)
    positions = _landmarks(10.0)
    positions[bad] += 1000.0  # wild jumps that must not count as motion
    path = write_openface_csv(tmp_path / "of.csv", TIMES, positions, aus, confidence, success)
    X = FaceFeatures(max_gap_ms=50).fit_transform([_dialogue(path)])
    names = X.feature_names.tolist()
    assert X.values[0, names.index("V__AU01_c_mean")] == 0.0
    assert X.values[0, names.index("V__36_velocity_max")] == pytest.approx(10.0)


def test_presets_and_2d_coordinates(tmp_path):
    path = write_openface_csv(tmp_path / "of.csv", TIMES, _landmarks(20.0))
    d = _dialogue(path)
    assert FaceFeatures(landmarks="paper").fit([d]).n_features_out_ == 10 * 4 + 18
    assert len(FACE_LANDMARK_PRESETS["hazumi"]) == 12
    X = FaceFeatures(landmarks=(30,), coordinates="2d", action_units=False).fit_transform([d])
    assert X.feature_names.tolist() == [
        "V__30_acceleration_max",
        "V__30_velocity_max",
        "V__30_velocity_mean",
        "V__30_velocity_std",
    ]
    np.testing.assert_allclose(X.values[:, 2], [20.0, 20.0])  # x_i pixels move like X_i here


def test_reader_keeps_the_requested_face_only(tmp_path):
    path = write_openface_csv(tmp_path / "of.csv", TIMES, _landmarks(20.0))
    table = pd.read_csv(path, skipinitialspace=True)
    other = table.copy()
    other["face_id"] = 1
    other["X_17"] += 1e4  # a second face far away
    pd.concat([table, other]).sort_values("frame").to_csv(path, index=False)
    times, positions, aus = read_openface_csv(path, [17])
    assert len(times) == len(TIMES) and positions.shape == (len(TIMES), 1, 3)
    assert aus.shape == (len(TIMES), 18)
    assert np.nanmax(positions) < 1e4


def test_empty_exchange_gets_fill_value_and_errors_are_named(tmp_path):
    path = write_openface_csv(tmp_path / "of.csv", TIMES, _landmarks(20.0))
    d = _dialogue(path, ends=(1000, 2600))
    with pytest.raises(ValueError, match=r"dialogue 'f1', exchange 1: .* outside the recording"):
        FaceFeatures().fit_transform([d])
    with pytest.raises(FileNotFoundError, match=r"Dialogue 'f1': no OpenFace file"):
        FaceFeatures().fit_transform([Dialogue("f1", d.exchanges)])
    with pytest.raises(ValueError, match="'landmarks' parameter of FaceFeatures must be"):
        FaceFeatures(landmarks="eyes").fit([d])
    with pytest.raises(ValueError, match="landmarks must be ids"):
        FaceFeatures(landmarks=(70,)).fit([d])
    (tmp_path / "broken.csv").write_text("frame, timestamp\n1, 0.0\n")
    with pytest.raises(ValueError, match="lacks column"):
        FaceFeatures().fit_transform(
            [Dialogue("f1", d.exchanges, face_path=tmp_path / "broken.csv")]
        )


def test_exchange_without_usable_frames_gets_fill_value(tmp_path):
    success = (TIMES <= 1000).astype(int)  # face lost during exchange 1
    path = write_openface_csv(tmp_path / "of.csv", TIMES, _landmarks(5.0), success=success)
    X = FaceFeatures(fill_value=0.0).fit_transform([_dialogue(path)])
    assert np.all(X.values[1] == 0.0) and X.values[0, 2] == pytest.approx(5.0)
