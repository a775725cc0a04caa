"""The tracker behind the service: validation, journal-first commits, recovery and events."""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
import sqlite3
import threading
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from ..online import (
    RESERVED_FIELDS,
    DuplicateDialogueError,
    EndedDialogueError,
    Estimate,
    ImpressionTracker,
    TrackerError,
    UnknownDialogueError,
)
from ..persistence import ModelBundle
from ._errors import ServiceError
from ._journal import Journal

__all__ = ["DIALOGUE_ID_PATTERN", "DialogueService", "EXCHANGE_FIELDS", "estimate_response"]

logger = logging.getLogger("hazumi_sk.serve")

#: The fields of an exchange request body.
EXCHANGE_FIELDS = ("features", "text", "self_report", "exchange")
#: Accepted dialogue ids: 1-128 letters, digits and ``. _ : -``, starting with a letter or digit.
DIALOGUE_ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._:-]{0,127}"
_DIALOGUE_ID = re.compile(DIALOGUE_ID_PATTERN)
_STATUS = (
    (UnknownDialogueError, 404),
    (EndedDialogueError, 409),
    (DuplicateDialogueError, 409),
    (TrackerError, 422),
)
_FLOAT_MAX = 1.7976931348623157e308
_TOP_FIELDS = ("text", "self_report", "dialogue_id", "exchange", "state")

Event = tuple[str, dict[str, Any]]


def estimate_response(estimate: Estimate | Mapping[str, Any]) -> dict[str, Any]:
    """The JSON answer to an exchange: ``Estimate`` (or its ``to_dict()``) in the API's shape.

    Parameters
    ----------
    estimate : Estimate or mapping
        A tracker estimate, or its :meth:`~hazumi_sk.online.Estimate.to_dict`.

    Returns
    -------
    response : dict
        ``dialogue_id``, ``exchange``, ``items`` (item -> ``{"proba_high": p}``),
        ``exchange_sentiment_proba_high`` (None without an exchange head),
        ``self_report`` and ``incremental``.

    Examples
    --------
    >>> from hazumi_sk.online import Estimate
    >>> from hazumi_sk.serve import estimate_response
    >>> estimate_response(Estimate("d1", 0, {"cold": 0.25}, exchange_sentiment=0.5))["items"]
    {'cold': {'proba_high': 0.25}}
    """
    data = estimate.to_dict() if isinstance(estimate, Estimate) else estimate
    return {
        "dialogue_id": data["dialogue_id"],
        "exchange": data["exchange"],
        "items": {item: {"proba_high": p} for item, p in data["items"].items()},
        "exchange_sentiment_proba_high": data.get("exchange_sentiment"),
        "self_report": data.get("self_report"),
        "incremental": data.get("incremental", True),
    }


def _service_error(error: TrackerError) -> ServiceError:
    status = next(code for kind, code in _STATUS if isinstance(error, kind))
    field = error.field
    if field is not None and field not in _TOP_FIELDS:
        field = f"features.{field}"
    return ServiceError(str(error), status, field)


def _bundle_id(bundle: ModelBundle) -> str:
    meta = bundle.metadata
    text = json.dumps(
        [list(bundle.items), None if meta is None else meta.to_dict()], sort_keys=True, default=str
    )
    return hashlib.sha256(text.encode()).hexdigest()


