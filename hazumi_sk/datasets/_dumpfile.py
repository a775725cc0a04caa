"""Reading one Hazumi dumpfile (per-exchange features and labels) into named parts."""

from __future__ import annotations

import csv
import io
import math
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..vocabulary import UPOS_TAGS
from ._errors import HazumiFormatError

__all__ = ["DumpFile", "read_dumpfile", "classify_column", "parse_number", "SYSTEM_ACTS"]

#: System dialogue acts that have a one-hot column in 1902/1911 (2010 is one-hot encoded to these).
SYSTEM_ACTS = ("io", "na", "oa", "op", "pa", "qw", "qy", "su")
#: All dialogue-act labels of the corpus (FORMAT.md §3.2, §4).
DIALOGUE_ACTS = frozenset(SYSTEM_ACTS) | {"th", "fu", "no"}
#: Dumpfile annotator columns -> ELAN annotator codes (FORMAT.md §3.4; 2010/2012 use ELAN names).
ANNOTATORS = {
    "1902": ("F1", "F2", "F3", "F5", "M2"),
    "1911": ("F1", "F2", "F3", "F4", "M1"),
}

# (regex, modality, source). Modality None = not a feature (time, label, duration, id).
_COLUMN_RULES: tuple[tuple[str, str | None, str], ...] = (
    (r"^(kinect)?(start\(exchange\)|end\(system\)|end\(exchange\))(\[ms\])?$", None, "time"),
    (r"^ID$", None, "exchange id"),
    (r"^Unnamed: 0$", None, "exchange index (0-based; 2012)"),
    (r"^duration$", None, "duration"),
    (r"^dialogue_act$", None, "dialogue act"),
    (r"^(SS|TS|TC)_ternary$", None, "label"),
    (r"^(SS|TS\d|TC\d|UI_[FM]\d|TC_[FM]\d|UI_Aver|TC_Aver)$", None, "label"),
    (r"^(pcm_|voiceProb_|F0_)", "A", "IS09 acoustic (openSMILE)"),
    (r"^word#\d+$", "L", "bag of words"),
    (r"^(no_utterance|noun|adjective|interjection|adverbs)$", "L", "POS counts"),
    (r"^reaction$", "L", "user response time"),
    (r"^lenU$", "L", "user utterance length"),
    (rf"^({'|'.join(UPOS_TAGS)})$", "L", "UPOS counts"),
    (r"^bert\d+$", "L", "BERT embedding"),
    (r"^(lenS|lenS-lenU)$", "S", "system utterance length"),
    (rf"^({'|'.join(SYSTEM_ACTS)})$", "S", "system dialogue act one-hot"),
    (r"^\d+_(acceleration_max|velocity_max|velocity_mean|velocity_std)$", "V", "face landmarks"),
    (r"^AU\d\d_c_mean$", "V", "action units"),
    (
        r"^(FootLeft|FootRight|HandLeft|HandRight|Head|ShoulderLeft|ShoulderRight)_"
        r"(acceleration_max|velocity_max|velocity_mean|velocity_std)$",
        "B",
        "Kinect body",
    ),
    (r"^(EDA|HR)_(mean|std)$", "P", "E4 physiological"),
)
_COMPILED = tuple((re.compile(p), m, s) for p, m, s in _COLUMN_RULES)
#: An ASCII decimal number (optionally signed, with fraction and exponent), spaces around
#: allowed. Python's ``float`` and numpy also take ``'1_0'``, ``'１２'``, ``'٣'``, ``'nan'``.
_NUMBER = re.compile(r"[ \t]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?[ \t]*\Z")
#: Characters that no cell of a well-formed dumpfile holds: the fast path leaves such a file
#: to the strict cell-by-cell reader (anything non-ASCII, ``_``, control characters).
_SUSPICIOUS = re.compile(r"[^\x20-\x7e\t\r\n]|[_\"]")
#: The non-feature columns every dumpfile of a version must have (FORMAT.md §3.2; 2012 read
#: from its files); without them the rows cannot be timed or cross-checked.
_LABELS_1902_1911 = ["SS", *(f"TS{k}" for k in range(1, 6)), *(f"TC{k}" for k in range(1, 6))]
REQUIRED_COLUMNS = {
    "1902": ["start(exchange)[ms]", "end(system)[ms]", "end(exchange)[ms]", *_LABELS_1902_1911,
             "SS_ternary", "TS_ternary", "TC_ternary", "duration"],
    "1911": ["start(exchange)[ms]", "end(system)[ms]", "end(exchange)[ms]", *_LABELS_1902_1911,
             "SS_ternary", "TS_ternary", "TC_ternary", "duration"],
    "2010": ["ID", "start(exchange)", "end(system)", "end(exchange)", "dialogue_act",
             "UI_F1", "UI_F2", "UI_F3", "UI_F4", "UI_M1", "TC_F1", "TC_F2", "TC_F3", "TC_F6",
             "TC_F5", "UI_Aver", "TC_Aver"],
    "2012": ["Unnamed: 0", "start(exchange)", "end(system)", "end(exchange)", "dialogue_act",
             "UI_F1", "UI_F2", "UI_F3", "UI_M1", "UI_M2", "TC_F1", "TC_F2", "TC_F4", "TC_F5",
             "TC_M1", "UI_Aver", "TC_Aver"],
}  # fmt: skip
#: Header spellings that differ between versions: 2012 writes ``Dialogue_act``.
_HEADER_ALIASES = {"Dialogue_act": "dialogue_act"}
#: Dumpfile column -> ``labels`` column for the non-label row bookkeeping.
_LABEL_EXTRAS = {
    "SS_ternary": "SS_ternary", "TS_ternary": "TS_ternary", "TC_ternary": "TC_ternary",
    "UI_Aver": "UI_Aver", "TC_Aver": "TC_Aver", "duration": "duration", "ID": "ID",
    "Unnamed: 0": "row_index",
}  # fmt: skip


