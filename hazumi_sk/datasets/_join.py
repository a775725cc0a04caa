"""Cleaned ELAN exchange tables and their join with the dumpfile rows (FORMAT.md §5)."""

from __future__ import annotations

import re
import warnings
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
#: The exchanges the corpus authors left out of the 1911 dumpfiles (FORMAT.md §5, 0-based).
#: Only these are logged as dropped by the authors; any other exchange without a row is
#: logged as what it is, an exchange with no dumpfile row.
AUTHOR_DROPPED = {
    "1911F2001": (33, 64), "1911F3001": (41, 54), "1911F4001": (16, 79, 80),
    "1911F4002": (14, 15, 20, 55), "1911F5002": (40, 71, 87, 115), "1911F6003": (72,),
    "1911F7002": (51, 52), "1911M2001": (0,), "1911M2002": (39,), "1911M4001": (31,),
    "1911M4002": (77,), "1911M5002": (23, 24), "1911M6001": (29, 44), "1911M7001": (64, 76),
    "1911M7002": (88,),
}  # fmt: skip


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
    return clean_exchange_table(raw, dialogue_id, log)[0]


def _clean_tier(
    raw: pd.DataFrame, tier: str, column: str, dialogue_id: str, log: ExclusionLog
) -> tuple[list, set[tuple[int, str]]]:
    """Cleaned labels of one tier; an unrecognised value is logged with its raw text."""
    with warnings.catch_warnings():
        # Logged below as an ``excluded`` row instead of a warning nobody can query.
        warnings.simplefilter("ignore", UserWarning)
        cleaned = [clean_label(value) for value in raw[tier]]
    ids = raw.attrs.get("annotation_ids", {}).get(tier, [None] * len(raw))
    unrecognised = set()
    for i, c in enumerate(cleaned):
        if np.isnan(c.label) and not c.excluded:
            unrecognised.add((i, column))
            log.add(
                dialogue_id, i, "label",
                f"unrecognised label value {tier}={raw[tier].iloc[i]!r} (tier {tier!r}, "
                f"annotation {ids[i]!r}); {column} set to NaN and not compared with the dumpfile",
            )  # fmt: skip
    return cleaned, unrecognised


def clean_exchange_table(
    raw: pd.DataFrame, dialogue_id: str, log: ExclusionLog
) -> tuple[pd.DataFrame, set[tuple[int, str]]]:
    """:func:`build_exchange_table` plus the ``(exchange, column)`` cells whose value was
    unrecognised (``NaN`` in the table, logged at level ``"label"``)."""
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
    unrecognised: set[tuple[int, str]] = set()
    for tier, column in mapping.items():
        cleaned, bad = _clean_tier(raw, tier, column, dialogue_id, log)
        unrecognised |= bad
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
    return _order_columns(table), unrecognised


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


def _check_row_order(dump: DumpFile) -> None:
    """Rows follow each other in time: a shuffled or overlapping row would reorder the dialogue."""
    start, end = dump.times["start_ms"].to_numpy(), dump.times["end_ms"].to_numpy()
    for r in range(1, len(start)):
        if start[r] < start[r - 1]:
            raise HazumiFormatError(
                f"{dump.path}: data rows {r - 1} and {r} are out of time order (start "
                f"{start[r - 1]:.0f} ms, then {start[r]:.0f} ms)."
            )
        if start[r] < end[r - 1] - TOLERANCE_MS:
            raise HazumiFormatError(
                f"{dump.path}: data row {r - 1} [{start[r - 1]:.0f}, {end[r - 1]:.0f}] ms overlaps "
                f"data row {r} [{start[r]:.0f}, {end[r]:.0f}] ms."
            )


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
    wild: np.ndarray | None = None,
) -> int:
    """Cross-check one dump row against ELAN; returns the exchange whose labels it carries.

    ``elan`` holds the cleaned labels of the row's exchanges (one line each) and
    ``dumped`` the row's labels, both over the columns ``names``; ``wild`` marks
    the ELAN cells whose value was unrecognised (already logged, not compared).
    """
    dump, r, members, version, dialogue_id = context
    if wild is None:
        wild = np.zeros(elan.shape, dtype=bool)
    if members.size > 1:
        # 1902 merged rows carry the labels of their one clean exchange.
        clean = [
            k
            for k in range(members.size)
            if np.array_equal(np.where(wild[k], dumped, elan[k]), dumped)
        ]
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
    masked = np.isnan(elan[0]) & ~wild[0]
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
    table: pd.DataFrame,
    dump: DumpFile,
    version: str,
    dialogue_id: str,
    log: ExclusionLog,
    unrecognised: set[tuple[int, str]] | frozenset = frozenset(),
) -> JoinResult:
    """Match dump rows to ELAN exchanges (±1 ms, merged rows) and cross-check the labels.

    ``unrecognised`` holds the ``(exchange, column)`` ELAN cells whose label was
    not interpretable (logged already): the dumpfile's value there is not compared.

    Raises
    ------
    HazumiFormatError
        Naming the dumpfile and row of the first violated rule.
    """
    _check_rules(dump, version)
    _check_row_order(dump)
    members = _row_members(table, dump, dialogue_id)
    end_system_rows = _end_system(dump, members, version, dialogue_id, log)
    names = _label_names(dump)
    missing = [n for n in names if n not in table.columns]
    if missing:
        raise HazumiFormatError(
            f"{dump.path}: label column(s) {missing} have no ELAN tier in {dialogue_id}'s EAF."
        )
    # Every ELAN label tier is cross-checked: a dumpfile lacking one is malformed.
    elan_names = [c for c in table.columns if re.match(r"^(SS|TS_[FM]\d|TC_[FM]\d)$", c)]
    uncovered = [c for c in elan_names if c not in names and table[c].notna().any()]
    if uncovered:
        raise HazumiFormatError(
            f"{dump.path}: no label column for ELAN label(s) {uncovered} of {dialogue_id}."
        )
    wild = np.zeros((len(table), len(names)), dtype=bool)
    for i, column in unrecognised:
        if column in names:
            wild[i, names.index(column)] = True
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
        carriers.append(
            _row_labels(elan_labels[inside], dumped_labels[r], names, context, log, wild[inside])
        )
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
    documented = AUTHOR_DROPPED.get(dialogue_id, ())
    for i in np.flatnonzero(table["dump_row"].isna().to_numpy()):
        reason = f"no dumpfile row for ELAN exchange {i}"
        if i in documented:
            reason += " (dropped by the corpus authors, FORMAT.md §5)"
        log.add(dialogue_id, int(i), "exchange", reason)
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
