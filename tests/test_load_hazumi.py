"""load_hazumi on small synthetic corpora written in the real formats, and on the real data."""

from __future__ import annotations

import csv
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import openpyxl
import pytest

from hazumi_sk.datasets import (
    RAPPORT_ITEMS,
    RAPPORT_ITEMS_JA,
    Dialogue,
    HazumiFormatError,
    load_hazumi,
)
from hazumi_sk.datasets._columns import documented_features
from hazumi_sk.sequences import RaggedSequences

ACTS_1902 = ["io", "na", "oa", "op", "pa", "qw", "qy", "su"]
ACTS_1911 = ["io", "na", "pa", "oa", "su", "qw", "qy", "op"]
ANNOTATORS = {
    "1902": ["F1", "F2", "F3", "F5", "M2"],
    "1911": ["F1", "F2", "F3", "F4", "M1"],
    "2010": ["F1", "F2", "F3", "F4", "M1"],
}
TC_2010 = ["F1", "F2", "F3", "F6", "F5"]
FEATURES = {
    "1902": ["pcm_RMSenergy_sma_max", "F0_sma_min", "word#001", "no_utterance", "noun", "lenS"]
    + ["lenU", "lenS-lenU", *ACTS_1902, "17_velocity_max", "AU01_c_mean"]
    + ["FootLeft_velocity_max", "Head_velocity_max"],
    "1911": ["pcm_RMSenergy_sma_max", "F0_sma_min", "word#0001", "noun", "lenS", "lenU"]
    + ["lenS-lenU", *ACTS_1911, "17_velocity_max", "AU01_c_mean", "Head_velocity_max"]
    + ["EDA_mean"],
    "2010": ["pcm_RMSenergy_sma_max", "F0_sma_de_kurtosis\n", "17_velocity_max", "AU01_c_mean"]
    + ["NOUN", "bert0"],
}
ACT_CYCLE = ["qy", "oa", "qw", "na", "pa", "th"]


# --------------------------------------------------------------------------- writers
def _tiers(version: str) -> list[str]:
    ann = ANNOTATORS[version]
    if version == "2010":
        return ["exchangeID", "sys_utterance", "user_utterance", "dialogue_act"] + [
            f"UI_{a}" for a in ann
        ] + [f"TC_{a}" for a in TC_2010]  # fmt: skip
    tc = [f"TC_{a}" for a in ann]
    ui = [f"UI_{a}" for a in ann]
    return tc + ui + ["sys_utterance", "user_utterance", "dialogue_act", "UI_self"]


def _label(i: int, k: int) -> str:
    return str((i + k) % 7 + 1)


def elan_values(version: str, n: int, markers: dict) -> dict[str, list]:
    """Tier -> raw values; ``markers`` maps (exchange, tier) to a raw replacement."""
    values = {}
    for tier in _tiers(version):
        if tier == "exchangeID":
            column = [f"{i + 1:03d}" for i in range(n)]
        elif tier == "sys_utterance":
            column = [f" 質問{i}" for i in range(n)]
        elif tier == "user_utterance":
            column = [None if i == 2 else f"(F えー)|答え{i}" for i in range(n)]
        elif tier == "dialogue_act":
            column = [ACT_CYCLE[i % len(ACT_CYCLE)] for i in range(n)]
        else:
            k = sum(map(ord, tier)) % 5
            column = [(" " if version == "2010" else "") + _label(i, k) for i in range(n)]
        values[tier] = [markers.get((i, tier), v) for i, v in enumerate(column)]
    return values


def write_eaf(path: Path, spans: list[tuple[int, int]], tiers: dict, drop_slot: bool = False):
    root = ET.Element("ANNOTATION_DOCUMENT", FORMAT="3.0", VERSION="3.0")
    ET.SubElement(root, "HEADER", MEDIA_FILE="", TIME_UNITS="milliseconds")
    order = ET.SubElement(root, "TIME_ORDER")
    slot = 0
    for name, values in tiers.items():
        tier = ET.SubElement(root, "TIER", LINGUISTIC_TYPE_REF="default", TIER_ID=name)
        for (start, end), value in zip(spans, values, strict=True):
            refs = []
            for t in (start, end):
                slot += 1
                refs.append(f"ts{slot}")
                if not (drop_slot and slot == 3):
                    ET.SubElement(order, "TIME_SLOT", TIME_SLOT_ID=f"ts{slot}", TIME_VALUE=str(t))
            ann = ET.SubElement(ET.SubElement(tier, "ANNOTATION"), "ALIGNABLE_ANNOTATION")
            ann.set("ANNOTATION_ID", f"a{slot}")
            ann.set("TIME_SLOT_REF1", refs[0])
            ann.set("TIME_SLOT_REF2", refs[1])
            ET.SubElement(ann, "ANNOTATION_VALUE").text = value
    ET.ElementTree(root).write(path, encoding="UTF-8", xml_declaration=True)


