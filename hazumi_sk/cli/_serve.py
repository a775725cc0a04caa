"""``hazumi-sk serve``: the live tracker of a model file as an HTTP service."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._arguments import CommandError

__all__ = ["add_serve_parser", "cmd_serve"]


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 < port < 65536:
        raise argparse.ArgumentTypeError(f"port must be in 1-65535, got {port}")
    return port


def add_serve_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register the ``serve`` subcommand on ``subparsers`` (from ``add_subparsers``).

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        The ``hazumi-sk`` parser's subcommands.

    Returns
    -------
    parser : argparse.ArgumentParser
        The subcommand's parser (its ``func`` default is :func:`cmd_serve`).

    Examples
    --------
    >>> import argparse
    >>> from hazumi_sk.cli._serve import add_serve_parser
    >>> parser = argparse.ArgumentParser(prog="hazumi-sk")
    >>> _ = add_serve_parser(parser.add_subparsers(dest="command"))
    >>> args = parser.parse_args(["serve", "--model", "all.hzm"])
    >>> args.host, args.port, args.journal, args.token
    ('127.0.0.1', 8000, None, None)
    """
    p = subparsers.add_parser(
        "serve",
        help="the live tracker of a model as an HTTP service with a live page "
        "(pip install hazumi-sk[serve])",
    )
    p.add_argument("--model", type=Path, required=True,
                   help="a model bundle (.hzm) from 'hazumi-sk train'")  # fmt: skip
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (127.0.0.1); any other needs --token")  # fmt: skip
    p.add_argument("--port", type=_port, default=8000, help="port (8000)")
    p.add_argument("--journal", type=Path, default=None,
                   help="SQLite journal (default: beside the model, M.journal.sqlite)")  # fmt: skip
    p.add_argument("--token", default=None,
                   help="bearer token required on every route but /healthz")  # fmt: skip
    p.set_defaults(func=cmd_serve)
    return p


def cmd_serve(args: argparse.Namespace) -> int:
    """Check the arguments, load the model and journal, and serve until interrupted."""
    from ..persistence import ModelFileError
    from ..serve import JournalError, check_bind, serve

    try:
        check_bind(args.host, args.token)
    except ValueError as error:
        raise CommandError(str(error)) from error
    if not args.model.is_file():
        raise CommandError(f"--model: file {args.model} does not exist.")
    try:
        import fastapi  # noqa: F401
        import uvicorn  # noqa: F401
    except ImportError as error:
        raise CommandError(
            f"serve needs the web extra ({error}): pip install 'hazumi-sk[serve]'"
        ) from error
    try:
        serve(args.model, host=args.host, port=args.port, journal=args.journal, token=args.token)
    except ModelFileError as error:
        raise CommandError(f"--model: {error}") from error
    except JournalError as error:
        raise CommandError(f"--journal: {error}") from error
    return 0
