"""load_hazumi's guarantees (issue 12): nothing is dropped silently, nothing crashes raw.

Every exchange, label, transcript and column not used is an ``excluded`` row with its
true reason; anything the loader cannot interpret is a HazumiFormatError naming the file
and the row (or tier and annotation) and column. Most tests copy one real session into
``tmp_path`` (never into the repository) and mutate it as a hostile user would.
"""

from __future__ import annotations

import ast
import csv
import inspect
import math
import re
import shutil
import unicodedata
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sklearn.utils._param_validation import InvalidParameterError

from hazumi_sk.datasets import HazumiFormatError, clean_label, load_hazumi
from hazumi_sk.datasets._dumpfile import parse_number, read_dumpfile
from hazumi_sk.features import add_biosensor_block

#: A 1911 session with no exchange dropped by the authors (54 rows, the smallest).
SESSION = "1911M6002"
#: A 1911 session whose exchange 0 the authors dropped (FORMAT.md §5).
DROPPED = "1911M2001"

realdata = pytest.mark.realdata


def copy_sessions(hazumi_root: Path, tmp_path: Path, ids, version: str = "1911") -> Path:
    """``tmp_path/Hazumi<version>`` with the EAF, dumpfile and questionnaires of ``ids``."""
    source, folder = hazumi_root / f"Hazumi{version}", tmp_path / f"Hazumi{version}"
    if not source.is_dir():
        pytest.skip(f"{source} not found")
    for sub in ("elan", "dumpfiles"):
        (folder / sub).mkdir(parents=True)
    for i in ids:
        shutil.copy(source / "elan" / f"{i}.eaf", folder / "elan")
        shutil.copy(source / "dumpfiles" / f"{i}.csv", folder / "dumpfiles")
    shutil.copytree(source / "questionnaire", folder / "questionnaire")
    return folder


@pytest.fixture
def session(hazumi_root, tmp_path) -> Path:
    return copy_sessions(hazumi_root, tmp_path, [SESSION])


def load(folder: Path):
    return load_hazumi(folder, progress=False)


# --------------------------------------------------------------------------- mutators
def edit_eaf(folder: Path, participant: str, edit) -> Path:
    path = folder / "elan" / f"{participant}.eaf"
    tree = ET.parse(path)
    edit(tree.getroot())
    tree.write(path, encoding="UTF-8", xml_declaration=True)
    return path


def tier(root: ET.Element, name: str) -> ET.Element:
    return next(t for t in root.iter("TIER") if t.get("TIER_ID") == name)


def annotations(element: ET.Element) -> list[ET.Element]:
    return list(element.iter("ALIGNABLE_ANNOTATION"))


def edit_dump(folder: Path, participant: str, edit) -> Path:
    path = folder / "dumpfiles" / f"{participant}.csv"
    with open(path, newline="") as handle:
        records = list(csv.reader(handle))
    records = edit(records)
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(records)
    return path


def set_cell(records, row: int, column: str, value: str):
    records[1 + row][records[0].index(column)] = value
    return records


def drop_column(records, column: str):
    j = records[0].index(column)
    return [r[:j] + r[j + 1 :] for r in records]


# --------------------------------------------------------------------------- ELAN tiers
@realdata
@pytest.mark.parametrize("missing", ["UI_self", "user_utterance", "sys_utterance"])
def test_missing_required_tier_is_an_error_naming_eaf_and_tier(session, missing):
    # Chosen: an error, not an excluded session; every EAF of a version has these tiers.
    edit_eaf(session, SESSION, lambda root: root.remove(tier(root, missing)))
    pattern = rf"{SESSION}\.eaf: required tier\(s\) \['{missing}'\] missing"
    with pytest.raises(HazumiFormatError, match=pattern):
        load(session)
    (session / "dumpfiles" / f"{SESSION}.csv").unlink()  # no dumpfile to cross-check: same
    with pytest.raises(HazumiFormatError, match=pattern):
        load(session)


@realdata
def test_duplicated_tier_is_an_error(session):
    def duplicate(root):
        copy = ET.fromstring(ET.tostring(tier(root, "UI_F1")))
        root.append(copy)

    edit_eaf(session, SESSION, duplicate)
    with pytest.raises(HazumiFormatError, match=rf"{SESSION}\.eaf: tier 'UI_F1' appears twice"):
        load(session)