def _ternary(value: float, high: float, low: float) -> int:
    return 2 if value >= high else (0 if value <= low else 1)


def _all_rated(values: dict, m: int) -> bool:
    tiers = [t for t in values if re.match(r"^(UI|TC)_", t)]
    return all(str(values[t][m]).strip().isdigit() for t in tiers)


def dump_rows(version, spans, values, groups, rng, shift_ms=None, empty_end_system=()):
    """Header and rows of a dumpfile built from the ELAN values (FORMAT.md §3)."""
    shift_ms = shift_ms or {}
    ann = ANNOTATORS[version]
    if version == "2010":
        header = ["ID", "start(exchange)", "end(system)", "end(exchange)", "dialogue_act"]
        header += [f"UI_{a}" for a in ann] + [f"TC_{a}" for a in TC_2010] + ["UI_Aver", "TC_Aver"]
    else:
        header = ["start(exchange)[ms]", "end(system)[ms]", "end(exchange)[ms]"]
        header += ["kinectstart(exchange)[ms]", "kinectend(system)[ms]", "kinectend(exchange)[ms]"]
        tern = ["SS_ternary", "TC_ternary", "TS_ternary"]
        header += (tern if version == "1902" else [tern[0], tern[2], tern[1]]) + ["SS"]
        header += [f"TC{k}" for k in range(1, 6)] + [f"TS{k}" for k in range(1, 6)]
    header += FEATURES[version] + ([] if version == "2010" else ["duration"])
    rows = []
    for r, members in enumerate(groups):
        start = spans[members[0]][0] + shift_ms.get(r, 0)
        end = spans[members[-1]][1]
        rated = [m for m in members if _all_rated(values, m)]
        carrier = rated[0] if rated else members[0]

        def lab(tier, m=carrier):
            raw = str(values[tier][m]).strip()
            return int(raw) if raw.isdigit() else 3  # 2010 wrote E/e labels as 3

        act = values["dialogue_act"][carrier]
        feats = [
            float(act == name) if name in ACTS_1902 else round(float(rng.normal()), 4)
            for name in FEATURES[version]
        ]
        if version == "2010":
            ts = [lab(f"UI_{a}", members[0]) for a in ann]
            tc = [lab(f"TC_{a}", members[0]) for a in TC_2010]
            end_sys = "" if r in empty_end_system else start + 900
            row = [members[0] + 1, start, end_sys, end, act, *ts, *tc, np.mean(ts), np.mean(tc)]
            rows.append(row + feats)
            continue
        ss = lab("UI_self")
        tc = [lab(f"TC_{a}") for a in ann]
        ts = [lab(f"UI_{a}") for a in ann]
        tern = [_ternary(ss, 5, 3), _ternary(np.mean(tc), 4.5001, 3.4999)]
        tern.append(_ternary(np.mean(ts), 4.5001, 3.4999))
        tern = tern if version == "1902" else [tern[0], tern[2], tern[1]]
        times = [start, start + 900, end, start + 500, start + 1400, end + 500]
        rows.append(times + tern + [ss, *tc, *ts] + feats + [end - start])
    return header, rows


def write_dump(path: Path, header: list, rows: list, newline: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator=newline).writerows([header, *rows])


def write_questionnaires(folder: Path, version: str, ids: list[str], extra_ids=()) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    id_header = "参加者ID" if version == "1902" else "被験者番号"
    if version == "1902":
        name, sheets = "1902questionnaire.xlsx", ["参加者（前）", "参加者（後）", "Wizard用（前）"]
    elif version == "1911":
        name = "1911questionnaires.xlsx"
        sheets = ["①実験前（参加者）", "実験前①’（参加者）", "②実験後（参加者）", "③記述式"]
    else:
        name, sheets = "questionnaires.xlsx", ["①実験前（参加者）", "②実験後（参加者）"]
    prefix = "" if version == "2010" else version
    write_book(folder / name, sheets, id_header, ids, extra_ids)
    third = [f"{k:02d}" for k in range(1, 6)]
    write_book(folder / f"{prefix}questionnaires-3rdparty-rapport.xlsx", third, "被験者番号", ids)


def rating(participant: str, item: int, sheet: str) -> int:
    return (int(participant[-2:]) + item + len(sheet)) % 8 + 1


def write_book(path: Path, sheets, id_header, ids, extra_ids=(), items=RAPPORT_ITEMS_JA):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for sheet in sheets:
        ws = book.create_sheet(sheet)
        ws.append(["タイトル"])
        ws.append([id_header, *items, None])
        for participant in reversed(ids):  # rows come in no particular order
            ws.append([participant, *[rating(participant, k, sheet) for k in range(len(items))]])
        for participant in extra_ids:
            ws.append([participant, "キャンセル"])
    book.save(path)


