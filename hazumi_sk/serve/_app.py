"""The ASGI app: the JSON API, the event streams and the live page over a DialogueService."""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources
from typing import Any
from urllib.parse import parse_qs

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from .._version import __version__
from ._errors import ServiceError
from ._service import DIALOGUE_ID_PATTERN, DialogueService

__all__ = ["DEFAULT_MAX_BODY_BYTES", "create_app"]

logger = logging.getLogger("hazumi_sk.serve")

#: The largest request body accepted (413 above it).
DEFAULT_MAX_BODY_BYTES = 1 << 20
_DRAIN_LIMIT = 64 << 20  # an oversized body is read and dropped up to this, then cut off
_KEEP_ALIVE_S = 15.0
_QUEUE_SIZE = 10_000


# ----------------------------------------------------------------- OpenAPI schemas
class DialogueIn(BaseModel):
    """Body of ``POST /v1/dialogues`` (may be empty)."""

    dialogue_id: str | None = Field(None, pattern=f"^{DIALOGUE_ID_PATTERN}$")


class DialogueCreated(BaseModel):
    dialogue_id: str


class ExchangeIn(BaseModel):
    """Body of ``POST /v1/dialogues/{id}/exchanges``."""

    features: dict[str, float] = Field(description="feature name -> number, every required one")
    text: str | None = Field(None, description="the user's utterance (models trained on text)")
    self_report: float | None = Field(None, ge=1, le=7, description="the user's own 1-7 rating")
    exchange: int | None = Field(
        None, ge=0, description="the index this exchange gets; a retry returns the same answer"
    )


class ItemEstimate(BaseModel):
    proba_high: float


class EstimateOut(BaseModel):
    dialogue_id: str
    exchange: int
    items: dict[str, ItemEstimate]
    exchange_sentiment_proba_high: float | None
    self_report: float | None = None
    incremental: bool = True


class DialogueOut(BaseModel):
    dialogue_id: str
    ended: bool
    exchanges: list[EstimateOut]


class DialogueSummary(BaseModel):
    dialogue_id: str
    ended: bool
    n_exchanges: int


class DialogueList(BaseModel):
    dialogues: list[DialogueSummary]


class ModelOut(BaseModel):
    items: list[str]
    feature_names: list[str]
    required_features: list[str]
    incremental: dict[str, bool]
    model_id: str
    method: str | None
    feature_set: str | None
    linguistic: str | None
    text_encoder: str | None
    corpus_versions: list[str] | None
    hazumi_sk_version: str | None
    library_versions: dict[str, str] | None


class ErrorOut(BaseModel):
    detail: str
    field: str | None
    status: int


_ERRORS = {code: {"model": ErrorOut} for code in (400, 401, 404, 409, 413, 422, 503)}


# ---------------------------------------------------------------------- helpers
def _error(status: int, detail: str, field: str | None = None) -> JSONResponse:
    return JSONResponse({"detail": detail, "field": field, "status": status}, status_code=status)


