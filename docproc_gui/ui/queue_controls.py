"""The toolbar (add, pause/resume, job actions, settings, priority, filter) and the
status bar's live queue figures (workers in use / maximum, counts, throughput)."""

from __future__ import annotations

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSizePolicy,
    QToolBar,
    QToolButton,
    QWidget,
)

from docproc_gui.domain import ProcessingPriority
from docproc_gui.ui.icons import icon
from docproc_gui.ui.job_actions import JobActions
from docproc_gui.ui.monitor import Snapshot

FILTER_DEBOUNCE_MS = 200


class QueueControls(QToolBar):
    """Queue actions in a toolbar, qBittorrent style."""

    add_files_requested = Signal()
    add_folder_requested = Signal()
    pause_toggled = Signal(bool)  # True: pause
    settings_requested = Signal()
    filter_changed = Signal(str)

    def __init__(self, actions: JobActions, parent: QWidget | None = None) -> None:
        super().__init__("Queue", parent)
        self.setObjectName("queueControls")
        self.setMovable(False)
        self.setIconSize(QSize(22, 22))
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.add_files = QAction(icon("add-file"), "Add files…", self)
        self.add_files.setShortcut("Ctrl+O")
        self.add_files.triggered.connect(self.add_files_requested)
        self.add_folder = QAction(icon("add-folder"), "Add folder…", self)
        self.add_folder.setShortcut("Ctrl+Shift+A")
        self.add_folder.triggered.connect(self.add_folder_requested)
        self.settings = QAction(icon("settings"), "Settings…", self)
        self.settings.setShortcut("Ctrl+,")
        self.settings.triggered.connect(self.settings_requested)
        self.pause_button = QToolButton()
        self.pause_button.setObjectName("pauseButton")
        self.pause_button.setCheckable(True)
        self.pause_button.setShortcut("Ctrl+P")
        self.pause_button.setAutoRaise(True)
        self.pause_button.setIconSize(QSize(22, 22))
        self.pause_button.toggled.connect(self._pause_clicked)
        self.set_paused(False)
        self.priority_selector = QComboBox()
        self.priority_selector.setObjectName("prioritySelector")
        self.priority_selector.setToolTip("Priority of the documents you add")
        for level in ProcessingPriority:
            self.priority_selector.addItem(level.name.capitalize(), int(level))
        self.priority_selector.setCurrentIndex(int(ProcessingPriority.NORMAL))
        self.filter_box = QLineEdit()
        self.filter_box.setObjectName("filterBox")
        self.filter_box.setPlaceholderText("Filter jobs by name or path…")
        self.filter_box.setClearButtonEnabled(True)
        self.filter_box.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.filter_box.setMinimumWidth(240)
        self._filter_timer = QTimer(self)
        self._filter_timer.setSingleShot(True)
        self._filter_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._filter_timer.timeout.connect(
            lambda: self.filter_changed.emit(self.filter_box.text().strip())
        )
        self.filter_box.textChanged.connect(lambda _text: self._filter_timer.start())

        self.addAction(self.add_files)
        self.addAction(self.add_folder)
        self.addSeparator()
        self.addWidget(self.pause_button)
        self.addSeparator()
        for action in (actions.cancel, actions.retry, actions.remove):
            self.addAction(action)
        self.addSeparator()
        self.addAction(actions.move_top)
        self.addAction(actions.move_up)
        self.addAction(actions.move_down)
        self.addAction(actions.move_bottom)
        self.addSeparator()
        self.addAction(self.settings)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.addWidget(spacer)
        label = QLabel("Priority for new jobs ")
        self.addWidget(label)
        self.addWidget(self.priority_selector)
        gap = QWidget()
        gap.setFixedWidth(10)
        self.addWidget(gap)
        self.addWidget(self.filter_box)

    @property
    def priority(self) -> ProcessingPriority:
        return ProcessingPriority(int(self.priority_selector.currentData()))

    def set_paused(self, paused: bool) -> None:
        """Show the engine's state (without emitting ``pause_toggled``)."""
        self.pause_button.blockSignals(True)
        self.pause_button.setChecked(paused)
        self.pause_button.blockSignals(False)
        self.pause_button.setIcon(icon("resume" if paused else "pause"))
        self.pause_button.setText("Resume" if paused else "Pause")
        self.pause_button.setToolTip(
            "Resume processing (Ctrl+P)" if paused else "Pause processing (Ctrl+P)"
        )

    def _pause_clicked(self, checked: bool) -> None:
        self.set_paused(checked)
        self.pause_toggled.emit(checked)


class QueueStatus(QWidget):
    """``Workers 2/4 · 120 queued · 2 processing · 3 failed · 48.0 jobs/min``."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("queueStatus")
        self.label = QLabel("Starting…")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.addWidget(self.label)

    def set_snapshot(self, snapshot: Snapshot) -> None:
        minutes = snapshot.statistics.per_minute[-5:]
        finished = sum(m["completed"] + m["failed"] for m in minutes)
        rate = finished / max(1, len(minutes))
        state = (
            "Paused"
            if snapshot.paused
            else f"Workers {snapshot.active_workers}/{snapshot.max_workers}"
        )
        self.label.setText(
            f"{state}  ·  {snapshot.waiting:,} queued  ·  {snapshot.running:,} processing  ·  "
            f"{snapshot.failed:,} failed  ·  {rate:,.1f} jobs/min"
        )