def make_version(root: Path, version: str, sessions: dict, seed: int = 0) -> Path:
    """Write ``Hazumi<version>/`` with one EAF (+ dumpfile) per session spec."""
    folder = root / f"Hazumi{version}"
    (folder / "elan").mkdir(parents=True)
    (folder / "dumpfiles").mkdir()
    rng = np.random.default_rng(seed)
    for participant, spec in sessions.items():
        n = spec.get("n", 6)
        spans = [(40000 + 5000 * i, 45000 + 5000 * i) for i in range(n)]
        values = elan_values(version, n, spec.get("markers", {}))
        write_eaf(folder / "elan" / f"{participant}.eaf", spans, values)
        groups = spec.get("groups", [[i] for i in range(n)])
        if groups is None:
            continue
        header, rows = dump_rows(
            version, spans, values, groups, rng, spec.get("shift_ms"), spec.get("empty", ())
        )
        newline = "\r\n" if version == "1902" else "\n"
        write_dump(folder / "dumpfiles" / f"{participant}.csv", header, rows, newline)
    write_questionnaires(folder / "questionnaire", version, list(sessions), spec_extra(version))
    return folder


def spec_extra(version: str) -> tuple[str, ...]:
    return ("2010F2001",) if version == "2010" else ()


SPEC_1902 = {
    "1902F2001": {"groups": [[0], [1, 2], [3], [4], [5]], "markers": {(2, "UI_self"): "E"},
                  "shift_ms": {3: 1}},
    "1902M4003": {"groups": None},
}  # fmt: skip
SPEC_1911 = {
    "1911F3001": {"groups": [[0], [1], [3], [4], [5]], "markers": {(2, "UI_F1"): "e"}},
    "1911M5002": {"markers": {(4, "UI_self"): " 4", (1, "TC_F2"): "\t1"}},
}
SPEC_2010 = {
    "2010F3004": {"markers": {(1, "UI_F2"): " E", (1, "TC_F6"): " e", (3, "TC_F3"): "４"},
                  "empty": (2,)},
    "2010M2005": {"n": 5},
}  # fmt: skip


@pytest.fixture(scope="module")
def synthetic_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hazumi")
    make_version(root, "1902", SPEC_1902, seed=1)
    make_version(root, "1911", SPEC_1911, seed=2)
    make_version(root, "2010", SPEC_2010, seed=3)
    return root


@pytest.fixture(scope="module")
def synthetic(synthetic_root):
    return load_hazumi(synthetic_root, progress=False)


# --------------------------------------------------------------------------- contract
BUNCH_FIELDS = {
    "dialogues", "sessions", "exchanges", "features", "feature_rows", "ratings_post",
    "ratings_pre", "ratings_third_party", "excluded", "feature_columns", "DESCR",
}  # fmt: skip


def test_bunch_has_the_contract_fields(synthetic):
    assert set(synthetic.keys()) == BUNCH_FIELDS
    assert list(synthetic.sessions.columns) == [
        "version", "setting", "sex", "age_decade", "n_exchanges", "n_feature_rows",
        "has_features",
    ]  # fmt: skip
    assert synthetic.sessions.index.name == "dialogue_id"
    assert list(synthetic.feature_rows.columns) == [
        "dialogue_id", "row", "start_ms", "end_ms", "SS", "TS_mean", "TC_mean", "elan_exchanges",
    ]  # fmt: skip
    assert list(synthetic.excluded.columns) == ["dialogue_id", "exchange", "level", "reason"]
    assert list(synthetic.feature_columns.columns) == ["name", "modality", "source"]
    for ratings in (synthetic.ratings_post, synthetic.ratings_pre, synthetic.ratings_third_party):
        assert list(ratings.columns) == list(RAPPORT_ITEMS)
        assert ratings.index.name == "dialogue_id"
    assert isinstance(synthetic.features, RaggedSequences)
    assert synthetic.features.values.dtype == np.float32
    assert all(isinstance(d, Dialogue) for d in synthetic.dialogues)
    assert isinstance(synthetic.DESCR, str) and "columns='common'" in synthetic.DESCR


def test_sessions_and_metadata_from_ids(synthetic):
    ids = [d.dialogue_id for d in synthetic.dialogues]
    assert ids == sorted([*SPEC_1902, *SPEC_1911, *SPEC_2010])
    d = synthetic.dialogues[ids.index("2010M2005")]
    assert (d.version, d.sex, d.age_decade, d.n_exchanges) == ("2010", "M", 20, 5)
    assert synthetic.sessions.loc["1902M4003", "has_features"] == False  # noqa: E712
    assert list(synthetic.features.dialogue_ids) == [i for i in ids if i != "1902M4003"]