async def _json_body(request: Request, limit: int, required: bool) -> Any:
    """The decoded JSON body, refusing bodies over ``limit`` bytes and broken JSON."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size <= limit:
            chunks.append(chunk)
        elif size > _DRAIN_LIMIT:
            break
    if size > limit:
        raise ServiceError(
            f"The request body has {'over ' if size > _DRAIN_LIMIT else ''}{size} bytes; the "
            f"limit is {limit}.",
            413,
            "body",
        )
    raw = b"".join(chunks)
    if not raw.strip():
        if required:
            raise ServiceError("The request body is empty; send a JSON object.", 400, "body")
        return None
    try:
        return json.loads(raw)
    except (ValueError, RecursionError) as error:  # JSONDecodeError, UnicodeDecodeError
        raise ServiceError(f"The request body is not valid JSON: {error}.", 400, "body") from error


def _sse(kind: str, data: Any, event_id: int | None = None) -> str:
    head = f"event: {kind}\n" + ("" if event_id is None else f"id: {event_id}\n")
    return f"{head}data: {json.dumps(data, separators=(',', ':'))}\n\n"


class _Subscriber:
    def __init__(self, dialogue_id: str | None) -> None:
        self.dialogue_id = dialogue_id
        self.queue: asyncio.Queue = asyncio.Queue(_QUEUE_SIZE)


class _Broadcast:
    """Fans the service's events out to the open event streams (in the event loop)."""

    def __init__(self) -> None:
        self.subscribers: set[_Subscriber] = set()
        self.loop: asyncio.AbstractEventLoop | None = None

    def add(self, dialogue_id: str | None) -> _Subscriber:
        subscriber = _Subscriber(dialogue_id)
        self.subscribers.add(subscriber)
        return subscriber

    def remove(self, subscriber: _Subscriber) -> None:
        self.subscribers.discard(subscriber)

    def __call__(self, kind: str, data: dict[str, Any]) -> None:
        if self.loop is None:
            return
        for subscriber in list(self.subscribers):
            if subscriber.dialogue_id in (None, data["dialogue_id"]):
                self.loop.call_soon_threadsafe(self._offer, subscriber, (kind, data))

    def _offer(self, subscriber: _Subscriber, event: tuple) -> None:
        try:
            subscriber.queue.put_nowait(event)
        except asyncio.QueueFull:  # a listener that does not read: end its stream
            self.remove(subscriber)
            subscriber.queue.get_nowait()
            subscriber.queue.put_nowait((None, None))

    def close(self) -> None:
        for subscriber in list(self.subscribers):
            self._offer(subscriber, (None, None))


async def _next_event(subscriber: _Subscriber) -> tuple[str | None, Any]:
    try:
        return await asyncio.wait_for(subscriber.queue.get(), _KEEP_ALIVE_S)
    except asyncio.TimeoutError:
        return "keep-alive", None


def _stream(events: AsyncIterator[str]) -> StreamingResponse:
    headers = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}
    return StreamingResponse(events, media_type="text/event-stream", headers=headers)


