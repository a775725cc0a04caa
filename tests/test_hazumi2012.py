"""Hazumi2012 in load_hazumi: constructed files for each quirk, and the real copy."""

from __future__ import annotations

import csv
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from hazumi_sk.datasets import (
    RAPPORT_ITEMS,
    RAPPORT_ITEMS_JA,
    SUPPORTED_VERSIONS,
    HazumiFormatError,
    load_hazumi,
)
from hazumi_sk.vocabulary import UPOS_TAGS

UI = ["UI_F1", "UI_F2", "UI_F3", "UI_M1", "UI_M2"]
TC = ["TC_F1", "TC_F2", "TC_F4", "TC_F5", "TC_M1"]
TIERS = ["exchangeID", "sys_utterance", "user_utterance", "dialogue_act", *UI, *TC]
#: The 2012 header's label block, in file order (read from 2012F2001.csv).
LABELS = ["Unnamed: 0", "start(exchange)", "end(system)", "end(exchange)", "Dialogue_act"]
FEATURES = ["pcm_RMSenergy_sma_max", "F0_sma_de_kurtosis\n", "17_velocity_max", "AU01_c_mean"]
FEATURES += [*UPOS_TAGS, "bert0", "bert1"]
#: 'oa ' has the trailing space of 2012F3009's one such act (ELAN and dumpfile).
ACTS = ["op", "qw", "oa ", "th", "qy", "na"]


# --------------------------------------------------------------------------- writers
def write_eaf(path: Path, spans: list[tuple[int, int]], tiers: dict[str, list]) -> None:
    root = ET.Element("ANNOTATION_DOCUMENT", FORMAT="3.0", VERSION="3.0")
    ET.SubElement(root, "HEADER", MEDIA_FILE="", TIME_UNITS="milliseconds")
    order, slot = ET.SubElement(root, "TIME_ORDER"), 0
    for name, values in tiers.items():
        tier = ET.SubElement(root, "TIER", LINGUISTIC_TYPE_REF="imported-sep", TIER_ID=name)
        for (start, end), value in zip(spans, values, strict=True):
            refs = []
            for t in (start, end):
                slot += 1
                refs.append(f"ts{slot}")
                ET.SubElement(order, "TIME_SLOT", TIME_SLOT_ID=f"ts{slot}", TIME_VALUE=str(t))
            ann = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION")
            ann.set("ANNOTATION_ID", f"a{slot}")
            ann.set("TIME_SLOT_REF1", refs[0])
            ann.set("TIME_SLOT_REF2", refs[1])
            ET.SubElement(ann, "ANNOTATION_VALUE").text = value
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def label(i: int, k: int) -> int:
    return (i + 2 * k) % 7 + 1


def write_book(path: Path, sheets: list[str], items, ids: list[str]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet)
        ws.append(["タイトル"])
        ws.append(["被験者番号", *items, None])
        for participant in reversed(ids):
            ws.append([participant, *[rating(participant, k, sheet) for k in range(len(items))]])
    book.save(path)


def rating(participant: str, item: int, sheet: str) -> int:
    return (int(participant[-2:]) + item + len(sheet)) % 8 + 1


