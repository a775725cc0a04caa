"""The modality grammar: tags, ``+`` combinations and what ``"ALL"`` means.

Every part of the package that reads a modality specification (the selector, the
dumpfile extractor, the command line, the reproduction) parses it here, so
``"ALL"`` means one thing everywhere: the paper's four behavioural modalities
A + L + B + V (those present in the data). The physiological (``P``) and system
prompt (``S``) blocks are never implied; name them to use them (``"ALL+P"`` is
not accepted, write ``"A+L+B+V+P"``).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

__all__ = [
    "ALL",
    "MODALITY_TAGS",
    "PAPER_FEATURE_SETS",
    "PAPER_MODALITIES",
    "format_modalities",
    "parse_modalities",
]

#: Modality tags used throughout the package, in the paper's notation.
MODALITY_TAGS = {
    "A": "acoustic",
    "L": "linguistic",
    "B": "body",
    "V": "visual (face)",
    "P": "physiological",
    "S": "system prompt (what the system said; not the user's behaviour)",
}

#: The keyword for the paper's full early fusion.
ALL = "ALL"

#: What ``"ALL"`` stands for: the paper's acoustic, linguistic, body and face blocks.
PAPER_MODALITIES = ("A", "L", "B", "V")

#: The paper's feature sets (Tables 2-5), each including the linguistic block.
PAPER_FEATURE_SETS = ("L", "L+A", "L+B", "L+V", ALL)


def _split(modalities: Any) -> list[str] | None:
    """The tags of a ``"L+V"`` string or a list of tags; None for ``"ALL"``."""
    if isinstance(modalities, str):
        if modalities.strip().upper() == ALL:
            return None
        return [tag.strip() for tag in modalities.split("+")]
    if isinstance(modalities, Sequence) or hasattr(modalities, "__array__"):
        if not all(isinstance(tag, str) for tag in modalities):
            raise TypeError(
                f"modalities={modalities!r}: every tag must be a string such as 'L' or 'V'."
            )
        return [tag.strip() for tag in modalities]
    raise TypeError(
        "modalities must be a string such as 'L+V' or 'ALL', or a list of tags such as "
        f"['L', 'V'], got {type(modalities).__name__} {modalities!r}."
    )


def parse_modalities(
    modalities: str | Sequence[str], available: Iterable[str] | None = None
) -> list[str]:
    """Turn ``"L+V"``, ``"ALL"`` or ``["L", "V"]`` into a list of modality tags.

    Parameters
    ----------
    modalities : str or sequence of str
        Tags joined by ``"+"``, the keyword ``"ALL"`` (the paper's A + L + B + V),
        or a list of tags.
    available : iterable of str, optional
        The tags present in the data. When given, ``"ALL"`` keeps only the paper
        modalities present, and any other tag must be present; when None, tags are
        checked against :data:`MODALITY_TAGS`.

    Returns
    -------
    tags : list of str
        The tags, in the order written (``"ALL"``: A, L, B, V order).

    Raises
    ------
    TypeError
        When ``modalities`` is neither a string nor a sequence of strings.
    ValueError
        For an empty, unknown, absent or repeated tag; the message names the
        specification and the tags that exist.

    Examples
    --------
    >>> from hazumi_sk.vocabulary import parse_modalities
    >>> parse_modalities("L+V")
    ['L', 'V']
    >>> parse_modalities("ALL", available=["L", "V", "S"])
    ['L', 'V']
    """
    known = list(MODALITY_TAGS) if available is None else list(available)
    where = "the data has" if available is not None else "known tags are"
    tags = _split(modalities)
    if tags is None:
        tags = [tag for tag in PAPER_MODALITIES if tag in known]
        if not tags:
            raise ValueError(
                f"modalities={modalities!r} means the paper's {'+'.join(PAPER_MODALITIES)}, "
                f"but {where} none of them: {known}."
            )
        return tags
    if not tags or any(not tag for tag in tags):
        raise ValueError(
            f"modalities={modalities!r} names an empty tag; write tags joined by '+', "
            f"e.g. 'L+V', or 'ALL'. {where.capitalize()} {known}."
        )
    unknown = [tag for tag in tags if tag not in known]
    if unknown:
        raise ValueError(
            f"modalities={modalities!r}: unknown modality tag(s) {unknown}; "
            f"{where} {known} (or use 'ALL')."
        )
    duplicated = sorted({tag for tag in tags if tags.count(tag) > 1})
    if duplicated:
        raise ValueError(f"modalities={modalities!r} repeats tag(s) {duplicated}.")
    return tags


def format_modalities(tags: Iterable[str]) -> str:
    """Write tags in the paper's notation: ``["L", "V"]`` -> ``"L+V"``.

    Examples
    --------
    >>> from hazumi_sk.vocabulary import format_modalities
    >>> format_modalities(["L", "V"])
    'L+V'
    """
    return "+".join(tags)
