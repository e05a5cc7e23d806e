"""Helpers for the window tests: simulated drops, waiting on the engine, files on disk."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QWidget

_keep: list[QMimeData] = []  # a QDropEvent does not own its mime data


def drop(widget: QWidget, paths: Sequence[Path | str]) -> QDropEvent:
    """A drag entering ``widget`` and dropping file URLs, through Qt's event delivery."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path)) for path in paths])
    _keep.append(mime)
    center = widget.rect().center()
    enter = QDragEnterEvent(center, Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, enter)
    assert enter.isAccepted(), "the widget refused the drag"
    event = QDropEvent(QPointF(center), Qt.DropAction.CopyAction, mime,
                       Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, event)
    return event


def jobs(processor: Any) -> list[Any]:
    return processor.store.list_jobs(limit=100_000)


def job_paths(processor: Any) -> set[str]:
    return {job.file_path for job in jobs(processor)}


def status_of(processor: Any, job_id: str) -> str:
    return processor.get_job(job_id).status.value


def make_files(folder: Path, names: Sequence[str], text: str = "Some words here.") -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"{text} {name}", encoding="utf-8")
        paths.append(path)
    return paths


def menu_action(menu: Any, text: str) -> Any:
    """The action labelled ``text`` in a menu (searching submenus)."""
    for action in menu.actions():
        if action.text() == text:
            return action
        if action.menu() is not None:
            found = menu_action(action.menu(), text)
            if found is not None:
                return found
    return None