def make_2012(root: Path, markers=None, end_system=None, index_shift=0, n=6) -> Path:
    """One 2012-style session ``2012F2001`` (+ ``2012M3001``) with the given quirks.

    ``markers`` maps (exchange, tier) to a raw ELAN value (the dumpfile then
    writes 3 there, as 2012 does); ``end_system`` maps a row to its raw
    ``end(system)``; ``index_shift`` corrupts ``Unnamed: 0`` in row 2.
    """
    markers, end_system = markers or {}, end_system or {}
    folder = root / "Hazumi2012"
    for sub in ("elan", "dumpfiles", "questionnaire"):
        (folder / sub).mkdir(parents=True)
    ids = ["2012F2001", "2012M3001"]
    for participant in ids:
        spans = [(6000 * i, 6000 * (i + 1)) for i in range(n)]
        tiers = {
            "exchangeID": [f"{i + 1:03d}" for i in range(n)],
            "sys_utterance": [f" 質問{i}" for i in range(n)],
            "user_utterance": [f"(F えー)|答え{i}" if i != 3 else "" for i in range(n)],
            "dialogue_act": [ACTS[i % len(ACTS)] for i in range(n)],
        }
        for k, tier in enumerate([*UI, *TC]):
            tiers[tier] = [" " + str(label(i, k)) for i in range(n)]  # 2012: ' d' is the norm
        if participant == ids[0]:
            for (i, tier), raw in markers.items():
                tiers[tier][i] = raw
        write_eaf(folder / "elan" / f"{participant}.eaf", spans, tiers)
        marked = markers if participant == ids[0] else {}
        rows = []
        for i, (start, end) in enumerate(spans):
            ui = [3 if (i, t) in marked else label(i, k) for k, t in enumerate(UI)]
            tc = [3 if (i, t) in marked else label(i, k + 5) for k, t in enumerate(TC)]
            index = i + (index_shift if i == 2 else 0)
            stop = end_system.get(i, start + 2000) if participant == ids[0] else start + 2000
            act = ACTS[i % len(ACTS)]
            features = [0.5 + i, 0.25, float(i), 1.0, *[float(i % 3)] * len(UPOS_TAGS), 0.1, 0.2]
            rows.append(
                [index, start, stop, end, act, *[float(v) for v in ui + tc]]
                + [np.mean(ui), np.mean(tc), *features]
            )
        header = [*LABELS, *UI, *TC, "UI_Aver", "TC_Aver", *FEATURES]
        with open(folder / "dumpfiles" / f"{participant}.csv", "w", newline="") as handle:
            csv.writer(handle, lineterminator="\r\n").writerows([header, *rows])  # 2012: CRLF
    sheets = ["①実験前（参加者）", "②実験後（参加者）", "⑤Wizard用（前）"]
    write_book(folder / "questionnaire" / "questionnaires.xlsx", sheets, RAPPORT_ITEMS_JA, ids)
    third = [f"{k:02d}" for k in range(1, 6)]
    book = folder / "questionnaire" / "questionnaires-3rdparty-rapport.xlsx"
    write_book(book, third, RAPPORT_ITEMS_JA, ids)
    personality = folder / "questionnaire" / "questionnaires-3rdparty-personality.xlsx"
    write_book(personality, third, ["A.活発で外交的", "B.他人に不満。もめ事を起こしやすい"], ids)
    return folder


def read_csv(path: Path) -> list[list[str]]:
    with open(path, newline="") as handle:
        return list(csv.reader(handle))


def set_label(path: Path, row: int, column: str, value: float) -> None:
    """Rewrite one dumpfile label and the row's ``*_Aver`` that covers it."""
    rows = read_csv(path)
    header = rows[0]
    rows[row + 1][header.index(column)] = str(value)
    group, aver = (UI, "UI_Aver") if column.startswith("UI_") else (TC, "TC_Aver")
    rows[row + 1][header.index(aver)] = str(
        np.mean([float(rows[row + 1][header.index(t)]) for t in group])
    )
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)


def load(folder: Path, **kwargs):
    return load_hazumi(folder, progress=False, **kwargs)


# --------------------------------------------------------------------------- constructed
def test_2012_is_supported():
    assert "2012" in SUPPORTED_VERSIONS