class DumpfileFormatError(HazumiFormatError):
    """A dumpfile that does not follow the Hazumi layout."""


@cache
def classify_column(name: str) -> tuple[str | None, str] | None:
    """``(modality or None, source)`` of a dumpfile column, ``None`` if unknown."""
    for pattern, modality, source in _COMPILED:
        if pattern.match(name):
            return modality, source
    return None


@dataclass(frozen=True)
class DumpFile:
    """The parts of one dumpfile.

    ``times`` has ``start_ms, end_system_ms, end_ms``; ``labels`` has ``SS,
    TS_<ann>, TC_<ann>`` (float, annotator codes as in ELAN) plus the raw
    ``SS_ternary, TS_ternary, TC_ternary, UI_Aver, TC_Aver, duration, ID`` that
    exist; ``features`` is float32 with ``modalities`` / ``sources`` per column.
    """

    path: Path
    times: pd.DataFrame
    labels: pd.DataFrame
    dialogue_act: pd.Series | None
    features: pd.DataFrame
    modalities: dict[str, str]
    sources: dict[str, str]


def _header(cells: list[str]) -> list[str]:
    """Stripped column names (2010/2012 ``"F0_sma_de_kurtosis\\n"``), version spellings unified."""
    names = [name.strip() for name in cells]
    return [_HEADER_ALIASES.get(name, name) for name in names]


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    """Header and data rows via the csv module (handles CRLF and 2010's quoted newline)."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            records = list(csv.reader(handle))
    except (UnicodeDecodeError, csv.Error) as error:
        raise DumpfileFormatError(f"{path}: cannot parse CSV ({error}).") from None
    if not records:
        raise DumpfileFormatError(f"{path}: empty file.")
    # 2010's header has an embedded newline in one quoted name (FORMAT.md §3.1).
    header = _header(records[0])
    rows = records[1:]
    if not rows:
        raise DumpfileFormatError(f"{path}: no data rows (empty dialogue).")
    dupes = (
        sorted({n for n in header if header.count(n) > 1}) if len(set(header)) < len(header) else []
    )
    if dupes:
        raise DumpfileFormatError(f"{path}: duplicated column names {dupes[:5]}.")
    for r, row in enumerate(rows):
        if len(row) != len(header):
            raise DumpfileFormatError(
                f"{path}: data row {r} (record {r + 2}) has {len(row)} fields, the header has "
                f"{len(header)} (truncated or malformed row)."
            )
    return header, rows


def parse_number(text: str) -> float:
    """The value of an ASCII decimal number such as ``'4'``, ``'-4.39E-05'`` or ``' 5.'``.

    Stricter than :class:`float`: underscores (``'1_0'``), non-ASCII digits
    (``'１２'``, ``'٣'``), ``'nan'``/``'inf'`` and empty text are rejected.

    Raises
    ------
    ValueError
        When ``text`` is not such a number.
    """
    if not isinstance(text, str) or not _NUMBER.match(text):
        raise ValueError(f"not an ASCII decimal number: {text!r}")
    return float(text)


def _bad_cell(path: Path, r: int, column: str, raw: str) -> DumpfileFormatError:
    """The error for one unparseable cell, naming file, row and column."""
    try:
        if not math.isfinite(float(raw)) and raw.strip().isascii():
            return DumpfileFormatError(
                f"{path}: data row {r}, column {column!r}: non-finite value {raw!r}."
            )
    except ValueError:
        pass
    what = "empty cell" if not raw.strip() else f"non-numeric value {raw!r}"
    return DumpfileFormatError(
        f"{path}: data row {r} (record {r + 2}), column {column!r}: {what} (cells must be "
        "ASCII decimal numbers)."
    )


def _to_float(
    path: Path, header: list[str], cells: np.ndarray, may_be_empty: frozenset = frozenset()
) -> np.ndarray:
    """Cells (str array) as float64 by :func:`parse_number`; the first bad cell raises naming
    file, row and column. Empty cells of the columns ``may_be_empty`` are NaN."""
    values = np.empty(cells.shape, dtype=np.float64)
    for (r, c), raw in np.ndenumerate(cells):
        raw = str(raw)
        if header[c] in may_be_empty and not raw.strip():
            values[r, c] = math.nan
            continue
        try:
            values[r, c] = parse_number(raw)
        except ValueError:
            raise _bad_cell(path, r, header[c], raw) from None
        if not math.isfinite(values[r, c]):  # '1e999' overflows to inf
            raise _bad_cell(path, r, header[c], raw)
    return values


def _float_or_nan(cell: str) -> float:
    return parse_number(cell) if cell.strip() else math.nan


def _fast_read(path: Path) -> tuple[pd.DataFrame, pd.Series | None] | None:
    """numpy's C parser (pandas is slow on 3000 columns); ``None`` when anything looks off."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        handle = io.StringIO(text)
        # csv handles the 2010 header's quoted newline; the handle then sits on the first row.
        header = _header(next(csv.reader(handle)))
        body = handle.read()
        if not body.strip() or _SUSPICIOUS.search(body):
            return None  # the slow path names the empty file or the bad cell
        usecols = [j for j, name in enumerate(header) if name != "dialogue_act"]
        converters = {j: _float_or_nan for j, name in enumerate(header) if name == "end(system)"}
        values = np.loadtxt(
            io.StringIO(body),
            delimiter=",",
            usecols=usecols,
            converters=converters or None,
            ndmin=2,
            dtype=np.float64,
        )
        acts = None
        if "dialogue_act" in header:
            j = header.index("dialogue_act")
            acts = pd.Series([row[j].strip() for row in csv.reader(io.StringIO(body))])
    except (ValueError, IndexError, UnicodeDecodeError, csv.Error, StopIteration):
        return None
    names = [header[j] for j in usecols]
    checked = np.delete(values, [k for k, n in enumerate(names) if n == "end(system)"], axis=1)
    if (
        values.shape[0] == 0
        or len(set(header)) < len(header)
        or not np.isfinite(checked).all()
        or np.isinf(values).any()
    ):
        return None
    return pd.DataFrame(values, columns=names), acts


