"""The ``hazumi-sk`` command line: ``demo``, ``reproduce``, ``train`` and ``predict``."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from ._commands import CommandError, build_parser

__all__ = ["CommandError", "main"]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``hazumi-sk`` command line.

    Parameters
    ----------
    argv : sequence of str, optional
        Arguments without the program name; defaults to ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for a bad argument (the message names it).

    Examples
    --------
    >>> from hazumi_sk.cli import main
    >>> main(["demo", "--out", "hazumi-demo"])  # doctest: +SKIP
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except CommandError as error:
        parser.exit(2, f"hazumi-sk {args.command}: error: {error}\n")
    return 0  # pragma: no cover - parser.exit raises SystemExit


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
