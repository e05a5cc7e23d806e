"""The tray icon: live counts in the tooltip, a menu (show/hide, pause/resume, quit), and
notifications that select their job when clicked.

Where the desktop has no system tray (``QSystemTrayIcon.isSystemTrayAvailable()``), no
icon is made and notices go to the window's notification bar instead.
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon, QWidget

from docproc_gui.ui.batch_tracker import Notice
from docproc_gui.ui.icons import app_icon
from docproc_gui.ui.monitor import Snapshot

MESSAGE_MS = 8000


def tray_available() -> bool:
    return QSystemTrayIcon.isSystemTrayAvailable()


def counts_tooltip(snapshot: Snapshot) -> str:
    state = (
        "paused" if snapshot.paused else f"{snapshot.active_workers}/{snapshot.max_workers} workers"
    )
    return (
        f"DocProc — {state}\n{snapshot.waiting:,} queued · {snapshot.running:,} processing · "
        f"{snapshot.failed:,} failed"
    )


class TrayController(QObject):
    """Owns the tray icon (when there is a tray) and routes notices."""

    show_hide_requested = Signal()
    pause_requested = Signal(bool)  # True: pause
    quit_requested = Signal()
    job_requested = Signal(str)
    fallback_notice = Signal(object)  # Notice, when there is no tray to show it

    def __init__(self, window: QWidget, *, available: bool | None = None) -> None:
        super().__init__(window)
        self.window = window
        self.available = tray_available() if available is None else available
        self.icon: QSystemTrayIcon | None = None
        self.enabled = True  # the "notifications" setting
        self._message_job: str | None = None
        self.menu = QMenu(window)
        self.show_action = QAction("Show / hide window", self.menu)
        self.pause_action = QAction("Pause", self.menu)
        self.pause_action.setCheckable(True)
        self.quit_action = QAction("Quit", self.menu)
        self.show_action.triggered.connect(self.show_hide_requested)
        self.pause_action.triggered.connect(self.pause_requested)
        self.quit_action.triggered.connect(self.quit_requested)
        for action in (self.show_action, self.pause_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        if self.available:
            self.icon = QSystemTrayIcon(app_icon(), self)
            self.icon.setToolTip("DocProc")
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._activated)
            self.icon.messageClicked.connect(self._message_clicked)
            self.icon.show()

    def set_paused(self, paused: bool) -> None:
        self.pause_action.setChecked(paused)
        self.pause_action.setText("Resume" if paused else "Pause")

    def set_snapshot(self, snapshot: Snapshot) -> None:
        self.set_paused(snapshot.paused)
        if self.icon is not None:
            self.icon.setToolTip(counts_tooltip(snapshot))

    def notify(self, notice: Notice) -> None:
        if not self.enabled:
            return
        if self.icon is None:
            self.fallback_notice.emit(notice)
            return
        self._message_job = notice.job_id
        kind = (
            QSystemTrayIcon.MessageIcon.Warning
            if notice.failure
            else QSystemTrayIcon.MessageIcon.Information
        )
        self.icon.showMessage(notice.title, notice.message, kind, MESSAGE_MS)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_hide_requested.emit()

    def _message_clicked(self) -> None:
        if self._message_job:
            self.job_requested.emit(self._message_job)
