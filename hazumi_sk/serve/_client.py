"""Send recorded dialogues to a running ``hazumi-sk serve``, as a live system would."""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import pandas as pd

from ..online import RESERVED_FIELDS, TRAJECTORY_COLUMNS

__all__ = ["ReplayResult", "replay_to_server"]

_RETRY_PAUSE_S = 0.2


@dataclass
class ReplayResult:
    """What :func:`replay_to_server` sent and got back.

    Attributes
    ----------
    estimates : dict of str to list of dict
        Dialogue id -> the acknowledged answers to its exchanges, in order (the
        API's estimate objects).
    latencies_ms : list of float
        Round-trip time of every acknowledged exchange request.
    errors : list of str
        Unexpected answers (method, path, status and body) and abandoned
        dialogues; empty when everything was accepted.
    retries : int
        Requests sent again after the connection failed (``retry_for``).
    elapsed_s : float
        Wall-clock time of the whole replay.
    """

    estimates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    latencies_ms: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    retries: int = 0
    elapsed_s: float = 0.0

    def trajectories(self) -> pd.DataFrame:
        """The acknowledged estimates as :meth:`~hazumi_sk.online.ImpressionTracker.trajectory`
        frames: one row per dialogue x exchange x item, columns
        :data:`~hazumi_sk.online.TRAJECTORY_COLUMNS`.

        Examples
        --------
        >>> from hazumi_sk.serve import ReplayResult
        >>> answer = {"dialogue_id": "d1", "exchange": 0, "items": {"cold": {"proba_high": 0.2}},
        ...           "exchange_sentiment_proba_high": 0.6, "self_report": None,
        ...           "incremental": True}
        >>> ReplayResult(estimates={"d1": [answer]}).trajectories()[["item", "proba_high"]]
           item  proba_high
        0  cold         0.2
        """
        rows = [
            (a["dialogue_id"], a["exchange"], item, p["proba_high"],
             a.get("exchange_sentiment_proba_high"), a.get("self_report"),
             a.get("incremental", True))
            for answers in self.estimates.values()
            for a in answers
            for item, p in a["items"].items()
        ]  # fmt: skip
        frame = pd.DataFrame(rows, columns=list(TRAJECTORY_COLUMNS))
        return frame.astype({"exchange": "int64", "proba_high": "float64"})


class _Connection:
    """One keep-alive HTTP connection that reconnects after a failure."""

    def __init__(self, url: str, token: str | None, timeout: float) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"url must be http(s)://host:port, got {url!r}.")
        self._kind = (
            http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
        )
        self._address = (parts.hostname, parts.port)
        self._prefix = parts.path.rstrip("/")
        self._headers = {"Content-Type": "application/json"}
        if token:
            self._headers["Authorization"] = f"Bearer {token}"
        self._timeout = timeout
        self._conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        if self._conn is None:
            self._conn = self._kind(*self._address, timeout=self._timeout)
        payload = None if body is None else json.dumps(body, allow_nan=True).encode()
        try:
            self._conn.request(method, self._prefix + path, payload, self._headers)
            response = self._conn.getresponse()
            raw = response.read()
        except (OSError, http.client.HTTPException):
            self.close()
            raise
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode("utf-8", "replace")
        return response.status, data

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _body(exchange: Mapping[str, Any], index: int) -> dict[str, Any]:
    body: dict[str, Any] = {
        "features": {k: v for k, v in exchange.items() if k not in RESERVED_FIELDS},
        "exchange": index,
    }
    for key in RESERVED_FIELDS:
        if exchange.get(key) is not None:
            body[key] = exchange[key]
    return body


class _Replayer:
    def __init__(self, url: str, token: str | None, timeout: float, retry_for: float) -> None:
        self.url, self.token, self.timeout, self.retry_for = url, token, timeout, retry_for
        self.result = ReplayResult()
        self.lock = threading.Lock()

    def _send(
        self, conn: _Connection, method: str, path: str, body: Any
    ) -> tuple[int, Any, float, bool]:
        """``(status, data, seconds, retried)``; retries failed connections for ``retry_for`` s."""
        deadline, retried = None, False
        while True:
            start = time.perf_counter()
            try:
                status, data = conn.request(method, path, body)
                return status, data, time.perf_counter() - start, retried
            except (OSError, http.client.HTTPException) as error:
                now = time.monotonic()
                deadline = deadline or now + self.retry_for
                if now >= deadline:
                    raise ConnectionError(f"{method} {path}: {error}") from error
                retried = True
                with self.lock:
                    self.result.retries += 1
                time.sleep(_RETRY_PAUSE_S)

    def _error(self, method: str, path: str, status: int, data: Any) -> None:
        with self.lock:
            self.result.errors.append(f"{method} {path} -> {status} {data}")

    def dialogue(
        self,
        dialogue_id: str,
        exchanges: Sequence[Mapping[str, Any]],
        offsets: Sequence[float] | None,
        end: bool,
    ) -> None:
        conn = _Connection(self.url, self.token, self.timeout)
        answers: list[dict[str, Any]] = []
        with self.lock:
            self.result.estimates[dialogue_id] = answers
        try:
            status, data, _, retried = self._send(
                conn, "POST", "/v1/dialogues", {"dialogue_id": dialogue_id}
            )
            if status != 201 and not (retried and status == 409):
                self._error("POST", "/v1/dialogues", status, data)
                return
            path = f"/v1/dialogues/{quote(dialogue_id, safe='')}"
            started = time.monotonic()
            for i, exchange in enumerate(exchanges):
                if offsets is not None:
                    time.sleep(max(0.0, started + float(offsets[i]) - time.monotonic()))
                status, data, seconds, _ = self._send(
                    conn, "POST", f"{path}/exchanges", _body(exchange, i)
                )
                if status != 200:
                    self._error("POST", f"{path}/exchanges", status, data)
                    return
                answers.append(data)
                with self.lock:
                    self.result.latencies_ms.append(seconds * 1000)
            if end:
                status, data, _, retried = self._send(conn, "DELETE", path, None)
                if status != 200 and not (retried and status == 409):
                    self._error("DELETE", path, status, data)
        except ConnectionError as error:
            with self.lock:
                self.result.errors.append(f"dialogue {dialogue_id!r} abandoned: {error}")
        finally:
            conn.close()


