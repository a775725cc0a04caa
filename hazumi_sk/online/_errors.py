"""The errors of live tracking, each naming the dialogue or the field at fault."""

from __future__ import annotations

__all__ = [
    "DuplicateDialogueError",
    "EndedDialogueError",
    "ExchangeError",
    "TrackerError",
    "UnknownDialogueError",
]


class TrackerError(ValueError):
    """Base class: the request was refused and no dialogue's state changed.

    Attributes
    ----------
    field : str or None
        The input field at fault (a feature name, ``"text"``, ``"self_report"``,
        ``"dialogue_id"``, ``"state"``), for a service to report.
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class UnknownDialogueError(TrackerError, KeyError):
    """No dialogue with this id was started (or restored)."""

    def __str__(self) -> str:  # KeyError would quote the message
        return str(self.args[0])


class EndedDialogueError(TrackerError):
    """The dialogue was ended; its trajectory stays readable but it takes no exchange."""


class DuplicateDialogueError(TrackerError):
    """A dialogue with this id is already tracked."""


class ExchangeError(TrackerError):
    """An exchange was malformed: unknown or missing feature, non-finite or non-numeric value."""