def test_session_without_dumpfile_keeps_transcripts_and_labels(synthetic):
    d = synthetic.dialogues[[x.dialogue_id for x in synthetic.dialogues].index("1902M4003")]
    assert d.n_exchanges == 6 and d.exchanges["dump_row"].isna().all()
    assert d.exchanges["user_utterance"].iloc[0] == "(F えー)|答え0"
    assert d.exchanges["SS"].notna().all()
    row = synthetic.excluded.query("dialogue_id == '1902M4003' and level == 'session'")
    assert len(row) == 1 and row["reason"].iloc[0].startswith("no dumpfile: ")


def test_exchange_table_columns(synthetic):
    table = synthetic.dialogues[0].exchanges
    for column in ["exchange", "start_ms", "end_system_ms", "end_ms", "sys_utterance"]:
        assert column in table
    for column in ["user_utterance", "dialogue_act", "SS", "SS_excluded", "TS_mean", "TC_mean"]:
        assert column in table
    assert {"TS_F5", "TS_M2", "TC_F5", "TC_M2", "dump_row"} <= set(table.columns)
    assert table["sys_utterance"].iloc[0] == "質問0"  # leading space stripped
    assert table["user_utterance"].iloc[2] == ""  # empty transcript kept as ""
    assert "dialogue_id" in synthetic.exchanges
    assert len(synthetic.exchanges) == synthetic.sessions["n_exchanges"].sum()


# --------------------------------------------------------------------------- 1902 quirks
def test_1902_merged_row_maps_to_the_set_and_carries_the_clean_labels(synthetic):
    rows = synthetic.feature_rows.query("dialogue_id == '1902F2001'")
    assert rows["elan_exchanges"].tolist() == [(0,), (1, 2), (3,), (4,), (5,)]
    table = synthetic.dialogues[0].exchanges
    assert rows["SS"].iloc[1] == table["SS"].iloc[1]
    assert np.isnan(table["SS"].iloc[2]) and table["SS_excluded"].iloc[2]
    assert table["dump_row"].tolist() == [0, 1, 1, 2, 3, 4]
    assert np.isnan(table["end_system_ms"].iloc[1])  # not 1:1: no single end(system)
    merged = synthetic.excluded.query("dialogue_id == '1902F2001' and level == 'exchange'")
    assert merged["exchange"].tolist() == [2] and "merged into dumpfile row 1" in merged.iloc[0, 3]


def test_plus_one_ms_start_still_matches(synthetic):
    rows = synthetic.feature_rows.query("dialogue_id == '1902F2001'")
    assert rows["start_ms"].iloc[3] == 40000 + 5000 * 4 + 1
    assert rows["elan_exchanges"].iloc[3] == (4,)


def test_crlf_dumpfile_is_read(synthetic_root, synthetic):
    raw = (synthetic_root / "Hazumi1902" / "dumpfiles" / "1902F2001.csv").read_bytes()
    assert b"\r\n" in raw
    assert synthetic.features.lengths[0] == 5


# --------------------------------------------------------------------------- 1911 quirks
def test_1911_dropped_exchange_is_recorded(synthetic):
    table = synthetic.exchanges.query("dialogue_id == '1911F3001'")
    assert table["dump_row"].isna().tolist() == [False, False, True, False, False, False]
    dropped = synthetic.excluded.query("dialogue_id == '1911F3001' and level == 'exchange'")
    assert dropped["exchange"].tolist() == [2]
    # Exchange 2 of 1911F3001 is not one FORMAT.md §5 lists as dropped by the authors.
    assert dropped["reason"].iloc[0] == "no dumpfile row for ELAN exchange 2"


def test_padded_clean_labels_and_tabs_are_kept(synthetic):
    table = synthetic.exchanges.query("dialogue_id == '1911M5002'").set_index("exchange")
    assert table.loc[4, "SS"] == 4.0 and not table.loc[4, "SS_excluded"]
    assert table.loc[1, "TC_F2"] == 1.0


# --------------------------------------------------------------------------- 2010 quirks
def test_2010_two_line_header_na_act_and_empty_end_system(synthetic_root, synthetic):
    path = synthetic_root / "Hazumi2010" / "dumpfiles" / "2010F3004.csv"
    assert len(path.read_text().splitlines()) == 6 + 2  # rows + a header on two lines
    X = synthetic.features[list(synthetic.features.dialogue_ids).index("2010F3004")]
    na = X.select_columns(["na"]).values[:, 0]
    assert na.tolist() == [0, 0, 0, 1, 0, 0]  # 'na' is a real act, not a missing value
    assert "F0_sma_de_kurtosis" not in synthetic.features.feature_names  # only in 2010
    table = synthetic.exchanges.query("dialogue_id == '2010F3004'")
    assert np.isnan(table["end_system_ms"].iloc[2]) and table["end_system_ms"].iloc[1] == 45900