class _TokenAuth:
    """Bearer-token check on every route but ``/healthz`` (``?token=`` for browsers)."""

    def __init__(self, app: Any, token: str) -> None:
        self.app = app
        self.token = token.encode()

    def _authorised(self, scope: dict[str, Any]) -> bool:
        for name, value in scope.get("headers", []):
            if name == b"authorization" and value[:7].lower() == b"bearer ":
                return hmac.compare_digest(value[7:].strip(), self.token)
        query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
        given = query.get("token", [""])[-1].encode("latin-1")
        return bool(given) and hmac.compare_digest(given, self.token)

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        guarded = scope["type"] in ("http", "websocket") and scope["path"] != "/healthz"
        if guarded and not self._authorised(scope):
            response = _error(
                401,
                "Missing or wrong token: send 'Authorization: Bearer <token>' (or ?token= "
                "from a browser).",
                "authorization",
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def _page(name: str) -> str:
    return resources.files("hazumi_sk.serve").joinpath("static", name).read_text("utf-8")


# ---------------------------------------------------------------------- the app
def create_app(
    service: DialogueService,
    *,
    token: str | None = None,
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
) -> FastAPI:
    """The ASGI app of ``hazumi-sk serve`` over a :class:`DialogueService`.

    Routes: ``POST /v1/dialogues``, ``POST /v1/dialogues/{id}/exchanges``,
    ``GET``/``DELETE /v1/dialogues/{id}``, ``GET /v1/dialogues``,
    ``GET /v1/dialogues/{id}/events`` and ``GET /v1/events`` (Server-Sent
    Events), ``GET /v1/model``, ``GET /healthz``, the live page at ``/`` and the
    OpenAPI schema at ``/docs``. Every refused request answers a 4xx JSON body
    ``{"detail", "field", "status"}``.

    Parameters
    ----------
    service : DialogueService
    token : str or None, default=None
        When given, every route but ``/healthz`` needs ``Authorization: Bearer
        <token>`` (or ``?token=<token>``, which the live page passes on).
    max_body_bytes : int, default=1 MiB
        Larger request bodies are refused with 413.

    Returns
    -------
    app : fastapi.FastAPI
        Run it with any ASGI server (:func:`serve` uses uvicorn).

    Examples
    --------
    >>> from hazumi_sk.serve import DialogueService, create_app
    >>> app = create_app(DialogueService(model), token="s3cret")  # doctest: +SKIP
    >>> import uvicorn; uvicorn.run(app, host="127.0.0.1", port=8000)  # doctest: +SKIP
    """
    if token is not None and not token:
        raise ValueError("token must be a non-empty string or None.")
    broadcast = _Broadcast()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        broadcast.loop = asyncio.get_running_loop()
        unsubscribe = service.subscribe(broadcast)
        try:
            yield
        finally:
            unsubscribe()
            broadcast.close()

    app = FastAPI(
        title="hazumi-sk live impression service",
        version=__version__,
        docs_url=None,  # served below from installed files, not a CDN
        redoc_url=None,
        description="The running impression (P(high) per rapport item) of dialogues in "
        "progress, one exchange at a time. Errors: 4xx JSON {detail, field, status}.",
        lifespan=lifespan,
    )
    app.state.service = service
    if token is not None:
        app.add_middleware(_TokenAuth, token=token)

    @app.exception_handler(ServiceError)
    async def _service_error(request: Request, error: ServiceError) -> JSONResponse:
        return JSONResponse(error.to_dict(), status_code=error.status)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, error: StarletteHTTPException) -> JSONResponse:
        return _error(error.status_code, str(error.detail))

    @app.exception_handler(RequestValidationError)
    async def _validation_error(request: Request, error: RequestValidationError) -> JSONResponse:
        first = error.errors()[0] if error.errors() else {}
        field = ".".join(str(p) for p in first.get("loc", ())[1:]) or None
        return _error(422, f"{field}: {first.get('msg', 'invalid')}", field)

    body_doc = {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": ExchangeIn.model_json_schema()}},
        }
    }
    start_doc = {
        "requestBody": {
            "required": False,
            "content": {"application/json": {"schema": DialogueIn.model_json_schema()}},
        }
    }

    @app.get("/healthz", tags=["service"])
    async def healthz() -> dict[str, Any]:
        """Liveness (no token needed): open dialogues and what start-up replayed."""
        return {
            "status": "ok",
            "open_dialogues": len(service.tracker.dialogues()),
            "recovered": service.recovered,
        }

    @app.get("/v1/model", response_model=ModelOut, responses=_ERRORS, tags=["service"])
    async def model() -> JSONResponse:
        """The served model: items, input features, method and versions."""
        return JSONResponse(service.model_info())

    @app.get("/v1/dialogues", response_model=DialogueList, responses=_ERRORS, tags=["dialogues"])
    async def list_dialogues(open_only: bool = Query(False)) -> JSONResponse:
        """Every dialogue (or every open one) with its number of exchanges."""
        return JSONResponse({"dialogues": service.dialogues(open_only)})

    @app.post(
        "/v1/dialogues",
        status_code=201,
        response_model=DialogueCreated,
        responses=_ERRORS,
        openapi_extra=start_doc,
        tags=["dialogues"],
    )
    async def start(request: Request) -> JSONResponse:
        """Open a dialogue (a new id when the body names none)."""
        body = await _json_body(request, max_body_bytes, required=False)
        return JSONResponse(service.start(body), status_code=201)

    @app.post(
        "/v1/dialogues/{dialogue_id}/exchanges",
        response_model=EstimateOut,
        responses=_ERRORS,
        openapi_extra=body_doc,
        tags=["dialogues"],
    )
    async def add_exchange(dialogue_id: str, request: Request) -> JSONResponse:
        """Add one exchange; the answer (journaled first) is the running estimate."""
        body = await _json_body(request, max_body_bytes, required=True)
        return JSONResponse(service.add_exchange(dialogue_id, body))

    @app.get(
        "/v1/dialogues/{dialogue_id}",
        response_model=DialogueOut,
        responses=_ERRORS,
        tags=["dialogues"],
    )
    async def get_dialogue(dialogue_id: str) -> JSONResponse:
        """The dialogue's estimates in exchange order, and whether it ended."""
        return JSONResponse(service.dialogue(dialogue_id))

    @app.delete(
        "/v1/dialogues/{dialogue_id}",
        response_model=DialogueSummary,
        responses=_ERRORS,
        tags=["dialogues"],
    )
    async def end(dialogue_id: str) -> JSONResponse:
        """End the dialogue; its estimates stay readable."""
        return JSONResponse(service.end(dialogue_id))

    @app.get("/v1/dialogues/{dialogue_id}/events", responses=_ERRORS, tags=["events"])
    async def dialogue_events(dialogue_id: str, request: Request) -> StreamingResponse:
        """Server-Sent Events: ``estimate`` (id: the exchange) for each exchange, then ``ended``.

        The exchanges already made are sent first (after ``Last-Event-ID`` when
        the client reconnects); the stream closes when the dialogue ends.
        """
        try:
            after = int(request.headers.get("last-event-id", "-1"))
        except ValueError:
            after = -1
        subscriber = broadcast.add(dialogue_id)
        try:
            snapshot = service.dialogue(dialogue_id)
        except ServiceError:
            broadcast.remove(subscriber)
            raise

        async def events() -> AsyncIterator[str]:
            seen = after
            try:
                yield ": connected\n\n"
                for estimate in snapshot["exchanges"]:
                    if estimate["exchange"] > seen:
                        seen = estimate["exchange"]
                        yield _sse("estimate", estimate, seen)
                if snapshot["ended"]:
                    n = len(snapshot["exchanges"])
                    yield _sse(
                        "ended", {"dialogue_id": dialogue_id, "ended": True, "n_exchanges": n}
                    )
                    return
                while True:
                    kind, data = await _next_event(subscriber)
                    if kind is None:
                        return
                    if kind == "keep-alive":
                        yield ": keep-alive\n\n"
                    elif kind == "estimate" and data["exchange"] > seen:
                        seen = data["exchange"]
                        yield _sse("estimate", data, seen)
                    elif kind == "ended":
                        yield _sse("ended", data)
                        return
            finally:
                broadcast.remove(subscriber)

        return _stream(events())

    @app.get("/v1/events", responses=_ERRORS, tags=["events"])
    async def all_events() -> StreamingResponse:
        """Server-Sent Events of every dialogue: ``snapshot`` (the open dialogues), then
        ``started``, ``estimate`` and ``ended`` as they happen (what the live page listens to).
        """
        subscriber = broadcast.add(None)
        snapshot = {"dialogues": service.open_snapshot()}

        async def events() -> AsyncIterator[str]:
            try:
                yield _sse("snapshot", snapshot)
                while True:
                    kind, data = await _next_event(subscriber)
                    if kind is None:
                        return
                    yield ": keep-alive\n\n" if kind == "keep-alive" else _sse(kind, data)
            finally:
                broadcast.remove(subscriber)

        return _stream(events())

    @app.get("/", include_in_schema=False)
    async def page() -> HTMLResponse:
        return HTMLResponse(_page("live.html"))

    @app.get("/static/live.js", include_in_schema=False)
    async def script() -> Response:
        return Response(_page("live.js"), media_type="text/javascript")

    _add_docs(app)
    return app


