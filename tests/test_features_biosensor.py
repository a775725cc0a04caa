"""BiosensorFeatures (P): E4 exports in, per-exchange physiology out; known answers."""

from __future__ import annotations

import warnings
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from hazumi_sk.datasets import Dialogue
from hazumi_sk.features import (
    BIOSENSOR_FEATURES,
    BiosensorFeatures,
    BiosensorWarning,
    MultimodalFeatures,
    add_biosensor_block,
    estimate_clock_offset,
)
from hazumi_sk.features._e4 import E4FormatError, read_e4_zip
from hazumi_sk.sequences import RaggedSequences

START = 1_600_000_000.0
COL = {name: k for k, name in enumerate(BIOSENSOR_FEATURES)}


def _signal(rate: float, values, start: float = START) -> str:
    values = np.asarray(values, dtype=float)
    width = 1 if values.ndim == 1 else values.shape[1]
    rows = [[f"{start:.6f}"] * width, [f"{rate:.6f}"] * width]
    rows += [[f"{v:g}" for v in np.atleast_1d(row)] for row in values]
    return "\n".join(", ".join(r) for r in rows) + "\n"


def _ibi(beats, intervals, start: float = START) -> str:
    return f"{start:.6f}, IBI\n" + "".join(
        f"{t:.6f},{i:.6f}\n" for t, i in zip(beats, intervals, strict=True)
    )


def write_e4(folder: Path, dialogue_id: str = "1911F2001", seconds: float = 120.0, **override):
    """An E4 zip: EDA 2.0 µS, TEMP 33.0 °C, ACC (0, 0, 64) = 1 g, 75 bpm BVP, IBI 0.75 s."""
    n4, n32, n64 = int(seconds * 4), int(seconds * 32), int(seconds * 64)
    beats = np.arange(1.0, seconds, 0.75)
    members = {
        "EDA.csv": _signal(4, np.full(n4, 2.0)),
        "TEMP.csv": _signal(4, np.full(n4, 33.0)),
        "ACC.csv": _signal(32, np.tile([0, 0, 64], (n32, 1))),
        "BVP.csv": _signal(64, np.sin(2 * np.pi * 1.25 * np.arange(n64) / 64)),
        "HR.csv": _signal(1, np.full(int(seconds) - 10, 80.0), start=START + 10),
        "IBI.csv": _ibi(beats, np.full(len(beats), 0.75)),
        "tags.csv": "",
    }
    members.update(override)
    path = folder / f"{dialogue_id}.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in members.items():
            if text is not None:
                archive.writestr(f"{dialogue_id}/{name}", text)
    return path


def dialogue(path, spans_ms, dialogue_id="1911F2001", **extras) -> Dialogue:
    spans = np.asarray(spans_ms, dtype=float)
    table = pd.DataFrame({"exchange": np.arange(len(spans)), "start_ms": spans[:, 0],
                          "end_ms": spans[:, 1]})  # fmt: skip
    return Dialogue(dialogue_id, table, extras={"biosensor": path, **extras})


def extract(d, **params):
    params = {"clock_offset": 0.0, "method": "simple", **params}
    return BiosensorFeatures(**params).fit_transform([d]).values


THIRDS = [[0, 40_000], [40_000, 80_000], [80_000, 120_000]]


def test_constant_signals_give_known_values(tmp_path):
    X = extract(dialogue(write_e4(tmp_path), THIRDS))
    assert X.shape == (3, len(BIOSENSOR_FEATURES))
    np.testing.assert_allclose(X[:, COL["EDA_mean"]], 2.0)
    np.testing.assert_allclose(X[:, COL["EDA_tonic_mean"]], 2.0, atol=1e-9)
    np.testing.assert_array_equal(X[:, COL["SCR_count"]], 0)
    np.testing.assert_array_equal(X[:, COL["SCR_amplitude_mean"]], 0.0)  # fill_value
    np.testing.assert_allclose(X[:, COL["TEMP_mean"]], 33.0)
    np.testing.assert_allclose(X[:, COL["TEMP_slope_per_min"]], 0.0, atol=1e-9)
    np.testing.assert_allclose(X[:, COL["ACC_magnitude_mean"]], 1.0)
    np.testing.assert_allclose(X[:, COL["ACC_magnitude_std"]], 0.0, atol=1e-12)
    np.testing.assert_allclose(X[:, COL["HR_mean"]], 80.0)  # 60 / 0.75 s from IBI.csv
    np.testing.assert_allclose(X[:, COL["HR_std"]], 0.0, atol=1e-9)