def replay_to_server(
    url: str,
    dialogues: Sequence[tuple[str, Sequence[Mapping[str, Any]]]],
    *,
    pace: float | Mapping[str, Sequence[float]] | None = None,
    token: str | None = None,
    concurrency: int | None = None,
    end: bool = True,
    retry_for: float = 0.0,
    timeout: float = 30.0,
) -> ReplayResult:
    """Send dialogues exchange by exchange to a running ``hazumi-sk serve``.

    Each dialogue is started under its own id (``POST /v1/dialogues``), its
    exchanges are posted in order with their index (so that a retry after a
    lost connection is answered without adding the exchange twice) and it is
    ended (``DELETE``). Dialogues run concurrently, one connection each.

    Parameters
    ----------
    url : str
        The service, e.g. ``"http://127.0.0.1:8000"``.
    dialogues : sequence of (str, sequence of mapping)
        ``(dialogue_id, exchanges)``; each exchange maps feature name -> number,
        optionally with ``"text"`` and ``"self_report"`` (as
        :meth:`~hazumi_sk.online.ImpressionTracker.update` takes it; e.g. from
        :func:`~hazumi_sk.online.recorded_exchanges`).
    pace : float, mapping or None, default=None
        None: as fast as the server answers. A number: seconds between the
        exchanges of a dialogue. A mapping dialogue id -> seconds from the
        dialogue's start of each exchange: the recorded pace.
    token : str or None, default=None
        The server's bearer token.
    concurrency : int or None, default=None
        Dialogues in flight at once (default: all of them, at most 128).
    end : bool, default=True
        End each dialogue after its last exchange.
    retry_for : float, default=0.0
        Keep retrying a request whose connection failed for this many
        seconds (a server restarting); 0 gives up at once.
    timeout : float, default=30.0
        Seconds to wait for one answer.

    Returns
    -------
    result : ReplayResult

    Examples
    --------
    >>> from hazumi_sk.serve import replay_to_server
    >>> result = replay_to_server(  # doctest: +SKIP
    ...     "http://127.0.0.1:8000", [("1911F2001", [{"smile": 0.2, "pitch": 1.3}])])
    >>> result.errors, len(result.estimates["1911F2001"])  # doctest: +SKIP
    ([], 1)
    """
    dialogues = [(str(d), list(ex)) for d, ex in dialogues]
    ids = [d for d, _ in dialogues]
    if len(set(ids)) != len(ids):
        raise ValueError("dialogues: each dialogue id must appear once.")
    offsets: dict[str, Sequence[float] | None] = {d: None for d in ids}
    if isinstance(pace, Mapping):
        for d, exchanges in dialogues:
            if d not in pace or len(pace[d]) != len(exchanges):
                raise ValueError(f"pace: dialogue {d!r} needs one time per exchange.")
            offsets[d] = [float(t) for t in pace[d]]
    elif pace is not None:
        if float(pace) < 0:
            raise ValueError(f"pace must be >= 0 seconds, got {pace!r}.")
        offsets = {d: [i * float(pace) for i in range(len(ex))] for d, ex in dialogues}
    if concurrency is not None and int(concurrency) < 1:
        raise ValueError(f"concurrency must be >= 1, got {concurrency!r}.")
    workers = int(concurrency) if concurrency else max(1, min(len(dialogues), 128))
    replayer = _Replayer(url, token, timeout, retry_for)
    _Connection(url, token, timeout)  # checks the url before any thread starts
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(replayer.dialogue, d, ex, offsets[d], end) for d, ex in dialogues]
        for future in futures:
            future.result()
    replayer.result.elapsed_s = time.perf_counter() - start
    return replayer.result
