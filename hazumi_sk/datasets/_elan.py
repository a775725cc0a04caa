"""Reading ELAN (.eaf) annotation files into one exchange table per session."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pandas as pd

from ._errors import HazumiFormatError

__all__ = ["read_eaf"]

#: The tier whose annotations define the exchange list (FORMAT.md §10 step 3).
EXCHANGE_TIER = "dialogue_act"
#: 1902 free-text comment tiers are sparse; they do not define exchanges.
FREE_TEXT_MARK = "自由記述"


class EafFormatError(HazumiFormatError):
    """An ELAN file that does not follow the Hazumi layout."""


def _time_slots(root: ET.Element, path: Path) -> dict[str, int]:
    slots = {}
    for slot in root.iter("TIME_SLOT"):
        slot_id, value = slot.get("TIME_SLOT_ID"), slot.get("TIME_VALUE")
        if value is None:
            raise EafFormatError(f"{path}: time slot {slot_id!r} has no TIME_VALUE.")
        try:
            slots[slot_id] = int(value)
        except ValueError:
            raise EafFormatError(
                f"{path}: time slot {slot_id!r} has non-integer value {value!r}."
            ) from None
    return slots


def _tier_annotations(tier: ET.Element, slots: dict[str, int], path: Path) -> list[tuple]:
    """``(start, end, value)`` of every annotation of a tier, in time order."""
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
        rows.append((slots[refs[0]], slots[refs[1]], value))
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


def _check_exchanges(starts: np.ndarray, ends: np.ndarray, path: Path) -> None:
    if len(starts) == 0:
        raise EafFormatError(f"{path}: tier {EXCHANGE_TIER!r} has no annotations (empty dialogue).")
    bad = np.flatnonzero(ends <= starts)
    if bad.size:
        raise EafFormatError(f"{path}: exchange {bad[0]} has end <= start ({ends[bad[0]]}).")
    dupes = np.flatnonzero(np.diff(starts) == 0)
    if dupes.size:
        raise EafFormatError(f"{path}: exchanges {dupes[0]} and {dupes[0] + 1} share a start.")


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
    ValueError
        Naming the file and tier/annotation when the file is malformed.

    Examples
    --------
    >>> from hazumi_sk.datasets._elan import read_eaf
    >>> read_eaf("1902F2001.eaf").columns[:4].tolist()  # doctest: +SKIP
    ['exchange', 'start_ms', 'end_ms', 'TC_F1']
    """
    path = Path(path)
    try:
        root = ET.parse(path).getroot()
    except ET.ParseError as error:
        raise EafFormatError(f"{path}: not a well-formed EAF/XML file ({error}).") from None
    slots = _time_slots(root, path)
    tiers = {
        tier.get("TIER_ID"): _tier_annotations(tier, slots, path) for tier in root.iter("TIER")
    }
    if EXCHANGE_TIER not in tiers:
        raise EafFormatError(f"{path}: no {EXCHANGE_TIER!r} tier (tiers: {sorted(tiers)}).")
    base = tiers[EXCHANGE_TIER]
    starts = np.array([r[0] for r in base], dtype=np.int64)
    ends = np.array([r[1] for r in base], dtype=np.int64)
    _check_exchanges(starts, ends, path)
    table = {"exchange": np.arange(len(base)), "start_ms": starts, "end_ms": ends}
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
    return pd.DataFrame(table)
