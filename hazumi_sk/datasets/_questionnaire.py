"""Reading the Hazumi rapport questionnaires (participant pre/post and third party)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import HazumiFormatError
from ._items import RAPPORT_ITEMS, RAPPORT_ITEMS_JA

__all__ = ["Questionnaires", "read_questionnaires", "ID_PATTERN"]

#: Participant id: version, sex, age decade, serial (FORMAT.md §2).
ID_PATTERN = re.compile(r"^(1902|1911|2010|2012)[FM][2-7]0\d\d$")
_ID_HEADERS = ("参加者ID", "被験者番号")
_HEADER_ROW = 1  # 0-based: row 1 is a title, row 2 the header (FORMAT.md §6)


class QuestionnaireFormatError(HazumiFormatError):
    """A questionnaire workbook that does not follow the Hazumi layout."""


@dataclass(frozen=True)
class Questionnaires:
    """Rapport ratings of one version, English item columns, indexed by id.

    ``skipped`` lists ``(id, where, reason)`` of sheet rows that were not used
    (e.g. the cancelled 2010 participants).
    """

    post: pd.DataFrame
    pre: pd.DataFrame
    third_party: pd.DataFrame
    skipped: list[tuple[str, str, str]]


def _find_workbooks(folder: Path) -> tuple[Path, Path]:
    """Participant and third-party rapport workbooks, found by glob (READMEs misname them)."""
    books = sorted(folder.glob("*questionnaire*.xlsx"))
    third = [b for b in books if "3rdparty-rapport" in b.name]
    participant = [b for b in books if "3rdparty" not in b.name]
    if len(third) != 1 or len(participant) != 1:
        raise QuestionnaireFormatError(
            f"{folder}: expected one participant and one '*3rdparty-rapport*' questionnaire "
            f"workbook, found {[b.name for b in books]}."
        )
    return participant[0], third[0]


def _is_pre(name: str) -> bool:
    # The 1911 "just before" sheet 実験前①’（参加者） is a separate measurement.
    return "参加者" in name and "前" in name and "’" not in name


def _is_post(name: str) -> bool:
    return "参加者" in name and "後" in name


def _pick_sheet(names: list[str], rule, what: str, path: Path) -> str:
    hits = [n for n in names if rule(n)]
    if len(hits) != 1:
        raise QuestionnaireFormatError(
            f"{path}: expected one {what} sheet, found {hits} in {names}."
        )
    return hits[0]


def _rating(value, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float) or np.isnan(value):
        raise QuestionnaireFormatError(f"{where}: rating {value!r} is not a number.")
    if not float(value).is_integer() or not 1 <= value <= 8:
        raise QuestionnaireFormatError(f"{where}: rating {value!r} is not an integer 1-8.")
    return int(value)


def _read_sheet(
    rows: list[tuple], path: Path, sheet: str, wanted: set[str], skipped: list
) -> pd.DataFrame:
    """One rapport sheet as an int DataFrame (ids x 18 English items)."""
    if len(rows) <= _HEADER_ROW:
        raise QuestionnaireFormatError(f"{path} [{sheet}]: no header row.")
    header = [None if h is None else str(h).strip() for h in rows[_HEADER_ROW]]
    if header[0] not in _ID_HEADERS:
        raise QuestionnaireFormatError(
            f"{path} [{sheet}]: first header cell {header[0]!r} is not one of {_ID_HEADERS}."
        )
    missing = [item for item in RAPPORT_ITEMS_JA if item not in header]
    if missing:
        raise QuestionnaireFormatError(f"{path} [{sheet}]: missing item column(s) {missing}.")
    positions = [header.index(item) for item in RAPPORT_ITEMS_JA]
    records = {}
    for r, row in enumerate(rows[_HEADER_ROW + 1 :], start=_HEADER_ROW + 2):
        if row is None or all(cell is None for cell in row):
            continue  # blank spacer rows (2010 row 36)
        raw_id = row[0]
        where = f"{path} [{sheet}] row {r}"
        participant = "" if raw_id is None else str(raw_id).strip()
        if not ID_PATTERN.match(participant):
            raise QuestionnaireFormatError(f"{where}: bad participant id {raw_id!r}.")
        if participant in records:
            raise QuestionnaireFormatError(f"{where}: duplicated participant id {participant!r}.")
        cells = [row[p] if p < len(row) else None for p in positions]
        if participant not in wanted:
            skipped.append(
                (participant, f"{path.name} [{sheet}]", f"no ELAN session; {cells[0]!r}")
            )
            continue
        records[participant] = [
            _rating(cell, f"{where}, column {RAPPORT_ITEMS_JA[k]!r}")
            for k, cell in enumerate(cells)
        ]
    frame = pd.DataFrame.from_dict(records, orient="index", columns=list(RAPPORT_ITEMS))
    lacking = sorted(wanted - set(records))
    if lacking:
        raise QuestionnaireFormatError(f"{path} [{sheet}]: no row for session(s) {lacking}.")
    frame.index.name = "dialogue_id"
    return frame.sort_index()


def _sheet_rows(path: Path) -> dict[str, list[tuple]]:
    import openpyxl

    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many types for broken files
        raise QuestionnaireFormatError(f"{path}: cannot open workbook ({error}).") from None
    try:
        return {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    finally:
        book.close()


def read_questionnaires(folder: str | Path, session_ids: list[str]) -> Questionnaires:
    """Read the participant pre/post and third-party rapport ratings of one version.

    Parameters
    ----------
    folder : str or Path
        The version's ``questionnaire/`` folder.
    session_ids : list of str
        The sessions (from the ELAN files); every sheet must rate each of them.

    Returns
    -------
    Questionnaires
        ``third_party`` is the mean of the annotator sheets (in sheet order).

    Examples
    --------
    >>> from hazumi_sk.datasets._questionnaire import read_questionnaires
    >>> q = read_questionnaires("Hazumi1902/questionnaire", ids)  # doctest: +SKIP
    """
    folder = Path(folder)
    participant, third = _find_workbooks(folder)
    wanted, skipped = set(session_ids), []
    sheets = _sheet_rows(participant)
    names = list(sheets)
    post_name = _pick_sheet(names, _is_post, "participant post", participant)
    pre_name = _pick_sheet(names, _is_pre, "participant pre", participant)
    post = _read_sheet(sheets[post_name], participant, post_name, wanted, skipped)
    pre = _read_sheet(sheets[pre_name], participant, pre_name, wanted, skipped)
    annotator_sheets = _sheet_rows(third)
    if len(annotator_sheets) != 5:
        raise QuestionnaireFormatError(
            f"{third}: expected 5 annotator sheets, found {list(annotator_sheets)}."
        )
    ratings = [
        _read_sheet(rows, third, name, wanted, skipped) for name, rows in annotator_sheets.items()
    ]
    third_party = sum(r.astype(np.float64) for r in ratings) / len(ratings)
    return Questionnaires(post=post, pre=pre, third_party=third_party, skipped=skipped)
