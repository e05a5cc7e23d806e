"""In-window notifications, for desktops without a system tray (and as a fallback).

A slim bar above the table shows the latest notice with a "Show" link (selects the job)
and hides itself after a while.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QToolButton, QWidget

from docproc_gui.ui.batch_tracker import Notice

HIDE_AFTER_MS = 10_000


class NotificationBar(QFrame):
    """Shows one notice at a time; ``job_requested`` when its link is clicked."""

    job_requested = Signal(str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationBar")
        self.notice: Notice | None = None
        self.history: list[Notice] = []
        self._label = QLabel()
        self._label.setTextFormat(Qt.TextFormat.RichText)
        self._label.linkActivated.connect(self._link)
        close = QToolButton()
        close.setText("✕")
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(close)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(HIDE_AFTER_MS)
        self._timer.timeout.connect(self.hide)
        self.hide()

    def show_notice(self, notice: Notice) -> None:
        self.notice = notice
        self.history.append(notice)
        del self.history[:-50]
        colour = "#d64545" if notice.failure else "#2e9d5b"
        link = " &nbsp;<a href='show'>Show</a>" if notice.job_id else ""
        self._label.setText(
            f"<b style='color:{colour}'>{html.escape(notice.title)}</b> — "
            f"{html.escape(notice.message)}{link}"
        )
        self.setStyleSheet(
            f"#notificationBar {{ border-left: 4px solid {colour}; "
            "background: palette(alternate-base); }"
        )
        self.show()
        self._timer.start()

    def _link(self, _href: str) -> None:
        if self.notice is not None and self.notice.job_id:
            self.job_requested.emit(self.notice.job_id)
