"""Reading ELAN (.eaf) annotation files into one exchange table per session."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import HazumiFormatError

__all__ = ["read_eaf", "check_tiers", "VERSION_TIERS"]

#: The tier whose annotations define the exchange list (FORMAT.md §10 step 3).
EXCHANGE_TIER = "dialogue_act"
#: 1902 free-text comment tiers are sparse; they do not define exchanges.
FREE_TEXT_MARK = "自由記述"
#: The tiers of every EAF of a version (FORMAT.md §4; 2012 read from its 63 files), free-text
#: tiers aside. A missing one would load as all-NaN labels or all-empty transcripts.
VERSION_TIERS = {
    "1902": ("TC_F1", "TC_F2", "TC_F3", "TC_F5", "TC_M2", "UI_F1", "UI_F2", "UI_F3", "UI_F5",
             "UI_M2", "sys_utterance", "user_utterance", "dialogue_act", "UI_self"),
    "1911": ("TC_F1", "TC_F2", "TC_F3", "TC_F4", "TC_M1", "UI_F1", "UI_F2", "UI_F3", "UI_F4",
             "UI_M1", "sys_utterance", "user_utterance", "dialogue_act", "UI_self"),
    "2010": ("exchangeID", "sys_utterance", "user_utterance", "dialogue_act", "UI_F1", "UI_F2",
             "UI_F3", "UI_F4", "UI_M1", "TC_F1", "TC_F2", "TC_F3", "TC_F6", "TC_F5"),
    "2012": ("exchangeID", "sys_utterance", "user_utterance", "dialogue_act", "UI_F1", "UI_F2",
             "UI_F3", "UI_M1", "UI_M2", "TC_F1", "TC_F2", "TC_F4", "TC_F5", "TC_M1"),
}  # fmt: skip
#: ELAN times are milliseconds written as ASCII digits; ``int()`` alone would also take
#: ``'1_0'``, ``'１２'`` or ``'٣'``.
_MILLISECONDS = re.compile(r"[0-9]+\Z")


class EafFormatError(HazumiFormatError):
    """An ELAN file that does not follow the Hazumi layout."""


def _time_slots(root: ET.Element, path: Path) -> dict[str, int]:
    slots = {}
    for slot in root.iter("TIME_SLOT"):
        slot_id, value = slot.get("TIME_SLOT_ID"), slot.get("TIME_VALUE")
        if value is None:
            raise EafFormatError(f"{path}: time slot {slot_id!r} has no TIME_VALUE.")
        if not _MILLISECONDS.match(value):
            raise EafFormatError(
                f"{path}: time slot {slot_id!r} has value {value!r}, not a non-negative integer "
                "of ASCII digits (ms)."
            )
        if slot_id in slots:
            raise EafFormatError(f"{path}: time slot id {slot_id!r} is defined twice.")
        slots[slot_id] = int(value)
    return slots


def _tier_annotations(tier: ET.Element, slots: dict[str, int], path: Path) -> list[tuple]:
    """``(start, end, value, annotation_id)`` of every annotation of a tier, in time order."""
    name = tier.get("TIER_ID")
    rows = []
    for k, ann in enumerate(tier.iter("ALIGNABLE_ANNOTATION")):
        refs = ann.get("TIME_SLOT_REF1"), ann.get("TIME_SLOT_REF2")
        missing = [r for r in refs if r not in slots]
        if missing:
            raise EafFormatError(
                f"{path}: tier {name!r} annotation {k} refers to missing time slot(s) {missing}."
            )
        value = ann.findtext("ANNOTATION_VALUE")
        rows.append((slots[refs[0]], slots[refs[1]], value, ann.get("ANNOTATION_ID", f"#{k}")))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def _tiers(root: ET.Element, slots: dict[str, int], path: Path) -> dict[str, list[tuple]]:
    """Annotations per tier id; a tier without id or a repeated id is an error (never merged)."""
    tiers: dict[str, list[tuple]] = {}
    for k, tier in enumerate(root.iter("TIER")):
        name = tier.get("TIER_ID")
        if name is None:
            raise EafFormatError(f"{path}: tier {k} has no TIER_ID.")
        if name in tiers:
            raise EafFormatError(
                f"{path}: tier {name!r} appears twice (the second would replace the first)."
            )
        tiers[name] = _tier_annotations(tier, slots, path)
    return tiers


def _check_exchanges(base: list[tuple], path: Path) -> None:
    """Exchanges are non-empty, start after each other and never overlap (FORMAT.md §4)."""
    if len(base) == 0:
        raise EafFormatError(f"{path}: tier {EXCHANGE_TIER!r} has no annotations (empty dialogue).")
    where = f"{path}: tier {EXCHANGE_TIER!r}"
    for i, (start, end, _, ann) in enumerate(base):
        if end <= start:
            raise EafFormatError(
                f"{where}, exchange {i} (annotation {ann!r}) has end {end} <= start {start} ms."
            )
    for i in range(len(base) - 1):
        (start, end, _, ann), (next_start, _, _, next_ann) = base[i], base[i + 1]
        if next_start == start:
            raise EafFormatError(
                f"{where}: exchanges {i} and {i + 1} (annotations {ann!r}, {next_ann!r}) share "
                f"a start ({start} ms)."
            )
        if next_start < end:
            # The sequence model reads exchanges in order: overlapping ones have no order.
            raise EafFormatError(
                f"{where}: exchange {i} (annotation {ann!r}, ends {end} ms) overlaps exchange "
                f"{i + 1} (annotation {next_ann!r}, starts {next_start} ms)."
            )


def check_tiers(raw: pd.DataFrame, path: str | Path, version: str) -> None:
    """Every tier of the version is present, no other one is, 2010/2012 ``exchangeID`` is i + 1.

    Raises
    ------
    HazumiFormatError
        Naming the EAF and the missing or unexpected tier (or the annotation).
    """
    expected = VERSION_TIERS.get(version)
    if expected is None:
        return
    present = [c for c in raw.columns if c not in ("exchange", "start_ms", "end_ms")]
    missing = [t for t in expected if t not in present]
    if missing:
        raise EafFormatError(
            f"{path}: required tier(s) {missing} missing (every Hazumi{version} EAF has "
            f"{list(expected)})."
        )
    unexpected = [t for t in present if t not in expected]
    if unexpected:
        raise EafFormatError(
            f"{path}: unexpected tier(s) {unexpected} for Hazumi{version} (they would not be "
            "loaded)."
        )
    if "exchangeID" in raw:
        ids = raw.attrs.get("annotation_ids", {}).get("exchangeID", [None] * len(raw))
        for i, value in enumerate(raw["exchangeID"]):
            if not (isinstance(value, str) and _MILLISECONDS.match(value) and int(value) == i + 1):
                raise EafFormatError(
                    f"{path}: tier 'exchangeID', exchange {i} (annotation {ids[i]!r}): value "
                    f"{value!r} is not the exchange number {i + 1:03d}."
                )


def read_eaf(path: str | Path) -> pd.DataFrame:
    """Read one Hazumi EAF file into an exchange table.

    Exchange ``i`` is the ``i``-th annotation of the ``dialogue_act`` tier; every
    other tier (except the sparse 1902 free-text comments) must have exactly the
    same intervals.

    Parameters
    ----------
    path : str or Path
        The ``.eaf`` file.

    Returns
    -------
    pandas.DataFrame
        Columns ``exchange, start_ms, end_ms`` then one column per tier with the
        raw annotation strings (``None`` where empty), in file tier order.

    Raises
    ------
    HazumiFormatError
        Naming the file and tier/annotation when the file is malformed: a
        non-integer or non-ASCII time, a repeated tier or time slot id,
        overlapping or empty exchanges, a tier whose intervals differ.

    Examples
    --------
    >>> from hazumi_sk.datasets import read_eaf
    >>> read_eaf("1902F2001.eaf").columns[:4].tolist()  # doctest: +SKIP
    ['exchange', 'start_ms', 'end_ms', 'TC_F1']
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise EafFormatError(f"{path}: not a well-formed EAF/XML file ({error}).") from None
    slots = _time_slots(root, path)
    tiers = _tiers(root, slots, path)
    if EXCHANGE_TIER not in tiers:
        raise EafFormatError(f"{path}: no {EXCHANGE_TIER!r} tier (tiers: {sorted(tiers)}).")
    base = tiers[EXCHANGE_TIER]
    _check_exchanges(base, path)
    starts = np.array([r[0] for r in base], dtype=np.int64)
    ends = np.array([r[1] for r in base], dtype=np.int64)
    table = {"exchange": np.arange(len(base)), "start_ms": starts, "end_ms": ends}
    annotation_ids = {}
    for name, rows in tiers.items():
        if FREE_TEXT_MARK in name:
            continue
        spans = [(r[0], r[1]) for r in rows]
        if spans != list(zip(starts.tolist(), ends.tolist(), strict=True)):
            raise EafFormatError(
                f"{path}: tier {name!r} has {len(rows)} annotations whose intervals differ from "
                f"the {len(base)} exchanges of tier {EXCHANGE_TIER!r}."
            )
        # object dtype: pandas' default Arrow strings are slow to iterate cell by cell.
        table[name] = pd.Series([r[2] for r in rows], dtype=object)
        annotation_ids[name] = [r[3] for r in rows]
    frame = pd.DataFrame(table)
    # Annotation ids let the loader name the annotation of an unusable label.
    frame.attrs["annotation_ids"] = annotation_ids
    return frame