def test_2010_e_written_as_3_is_re_masked_and_means_recomputed(synthetic):
    table = synthetic.exchanges.query("dialogue_id == '2010F3004'").set_index("exchange")
    assert np.isnan(table.loc[1, "TS_F2"]) and np.isnan(table.loc[1, "TC_F6"])
    others = table.loc[1, ["TS_F1", "TS_F3", "TS_F4", "TS_M1"]].astype(float)
    assert table.loc[1, "TS_mean"] == pytest.approx(others.mean())
    assert table.loc[3, "TC_F3"] == 4.0  # full-width digit
    assert np.isnan(table["SS"]).all()  # 2010 has no self-sentiment
    log = synthetic.excluded.query("dialogue_id == '2010F3004' and level == 'label'")
    assert any("dumpfile wrote 3" in reason for reason in log["reason"])


# --------------------------------------------------------------------------- features
def test_exchange_labels_are_the_feature_rows_ss(synthetic):
    np.testing.assert_array_equal(
        synthetic.features.exchange_labels, synthetic.feature_rows["SS"].to_numpy()
    )
    assert len(synthetic.feature_rows) == synthetic.features.n_exchanges


def test_common_columns_across_three_versions(synthetic):
    names = synthetic.features.feature_names.tolist()
    # lenS/lenU/BoW/POS are not in 2010; 2010's dialogue_act string is one-hot encoded.
    assert names == ["pcm_RMSenergy_sma_max", *ACTS_1902, "17_velocity_max", "AU01_c_mean"]
    assert synthetic.features.modalities.tolist() == ["A"] + ["S"] * 8 + ["V", "V"]
    columns = synthetic.excluded.query("level == 'column'")
    dropped = columns[columns["reason"].str.contains("dropped by columns='common'")]
    assert "word#001" in " ".join(dropped["reason"])
    every = {n.strip() for version in FEATURES for n in FEATURES[version]}
    assert len(dropped) == len(every) - len(names)
    # The small files lack most documented columns: each is logged once per version.
    absent = columns[columns["reason"].str.startswith("documented feature column")]
    assert len(absent) == sum(
        len(documented_features(v) - {n.strip() for n in FEATURES[v]} - set(ACTS_1902))
        for v in FEATURES
    )
    assert (
        "documented feature column 'word#0002' absent from every Hazumi1911 dumpfile "
        "(2 files; FORMAT.md §3.2); not loaded"
    ) in set(absent["reason"])


def test_dialogue_act_columns_follow_names_not_positions(synthetic):
    X = synthetic.features
    for pos, participant in enumerate(X.dialogue_ids):
        acts = synthetic.exchanges.query(f"dialogue_id == '{participant}'")
        acts = acts[acts["dump_row"].notna()].drop_duplicates("dump_row")["dialogue_act"]
        one_hot = X[pos].select_columns(ACTS_1902).values
        expected = np.array([[a == name for name in ACTS_1902] for a in acts], dtype=np.float32)
        np.testing.assert_array_equal(one_hot, expected)


def test_union_fills_missing_columns_with_nan(synthetic_root):
    data = load_hazumi(synthetic_root, versions=["1911", "2010"], columns="union", progress=False)
    X = data.features
    assert "EDA_mean" in X.feature_names and "bert0" in X.feature_names
    eda = X.select_columns(["EDA_mean"])
    assert np.isnan(eda.sequence(2)).all() and not np.isnan(eda.sequence(0)).any()
    columns = data.excluded.query("level == 'column'")
    # union drops nothing; only documented columns the small files lack are logged.
    assert columns["reason"].str.startswith("documented feature column").all()
    assert "NaN-filled for some version: " in data.DESCR
    n_partial = len(set(FEATURES["1911"]) ^ {n.strip() for n in FEATURES["2010"]} ^ set(ACTS_1902))
    assert f"NaN-filled for some version: {n_partial}" in data.DESCR


def test_single_version_folder_as_root(synthetic_root):
    data = load_hazumi(synthetic_root / "Hazumi1911", progress=False)
    assert data.sessions["version"].unique().tolist() == ["1911"]
    assert "word#0001" in data.features.feature_names
    # No synthetic exchange has act io, op or su: those one-hot columns are constant, kept
    # and listed in DESCR.
    assert {"io", "op", "su"} <= set(data.features.feature_names)
    assert "constant columns kept (scaling handles them): 3 ['io', 'su', 'op']" in data.DESCR
    sources = data.feature_columns.set_index("name")["source"]
    assert sources["EDA_mean"] == "E4 physiological" and sources["word#0001"] == "bag of words"


