"""Icons from the SVG files in ``docproc_gui/resources/icons`` (cached by name)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PySide6.QtGui import QIcon

from docproc_gui.domain import ProcessingStatus
from docproc_gui.ui.job_records import GROUP_OF_STATUS

ICON_DIR = Path(__file__).resolve().parent.parent / "resources" / "icons"


def icon_path(name: str) -> Path:
    return ICON_DIR / f"{name}.svg"


@cache
def icon(name: str) -> QIcon:
    """The icon ``name`` (an empty icon when the file is missing: never fatal)."""
    path = icon_path(name)
    return QIcon(str(path)) if path.exists() else QIcon()


def app_icon() -> QIcon:
    return icon("docproc")


def group_icon(group: str) -> QIcon:
    return icon(f"status-{group.lower()}")


def status_icon(status: ProcessingStatus) -> QIcon:
    return group_icon(GROUP_OF_STATUS.get(status, "Queued"))
