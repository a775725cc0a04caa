"""The errors of the service: an HTTP status and the request field at fault."""

from __future__ import annotations

__all__ = ["JournalError", "ServiceError"]


class ServiceError(ValueError):
    """A refused request: its HTTP status, the field at fault and a message naming it.

    Parameters
    ----------
    message : str
        What is wrong, naming the field.
    status : int, default=422
        The HTTP status the service answers with (4xx for a bad request, 503
        when the journal cannot be written).
    field : str or None, default=None
        The request field at fault as a JSON path (``"features.smile"``,
        ``"text"``, ``"dialogue_id"``, ``"body"``), or None.

    Examples
    --------
    >>> from hazumi_sk.serve import ServiceError
    >>> error = ServiceError("Unknown dialogue 'd9': start it first.", 404, "dialogue_id")
    >>> error.to_dict()
    {'detail': "Unknown dialogue 'd9': start it first.", 'field': 'dialogue_id', 'status': 404}
    """

    def __init__(self, message: str, status: int = 422, field: str | None = None) -> None:
        super().__init__(message)
        self.status = int(status)
        self.field = field

    def to_dict(self) -> dict[str, object]:
        """The JSON body of the error response."""
        return {"detail": str(self.args[0]), "field": self.field, "status": self.status}


class JournalError(RuntimeError):
    """The journal cannot be opened, belongs to another model, or a write failed."""