def test_ratings_keyed_by_id(synthetic):
    post = synthetic.ratings_post
    assert post.loc["1911M5002", "boring"] == rating("1911M5002", 1, "②実験後（参加者）")
    assert post.loc["1902F2001", "slow"] == rating("1902F2001", 17, "参加者（後）")
    third = synthetic.ratings_third_party.loc["2010M2005", "cold"]
    expected = np.mean([rating("2010M2005", 6, f"{k:02d}") for k in range(1, 6)])
    assert third == pytest.approx(expected)
    pre = synthetic.ratings_pre.loc["1911F3001", "well-coordinated"]
    assert pre == rating("1911F3001", 0, "①実験前（参加者）")  # not the just-before sheet
    assert len(post) == len(synthetic.dialogues)


def test_cancelled_questionnaire_row_is_recorded(synthetic):
    rows = synthetic.excluded.query("dialogue_id == '2010F2001'")
    assert (rows["level"] == "questionnaire").all() and len(rows) == 2


# --------------------------------------------------------------------------- bad input
def test_bad_parameters(synthetic_root):
    with pytest.raises(ValueError, match="'columns' parameter of load_hazumi .*'all'"):
        load_hazumi(synthetic_root, columns="all")
    with pytest.raises(ValueError, match=r"'versions' parameter .*versions=\['1712'\]"):
        load_hazumi(synthetic_root, versions=["1712"])
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        load_hazumi(synthetic_root / "nowhere")


def _copy_1911(tmp_path: Path) -> Path:
    return make_version(tmp_path, "1911", {"1911F3001": {}, "1911M5002": {}})


def _edit_dump(folder: Path, participant: str, edit) -> Path:
    path = folder / "dumpfiles" / f"{participant}.csv"
    lines = path.read_text().splitlines()
    path.write_text("\n".join(edit(lines)) + "\n")
    return path


def test_truncated_csv_row_names_file_and_row(tmp_path):
    folder = _copy_1911(tmp_path)
    _edit_dump(folder, "1911M5002", lambda ls: ls[:3] + [ls[3].rsplit(",", 5)[0]] + ls[4:])
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.csv: data row 2 .*fields"):
        load_hazumi(folder, progress=False)


def test_non_numeric_cell_names_file_row_and_column(tmp_path):
    folder = _copy_1911(tmp_path)

    def corrupt(lines):
        cells = lines[5].split(",")
        cells[20] = "abc"
        return lines[:5] + [",".join(cells)] + lines[6:]

    _edit_dump(folder, "1911F3001", corrupt)
    with pytest.raises(HazumiFormatError, match=r"1911F3001\.csv: data row 4 .*'pcm_RMSenergy"):
        load_hazumi(folder, progress=False)


def test_label_disagreeing_with_elan_names_file_and_row(tmp_path):
    folder = _copy_1911(tmp_path)

    def corrupt(lines):
        cells = lines[2].split(",")
        cells[9] = str(int(cells[9]) % 7 + 1)  # SS
        cells[6] = str(_ternary(int(cells[9]), 5, 3))
        return lines[:2] + [",".join(cells)] + lines[3:]

    _edit_dump(folder, "1911F3001", corrupt)
    with pytest.raises(HazumiFormatError, match=r"1911F3001\.csv: data row 1, column 'SS'"):
        load_hazumi(folder, progress=False)


def test_ternary_rule_violation_names_file_and_row(tmp_path):
    folder = _copy_1911(tmp_path)

    def corrupt(lines):
        cells = lines[4].split(",")
        cells[6] = str((int(cells[6]) + 1) % 3)
        return lines[:4] + [",".join(cells)] + lines[5:]

    _edit_dump(folder, "1911M5002", corrupt)
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.csv: data row 3: SS_ternary"):
        load_hazumi(folder, progress=False)


def test_duration_violation_names_file_and_row(tmp_path):
    folder = _copy_1911(tmp_path)

    def corrupt(lines):
        cells = lines[3].split(",")
        cells[-1] = str(int(cells[-1]) + 1)
        return lines[:3] + [",".join(cells)] + lines[4:]

    _edit_dump(folder, "1911F3001", corrupt)
    with pytest.raises(HazumiFormatError, match=r"1911F3001\.csv: data row 2: duration"):
        load_hazumi(folder, progress=False)


def test_2010_average_violation_names_file_and_row(tmp_path):
    folder = make_version(tmp_path, "2010", {"2010M2005": {"n": 4}})
    path = folder / "dumpfiles" / "2010M2005.csv"
    with open(path, newline="") as handle:
        records = list(csv.reader(handle))
    records[1 + 2][15] = "9.5"  # UI_Aver of data row 2
    write_dump(path, records[0], records[1:], "\n")
    with pytest.raises(HazumiFormatError, match=r"2010M2005\.csv: data row 2: UI_Aver"):
        load_hazumi(folder, progress=False)