def test_2012_layout_reads_index_aliased_act_and_two_line_header(tmp_path):
    data = load(make_2012(tmp_path))
    assert list(data.sessions.index) == ["2012F2001", "2012M3001"]
    assert data.sessions.loc["2012F2001", ["version", "setting"]].tolist() == ["2012", "online"]
    assert data.features.n_exchanges == 12
    names = list(data.features.feature_names)
    assert "F0_sma_de_kurtosis" in names and "Unnamed: 0" not in names
    assert "Dialogue_act" not in names and "oa" in names  # 'oa ' one-hot after stripping
    X = data.features.sequence(0)
    oa = names.index("oa")
    np.testing.assert_array_equal(X[:, oa], [0, 0, 1, 0, 0, 0])
    np.testing.assert_allclose(X[:, names.index("pcm_RMSenergy_sma_max")], 0.5 + np.arange(6))
    table = data.exchanges.query("dialogue_id == '2012F2001'")
    assert table["dialogue_act"].iloc[2] == "oa"
    assert np.isnan(table["SS"]).all()  # no self-sentiment in 2012
    assert [c for c in table.columns if c.startswith(("TS_", "TC_"))] == [
        "TC_F1", "TC_F2", "TC_F4", "TC_F5", "TC_M1",
        "TS_F1", "TS_F2", "TS_F3", "TS_M1", "TS_M2", "TS_mean", "TC_mean",
    ]  # fmt: skip
    assert table["TS_F3"].iloc[1] == label(1, 2)
    # Nothing to exclude (the personality workbook is ignored) but the documented columns
    # the small test files lack, each logged once.
    assert data.excluded["reason"].str.startswith("documented feature column").all()
    assert len(data.excluded) == 1243 - data.features.n_features


def test_2012_ratings_from_the_2012_workbooks(tmp_path):
    data = load(make_2012(tmp_path))
    assert data.ratings_post.loc["2012M3001", "cold"] == rating("2012M3001", 6, "②実験後（参加者）")
    expected = np.mean([rating("2012F2001", 0, f"{k:02d}") for k in range(1, 6)])
    assert data.ratings_third_party.loc["2012F2001", RAPPORT_ITEMS[0]] == pytest.approx(expected)


def test_2012_markers_written_as_3_are_re_masked(tmp_path):
    markers = {(1, "UI_F2"): " E", (1, "TC_M1"): " e", (4, "UI_M2"): "", (4, "TC_F1"): "e"}
    data = load(make_2012(tmp_path, markers=markers))
    table = data.exchanges.query("dialogue_id == '2012F2001'").set_index("exchange")
    assert np.isnan(table.loc[1, "TS_F2"]) and np.isnan(table.loc[4, "TS_M2"])
    rest = [label(1, k) for k in (0, 2, 3, 4)]
    assert table.loc[1, "TS_mean"] == pytest.approx(np.mean(rest))
    log = data.excluded.query("dialogue_id == '2012F2001' and level == 'label'")
    assert sorted(log["exchange"].unique()) == [1, 4]
    assert log["reason"].str.contains("dumpfile wrote 3").sum() == 2
    rows = data.feature_rows.query("dialogue_id == '2012F2001'")
    assert rows["TS_mean"].iloc[1] == pytest.approx(np.mean(rest))


def test_2012_full_width_and_stray_full_stop_labels(tmp_path):
    markers = {(0, "TC_F4"): "７", (2, "UI_F1"): " 5."}
    # These are clean labels, not markers: the dumpfile must carry the same value.
    folder = make_2012(tmp_path)
    eaf = folder / "elan" / "2012F2001.eaf"
    text = eaf.read_text(encoding="utf-8")
    tree = ET.fromstring(text.encode())
    for tier in tree.iter("TIER"):
        for (i, name), raw in markers.items():
            if tier.get("TIER_ID") == name:
                value = list(tier.iter("ANNOTATION_VALUE"))[i]
                assert value.text.strip() == str(label(i, [*UI, *TC].index(name)))
                value.text = raw
    ET.ElementTree(tree).write(eaf, encoding="UTF-8", xml_declaration=True)
    # Make the dumpfile agree with the new values (7 and 5).
    path = folder / "dumpfiles" / "2012F2001.csv"
    set_label(path, 0, "TC_F4", 7.0)
    set_label(path, 2, "UI_F1", 5.0)
    data = load(folder)
    table = data.exchanges.query("dialogue_id == '2012F2001'")
    assert table["TC_F4"].iloc[0] == 7 and table["TS_F1"].iloc[2] == 5
    assert data.excluded["reason"].str.startswith("documented feature column").all()