@realdata
def test_unexpected_tier_is_an_error(session):
    def rename(root):
        tier(root, "TC_M1").set("TIER_ID", "TC_M9")

    edit_eaf(session, SESSION, rename)
    with pytest.raises(HazumiFormatError, match=r"required tier\(s\) \['TC_M1'\]"):
        load(session)


@realdata
def test_overlapping_exchanges_name_both(session):
    def overlap(root):
        slots = {s.get("TIME_SLOT_ID"): s for s in root.iter("TIME_SLOT")}
        for t in root.iter("TIER"):
            third, fourth = annotations(t)[3], annotations(t)[4]
            start3 = int(slots[third.get("TIME_SLOT_REF1")].get("TIME_VALUE"))
            slots[fourth.get("TIME_SLOT_REF1")].set("TIME_VALUE", str(start3 + 100))

    edit_eaf(session, SESSION, overlap)
    pattern = (
        rf"{SESSION}\.eaf: tier 'dialogue_act': exchange 3 \(annotation .*\) overlaps exchange 4"
    )
    with pytest.raises(HazumiFormatError, match=pattern):
        load(session)


@realdata
@pytest.mark.parametrize("value", ["1_0", "１２", "٣", "-5", "12.0"])
def test_time_slot_must_be_ascii_milliseconds(session, value):
    def corrupt(root):
        next(iter(root.iter("TIME_SLOT"))).set("TIME_VALUE", value)

    edit_eaf(session, SESSION, corrupt)
    with pytest.raises(HazumiFormatError, match=rf"time slot 'ts1' has value '{value}'"):
        load(session)


@realdata
def test_2012_exchange_id_must_be_the_exchange_number(hazumi_root, tmp_path):
    folder = copy_sessions(hazumi_root, tmp_path, ["2012F2001"], version="2012")

    def corrupt(root):
        annotations(tier(root, "exchangeID"))[5].find("ANNOTATION_VALUE").text = "00x"

    edit_eaf(folder, "2012F2001", corrupt)
    pattern = (
        r"2012F2001\.eaf: tier 'exchangeID', exchange 5 .*'00x' is not the exchange number 006"
    )
    with pytest.raises(HazumiFormatError, match=pattern):
        load(folder)


# --------------------------------------------------------------------------- ELAN labels
@realdata
@pytest.mark.parametrize("value", ["x", "0", "８", "8", "4 4"])
@pytest.mark.parametrize("with_dumpfile", [True, False])
def test_unrecognised_label_is_an_excluded_label_row_with_its_raw_value(
    session, value, with_dumpfile
):
    ann = {}

    def corrupt(root):
        target = annotations(tier(root, "UI_self"))[7]
        ann["id"] = target.get("ANNOTATION_ID")
        target.find("ANNOTATION_VALUE").text = value

    edit_eaf(session, SESSION, corrupt)
    if not with_dumpfile:
        (session / "dumpfiles" / f"{SESSION}.csv").unlink()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the log replaces the warning
        data = load(session)
    rows = data.excluded.query("level == 'label' and exchange == 7")
    assert rows["reason"].tolist() == [
        f"unrecognised label value UI_self={value!r} (tier 'UI_self', annotation {ann['id']!r}); "
        "SS set to NaN and not compared with the dumpfile"
    ]
    exchange = data.exchanges.set_index("exchange").loc[7]
    assert math.isnan(exchange["SS"]) and not exchange["SS_excluded"]
    if with_dumpfile:  # the dumpfile row is still used, its SS is the ELAN (NaN) one
        assert exchange["dump_row"] == 7 and math.isnan(data.feature_rows["SS"].iloc[7])


# --------------------------------------------------------------------------- dumpfile cells
@realdata
@pytest.mark.parametrize("value", ["1_0", "１２", "٣", "nan", "inf", "1e999", "", "0x10"])
def test_dumpfile_cell_must_be_an_ascii_decimal_number(session, value):
    edit_dump(session, SESSION, lambda r: set_cell(r, 9, "noun", value))
    with pytest.raises(HazumiFormatError, match=rf"{SESSION}\.csv: data row 9.*column 'noun'"):
        load(session)


