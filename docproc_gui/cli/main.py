"""``docproc``: the entry point; each command lives in a module of its own.

Command modules expose ``register(subparsers)``; each subparser sets ``handler`` to a
function taking the parsed arguments and returning the exit code. Every command accepts
``--data-dir`` (the same folder the app uses by default).

When the reader of the output goes away (``docproc jobs | head -1``), the command stops
quietly with exit code 141, as a Unix tool killed by SIGPIPE reports it (128 + 13,
alongside 130 for Ctrl+C): a ``set -o pipefail`` script sees what it sees for ``ls``.
Python's own recipe exits 1, which here means "a job failed", and 0 would claim the
whole output was delivered.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import logging
import os
import sys
from collections.abc import Sequence

from docproc_gui import __version__

EXIT_BROKEN_PIPE = 141  # 128 + SIGPIPE (13)
COMMAND_MODULES = (
    "docproc_gui.cli.engine_commands",
    "docproc_gui.cli.client_commands",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docproc",
        description="DocProc: process documents into a searchable knowledge base.",
    )
    parser.add_argument("--version", action="version", version=f"docproc {__version__}")
    parser.add_argument("-v", "--verbose", action="store_true", help="log what happens")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as error:
            if error.name != name:
                raise
            continue
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    handler = getattr(args, "handler", None)
    if handler is None:
        parser.print_help()
        return 2
    try:
        code: int = handler(args)
        sys.stdout.flush()  # a buffered pipe breaks here, not at exit
    except BrokenPipeError:
        _silence_closed_output()
        return EXIT_BROKEN_PIPE
    return code


def _silence_closed_output() -> None:
    """Point stdout and stderr at /dev/null, so the flush at exit raises nothing more."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        for stream in (sys.stdout, sys.stderr):
            # no descriptor (a captured stream in tests) or a closed one: nothing to do
            with contextlib.suppress(OSError, ValueError):
                os.dup2(devnull, stream.fileno())
    finally:
        os.close(devnull)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