def _numeric(path: Path, header: list[str], rows: list[list[str]]) -> pd.DataFrame:
    """All columns but ``dialogue_act`` as float64; only 2010 ``end(system)`` may be empty."""
    cells = np.array(rows, dtype=str)
    keep = [j for j, name in enumerate(header) if name != "dialogue_act"]
    # The 8 documented empty end(system) cells of 2010 (FORMAT.md §3.1) mean "unknown".
    values = _to_float(
        path, [header[j] for j in keep], cells[:, keep], may_be_empty=frozenset({"end(system)"})
    )
    return pd.DataFrame(values, columns=[header[j] for j in keep])


def _times(numeric: pd.DataFrame) -> pd.DataFrame:
    suffix = "[ms]" if "start(exchange)[ms]" in numeric.columns else ""
    return pd.DataFrame(
        {
            "start_ms": numeric[f"start(exchange){suffix}"].to_numpy(),
            "end_system_ms": numeric[f"end(system){suffix}"].to_numpy(),
            "end_ms": numeric[f"end(exchange){suffix}"].to_numpy(),
        }
    )


def _labels(numeric: pd.DataFrame, version: str) -> pd.DataFrame:
    labels = {}
    if "SS" in numeric.columns:
        labels["SS"] = numeric["SS"]
    if version in ANNOTATORS:
        for kind in ("TS", "TC"):
            for k, ann in enumerate(ANNOTATORS[version], start=1):
                labels[f"{kind}_{ann}"] = numeric[f"{kind}{k}"]
    else:
        for name in numeric.columns:
            match = re.match(r"^(UI|TC)_([FM]\d)$", name)
            if match:
                kind = "TS" if match.group(1) == "UI" else "TC"
                labels[f"{kind}_{match.group(2)}"] = numeric[name]
    for extra, name in _LABEL_EXTRAS.items():
        if extra in numeric.columns:
            labels[name] = numeric[extra]
    return pd.DataFrame(labels).reset_index(drop=True)