def test_temperature_slope_per_minute(tmp_path):
    ramp = _signal(4, 30.0 + 0.01 * np.arange(480) / 4)  # 0.01 °C/s
    X = extract(dialogue(write_e4(tmp_path, **{"TEMP.csv": ramp}), THIRDS))
    np.testing.assert_allclose(X[:, COL["TEMP_slope_per_min"]], 0.6, rtol=1e-9)
    np.testing.assert_allclose(X[:, COL["TEMP_mean"]], [30.19875, 30.59875, 30.99875])


def _scr_eda(onsets, seconds=120.0):
    t = np.arange(0, seconds, 0.25)
    eda = np.full_like(t, 2.0)
    for onset in onsets:
        lag = t - onset
        eda += np.where(lag > 0, 0.5 * (np.exp(-lag / 4) - np.exp(-lag / 0.75)), 0.0)
    return eda


@pytest.mark.parametrize("method", ["simple", "neurokit"])
def test_synthetic_scrs_are_counted_in_their_exchange(tmp_path, method):
    if method == "neurokit":
        pytest.importorskip("neurokit2")
    path = write_e4(tmp_path, **{"EDA.csv": _signal(4, _scr_eda([20, 100]))})
    X = extract(dialogue(path, THIRDS), method=method)
    np.testing.assert_array_equal(X[:, COL["SCR_count"]], [1, 0, 1])
    np.testing.assert_allclose(X[:, COL["SCR_rate_per_min"]], [1.5, 0, 1.5])
    # Biexponential peak 0.5 * 0.553 = 0.276 µS; the filters' view of it is close.
    amplitude = X[[0, 2], COL["SCR_amplitude_mean"]]
    assert np.all((amplitude > 0.2) & (amplitude < 0.3)), amplitude
    assert X[1, COL["SCR_amplitude_mean"]] == 0.0


@pytest.mark.filterwarnings("ignore::hazumi_sk.features.BiosensorWarning")  # 1 s: < 2 beats
def test_clock_offset_maps_exchange_to_e4_samples(tmp_path):
    # EDA sample k is k: the window [1.0 + 2.5, 2.0 + 2.5) s holds samples 14..17.
    path = write_e4(tmp_path, **{"EDA.csv": _signal(4, np.arange(480.0))})
    d = dialogue(path, [[1000, 2000]])
    assert extract(d, clock_offset=2.5)[0, COL["EDA_mean"]] == 15.5
    assert extract(d, clock_offset={"1911F2001": 0.0})[0, COL["EDA_mean"]] == 5.5
    with pytest.raises(ValueError, match="clock_offset has no entry"):
        extract(d, clock_offset={"other": 0.0})


def test_ibi_is_placed_by_its_own_start_row(tmp_path):
    # IBI.csv starts 10 s after EDA: beats at 0..9 s in it lie at 10..19 s on the session clock.
    ibi = _ibi(np.arange(0.5, 10, 0.5), np.full(19, 0.5), start=START + 10)
    path = write_e4(tmp_path, **{"IBI.csv": ibi})
    X = extract(dialogue(path, [[10_000, 20_000], [30_000, 40_000]]))
    assert X[0, COL["HR_mean"]] == pytest.approx(120.0)  # from IBI.csv
    assert X[1, COL["HR_mean"]] == pytest.approx(75.0, abs=1.0)  # no IBI there: BVP peaks


def test_empty_ibi_falls_back_to_bvp_peaks(tmp_path):
    d = dialogue(write_e4(tmp_path, **{"IBI.csv": ""}), THIRDS)
    features, report = (
        BiosensorFeatures(clock_offset=0.0, method="simple").fit([d]).extract_with_report(d)
    )
    np.testing.assert_allclose(features[:, COL["HR_mean"]], 75.0, atol=0.5)  # 1.25 Hz sine
    assert report.hr_from_bvp == 3 and not report.problems