class DialogueService:
    """An :class:`~hazumi_sk.online.ImpressionTracker` made durable, validated and observable.

    What the HTTP app calls: each method checks its request as the API
    receives it (JSON-decoded), writes the journal before it returns an
    answer, and raises :class:`ServiceError` (an HTTP status and the field at
    fault) for a bad request, with no dialogue changed. At construction it
    replays the journal: every dialogue left open resumes with the estimates it
    had (from the latest tracker snapshot plus the exchanges after it).

    Open dialogues live in the tracker; ended ones are read back from the
    journal, so memory grows with the open dialogues only.

    Parameters
    ----------
    model : ModelBundle or fitted estimator
        What :class:`~hazumi_sk.online.ImpressionTracker` takes.
    journal : Journal, str, path-like or None, default=None
        The journal, or its file; None keeps it in memory (nothing survives
        the process).
    model_id : str or None, default=None
        Identifies the model in the journal (e.g. the model file's SHA-256);
        defaults to a digest of the items and metadata.
    snapshot_every : int, default=32
        Journal the tracker's state every this many exchanges of a dialogue,
        so that a restart replays at most that many exchanges per dialogue.

    Attributes
    ----------
    tracker : ImpressionTracker
    journal : Journal
    recovered : dict
        What start-up replayed: ``dialogues``, ``exchanges`` (recomputed) and
        ``mismatches`` (recomputed estimates that differ from the journaled
        ones; 0 when the model is deterministic).

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.pipeline import make_pipeline
    >>> from hazumi_sk.preprocessing import SequencePooler
    >>> from hazumi_sk.sequences import RaggedSequences
    >>> from hazumi_sk.serve import DialogueService, ServiceError
    >>> rng = np.random.default_rng(0)
    >>> X = RaggedSequences.from_arrays([rng.normal(m, 1, (5, 2)) for m in [-1, 1] * 10],
    ...                                 feature_names=["smile", "pitch"])
    >>> model = make_pipeline(SequencePooler(), LogisticRegression()).fit(X, [0, 1] * 10)
    >>> service = DialogueService(model)
    >>> service.start({"dialogue_id": "d1"})
    {'dialogue_id': 'd1'}
    >>> answer = service.add_exchange("d1", {"features": {"smile": 1.2, "pitch": 0.8}})
    >>> answer["exchange"], sorted(answer["items"])
    (0, ['impression'])
    >>> try:
    ...     service.add_exchange("d1", {"features": {"smile": "high", "pitch": 0.8}})
    ... except ServiceError as error:
    ...     print(error.status, error.field)
    422 features.smile
    """

    def __init__(
        self,
        model: Any,
        journal: Journal | str | Any = None,
        *,
        model_id: str | None = None,
        snapshot_every: int = 32,
    ) -> None:
        if int(snapshot_every) < 1:
            raise ValueError(f"snapshot_every must be >= 1, got {snapshot_every!r}.")
        self.tracker = ImpressionTracker(model)
        self.model_id = model_id or _bundle_id(self.tracker.bundle)
        if not isinstance(journal, Journal):
            journal = Journal(":memory:" if journal is None else journal, model_id=self.model_id)
        self.journal = journal
        self.snapshot_every = int(snapshot_every)
        self._lock = threading.RLock()
        self._listeners: list[Callable[[str, dict[str, Any]], None]] = []
        self.recovered = {"dialogues": 0, "exchanges": 0, "mismatches": 0}
        for dialogue_id in self.journal.open_dialogues():
            self._resume(dialogue_id)
            self.recovered["dialogues"] += 1

    # ------------------------------------------------------------------ recovery
    def _resume(self, dialogue_id: str) -> None:
        """Put an open dialogue back into the tracker from the journal."""
        snapshot = self.journal.snapshot(dialogue_id)
        after = -1
        if snapshot is not None:
            try:
                self.tracker.restore(snapshot[1])
                after = snapshot[0]
            except TrackerError as error:  # e.g. written by another version: replay it all
                logger.warning(
                    "Dialogue %r: snapshot not restored (%s); replaying.", dialogue_id, error
                )
        if after == -1:
            self.tracker.start(dialogue_id)
        mismatches = []
        for index, request, journaled in self.journal.exchanges(dialogue_id, after):
            estimate = self.tracker.update(dialogue_id, self._exchange_of(request)[0])
            self.recovered["exchanges"] += 1
            if estimate.to_dict() != journaled or estimate.exchange != index:
                mismatches.append(index)
        if mismatches:  # another model or library version: the new numbers are kept
            self.recovered["mismatches"] += len(mismatches)
            logger.warning(
                "Dialogue %r: %d replayed estimate(s) differ from the journaled ones "
                "(first: exchange %d).",
                dialogue_id,
                len(mismatches),
                mismatches[0],
            )

    # --------------------------------------------------------------------- events
    def subscribe(self, listener: Callable[[str, dict[str, Any]], None]) -> Callable[[], None]:
        """Call ``listener(kind, data)`` after each committed change; returns the unsubscriber.

        ``kind`` is ``"started"`` (data: ``dialogue_id``), ``"estimate"`` (data:
        :func:`estimate_response`) or ``"ended"`` (data: ``dialogue_id``,
        ``n_exchanges``). Listeners are called in the thread of the change and
        must not block.
        """
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def _emit(self, kind: str, data: dict[str, Any]) -> None:
        for listener in list(self._listeners):
            try:
                listener(kind, data)
            except Exception:  # a broken listener must not fail the request
                logger.exception("Event listener failed.")

    # ------------------------------------------------------------------ requests
    def start(self, body: Any = None) -> dict[str, str]:
        """Open a dialogue: body ``{"dialogue_id": optional}``; returns ``{"dialogue_id": id}``.

        Raises
        ------
        ServiceError
            422 for a body that is not an object, an unknown field or a
            malformed id (field ``dialogue_id``); 409 for an id already used.
        """
        body = {} if body is None else body
        _check_object(body, ("dialogue_id",))
        dialogue_id = body.get("dialogue_id")
        if dialogue_id is not None:
            _check_dialogue_id(dialogue_id)
        with self._lock:
            if dialogue_id is None:
                dialogue_id = uuid.uuid4().hex
            if dialogue_id in self.tracker.dialogues() or self.journal.exists(dialogue_id):
                raise ServiceError(
                    f"Dialogue {dialogue_id!r} already exists; choose another dialogue_id.",
                    409,
                    "dialogue_id",
                )
            self._journal_write(self.journal.start, dialogue_id)
            self.tracker.start(dialogue_id)
            self._emit("started", {"dialogue_id": dialogue_id})
        return {"dialogue_id": dialogue_id}

    def add_exchange(self, dialogue_id: str, body: Any) -> dict[str, Any]:
        """Add one exchange (body ``{"features": {...}, "text", "self_report", "exchange"}``).

        ``exchange`` (optional) is the index the client expects this exchange
        to get: a retry of an already acknowledged exchange with the same
        values returns its estimate again instead of adding it twice.

        Returns
        -------
        response : dict
            :func:`estimate_response` of the new estimate.

        Raises
        ------
        ServiceError
            404 unknown dialogue, 409 ended dialogue or out-of-order
            ``exchange``, 422 malformed body or feature (the field names it),
            503 when the journal cannot be written. The dialogue is unchanged.
        """
        exchange, expected, request = self._exchange_of(body)
        features = request["features"]
        with self._lock:
            n = self._n_exchanges(dialogue_id)
            if expected is not None and expected != n:
                return self._retried(dialogue_id, expected, n, request)
            self._check_open(dialogue_id)
            try:
                estimate = self.tracker.update(dialogue_id, exchange)
            except TrackerError as error:
                raise _service_error(error) from error
            except Exception as error:  # the tracker is unchanged: say which input did it
                if exchange.get("text") is not None:
                    raise ServiceError(
                        f"text could not be turned into the model's linguistic features: {error}",
                        422,
                        "text",
                    ) from error
                if isinstance(error, (ValueError, ArithmeticError)):  # e.g. 1e308 overflowing
                    raise _overflow_error(features) from error
                raise
            try:  # from here on the tracker holds the exchange: undo it on any failure
                _check_finite(estimate, features)
                state = None
                if (estimate.exchange + 1) % self.snapshot_every == 0:
                    state = self.tracker.state(dialogue_id)
                self._journal_write(
                    self.journal.append,
                    dialogue_id,
                    estimate.exchange,
                    request,
                    estimate.to_dict(),
                    state,
                )
            except BaseException:
                self._rebuild(dialogue_id)
                raise
            response = estimate_response(estimate)
            self._emit("estimate", response)
        return response

    def end(self, dialogue_id: str) -> dict[str, Any]:
        """End an open dialogue; its estimates stay readable. Returns its summary.

        Raises
        ------
        ServiceError
            404 unknown dialogue, 409 already ended, 503 journal failure.
        """
        with self._lock:
            n = self._n_exchanges(dialogue_id)
            self._check_open(dialogue_id, f"Dialogue {dialogue_id!r} has already ended.")
            self._journal_write(self.journal.end, dialogue_id)
            self.tracker.forget(dialogue_id)
            summary = {"dialogue_id": dialogue_id, "ended": True, "n_exchanges": n}
            self._emit("ended", summary)
        return summary

    def dialogue(self, dialogue_id: str) -> dict[str, Any]:
        """``{"dialogue_id", "ended", "exchanges": [estimate responses in order]}``.

        Raises
        ------
        ServiceError
            404 for an unknown dialogue.
        """
        with self._lock:
            self._n_exchanges(dialogue_id)  # 404 when unknown
            if dialogue_id in self.tracker.dialogues():
                estimates = [e.to_dict() for e in self.tracker.estimates(dialogue_id)]
                ended = False
            else:
                estimates = [e for _, _, e in self.journal.exchanges(dialogue_id)]
                ended = True
        return {
            "dialogue_id": dialogue_id,
            "ended": ended,
            "exchanges": [estimate_response(e) for e in estimates],
        }

    def dialogues(self, open_only: bool = False) -> list[dict[str, Any]]:
        """``{"dialogue_id", "ended", "n_exchanges"}`` of every (or every open) dialogue."""
        with self._lock:
            rows = self.journal.dialogues()
        return [
            {"dialogue_id": d, "ended": ended, "n_exchanges": n}
            for d, ended, n in rows
            if not (open_only and ended)
        ]

    def open_snapshot(self) -> list[dict[str, Any]]:
        """Every open dialogue with its estimates (what a live page draws first)."""
        with self._lock:
            return [self.dialogue(d) for d in self.tracker.dialogues()]

    def model_info(self) -> dict[str, Any]:
        """Items, input features, method and versions of the served model."""
        meta = self.tracker.bundle.metadata
        info: dict[str, Any] = {
            "items": list(self.tracker.items),
            "feature_names": list(self.tracker.feature_names),
            "required_features": list(self.tracker.required_features),
            "incremental": dict(self.tracker.incremental),
            "model_id": self.model_id,
        }
        fields = ("method", "feature_set", "linguistic", "text_encoder", "corpus_versions",
                  "hazumi_sk_version", "library_versions")  # fmt: skip
        for name in fields:
            value = None if meta is None else getattr(meta, name)
            if isinstance(value, Mapping):
                value = dict(value)
            elif isinstance(value, (list, tuple)):
                value = list(value)
            info[name] = value
        return info

    # ------------------------------------------------------------------- helpers
    def _n_exchanges(self, dialogue_id: Any) -> int:
        if isinstance(dialogue_id, str) and dialogue_id in self.tracker.dialogues():
            return len(self.tracker.estimates(dialogue_id))
        if isinstance(dialogue_id, str) and self.journal.exists(dialogue_id):
            return self.journal.n_exchanges(dialogue_id)
        unknown = f"Unknown dialogue {dialogue_id!r}: start it first."
        raise _service_error(UnknownDialogueError(unknown, "dialogue_id"))

    def _check_open(self, dialogue_id: str, message: str | None = None) -> None:
        """409 for a known dialogue that ended (open ones are in the tracker)."""
        if dialogue_id not in self.tracker.dialogues():
            message = message or f"Dialogue {dialogue_id!r} has ended and takes no more exchanges."
            raise _service_error(EndedDialogueError(message, "dialogue_id"))

    def _retried(self, dialogue_id: str, expected: int, n: int, request: dict) -> dict[str, Any]:
        if expected > n:
            raise ServiceError(
                f"exchange {expected} is ahead of dialogue {dialogue_id!r}, which has {n} "
                f"accepted exchanges; send exchange {n} next.",
                409,
                "exchange",
            )
        (_, journaled, estimate), *_ = self.journal.exchanges(dialogue_id, expected - 1)
        if journaled != request:
            raise ServiceError(
                f"exchange {expected} of dialogue {dialogue_id!r} was already accepted with "
                f"other values; the next exchange is {n}.",
                409,
                "exchange",
            )
        return estimate_response(estimate)  # an idempotent retry

    def _rebuild(self, dialogue_id: str) -> None:
        self.tracker.forget(dialogue_id)
        self._resume(dialogue_id)

    def _journal_write(self, write: Callable[..., None], *args: Any) -> None:
        try:
            write(*args)
        except sqlite3.Error as error:
            logger.error("Journal write failed: %s", error)
            raise ServiceError(
                f"The journal could not be written ({error}); nothing was changed.", 503, None
            ) from error

    def _exchange_of(self, body: Any) -> tuple[dict[str, Any], int | None, dict[str, Any]]:
        """(tracker exchange, expected index, the request as journaled) from a request body."""
        _check_object(body, EXCHANGE_FIELDS)
        if "features" not in body:
            raise ServiceError(
                "Missing field 'features': an object of feature name -> number.", 422, "features"
            )
        features = body["features"]
        if not isinstance(features, Mapping):
            raise ServiceError(
                f"features must be an object of feature name -> number, got "
                f"{_json_type(features)}.",
                422,
                "features",
            )
        reserved = [k for k in features if k in RESERVED_FIELDS]
        if reserved:
            raise ServiceError(
                f"{reserved[0]!r} is not a feature name; send it beside 'features'.",
                422,
                f"features.{reserved[0]}",
            )
        for key, value in [*features.items(), ("self_report", body.get("self_report"))]:
            if type(value) is int and not -_FLOAT_MAX <= value <= _FLOAT_MAX:
                field = "self_report" if key == "self_report" else f"features.{key}"
                raise ServiceError(
                    f"{key!r} is an integer of {len(str(abs(value)))} digits, beyond the range "
                    "of a float.",
                    422,
                    field,
                )
        expected = body.get("exchange")
        if expected is not None and (
            isinstance(expected, bool) or not isinstance(expected, int) or expected < 0
        ):
            raise ServiceError(
                f"exchange must be a non-negative integer (the index this exchange gets), got "
                f"{expected!r}.",
                422,
                "exchange",
            )
        exchange = dict(features)
        for key in RESERVED_FIELDS:
            if body.get(key) is not None:
                exchange[key] = body[key]
        request = {
            "features": dict(features),
            "text": body.get("text"),
            "self_report": _plain_number(body.get("self_report")),
        }
        return exchange, expected, request


