"""Cleaned ELAN exchange tables and their join with the dumpfile rows (FORMAT.md §5)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ._dumpfile import DumpFile
from ._errors import HazumiFormatError
from ._labels import clean_label

__all__ = ["ExclusionLog", "build_exchange_table", "join_dumpfile", "JoinResult"]

#: Start/end times of dumpfile rows are often 1 ms off the ELAN times (FORMAT.md §5).
TOLERANCE_MS = 1
_ANNOTATOR_TIER = re.compile(r"^(UI|TC)_([FM]\d)$")
#: Versions whose dumpfiles write 3 for an E/e/blank-marked ELAN label (FORMAT.md §5;
#: 2012 measured: 502 cells), so the label is re-masked from ELAN.
E_WRITTEN_AS_3 = frozenset({"2010", "2012"})
#: Versions whose dumpfile ``end(system)`` may lie outside its exchange (2012: 196 of
#: 5334 rows); such a time is set to NaN and logged instead of failing the load.
END_SYSTEM_UNRELIABLE = frozenset({"2012"})


@dataclass
class ExclusionLog:
    """Rows of the ``excluded`` table, collected while loading."""

    rows: list[tuple] = field(default_factory=list)

    def add(self, dialogue_id: str | float, exchange: int | None, level: str, reason: str) -> None:
        self.rows.append((dialogue_id, exchange, level, reason))

    def to_frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=["dialogue_id", "exchange", "level", "reason"])
        frame["exchange"] = frame["exchange"].astype("Int64")
        return frame


def _label_columns(raw: pd.DataFrame) -> dict[str, str]:
    """ELAN tier -> exchange-table column: UI_self -> SS, UI_<a> -> TS_<a>, TC_<a> -> TC_<a>."""
    mapping = {"UI_self": "SS"} if "UI_self" in raw.columns else {}
    for tier in raw.columns:
        match = _ANNOTATOR_TIER.match(tier)
        if match:
            kind = "TS" if match.group(1) == "UI" else "TC"
            mapping[tier] = f"{kind}_{match.group(2)}"
    return mapping


def _text(values: pd.Series) -> pd.Series:
    return values.fillna("").astype(str).str.strip()


def build_exchange_table(raw: pd.DataFrame, dialogue_id: str, log: ExclusionLog) -> pd.DataFrame:
    """Exchange table with cleaned labels from a :func:`read_eaf` table.

    Label markers (``E``, ``(e)``, blank) become ``NaN`` and are logged at
    level ``"label"``; ``SS_excluded`` flags a marked self-sentiment label.
    """
    table = pd.DataFrame(
        {
            "exchange": raw["exchange"].to_numpy(),
            "start_ms": raw["start_ms"].to_numpy(),
            "end_system_ms": np.full(len(raw), np.nan),
            "end_ms": raw["end_ms"].to_numpy(),
            "sys_utterance": _text(raw["sys_utterance"]) if "sys_utterance" in raw else "",
            "user_utterance": _text(raw["user_utterance"]) if "user_utterance" in raw else "",
            "dialogue_act": _text(raw["dialogue_act"]),
        }
    )
    mapping = _label_columns(raw)
    markers: dict[int, list[str]] = {}
    for tier, column in mapping.items():
        cleaned = [clean_label(value) for value in raw[tier]]
        table[column] = np.array([c.label for c in cleaned], dtype=np.float64)
        for i, c in enumerate(cleaned):
            if c.excluded or c.suspect:
                note = f"{tier}={raw[tier].iloc[i]!r}" + (" (suspect)" if c.suspect else "")
                markers.setdefault(i, []).append(note)
        if column == "SS":
            table["SS_excluded"] = np.array([c.excluded for c in cleaned])
            table["SS_suspect"] = np.array([c.suspect for c in cleaned])
    if "SS" not in table:
        table["SS"] = np.nan
        table["SS_excluded"] = False
        table["SS_suspect"] = False
    for kind in ("TS", "TC"):
        columns = [c for c in table.columns if c.startswith(f"{kind}_")]
        values = table[columns].to_numpy()
        counts = np.sum(~np.isnan(values), axis=1)
        table[f"{kind}_mean"] = np.where(
            counts > 0, np.nansum(values, axis=1) / np.maximum(counts, 1), np.nan
        )
    table["dump_row"] = pd.array([pd.NA] * len(table), dtype="Int64")
    for i, notes in sorted(markers.items()):
        log.add(dialogue_id, i, "label", "not rated / marked: " + ", ".join(notes))
    return _order_columns(table)


def _order_columns(table: pd.DataFrame) -> pd.DataFrame:
    fixed = ["exchange", "start_ms", "end_system_ms", "end_ms", "sys_utterance"]
    fixed += ["user_utterance", "dialogue_act", "SS", "SS_excluded", "SS_suspect"]
    ts = sorted(c for c in table.columns if c.startswith("TS_") and c != "TS_mean")
    tc = sorted(c for c in table.columns if c.startswith("TC_") and c != "TC_mean")
    return table[fixed + ts + tc + ["TS_mean", "TC_mean", "dump_row"]]


@dataclass(frozen=True)
class JoinResult:
    """Exchange table with ``dump_row``/``end_system_ms`` filled, and the feature rows."""

    exchanges: pd.DataFrame
    feature_rows: pd.DataFrame


def _row_members(table: pd.DataFrame, dump: DumpFile, dialogue_id: str) -> list[np.ndarray]:
    """For each dump row, the ELAN exchanges it spans (the 1902 merged rows span several)."""
    starts, ends = table["start_ms"].to_numpy(), table["end_ms"].to_numpy()
    members, owner = [], np.full(len(table), -1)
    for r, (row_start, row_end) in enumerate(
        zip(dump.times["start_ms"], dump.times["end_ms"], strict=True)
    ):
        inside = np.flatnonzero(
            (starts >= row_start - TOLERANCE_MS) & (ends <= row_end + TOLERANCE_MS)
        )
        tiled = (
            inside.size > 0
            and abs(starts[inside[0]] - row_start) <= TOLERANCE_MS
            and abs(ends[inside[-1]] - row_end) <= TOLERANCE_MS
            and np.all(np.diff(inside) == 1)
        )
        if not tiled:
            raise HazumiFormatError(
                f"{dump.path}: data row {r} [{row_start:.0f}, {row_end:.0f}] ms does not match "
                f"whole ELAN exchanges of {dialogue_id} within ±{TOLERANCE_MS} ms."
            )
        taken = inside[owner[inside] >= 0]
        if taken.size:
            raise HazumiFormatError(
                f"{dump.path}: data row {r} overlaps ELAN exchange {taken[0]} already matched to "
                f"row {owner[taken[0]]}."
            )
        owner[inside] = r
        members.append(inside)
    return members


def _label_names(dump: DumpFile) -> list[str]:
    return [c for c in dump.labels.columns if re.match(r"^(SS|TS_[FM]\d|TC_[FM]\d)$", c)]


def _check_rules(dump: DumpFile, version: str) -> None:
    """Ternary, *_Aver and duration rules of FORMAT.md §3.4, on every dump row."""
    labels, path = dump.labels, dump.path

    def fail(mask: np.ndarray, what: str) -> None:
        if mask.any():
            r = int(np.flatnonzero(mask)[0])
            raise HazumiFormatError(f"{path}: data row {r}: {what} violated.")

    def ternary(values: np.ndarray, high: np.ndarray, low: np.ndarray) -> np.ndarray:
        return np.where(high, 2, np.where(low, 0, 1))

    if "SS_ternary" in labels:
        ss = labels["SS"].to_numpy()
        fail(labels["SS_ternary"].to_numpy() != ternary(ss, ss >= 5, ss <= 3), "SS_ternary rule")
    for kind in ("TS", "TC"):
        columns = [c for c in labels.columns if re.match(rf"^{kind}_[FM]\d$", c)]
        mean = labels[columns].to_numpy().mean(axis=1)
        if f"{kind}_ternary" in labels:
            expected = ternary(mean, mean > 4.5, mean < 3.5)
            fail(labels[f"{kind}_ternary"].to_numpy() != expected, f"{kind}_ternary rule")
        aver = {"TS": "UI_Aver", "TC": "TC_Aver"}[kind]
        if aver in labels:
            fail(~np.isclose(labels[aver].to_numpy(), mean, atol=1e-6), f"{aver} = row mean")
    if "duration" in labels:
        span = (dump.times["end_ms"] - dump.times["start_ms"]).to_numpy()
        fail(labels["duration"].to_numpy() != span, "duration == end - start")
    if version in END_SYSTEM_UNRELIABLE:
        return  # checked row by row in _end_system, which logs what it masks
    t = dump.times
    fail((t["end_system_ms"] < t["start_ms"]).to_numpy(), "start <= end(system)")
    fail((t["end_system_ms"] > t["end_ms"]).to_numpy(), "end(system) <= end(exchange)")


def _end_system(
    dump: DumpFile, members: list[np.ndarray], version: str, dialogue_id: str, log: ExclusionLog
) -> np.ndarray:
    """Per dump row ``end(system)``; in 2012 an impossible one becomes NaN (logged).

    A value at most ``TOLERANCE_MS`` past the exchange end is the usual 1 ms
    jitter and is clipped to the end; anything further outside the exchange
    (up to 1000 s in 2012) cannot be the end of this exchange's system prompt.
    """
    t = dump.times
    start, end = t["start_ms"].to_numpy(), t["end_ms"].to_numpy()
    values = t["end_system_ms"].to_numpy(dtype=np.float64, copy=True)
    if version not in END_SYSTEM_UNRELIABLE:
        return values
    jitter = (values > end) & (values <= end + TOLERANCE_MS)
    values[jitter] = end[jitter]
    for r in np.flatnonzero((values < start) | (values > end)):
        log.add(
            dialogue_id, int(members[r][0]), "time",
            f"dumpfile row {r}: end(system) {values[r]:.0f} ms lies outside the exchange "
            f"[{start[r]:.0f}, {end[r]:.0f}] ms; end_system_ms set to NaN",
        )  # fmt: skip
        values[r] = np.nan
    return values


def _row_labels(
    elan: np.ndarray,
    dumped: np.ndarray,
    names: list[str],
    context: tuple[DumpFile, int, np.ndarray, str, str],
    log: ExclusionLog,
) -> int:
    """Cross-check one dump row against ELAN; returns the exchange whose labels it carries.

    ``elan`` holds the cleaned labels of the row's exchanges (one line each) and
    ``dumped`` the row's labels, both over the columns ``names``.
    """
    dump, r, members, version, dialogue_id = context
    if members.size > 1:
        # 1902 merged rows carry the labels of their one clean exchange.
        clean = [k for k in range(members.size) if np.array_equal(elan[k], dumped)]
        if not clean:
            raise HazumiFormatError(
                f"{dump.path}: merged data row {r} (ELAN exchanges {members.tolist()}) carries "
                f"labels {dict(zip(names, dumped.tolist(), strict=True))} of none of them."
            )
        keep = int(members[clean[0]])
        for m in members[members != keep]:
            log.add(
                dialogue_id, int(m), "exchange",
                f"merged into dumpfile row {r} with exchanges {members.tolist()}; the row carries "
                f"exchange {keep}'s labels",
            )  # fmt: skip
        return keep
    mismatch = ~np.isnan(elan[0]) & (elan[0] != dumped)
    if mismatch.any():
        k = int(np.flatnonzero(mismatch)[0])
        raise HazumiFormatError(
            f"{dump.path}: data row {r}, column {names[k]!r}: dumpfile label {dumped[k]:g} "
            f"!= cleaned ELAN label {elan[0][k]:g} (exchange {members[0]})."
        )
    masked = np.isnan(elan[0])
    if masked.any():
        columns = [names[k] for k in np.flatnonzero(masked)]
        if version in E_WRITTEN_AS_3 and np.all(dumped[masked] == 3):
            log.add(
                dialogue_id, int(members[0]), "label",
                f"dumpfile wrote 3 for the marked label(s) {columns}; re-masked from ELAN "
                "and the means recomputed",
            )  # fmt: skip
        else:
            raise HazumiFormatError(
                f"{dump.path}: data row {r} has label(s) {columns} = "
                f"{dumped[masked].tolist()} where ELAN exchange {members[0]} is not rated."
            )
    return int(members[0])


def join_dumpfile(
    table: pd.DataFrame, dump: DumpFile, version: str, dialogue_id: str, log: ExclusionLog
) -> JoinResult:
    """Match dump rows to ELAN exchanges (±1 ms, merged rows) and cross-check the labels.

    Raises
    ------
    HazumiFormatError
        Naming the dumpfile and row of the first violated rule.
    """
    _check_rules(dump, version)
    members = _row_members(table, dump, dialogue_id)
    end_system_rows = _end_system(dump, members, version, dialogue_id, log)
    names = _label_names(dump)
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise HazumiFormatError(
            f"{dump.path}: label column(s) {missing} have no ELAN tier in {dialogue_id}'s EAF."
        )
    elan_labels = table[names].to_numpy(dtype=np.float64)
    dumped_labels = dump.labels[names].to_numpy(dtype=np.float64)
    dump_row = np.full(len(table), -1)
    end_system = table["end_system_ms"].to_numpy(copy=True)
    carriers = []
    for r, inside in enumerate(members):
        dump_row[inside] = r
        if inside.size == 1:
            end_system[inside] = end_system_rows[r]
        context = (dump, r, inside, version, dialogue_id)
        carriers.append(_row_labels(elan_labels[inside], dumped_labels[r], names, context, log))
    table = table.copy()
    table["end_system_ms"] = end_system
    table["dump_row"] = pd.array(np.where(dump_row >= 0, dump_row, None), dtype="Int64")
    if "ID" in dump.labels:
        ids = dump.labels["ID"].to_numpy()
        expected = np.array([m[0] + 1 for m in members])
        if not np.array_equal(ids, expected):
            r = int(np.flatnonzero(ids != expected)[0])
            raise HazumiFormatError(
                f"{dump.path}: data row {r}: ID {ids[r]:g} != ELAN exchange number {expected[r]}."
            )
    if "row_index" in dump.labels:
        # 2012's ``Unnamed: 0`` is the 0-based exchange number (a saved pandas index).
        index = dump.labels["row_index"].to_numpy()
        expected = np.array([m[0] for m in members])
        if not np.array_equal(index, expected):
            r = int(np.flatnonzero(index != expected)[0])
            raise HazumiFormatError(
                f"{dump.path}: data row {r}, column 'Unnamed: 0': {index[r]:g} != ELAN exchange "
                f"index {expected[r]}."
            )
    for i in np.flatnonzero(table["dump_row"].isna().to_numpy()):
        log.add(dialogue_id, int(i), "exchange", "no dumpfile row (dropped by the corpus authors)")
    carrier_rows = table.loc[carriers]
    feature_rows = pd.DataFrame(
        {
            "dialogue_id": dialogue_id,
            "row": np.arange(len(members)),
            "start_ms": dump.times["start_ms"].to_numpy(),
            "end_ms": dump.times["end_ms"].to_numpy(),
            "SS": carrier_rows["SS"].to_numpy(),
            "TS_mean": carrier_rows["TS_mean"].to_numpy(),
            "TC_mean": carrier_rows["TC_mean"].to_numpy(),
            "elan_exchanges": [tuple(int(m) for m in inside) for inside in members],
        }
    )
    return JoinResult(exchanges=table, feature_rows=feature_rows)
