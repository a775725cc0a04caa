"""Reading an Empatica E4 export (the Hazumi1911 ``biosensor/<id>.zip``).

Every signal file (``ACC EDA TEMP BVP HR``) has the session start as a UTC Unix
timestamp in row 1 (repeated across the columns of ``ACC``), the sample rate in
Hz in row 2, and one sample per row after that. ``IBI.csv`` has ``t0, IBI`` in
row 1 and then ``offset_s, interval_s`` rows (offsets from t0); it is empty
(0 bytes) in three Hazumi1911 sessions, which is read as "no IBI" rather than
an error. ``tags.csv`` and ``info.txt`` are not read. FORMAT.md section 7.
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from ..datasets import HazumiFormatError

__all__ = ["E4FormatError", "E4Recording", "E4Signal", "read_e4_zip", "SIGNAL_COLUMNS"]

#: Signal files and their number of columns.
SIGNAL_COLUMNS = {"EDA": 1, "TEMP": 1, "ACC": 3, "BVP": 1, "HR": 1}
# A start before 2001 or a rate outside this range means a wrong or shifted header.
_MIN_UNIX_START = 1.0e9
_RATE_RANGE = (0.01, 10_000.0)


class E4FormatError(HazumiFormatError):
    """An E4 export that does not follow the Empatica layout; names file and row."""


@dataclass(frozen=True)
class E4Signal:
    """One sampled signal: ``values[k]`` was taken at ``start + k / rate`` (Unix s)."""

    start: float
    rate: float
    values: np.ndarray

    def times(self, reference: float) -> np.ndarray:
        """Sample times in seconds after ``reference`` (a Unix timestamp)."""
        return (self.start - reference) + np.arange(len(self.values)) / self.rate

    @property
    def duration(self) -> float:
        return len(self.values) / self.rate


@dataclass(frozen=True)
class E4Recording:
    """The signals of one session; ``ibi`` is ``None`` when ``IBI.csv`` is empty.

    ``ibi`` is ``(beat_times, intervals)`` in seconds, the beat times already
    made relative to :attr:`reference` (the EDA start) like :meth:`E4Signal.times`.
    """

    path: Path
    signals: dict[str, E4Signal]
    ibi: tuple[np.ndarray, np.ndarray] | None

    @property
    def reference(self) -> float:
        """Session clock zero: the EDA start (all signals but HR share it)."""
        return self.signals["EDA"].start


def _member(archive: zipfile.ZipFile, path: Path, name: str) -> zipfile.ZipInfo:
    """The zip entry ``<anything>/<name>`` (the exports sit in an ``<id>/`` folder)."""
    hits = [i for i in archive.infolist() if i.filename.rsplit("/", 1)[-1] == name]
    if not hits:
        raise E4FormatError(f"{path}: member {name} missing (found {archive.namelist()}).")
    if len(hits) > 1:
        raise E4FormatError(f"{path}: member {name} appears {len(hits)} times.")
    return hits[0]


def _table(text: str, where: str, n_columns: int, first_row: int = 1) -> np.ndarray:
    """All rows as floats; a bad row raises naming ``where`` and its 1-based file row.

    ``first_row`` is the file row of the first line of ``text``.
    """
    try:
        frame = pd.read_csv(
            io.StringIO(text), header=None, skipinitialspace=True, dtype=str, keep_default_na=False
        )
    except pd.errors.ParserError as error:
        raise E4FormatError(f"{where}: cannot parse CSV ({error}).") from None
    if frame.shape[1] != n_columns:
        raise E4FormatError(f"{where}: {frame.shape[1]} columns, expected {n_columns}.")
    values = frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(values).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise E4FormatError(
            f"{where}: row {row + first_row} is not numeric or holds NaN/inf: "
            f"{frame.iloc[row].tolist()}."
        )
    return values


def _signal(text: str, where: str, n_columns: int) -> E4Signal:
    values = _table(text, where, n_columns)
    if len(values) < 3:
        raise E4FormatError(
            f"{where}: needs a start row, a rate row and samples; has {len(values)} rows."
        )
    start, rate = values[0], values[1]
    if np.ptp(start) != 0 or not start[0] >= _MIN_UNIX_START:
        raise E4FormatError(f"{where}: row 1 must be the Unix start time, got {start.tolist()}.")
    if np.ptp(rate) != 0 or not _RATE_RANGE[0] <= rate[0] <= _RATE_RANGE[1]:
        raise E4FormatError(f"{where}: row 2 must be the sample rate in Hz, got {rate.tolist()}.")
    samples = values[2:, 0] if n_columns == 1 else values[2:]
    return E4Signal(float(start[0]), float(rate[0]), samples)


def _ibi(text: str, where: str, reference: float) -> tuple[np.ndarray, np.ndarray] | None:
    if not text.strip():
        return None  # 0-byte IBI.csv: the device detected no beats (FORMAT.md section 7)
    lines = text.splitlines()
    head = [cell.strip() for cell in lines[0].split(",")]
    try:
        start = float(head[0])
    except ValueError:
        start = np.nan
    if len(head) != 2 or head[1] != "IBI" or not start >= _MIN_UNIX_START:
        raise E4FormatError(f"{where}: row 1 must be '<unix start>, IBI', got {lines[0]!r}.")
    if len(lines) == 1:
        return np.zeros(0), np.zeros(0)
    rows = _table("\n".join(lines[1:]), where, 2, first_row=2)
    bad = (rows[:, 1] <= 0) | (np.diff(rows[:, 0], prepend=-np.inf) <= 0)
    if bad.any():
        row = int(np.flatnonzero(bad)[0])
        raise E4FormatError(
            f"{where}: row {row + 2} has a non-positive interval or a non-increasing time: "
            f"{rows[row].tolist()}."
        )
    return rows[:, 0] + (start - reference), rows[:, 1]


def read_e4_zip(path: str | Path, signals: tuple[str, ...] = tuple(SIGNAL_COLUMNS)) -> E4Recording:
    """Read the E4 signals (and IBI) of one exported session.

    Parameters
    ----------
    path : str or Path
        The ``.zip`` of an Empatica E4 export.
    signals : tuple of str
        Which of ``EDA TEMP ACC BVP HR`` to read (EDA is always read: it is the
        session clock).

    Returns
    -------
    E4Recording

    Raises
    ------
    FileNotFoundError
        No such file.
    E4FormatError
        Not a zip, a member missing, a bad header or a non-numeric/NaN row (the
        message names the file, member and row).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"E4 export not found: {path}")
    try:
        archive = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        raise E4FormatError(f"{path}: not a zip file.") from None
    with archive:

        def text(name: str) -> tuple[str, str]:
            info = _member(archive, path, name)
            raw = archive.read(info)
            try:
                return raw.decode("utf-8-sig"), f"{path}:{info.filename}"
            except UnicodeDecodeError:
                raise E4FormatError(f"{path}:{info.filename}: not UTF-8 text.") from None

        wanted = ("EDA", *(s for s in signals if s != "EDA"))
        read = {s: _signal(*text(f"{s}.csv"), SIGNAL_COLUMNS[s]) for s in wanted}
        ibi = _ibi(*text("IBI.csv"), read["EDA"].start)
    return E4Recording(path, read, ibi)