def _check_finite(estimate: Estimate, features: Mapping[str, Any]) -> None:
    values = [*estimate.items.values(), estimate.exchange_sentiment]
    if not all(v is None or math.isfinite(v) for v in values):
        raise _overflow_error(features)


def _overflow_error(features: Mapping[str, Any]) -> ServiceError:
    """A finite input can still overflow a model (1e308): the error names the largest value."""
    numbers = {k: abs(v) for k, v in features.items() if isinstance(v, (int, float))}
    largest = max(numbers, key=numbers.__getitem__) if numbers else None
    return ServiceError(
        "The exchange gives a non-finite estimate: a value is beyond what the model can take"
        + ("" if largest is None else f" (the largest is {largest!r} = {features[largest]!r})")
        + ".",
        422,
        "features" if largest is None else f"features.{largest}",
    )


def _plain_number(value: Any) -> Any:
    """Numbers as floats (so that 1 and 1.0 journal alike); anything else as it is."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    return value


def _json_type(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    for kind, name in names.items():
        if isinstance(value, kind):
            return name
    return "a number" if isinstance(value, (int, float)) else type(value).__name__


def _check_object(body: Any, fields: tuple[str, ...]) -> None:
    if not isinstance(body, Mapping):
        raise ServiceError(
            f"The request body must be a JSON object, got {_json_type(body)}.", 422, "body"
        )
    unknown = [k for k in body if k not in fields]
    if unknown:
        raise ServiceError(
            f"Unknown field {unknown[0]!r}; the body takes {list(fields)}.", 422, str(unknown[0])
        )


def _check_dialogue_id(dialogue_id: Any) -> None:
    if not isinstance(dialogue_id, str) or not _DIALOGUE_ID.fullmatch(dialogue_id):
        raise ServiceError(
            f"dialogue_id must be 1-128 letters, digits or '._:-' starting with a letter or "
            f"digit, got {dialogue_id!r}.",
            422,
            "dialogue_id",
        )