def test_2012_end_system_jitter_clipped_and_outside_masked(tmp_path):
    # row 1: 1 ms past the exchange end (16 rows in 2012); row 4: 1000 s later (180 rows).
    folder = make_2012(tmp_path, end_system={1: 12001, 4: 1_000_000})
    data = load(folder)
    table = data.exchanges.query("dialogue_id == '2012F2001'")
    assert table["end_system_ms"].iloc[1] == 12000
    assert np.isnan(table["end_system_ms"].iloc[4])
    assert table["end_system_ms"].iloc[0] == 2000
    log = data.excluded.query("level == 'time'")
    assert len(log) == 1 and log["dialogue_id"].iloc[0] == "2012F2001"
    assert log["exchange"].iloc[0] == 4
    reason = log["reason"].iloc[0]
    assert "end(system) 1000000 ms lies outside the exchange [24000, 30000]" in reason


def test_2012_bad_row_index_names_file_row_and_column(tmp_path):
    folder = make_2012(tmp_path, index_shift=5)
    with pytest.raises(HazumiFormatError, match=r"2012F2001\.csv: data row 2, column 'Unnamed: 0'"):
        load(folder)


def test_2012_relabelled_marker_that_is_not_3_is_an_error(tmp_path):
    folder = make_2012(tmp_path, markers={(2, "UI_F1"): " E"})
    set_label(folder / "dumpfiles" / "2012F2001.csv", 2, "UI_F1", 5.0)
    with pytest.raises(HazumiFormatError, match=r"2012F2001\.csv: data row 2 has label"):
        load(folder)


# --------------------------------------------------------------------------- real copy
REAL = Path(__file__).resolve().parents[1].parent / "shared" / "hazumi"


@pytest.fixture(scope="module")
def real_2012():
    if not (REAL / "Hazumi2012").is_dir():
        pytest.skip(f"Hazumi2012 copy not found at {REAL / 'Hazumi2012'}.")
    return load_hazumi(REAL, versions=["2012"], progress=False)


def raw_rows(participant: str) -> tuple[list[str], list[list[str]]]:
    path = REAL / "Hazumi2012" / "dumpfiles" / f"{participant}.csv"
    with open(path, encoding="utf-8", newline="") as handle:
        records = list(csv.reader(handle))
    return [h.strip() for h in records[0]], records[1:]


@pytest.mark.realdata
def test_real_2012_counts(real_2012):
    s = real_2012.sessions
    assert len(s) == 63 and s["has_features"].all()
    assert s["sex"].value_counts().to_dict() == {"F": 34, "M": 29}
    assert sorted(s["age_decade"].unique()) == [20, 30, 40, 50, 60]
    assert (s["setting"] == "online").all() and (s["version"] == "2012").all()
    assert s["n_exchanges"].sum() == 5334 and s["n_feature_rows"].sum() == 5334
    assert (s["n_exchanges"].min(), s["n_exchanges"].max()) == (56, 112)
    counts = real_2012.feature_columns["modality"].value_counts().to_dict()
    assert counts == {"A": 384, "L": 785, "S": 8, "V": 66}
    ex = real_2012.excluded
    assert ex["level"].value_counts().to_dict() == {"time": 180, "label": 160}
    labels = ex[ex["level"] == "label"]
    assert labels["reason"].str.startswith("not rated / marked").sum() == 80
    assert labels["reason"].str.startswith("dumpfile wrote 3").sum() == 80
    for table in (real_2012.ratings_post, real_2012.ratings_pre, real_2012.ratings_third_party):
        assert len(table) == 63 and table.notna().all().all()


