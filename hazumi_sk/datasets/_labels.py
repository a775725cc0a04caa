"""Cleaning of the exchange-level label strings found in the Hazumi ELAN tiers."""

from __future__ import annotations

import math
import re
import unicodedata
import warnings
from typing import Any, NamedTuple

__all__ = ["CleanLabel", "clean_label"]

#: A clean label: one digit 1-7, optionally followed by a stray full stop ('5.').
_DIGIT = re.compile(r"^([1-7])\.?$")
#: Annotators' "not rated" markers (undefined in the READMEs; FORMAT.md §4.1).
_MARKERS = frozenset({"E", "e", "(e)", "(E)", ""})
#: The one known annotator note that still carries a usable label (1902F6002).
_SUSPECT = re.compile(r"^([1-7])\s+delete$")


class CleanLabel(NamedTuple):
    """Result of :func:`clean_label`.

    Attributes
    ----------
    label : float
        The rating 1-7, or ``nan`` when the value carries no rating.
    excluded : bool
        ``True`` when the annotator marked the exchange as not rated
        (``E``, ``e``, ``(e)``, blank or missing).
    suspect : bool
        ``True`` when a label was recovered from an annotator note such as
        ``'6 delete'``.
    """

    label: float
    excluded: bool
    suspect: bool


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def clean_label(value: Any) -> CleanLabel:
    """Clean one ELAN label cell following FORMAT.md §4.1 "Recommended cleaning".

    1. ``s = NFKC(value).strip()`` (spaces, tabs, full-width digits);
    2. ``s`` matching ``^[1-7]\\.?$`` gives that integer;
    3. ``'<d> delete'`` gives ``d`` flagged ``suspect``;
    4. ``E``, ``e``, ``(e)``, empty or ``None`` give ``nan`` flagged ``excluded``;
    5. anything else gives ``nan`` with a :class:`UserWarning`. Never raises.

    Numbers (``int``/``float``) are accepted too, so the function is idempotent
    on its own output: ``clean_label(clean_label(v).label)`` has the same label.

    Parameters
    ----------
    value : str, int, float or None
        The raw cell.

    Returns
    -------
    CleanLabel
        ``(label, excluded, suspect)``.

    Examples
    --------
    >>> from hazumi_sk.datasets import clean_label
    >>> clean_label(" 4")
    CleanLabel(label=4.0, excluded=False, suspect=False)
    >>> clean_label("４")
    CleanLabel(label=4.0, excluded=False, suspect=False)
    >>> clean_label("(e)")
    CleanLabel(label=nan, excluded=True, suspect=False)
    >>> clean_label("6 delete")
    CleanLabel(label=6.0, excluded=False, suspect=True)
    """
    if _is_missing(value):
        return CleanLabel(math.nan, True, False)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if float(value).is_integer() and 1 <= value <= 7:
            return CleanLabel(float(value), False, False)
        return _unrecognised(value)
    if not isinstance(value, str):
        return _unrecognised(value)
    text = unicodedata.normalize("NFKC", value).strip()
    match = _DIGIT.match(text)
    if match:
        return CleanLabel(float(match.group(1)), False, False)
    match = _SUSPECT.match(text)
    if match:
        return CleanLabel(float(match.group(1)), False, True)
    if text in _MARKERS:
        return CleanLabel(math.nan, True, False)
    return _unrecognised(value)


def _unrecognised(value: Any) -> CleanLabel:
    warnings.warn(f"Unrecognised label value {value!r}; treated as missing.", stacklevel=3)
    return CleanLabel(math.nan, False, False)
