"""The live tracker as a durable HTTP service: ``hazumi-sk serve``.

:class:`DialogueService` puts an :class:`~hazumi_sk.online.ImpressionTracker`
behind request validation and a SQLite :class:`Journal` written before every
answer; :func:`create_app` is its ASGI app (the JSON API, Server-Sent Events
and the live page), :func:`serve` runs it with uvicorn, and
:func:`replay_to_server` sends recorded dialogues to a running server. The web
dependencies (``pip install hazumi-sk[serve]``) are imported only by
:func:`create_app` and :func:`serve`. See :doc:`/serve`.
"""

from __future__ import annotations

from typing import Any

from ._client import ReplayResult, replay_to_server
from ._errors import JournalError, ServiceError
from ._journal import Journal
from ._run import check_bind, default_journal_path, load_service, serve
from ._service import DIALOGUE_ID_PATTERN, EXCHANGE_FIELDS, DialogueService, estimate_response

__all__ = [
    "DIALOGUE_ID_PATTERN",
    "DialogueService",
    "EXCHANGE_FIELDS",
    "Journal",
    "JournalError",
    "ReplayResult",
    "ServiceError",
    "check_bind",
    "create_app",
    "default_journal_path",
    "estimate_response",
    "load_service",
    "replay_to_server",
    "serve",
]


def __getattr__(name: str) -> Any:
    # create_app needs fastapi: imported on first use so that the rest works without it.
    if name == "create_app":
        try:
            from ._app import create_app
        except ImportError as error:
            raise ImportError(
                f"hazumi_sk.serve.create_app needs the web extra ({error}): "
                "pip install 'hazumi-sk[serve]'"
            ) from error
        return create_app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