@realdata
@pytest.mark.parametrize("column", ["TS3", "SS", "start(exchange)[ms]", "duration"])
def test_missing_label_or_time_column_is_a_format_error(session, column):
    edit_dump(session, SESSION, lambda r: drop_column(r, column))
    pattern = rf"{SESSION}\.csv: required column\(s\) \[{re.escape(repr(column))}\] missing"
    with pytest.raises(HazumiFormatError, match=pattern):
        load(session)


@realdata
def test_feature_column_missing_from_every_dumpfile_is_an_excluded_column_row(session):
    edit_dump(session, SESSION, lambda r: drop_column(r, "EDA_mean"))
    data = load(session)
    rows = data.excluded.query("level == 'column'")
    assert rows["reason"].tolist() == [
        "documented feature column 'EDA_mean' absent from every Hazumi1911 dumpfile "
        "(1 files; FORMAT.md §3.2); not loaded"
    ]
    assert rows["dialogue_id"].isna().all()
    names = data.features.feature_names.tolist()
    assert "EDA_mean" not in names and "EDA_std" in names and len(names) == 3089


@realdata
def test_rows_out_of_time_order_are_an_error_naming_both(session):
    def swap(records):
        records[1 + 4], records[1 + 5] = records[1 + 5], records[1 + 4]
        return records

    edit_dump(session, SESSION, swap)
    with pytest.raises(HazumiFormatError, match=r"data rows 4 and 5 are out of time order"):
        load(session)


@realdata
def test_duplicated_row_is_an_overlap_naming_both(session):
    edit_dump(session, SESSION, lambda r: r[:6] + [r[5]] + r[6:])
    with pytest.raises(
        HazumiFormatError, match=rf"{SESSION}\.csv: data row 4 .* overlaps data row 5"
    ):
        load(session)


@realdata
def test_deleted_row_is_logged_with_the_true_reason(session):
    edit_dump(session, SESSION, lambda r: r[:11] + r[12:])  # data row 10
    data = load(session)
    rows = data.excluded.query("level == 'exchange'")
    assert rows[["exchange", "reason"]].values.tolist() == [
        [10, "no dumpfile row for ELAN exchange 10"]
    ]
    assert data.sessions.loc[SESSION, "n_feature_rows"] == 53


@realdata
def test_documented_author_drop_keeps_its_reason(hazumi_root, tmp_path):
    folder = copy_sessions(hazumi_root, tmp_path, [DROPPED])
    rows = load(folder).excluded.query("level == 'exchange'")
    assert rows[["exchange", "reason"]].values.tolist() == [
        [0, "no dumpfile row for ELAN exchange 0 (dropped by the corpus authors, FORMAT.md §5)"]
    ]


@realdata
def test_one_real_session_loads_with_only_the_questionnaire_rows_excluded(session):
    data = load(session)
    assert data.features.n_features == 3090 and data.features.n_exchanges == 54
    # The workbook's 29 other participants, once per sheet read (post, pre, 5 third-party).
    assert set(data.excluded["level"]) == {"questionnaire"}
    assert len(data.excluded) == 29 * 7


# --------------------------------------------------------------------------- parameters
@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"versions": 1902}, "versions"),
        ({"versions": []}, "versions"),
        ({"versions": [1902]}, "versions"),
        ({"versions": ["1902", "1712"]}, "versions"),
        ({"columns": "all"}, "columns"),
        ({"progress": "yes"}, "progress"),
    ],
)
def test_bad_parameter_names_the_parameter(tmp_path, kwargs, name):
    with pytest.raises(InvalidParameterError, match=rf"'{name}' parameter of load_hazumi"):
        load_hazumi(tmp_path, **kwargs)


def test_bad_root_type_names_root():
    with pytest.raises(InvalidParameterError, match=r"'root' parameter of load_hazumi"):
        load_hazumi(1911)