def test_row_matching_no_exchange_is_an_error(tmp_path):
    folder = _copy_1911(tmp_path)

    def corrupt(lines):
        cells = lines[2].split(",")
        cells[0] = str(int(cells[0]) + 7)  # 7 ms off, beyond the ±1 ms tolerance
        cells[-1] = str(int(cells[-1]) - 7)  # keep duration == end - start
        return lines[:2] + [",".join(cells)] + lines[3:]

    _edit_dump(folder, "1911M5002", corrupt)
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.csv: data row 1 .*±1 ms"):
        load_hazumi(folder, progress=False)


def test_eaf_missing_time_slot(tmp_path):
    folder = _copy_1911(tmp_path)
    eaf = folder / "elan" / "1911M5002.eaf"
    values = elan_values("1911", 6, {})
    spans = [(40000 + 5000 * i, 45000 + 5000 * i) for i in range(6)]
    write_eaf(eaf, spans, values, drop_slot=True)
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.eaf: tier 'TC_F1' .*ts3"):
        load_hazumi(folder, progress=False)


def test_eaf_missing_a_tier(tmp_path):
    folder = _copy_1911(tmp_path)
    values = elan_values("1911", 6, {})
    del values["UI_F4"]
    spans = [(40000 + 5000 * i, 45000 + 5000 * i) for i in range(6)]
    write_eaf(folder / "elan" / "1911M5002.eaf", spans, values)
    # The EAF is at fault, not the dumpfile, with or without a dumpfile to compare with.
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.eaf: required tier\(s\) \['UI_F4'\]"):
        load_hazumi(folder, progress=False)
    (folder / "dumpfiles" / "1911M5002.csv").unlink()
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.eaf: required tier\(s\) \['UI_F4'\]"):
        load_hazumi(folder, progress=False)


def test_header_only_dumpfile_is_an_empty_dialogue(tmp_path):
    folder = _copy_1911(tmp_path)
    _edit_dump(folder, "1911M5002", lambda lines: lines[:1])
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.csv: no data rows"):
        load_hazumi(folder, progress=False)


def test_literal_nan_cell_is_rejected(tmp_path):
    folder = _copy_1911(tmp_path)

    def corrupt(lines):
        cells = lines[1].split(",")
        cells[25] = "nan"
        return lines[:1] + [",".join(cells)] + lines[2:]

    _edit_dump(folder, "1911M5002", corrupt)
    with pytest.raises(HazumiFormatError, match=r"1911M5002\.csv: data row 0, column 'lenU'"):
        load_hazumi(folder, progress=False)


def test_questionnaire_missing_item_column(tmp_path):
    folder = _copy_1911(tmp_path)
    book = folder / "questionnaire" / "1911questionnaires.xlsx"
    write_book(book, ["①実験前（参加者）", "②実験後（参加者）"], "被験者番号",
               ["1911F3001", "1911M5002"], items=RAPPORT_ITEMS_JA[:-1])  # fmt: skip
    with pytest.raises(HazumiFormatError, match=r"1911questionnaires\.xlsx \[.*18\. 間のびした"):
        load_hazumi(folder, progress=False)


def test_bad_ids(tmp_path):
    folder = _copy_1911(tmp_path)
    (folder / "elan" / "1911M5002.eaf").rename(folder / "elan" / "1911X5002.eaf")
    with pytest.raises(HazumiFormatError, match=r"1911X5002\.eaf: bad participant id"):
        load_hazumi(folder, progress=False)
    (folder / "elan" / "1911X5002.eaf").rename(folder / "elan" / "1911M5002.eaf")
    write_book(folder / "questionnaire" / "1911questionnaires.xlsx",
               ["①実験前（参加者）", "②実験後（参加者）"], "被験者番号",
               ["1911F3001", "1911M5002", "19-11"])  # fmt: skip
    with pytest.raises(HazumiFormatError, match=r"row 3: bad participant id '19-11'"):
        load_hazumi(folder, progress=False)


# --------------------------------------------------------------------------- real data
pytestmark_real = pytest.mark.realdata


@pytestmark_real
def test_real_session_counts(hazumi_real):
    sessions = hazumi_real.sessions
    assert sessions["version"].value_counts().to_dict() == {"1902": 30, "1911": 30}
    assert int(sessions["has_features"].sum()) == 54
    no_dump = sorted(sessions.index[~sessions["has_features"]])
    assert no_dump == ["1902F4007", "1902M4003", "1911F7001", "1911M3001", "1911M3002",
                       "1911M5003"]  # fmt: skip
    by_version = sessions.groupby("version")[["n_exchanges", "n_feature_rows"]].sum()
    assert by_version.loc["1902"].tolist() == [2514, 2337]
    assert by_version.loc["1911"].tolist() == [2859, 2439]
    assert sessions.loc["1902F4006", "n_feature_rows"] == 115
    sex = sessions.groupby(["version", "sex"]).size().to_dict()
    assert sex == {("1902", "F"): 20, ("1902", "M"): 10, ("1911", "F"): 15, ("1911", "M"): 15}