def test_exchanges_outside_recording_are_nan_and_reported(tmp_path):
    d = dialogue(write_e4(tmp_path, seconds=60.0), [[0, 30_000], [50_000, 70_000]])
    with pytest.warns(BiosensorWarning, match=r"'1911F2001', exchange 1 EDA: .*outside"):
        X = extract(d)
    assert np.isfinite(X[0]).all()
    assert np.isnan(X[1]).all()


def _dumpfile(path: Path, eda: np.ndarray, offset: float, spans_ms: np.ndarray) -> Path:
    t = np.arange(len(eda)) / 4
    means = [eda[(t >= s / 1000 + offset) & (t < e / 1000 + offset)].mean() for s, e in spans_ms]
    pd.DataFrame({"start(exchange)[ms]": spans_ms[:, 0], "end(exchange)[ms]": spans_ms[:, 1],
                  "EDA_mean": means}).to_csv(path, index=False)  # fmt: skip
    return path


@pytest.mark.filterwarnings("ignore::hazumi_sk.features.BiosensorWarning")  # short: < 2 beats
def test_clock_offset_is_fitted_on_the_dumpfile_eda_mean(tmp_path):
    rng = np.random.default_rng(0)
    eda = 2 + np.cumsum(rng.normal(0, 0.05, 1200))  # 300 s
    bounds = np.sort(rng.uniform(0, 240_000, 41)).round()
    spans = np.column_stack([bounds[:-1], bounds[1:]])
    dump = _dumpfile(tmp_path / "1911F2001.csv", eda, 12.345, spans)
    zip_path = write_e4(tmp_path, seconds=300.0, **{"EDA.csv": _signal(4, eda)})
    offset, match = estimate_clock_offset(zip_path, dump)
    assert match == 1.0 and offset == pytest.approx(12.345, abs=0.02)
    d = dialogue(zip_path, spans, dumpfile=dump)
    X = BiosensorFeatures(method="simple").fit_transform([d]).values
    dumped = pd.read_csv(dump)["EDA_mean"].to_numpy()
    np.testing.assert_allclose(X[:, COL["EDA_mean"]], dumped, atol=1e-5)  # %g-written EDA
    # A dumpfile of another session cannot be reproduced: a clear error.
    other = _dumpfile(tmp_path / "other.csv", rng.normal(5, 1, 1200), 0.0, spans)
    d = dialogue(zip_path, spans, dumpfile=other)
    with pytest.raises(ValueError, match="no clock offset reproduces"):
        BiosensorFeatures(method="simple").fit_transform([d])


@pytest.mark.parametrize(
    ("member", "text", "message"),
    [
        ("EDA.csv", _signal(4, [1.0, 2.0]).replace("4.000000", "abc"), r"EDA.csv: row 2 is not"),
        ("TEMP.csv", _signal(4, [33.0, 33.0]).replace("1600000000.000000", "33.0"), "row 1 must"),
        ("EDA.csv", _signal(4, [1.0, 2.0, 3.0, np.nan]), r"EDA.csv: row 6 is not numeric"),
        ("ACC.csv", _signal(32, [1.0, 2.0]), "1 columns, expected 3"),
        ("IBI.csv", "1600000000.0, HR\n1.0,0.8\n", "IBI.csv: row 1 must be"),
        ("IBI.csv", _ibi([1.0, 0.5], [0.8, 0.8]), "IBI.csv: row 3 has a non-positive"),
        ("TEMP.csv", None, "member TEMP.csv missing"),
    ],
)
def test_malformed_exports_name_file_and_row(tmp_path, member, text, message):
    path = write_e4(tmp_path, **{member: text})
    with pytest.raises(E4FormatError, match=message) as error:
        read_e4_zip(path)
    assert str(path) in str(error.value)