# --------------------------------------------------------------------------- biosensor
def test_loading_runs_no_extractor_and_datasets_does_not_import_features():
    # The P block is a step after loading (add_biosensor_block), as transcript L is.
    assert "biosensor" not in inspect.signature(load_hazumi).parameters
    package = Path(load_hazumi.__code__.co_filename).parent
    for path in sorted(package.glob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                module = "." * node.level + (node.module or "")
                assert not re.match(r"(\.\.|hazumi_sk\.)features", module), (path.name, module)


@realdata
def test_biosensor_needs_a_1911_biosensor_folder(session, hazumi_root, tmp_path):
    data = load(session)
    with pytest.raises(FileNotFoundError, match=r"add_biosensor_block: no E4 exports .*biosensor"):
        add_biosensor_block(data, session)
    only_1902 = load(copy_sessions(hazumi_root, tmp_path / "1902", ["1902F2001"], "1902"))
    with pytest.raises(ValueError, match=r"add_biosensor_block: .*only in Hazumi1911"):
        add_biosensor_block(only_1902, hazumi_root)


@realdata
def test_add_biosensor_block_after_loading_adds_the_p_block(session, hazumi_root):
    (session / "biosensor").mkdir()
    shutil.copy(hazumi_root / "Hazumi1911" / "biosensor" / f"{SESSION}.zip", session / "biosensor")
    plain = load(session)
    data = add_biosensor_block(plain, session)
    added = [n for n in data.features.feature_names if n not in set(plain.features.feature_names)]
    assert added and all(n.startswith("P__") for n in added)
    assert data.feature_columns["name"].tolist()[-len(added) :] == added
    assert data.features.n_exchanges == plain.features.n_exchanges == 54
    assert data.biosensor.index.tolist() == [SESSION]
    np.testing.assert_array_equal(
        data.features.select_columns(plain.features.feature_names.tolist()).values,
        plain.features.values,
    )
    # Everything loading excluded is still recorded, before the biosensor records.
    head = data.excluded.iloc[: len(plain.excluded)].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, plain.excluded.reset_index(drop=True))
    assert set(data.excluded["level"].iloc[len(plain.excluded) :]) <= {"biosensor"}


# --------------------------------------------------------------------------- properties
_ASCII_NUMBER = re.compile(r"[ \t]*[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?[ \t]*")


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_parse_number_round_trips_every_float(value):
    assert parse_number(repr(value)) == value
    assert parse_number(f"{value:.6E}") == float(f"{value:.6E}")


@given(st.text(max_size=12))
def test_parse_number_accepts_exactly_ascii_decimals(text):
    if _ASCII_NUMBER.fullmatch(text):
        assert parse_number(text) == float(text)
    else:
        with pytest.raises(ValueError, match="not an ASCII decimal number"):
            parse_number(text)


@given(
    st.integers(0, 10**6),
    st.sampled_from(["_", "\u0663", "\uff11", "\u0967", "\u00b2", "\u2009"]),
    st.integers(0, 6),
)
def test_parse_number_rejects_underscores_and_non_ascii_digits(number, intruder, where):
    text = str(number)
    where = min(where, len(text))
    with pytest.raises(ValueError):
        parse_number(text[:where] + intruder + text[where:])


def _tiny_dump(path: Path, cell: str) -> None:
    header = ["start(exchange)", "end(system)", "end(exchange)", "noun"]
    rows = [["0", "500", "1000", "1"], ["1000", "1500", "2000", cell]]
    with open(path, "w", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows([header, *rows])


@settings(max_examples=60, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=8), st.floats().map(repr), st.integers().map(str)))
def test_a_dumpfile_cell_is_its_ascii_number_or_an_error_naming_row_and_column(tmp_path, cell):
    path = tmp_path / "cells.csv"
    _tiny_dump(path, cell)
    try:
        expected = parse_number(cell)
    except ValueError:
        expected = None
    with np.errstate(over="ignore"):
        stored = None if expected is None else np.float32(expected)
    if stored is None or not np.isfinite(stored):  # features are float32
        with pytest.raises(HazumiFormatError, match=r"cells\.csv: data row 1.*column 'noun'"):
            read_dumpfile(path, "test")
        return
    assert read_dumpfile(path, "test").features["noun"].iloc[1] == stored


@given(st.text(max_size=6))
def test_clean_label_is_a_digit_only_for_a_digit_cell(text):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = clean_label(text)
    s = unicodedata.normalize("NFKC", text).strip()
    if re.fullmatch(r"[1-7]\.?", s):
        assert result.label == int(s[0]) and not result.excluded and not result.suspect
    elif re.fullmatch(r"[1-7]\s+delete", s):
        assert result.label == int(s[0]) and result.suspect
    else:
        assert math.isnan(result.label)
        assert result.excluded == (s in {"E", "e", "(e)", "(E)", ""})