#: The Swagger UI (5.x) files ``/docs`` needs, served from the installed fastapi-offline
#: package (FastAPI's default page fetches them from a CDN; no network here).
_DOCS_ASSETS = {"swagger-ui-bundle.js": "text/javascript", "swagger-ui.css": "text/css"}


def _add_docs(app: FastAPI) -> None:
    """``/docs``: the interactive OpenAPI page, its scripts shipped, not fetched from a CDN."""
    from fastapi.openapi.docs import get_swagger_ui_html

    assets = resources.files("fastapi_offline").joinpath("static")

    @app.get("/docs", include_in_schema=False)
    async def docs(request: Request) -> HTMLResponse:
        # A browser cannot send the bearer header for a script tag: pass ?token= on.
        token = request.query_params.get("token")
        suffix = f"?token={token}" if token else ""
        return get_swagger_ui_html(
            openapi_url=f"{app.openapi_url}{suffix}",
            title=f"{app.title} - API",
            swagger_js_url=f"/docs/swagger-ui-bundle.js{suffix}",
            swagger_css_url=f"/docs/swagger-ui.css{suffix}",
            swagger_favicon_url="data:,",
        )

    @app.get("/docs/{asset}", include_in_schema=False)
    async def docs_asset(asset: str) -> Response:
        if asset not in _DOCS_ASSETS:
            raise ServiceError(f"No docs asset {asset!r}.", status=404, field="asset")
        content = assets.joinpath(asset).read_bytes()
        return Response(content, media_type=_DOCS_ASSETS[asset])