def _act_one_hot(acts: pd.Series, path: Path) -> pd.DataFrame:
    unknown = ~acts.isin(DIALOGUE_ACTS)
    if unknown.any():
        row = int(np.flatnonzero(unknown.to_numpy())[0])
        raise DumpfileFormatError(
            f"{path}: data row {row}, column 'dialogue_act': unknown act {acts.iloc[row]!r}."
        )
    return pd.DataFrame({act: (acts == act).astype(np.float64) for act in SYSTEM_ACTS})


def read_dumpfile(path: str | Path, version: str) -> DumpFile:
    """Read one dumpfile, validating every cell.

    Parameters
    ----------
    path : str or Path
        The ``.csv`` file.
    version : {"1902", "1911", "2010", "2012"}
        Corpus version (decides the annotator mapping).

    Returns
    -------
    DumpFile

    Raises
    ------
    HazumiFormatError
        Naming the file, row and column of the first bad cell (anything but an
        ASCII decimal number, see :func:`parse_number`), or the unknown,
        duplicated or missing required column.

    Examples
    --------
    >>> from hazumi_sk.datasets._dumpfile import read_dumpfile
    >>> read_dumpfile("1902F2001.csv", "1902").features.shape  # doctest: +SKIP
    (83, 1459)
    """
    path = Path(path)
    fast = _fast_read(path)
    if fast is None:
        # Slow path: re-read cell by cell to name the first bad file/row/column.
        header, rows = _read_rows(path)
        numeric = _numeric(path, header, rows)
        acts = None
        if "dialogue_act" in header:
            j = header.index("dialogue_act")
            acts = pd.Series([row[j].strip() for row in rows], name="dialogue_act")
    else:
        numeric, acts = fast
    present = set(numeric.columns) | ({"dialogue_act"} if acts is not None else set())
    missing = [c for c in REQUIRED_COLUMNS.get(version, []) if c not in present]
    if missing:
        raise DumpfileFormatError(
            f"{path}: required column(s) {missing} missing (Hazumi{version} dumpfiles have them)."
        )
    kinds = {name: classify_column(name) for name in numeric.columns.tolist()}
    unknown = [name for name, kind in kinds.items() if kind is None]
    if unknown:
        raise DumpfileFormatError(f"{path}: unknown column(s) {unknown[:5]}.")
    feature_names = [n for n, kind in kinds.items() if kind[0] is not None]
    features = numeric[feature_names]
    modalities = {n: kinds[n][0] for n in feature_names}
    sources = {n: kinds[n][1] for n in feature_names}
    if acts is not None:
        one_hot = _act_one_hot(acts, path)
        features = pd.concat([features, one_hot], axis=1)
        modalities.update(dict.fromkeys(SYSTEM_ACTS, "S"))
        sources.update(dict.fromkeys(SYSTEM_ACTS, "system dialogue act one-hot (from string)"))
    with np.errstate(over="ignore"):
        stored = features.to_numpy(np.float64).astype(np.float32)
    if not np.isfinite(stored).all():
        # Finite in float64 (1e300) but not in the float32 the features are stored in.
        r, c = np.argwhere(~np.isfinite(stored))[0]
        raise DumpfileFormatError(
            f"{path}: data row {r}, column {features.columns[c]!r}: value "
            f"{features.iloc[r, c]!r} overflows float32."
        )
    return DumpFile(
        path=path,
        times=_times(numeric),
        labels=_labels(numeric, version),
        dialogue_act=acts,
        features=pd.DataFrame(stored, columns=features.columns),
        modalities=modalities,
        sources=sources,
    )
