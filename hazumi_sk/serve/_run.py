"""Start the service: check the address, load the model and the journal, run uvicorn."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import time
from pathlib import Path

from ..online import ImpressionTracker
from ..persistence import ModelFileError, load_bundle
from ._journal import Journal
from ._service import DialogueService

__all__ = ["check_bind", "default_journal_path", "load_service", "serve"]


def check_bind(host: str, token: str | None) -> None:
    """Refuse to listen beyond this machine without a token.

    Parameters
    ----------
    host : str
        The address to bind: a loopback address (``127.0.0.1``, ``::1``,
        ``localhost``) needs no token, any other does.
    token : str or None

    Raises
    ------
    ValueError
        Naming ``--host`` and ``--token``.

    Examples
    --------
    >>> from hazumi_sk.serve import check_bind
    >>> check_bind("127.0.0.1", None)
    >>> check_bind("0.0.0.0", None)
    Traceback (most recent call last):
    ...
    ValueError: --host 0.0.0.0 is reachable from other machines: give --token too (bearer auth).
    """
    if token is not None and not token.strip():
        raise ValueError("--token must not be empty.")
    if host == "localhost":
        return
    try:
        loopback = ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if not loopback and token is None:
        raise ValueError(
            f"--host {host} is reachable from other machines: give --token too (bearer auth)."
        )


def default_journal_path(model: str | os.PathLike) -> Path:
    """The journal beside the model file: ``M.hzm`` -> ``M.journal.sqlite``.

    Examples
    --------
    >>> from hazumi_sk.serve import default_journal_path
    >>> default_journal_path("models/all.hzm").as_posix()
    'models/all.journal.sqlite'
    """
    model = Path(model)
    return model.with_name(f"{model.stem}.journal.sqlite")


def _file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def load_service(
    model: str | os.PathLike, journal: str | os.PathLike | None = None
) -> DialogueService:
    """A :class:`DialogueService` of a model file, its journal replayed.

    Parameters
    ----------
    model : str or path-like
        A bundle from :func:`~hazumi_sk.persistence.save_bundle` (or an old
        single-model ``.hzm`` file).
    journal : str, path-like or None, default=None
        The journal file; default :func:`default_journal_path` of the model.

    Returns
    -------
    service : DialogueService

    Raises
    ------
    ModelFileError, UnsafeModelFileError
        When the model file is not a valid bundle, or its models cannot be
        tracked (no ``feature_names_in_``, items with different inputs).
    JournalError
        When the journal cannot be opened or was written for another model.

    Examples
    --------
    >>> from hazumi_sk.serve import load_service
    >>> service = load_service("all.hzm")  # doctest: +SKIP
    >>> service.recovered  # doctest: +SKIP
    {'dialogues': 0, 'exchanges': 0, 'mismatches': 0}
    """
    model = Path(model)
    bundle = load_bundle(model)
    try:
        ImpressionTracker(bundle)
    except (TypeError, ValueError) as error:  # e.g. models without feature_names_in_
        raise ModelFileError(f"Model file {model} cannot be tracked live: {error}") from error
    path = default_journal_path(model) if journal is None else Path(journal)
    return DialogueService(bundle, Journal(path, model_id=_file_digest(model)))


def serve(
    model: str | os.PathLike,
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    journal: str | os.PathLike | None = None,
    token: str | None = None,
    log_level: str = "info",
) -> None:
    """Run ``hazumi-sk serve`` until interrupted: the tracker of ``model`` over HTTP.

    Parameters
    ----------
    model : str or path-like
        The model file (see :func:`load_service`).
    host : str, default="127.0.0.1"
        Any non-loopback address needs ``token``.
    port : int, default=8000
    journal : str, path-like or None, default=None
        The journal file; default beside the model.
    token : str or None, default=None
        Bearer token required on every route but ``/healthz``.
    log_level : str, default="info"
        uvicorn's log level (access lines are not logged).

    Raises
    ------
    ValueError
        For a non-loopback ``host`` without ``token``.
    ModelFileError, UnsafeModelFileError, JournalError
        As :func:`load_service`, before anything listens.

    Examples
    --------
    >>> from hazumi_sk.serve import serve
    >>> serve("all.hzm", port=8000)  # doctest: +SKIP
    """
    import uvicorn

    from ._app import create_app

    check_bind(host, token)
    start = time.perf_counter()
    service = load_service(model, journal)
    seconds = time.perf_counter() - start
    recovered = service.recovered
    print(
        f"hazumi-sk serve: model {model} ({', '.join(service.tracker.items)}), journal "
        f"{service.journal.path}; resumed {recovered['dialogues']} open dialogues "
        f"({recovered['exchanges']} exchanges replayed, {recovered['mismatches']} mismatches) "
        f"in {seconds:.1f} s; "
        f"http://{host}:{port}/",
        flush=True,
    )
    config = uvicorn.Config(
        create_app(service, token=token),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        timeout_graceful_shutdown=1,
    )
    try:
        uvicorn.Server(config).run()
    finally:
        service.journal.close()
