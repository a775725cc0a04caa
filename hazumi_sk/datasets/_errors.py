"""The error raised for corpus files that do not follow the Hazumi layout."""

from __future__ import annotations

__all__ = ["HazumiFormatError"]


class HazumiFormatError(ValueError):
    """A Hazumi file (dumpfile, EAF, questionnaire) is malformed or inconsistent.

    The message always names the file and, where it applies, the row, column,
    tier or sheet at fault.
    """
