"""Accepting dropped files and folders: a visible drop zone and a reusable drop filter.

:func:`dropped_paths` turns a drag's URLs into local paths; :class:`DropZone` is the
visible target (with "Add files…" / "Add folder…" buttons); :class:`DropFilter` lets any
other widget (the whole window) accept the same drops. Expanding folders and queuing
happen elsewhere (:mod:`docproc_gui.ui.submitter`), never in the drop handler.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QMimeData, QObject, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDragMoveEvent, QDropEvent
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QWidget

from docproc_gui.ui.icons import icon
from docproc_gui.ui.theme import current_colours


def dropped_paths(mime: QMimeData | None) -> list[str]:
    """Local file paths in a drag (remote URLs are ignored)."""
    if mime is None or not mime.hasUrls():
        return []
    return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and url.toLocalFile()]


class DropFilter(QObject):
    """An event filter that makes the watched widget accept file drops."""

    paths_dropped = Signal(list)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            assert isinstance(event, QDragEnterEvent | QDragMoveEvent)
            if dropped_paths(event.mimeData()):
                event.acceptProposedAction()
                return True
        elif kind == QEvent.Type.Drop:
            assert isinstance(event, QDropEvent)
            paths = dropped_paths(event.mimeData())
            if paths:
                event.acceptProposedAction()
                self.paths_dropped.emit(paths)
                return True
        return False


class DropZone(QFrame):
    """A dashed strip saying where to drop, with the two "Add" buttons."""

    paths_dropped = Signal(list)
    add_files_requested = Signal()
    add_folder_requested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dropZone")
        self.setAcceptDrops(True)
        self.setProperty("hovering", False)
        self._label = QLabel(
            "<b>Drop files or folders here</b> to process them in the background — "
            "folders are searched for supported documents"
        )
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.setWordWrap(True)
        add_files = QPushButton(icon("add-file"), "Add files…")
        add_folder = QPushButton(icon("add-folder"), "Add folder…")
        add_files.clicked.connect(self.add_files_requested)
        add_folder.clicked.connect(self.add_folder_requested)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 6, 8, 6)
        layout.addWidget(self._label, 1)
        layout.addWidget(add_files)
        layout.addWidget(add_folder)
        self.refresh_style()

    def refresh_style(self) -> None:
        colours = current_colours()
        border = "#2f7de1" if self.property("hovering") else colours.drop_border
        self.setStyleSheet(
            f"#dropZone {{ border: 2px dashed {border}; border-radius: 8px; "
            f"background: {colours.drop_fill}; }}"
        )

    def _hover(self, on: bool) -> None:
        self.setProperty("hovering", on)
        self.refresh_style()

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()
            self._hover(True)

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if dropped_paths(event.mimeData()):
            event.acceptProposedAction()

    def dragLeaveEvent(self, event: QEvent) -> None:
        self._hover(False)

    def dropEvent(self, event: QDropEvent) -> None:
        self._hover(False)
        paths = dropped_paths(event.mimeData())
        if paths:
            event.acceptProposedAction()
            self.paths_dropped.emit(paths)
