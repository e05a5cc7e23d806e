"""What every command shares: the --data-dir flag, settings from flags, printing JSON."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from docproc_gui.config import Settings, SettingsError, load_settings


def add_data_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir", metavar="DIR", help="the data folder (database, logs); default: the app's"
    )


def settings_from(args: argparse.Namespace, **flags: Any) -> Settings:
    """Settings from config file < environment < these command-line flags."""
    try:
        return load_settings({"data_dir": getattr(args, "data_dir", None), **flags})
    except SettingsError as error:
        raise SystemExit(f"docproc: {error}") from None


def print_json(value: Any) -> None:
    json.dump(value, sys.stdout, indent=2, default=str, ensure_ascii=False)
    sys.stdout.write("\n")


def fail(message: str, code: int = 1) -> int:
    print(f"docproc: {message}", file=sys.stderr)
    return code