@pytestmark_real
def test_real_merged_rows(hazumi_real):
    rows = hazumi_real.feature_rows
    merged = rows[rows["elan_exchanges"].map(len) > 1]
    got = [(d[4:], r, (e[0], e[-1])) for d, r, e in merged[["dialogue_id", "row",
           "elan_exchanges"]].itertuples(index=False)]  # fmt: skip
    assert got == [
        ("F2002", 62, (62, 65)), ("F3001", 13, (13, 14)), ("F3001", 21, (22, 24)),
        ("F4004", 13, (13, 14)), ("F4004", 14, (15, 16)), ("F4006", 104, (104, 105)),
        ("F4009", 44, (44, 45)), ("F4011", 14, (14, 17)), ("M4001", 1, (1, 3)),
        ("M4001", 29, (31, 32)), ("M5001", 54, (54, 56)),
    ]  # fmt: skip


@pytestmark_real
def test_real_dropped_1911_exchanges(hazumi_real):
    excluded = hazumi_real.excluded
    dropped = excluded[excluded["reason"].str.startswith("no dumpfile row")]
    got = {}
    for d, e in dropped[["dialogue_id", "exchange"]].itertuples(index=False):
        got.setdefault(d[4:], []).append(int(e))
    assert got == {
        "F2001": [33, 64], "F3001": [41, 54], "F4001": [16, 79, 80], "F4002": [14, 15, 20, 55],
        "F5002": [40, 71, 87, 115], "F6003": [72], "F7002": [51, 52], "M2001": [0],
        "M2002": [39], "M4001": [31], "M4002": [77], "M5002": [23, 24], "M6001": [29, 44],
        "M7001": [64, 76], "M7002": [88],
    }  # fmt: skip
    assert all(d.startswith("1911") for d in dropped["dialogue_id"])


@pytestmark_real
def test_real_transcripts_and_self_sentiment_oddities(hazumi_real):
    ex = hazumi_real.exchanges
    version = ex["dialogue_id"].str[:4]
    empty = (ex["user_utterance"] == "").groupby(version).sum().to_dict()
    assert empty == {"1902": 305, "1911": 321}
    # UI_self markers: 1902 'E' 13 + ' E' 8 + ' ' 4; 1911 'E' 26 + ' E' 1 + ' ' 1 (FORMAT §4.1)
    assert ex["SS_excluded"].groupby(version).sum().to_dict() == {"1902": 25, "1911": 28}
    suspect = ex[ex["SS_suspect"]]
    assert suspect[["dialogue_id", "exchange", "SS"]].values.tolist() == [["1902F6002", 1, 6.0]]
    assert ex["SS"].dropna().between(1, 7).all()
    assert ex.groupby(version)["SS"].count().to_dict() == {"1902": 2514 - 25, "1911": 2859 - 28}


@pytestmark_real
def test_real_ratings(hazumi_real):
    for ratings in (hazumi_real.ratings_post, hazumi_real.ratings_pre):
        assert ratings.shape == (60, 18)
        assert ratings.to_numpy().min() >= 1 and ratings.to_numpy().max() <= 8
    assert hazumi_real.ratings_post.index.equals(hazumi_real.sessions.index)
    assert hazumi_real.ratings_third_party.shape == (60, 18)


@pytestmark_real
def test_real_common_columns(hazumi_real):
    counts = hazumi_real.feature_columns["modality"].value_counts().to_dict()
    assert counts == {"A": 384, "L": 5, "S": 10, "V": 66, "B": 20}
    X = hazumi_real.features
    assert X.shape == (54, 485) and X.values.dtype == np.float32
    assert np.isfinite(X.values).all()
    dropped = hazumi_real.excluded.query("level == 'column'")
    assert len(dropped) == (967 + 2 + 8) + (2601 + 4)  # 1902-only + 1911-only columns
    assert set(X.select_modalities(["L"]).feature_names) == {
        "noun", "adjective", "interjection", "adverbs", "lenU",
    }  # fmt: skip
    labels = X.exchange_labels
    assert np.isnan(labels).sum() == 0 and set(np.unique(labels)) <= set(range(1, 8))


@pytest.mark.slow
@pytestmark_real
def test_real_single_version_keeps_its_vocabulary_and_lists_constant_columns(hazumi_root):
    data = load_hazumi(hazumi_root, versions="1902", progress=False)
    assert data.features.shape == (28, 1462)
    counts = data.feature_columns["modality"].value_counts().to_dict()
    assert counts == {"A": 384, "L": 974, "S": 10, "V": 66, "B": 28}
    # FORMAT.md §3.1: the columns constant across the whole 1902 version.
    constant = "['F0_sma_min', 'word#179', 'word#302', 'word#520', 'word#605', 'word#767', 'su']"
    assert f"constant columns kept (scaling handles them): 7 {constant}" in data.DESCR
