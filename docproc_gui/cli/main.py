"""``docproc``: the entry point; each command lives in a module of its own.

Command modules expose ``register(subparsers)``; each subparser sets ``handler`` to a
function taking the parsed arguments and returning the exit code. Every command accepts
``--data-dir`` (the same folder the app uses by default).
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from docproc_gui import __version__

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
    code: int = handler(args)
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
