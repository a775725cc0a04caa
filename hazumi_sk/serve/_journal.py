"""The service's write-ahead journal: every accepted request in SQLite (WAL mode)."""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ._errors import JournalError

__all__ = ["Journal"]

_SCHEMA_VERSION = "1"
_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS dialogues (
    dialogue_id TEXT PRIMARY KEY,
    started REAL NOT NULL,
    ended REAL
);
CREATE TABLE IF NOT EXISTS exchanges (
    dialogue_id TEXT NOT NULL REFERENCES dialogues (dialogue_id),
    exchange INTEGER NOT NULL,
    request TEXT NOT NULL,
    estimate TEXT NOT NULL,
    PRIMARY KEY (dialogue_id, exchange)
);
CREATE TABLE IF NOT EXISTS snapshots (
    dialogue_id TEXT PRIMARY KEY REFERENCES dialogues (dialogue_id),
    exchange INTEGER NOT NULL,
    state TEXT NOT NULL
);
"""
_SYNCHRONOUS = ("FULL", "NORMAL")


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class Journal:
    """An append-only record of dialogues, exchanges and their estimates in one SQLite file.

    Each write is one transaction, committed before it returns, in WAL mode:
    what a method returned from survives the process being killed (and, with
    ``synchronous="FULL"``, a power loss). The service replays the journal at
    start-up so that every open dialogue resumes with identical estimates.

    Parameters
    ----------
    path : str or path-like
        The SQLite file (created with its folder when missing), or ``":memory:"``.
    model_id : str or None, default=None
        Identifies the model whose estimates are journaled. A journal written
        for another model is refused, since replaying it would not reproduce
        the acknowledged estimates.
    synchronous : {"FULL", "NORMAL"}, default="FULL"
        SQLite's ``synchronous`` pragma: FULL syncs the WAL at every commit;
        NORMAL survives the process being killed but not a power loss.

    Raises
    ------
    JournalError
        When the file cannot be opened as a journal or was written for another model.

    Examples
    --------
    >>> from hazumi_sk.serve import Journal
    >>> journal = Journal(":memory:", model_id="m1")
    >>> journal.start("d1")
    >>> journal.append("d1", 0, {"features": {"smile": 1.0}}, {"exchange": 0, "items": {}})
    >>> journal.open_dialogues(), journal.n_exchanges("d1")
    (['d1'], 1)
    >>> journal.end("d1"); journal.is_ended("d1")
    True
    """

    def __init__(
        self,
        path: str | os.PathLike,
        *,
        model_id: str | None = None,
        synchronous: str = "FULL",
    ) -> None:
        if synchronous not in _SYNCHRONOUS:
            raise ValueError(f"synchronous must be one of {_SYNCHRONOUS}, got {synchronous!r}.")
        self.path = str(path) if str(path) == ":memory:" else Path(path)
        try:
            if isinstance(self.path, Path):
                self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(
                str(self.path), isolation_level=None, check_same_thread=False
            )
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute(f"PRAGMA synchronous={synchronous}")
            self._db.executescript(_SCHEMA)
            self._check_meta(model_id)
        except sqlite3.Error as error:
            raise JournalError(f"Journal {self.path}: cannot be opened ({error}).") from error

    def _check_meta(self, model_id: str | None) -> None:
        meta = dict(self._db.execute("SELECT key, value FROM meta").fetchall())
        if not meta:
            with self._transaction():
                self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (_SCHEMA_VERSION,))
                self._db.execute("INSERT INTO meta VALUES ('model_id', ?)", (model_id or "",))
            return
        if meta.get("schema") != _SCHEMA_VERSION:
            raise JournalError(
                f"Journal {self.path}: schema {meta.get('schema')!r}, this version writes "
                f"{_SCHEMA_VERSION!r}."
            )
        if model_id and meta.get("model_id") and meta["model_id"] != model_id:
            raise JournalError(
                f"Journal {self.path} was written for another model ({meta['model_id'][:16]}, "
                f"this one is {model_id[:16]}); replaying it would not give the acknowledged "
                "estimates. Use another journal file."
            )

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)

    # ------------------------------------------------------------------ writes
    def start(self, dialogue_id: str) -> None:
        """Record that a dialogue started."""
        with self._transaction():
            self._db.execute(
                "INSERT INTO dialogues (dialogue_id, started) VALUES (?, ?)",
                (dialogue_id, time.time()),
            )

    def append(
        self,
        dialogue_id: str,
        exchange: int,
        request: Mapping[str, Any],
        estimate: Mapping[str, Any],
        state: Mapping[str, Any] | None = None,
    ) -> None:
        """Record an accepted exchange and its estimate (and optionally a tracker snapshot).

        Parameters
        ----------
        dialogue_id : str
        exchange : int
            Its index in the dialogue, 0 for the first.
        request : mapping
            The exchange as the tracker took it (features, text, self_report).
        estimate : mapping
            ``Estimate.to_dict()`` of the answer.
        state : mapping or None, default=None
            ``ImpressionTracker.state`` after this exchange, to resume from
            without replaying the exchanges before it.
        """
        with self._transaction():
            self._db.execute(
                "INSERT INTO exchanges VALUES (?, ?, ?, ?)",
                (dialogue_id, int(exchange), _dumps(request), _dumps(estimate)),
            )
            if state is not None:
                self._db.execute(
                    "INSERT OR REPLACE INTO snapshots VALUES (?, ?, ?)",
                    (dialogue_id, int(exchange), _dumps(state)),
                )

    def end(self, dialogue_id: str) -> None:
        """Record that a dialogue ended (its snapshot is no longer needed)."""
        with self._transaction():
            self._db.execute(
                "UPDATE dialogues SET ended = ? WHERE dialogue_id = ?", (time.time(), dialogue_id)
            )
            self._db.execute("DELETE FROM snapshots WHERE dialogue_id = ?", (dialogue_id,))

    # ------------------------------------------------------------------- reads
    def exists(self, dialogue_id: str) -> bool:
        """Whether the dialogue was ever started."""
        row = self._db.execute(
            "SELECT 1 FROM dialogues WHERE dialogue_id = ?", (dialogue_id,)
        ).fetchone()
        return row is not None

    def is_ended(self, dialogue_id: str) -> bool:
        """Whether the dialogue ended (False when it is open or unknown)."""
        row = self._db.execute(
            "SELECT ended FROM dialogues WHERE dialogue_id = ?", (dialogue_id,)
        ).fetchone()
        return row is not None and row[0] is not None

    def open_dialogues(self) -> list[str]:
        """The ids of the dialogues not ended, in the order they started."""
        rows = self._db.execute(
            "SELECT dialogue_id FROM dialogues WHERE ended IS NULL ORDER BY rowid"
        ).fetchall()
        return [r[0] for r in rows]

    def dialogues(self) -> list[tuple[str, bool, int]]:
        """``(dialogue_id, ended, n_exchanges)`` of every dialogue, in the order they started."""
        rows = self._db.execute(
            "SELECT d.dialogue_id, d.ended IS NOT NULL, "
            "(SELECT COUNT(*) FROM exchanges e WHERE e.dialogue_id = d.dialogue_id) "
            "FROM dialogues d ORDER BY d.rowid"
        ).fetchall()
        return [(r[0], bool(r[1]), int(r[2])) for r in rows]

    def n_exchanges(self, dialogue_id: str) -> int:
        """How many exchanges of the dialogue were recorded."""
        row = self._db.execute(
            "SELECT COUNT(*) FROM exchanges WHERE dialogue_id = ?", (dialogue_id,)
        ).fetchone()
        return int(row[0])

    def exchanges(self, dialogue_id: str, after: int = -1) -> list[tuple[int, dict, dict]]:
        """``(exchange, request, estimate)`` of the exchanges with an index above ``after``."""
        rows = self._db.execute(
            "SELECT exchange, request, estimate FROM exchanges "
            "WHERE dialogue_id = ? AND exchange > ? ORDER BY exchange",
            (dialogue_id, int(after)),
        ).fetchall()
        return [(int(i), json.loads(r), json.loads(e)) for i, r, e in rows]

    def snapshot(self, dialogue_id: str) -> tuple[int, dict] | None:
        """The latest ``(exchange, tracker state)`` recorded for the dialogue, or None."""
        row = self._db.execute(
            "SELECT exchange, state FROM snapshots WHERE dialogue_id = ?", (dialogue_id,)
        ).fetchone()
        return None if row is None else (int(row[0]), json.loads(row[1]))

    def close(self) -> None:
        """Close the file (further calls fail)."""
        self._db.close()


class _Transaction:
    """``BEGIN IMMEDIATE`` ... ``COMMIT``, rolled back when the block raises."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> None:
        if kind is None:
            self._db.execute("COMMIT")
        else:
            self._db.execute("ROLLBACK")