def test_missing_export_raises_or_gives_reported_nan(tmp_path):
    d = dialogue(tmp_path / "absent.zip", THIRDS)
    with pytest.raises(FileNotFoundError, match="absent.zip"):
        extract(d)
    with pytest.warns(BiosensorWarning, match="all biosensor features NaN"):
        X = extract(d, on_missing="nan")
    assert X.shape == (3, len(BIOSENSOR_FEATURES)) and np.isnan(X).all()


@pytest.mark.parametrize(
    "params", [{"method": "fourier"}, {"min_beats": 0}, {"clock_offset": "auto"}]
)
def test_invalid_parameters_are_rejected_in_fit(tmp_path, params):
    d = dialogue(write_e4(tmp_path), THIRDS)
    with pytest.raises(ValueError, match=next(iter(params))):
        BiosensorFeatures(**params).fit([d])


def test_plugs_into_multimodal_features_with_p_tag(tmp_path):
    d = dialogue(write_e4(tmp_path), THIRDS)
    fusion = MultimodalFeatures([("P", BiosensorFeatures(clock_offset=0.0, method="simple"))])
    Xt = fusion.fit_transform([d])
    assert set(Xt.modalities) == {"P"}
    assert Xt.feature_names[0] == "P__EDA_mean"
    np.testing.assert_array_equal(Xt.values, extract(d))


def test_add_biosensor_block_appends_p_columns_and_reports(tmp_path):
    folder = tmp_path / "Hazumi1911" / "biosensor"
    folder.mkdir(parents=True)
    write_e4(folder, "1911F2001")
    rows = pd.DataFrame({
        "dialogue_id": ["1911F2001"] * 2 + ["1911M2001"],
        "row": [0, 1, 0], "start_ms": [0, 40_000, 0], "end_ms": [40_000, 80_000, 5_000],
        "elan_exchanges": [(0,), (1,), (0,)],
    })  # fmt: skip
    features = RaggedSequences.from_arrays(
        [np.ones((2, 1), np.float32), np.zeros((1, 1), np.float32)],
        feature_names=["AU01_c_mean"], modalities=["V"], dialogue_ids=["1911F2001", "1911M2001"],
    )  # fmt: skip
    data = Bunch(
        features=features,
        feature_rows=rows,
        excluded=pd.DataFrame(columns=["dialogue_id", "exchange", "level", "reason"]),
    )
    out = add_biosensor_block(data, tmp_path, clock_offset=0.0, method="simple")
    assert out.features.shape == (2, 1 + len(BIOSENSOR_FEATURES))
    assert out.features.values.dtype == np.float32 and data.features.n_features == 1
    p = out.features.select_modalities(["P"]).values
    np.testing.assert_allclose(p[:2, COL["TEMP_mean"]], 33.0)
    assert np.isnan(p[2]).all()
    record = out.excluded.query("level == 'biosensor'")
    assert record["dialogue_id"].tolist() == ["1911M2001"]
    assert "no E4 export" in record["reason"].iloc[0]
    assert out.biosensor.loc["1911F2001", "offset_s"] == 0.0


@pytest.mark.realdata
def test_real_1911_export_reproduces_dumpfile_eda(hazumi_root):
    folder = hazumi_root / "Hazumi1911"
    zip_path, dump = folder / "biosensor" / "1911M5001.zip", folder / "dumpfiles" / "1911M5001.csv"
    offset, match = estimate_clock_offset(zip_path, dump)
    assert match == 1.0 and offset == pytest.approx(27.0, abs=0.1)  # FORMAT.md: +27 s video
    table = pd.read_csv(dump)
    d = dialogue(zip_path, table[["start(exchange)[ms]", "end(exchange)[ms]"]].to_numpy(),
                 dialogue_id="1911M5001", dumpfile=dump)  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", BiosensorWarning)  # every exchange is covered
        X = BiosensorFeatures(method="simple").fit_transform([d]).values
    np.testing.assert_allclose(X[:, COL["EDA_mean"]], table["EDA_mean"], atol=1e-3)
    assert np.isfinite(X).all()
    assert 30 < np.median(X[:, COL["TEMP_mean"]]) < 36  # °C on the wrist
    assert 0.9 < np.median(X[:, COL["ACC_magnitude_mean"]]) < 1.1  # gravity, in g