@pytest.mark.realdata
def test_real_2012_spot_values_against_the_raw_files(real_2012):
    header, rows = raw_rows("2012F2001")
    assert header[0] == "Unnamed: 0" and header[4] == "Dialogue_act"
    X = real_2012.features.sequence(0)
    names = list(real_2012.features.feature_names)
    for column in ("pcm_RMSenergy_sma_max", "AU45_c_mean", "NOUN", "bert767", "F0_sma_de_kurtosis"):
        np.testing.assert_allclose(
            X[:, names.index(column)],
            np.array([float(r[header.index(column)]) for r in rows], dtype=np.float32),
        )
    table = real_2012.exchanges.query("dialogue_id == '2012F2001'")
    assert table["TS_F3"].iloc[1] == float(rows[1][header.index("UI_F3")]) == 5
    assert table["TS_mean"].iloc[1] == pytest.approx(float(rows[1][header.index("UI_Aver")]))
    assert table["user_utterance"].iloc[1] == "よろしくお願いします"
    # Row 18's end(system) (1132992 ms) lies 950 s past its exchange [171572, 179119].
    assert rows[18][2] == "1132992" and np.isnan(table["end_system_ms"].iloc[18])
    assert table["end_system_ms"].iloc[1] == float(rows[1][2]) == 14523
    assert real_2012.ratings_post.loc["2012F5001", "well-coordinated"] == 6
    assert real_2012.ratings_pre.loc["2012F5001", "boring"] == 3
    assert real_2012.ratings_third_party.loc["2012F2001", "well-coordinated"] == pytest.approx(6.4)


@pytest.mark.realdata
def test_real_2012_empty_utterances_carry_adj_one(real_2012):
    """581 of the 587 empty transcripts have UPOS ADJ = 1 and zero BERT (a dumpfile artefact)."""
    rows = real_2012.exchanges
    empty = rows["user_utterance"] == ""
    assert empty.sum() == 587
    names = list(real_2012.features.feature_names)
    values = real_2012.features.values
    upos = values[:, [names.index(t) for t in UPOS_TAGS]]
    bert_zero = (values[:, names.index("bert0") : names.index("bert767") + 1] == 0).all(axis=1)
    adj_only = (upos[:, UPOS_TAGS.index("ADJ")] == 1) & (upos.sum(axis=1) == 1)
    # 2012 is 1:1, so exchange order is feature-row order.
    assert (adj_only & empty.to_numpy() & bert_zero).sum() == 581
    assert bert_zero.sum() == 584


@pytest.mark.realdata
def test_real_2012_exchange_labels(real_2012):
    from hazumi_sk.analysis import exchange_dialogue_correlation
    from hazumi_sk.datasets import to_xy

    with pytest.raises(ValueError, match="'SS': Hazumi2012 has no self-sentiment"):
        to_xy(real_2012, exchange_label="SS")
    with pytest.raises(ValueError, match="Hazumi2012 has no self-sentiment"):
        exchange_dialogue_correlation(real_2012, exchange_label="SS")
    X, y = to_xy(real_2012, item="worthwhile", exchange_label="TS_mean")
    assert len(X) == len(y) == 63
    np.testing.assert_array_equal(X.exchange_labels, real_2012.feature_rows["TS_mean"])
    X, _ = to_xy(real_2012, item="worthwhile", exchange_label="SS_or_TS")
    labels = X.exchange_labels[~np.isnan(X.exchange_labels)]
    assert set(np.unique(labels)) <= set(range(1, 8))
    # 38 exchanges have all five UI tiers marked (TS_mean NaN): 5334 - 38 rated.
    assert len(labels) == 5296 == real_2012.feature_rows["TS_mean"].notna().sum()
    table = exchange_dialogue_correlation(real_2012, exchange_label="TS_mean")
    assert (table["n"] == 63).all()
