"""Quitting while jobs run: ask, then either wait for running jobs or stop at once.

Either way nothing is lost: waiting pauses the queue (nothing new starts) and lets running
jobs finish; stopping interrupts them and they go back to the queue for the next start.
Queued jobs stay queued in both cases.
"""

from __future__ import annotations

import enum
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtWidgets import QMessageBox, QWidget

POLL_MS = 100


class QuitChoice(enum.Enum):
    WAIT = "wait"
    STOP = "stop"
    CANCEL = "cancel"


class QuitDialog(QMessageBox):
    """ "N jobs are running": wait for them, stop now (keep them queued), or stay."""

    def __init__(self, running: int, waiting: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("quitDialog")
        self.setIcon(QMessageBox.Icon.Question)
        self.setWindowTitle("Quit DocProc?")
        self.setText(
            f"{running} job{'s are' if running != 1 else ' is'} running and {waiting:,} waiting."
        )
        self.setInformativeText(
            "Wait for the running jobs to finish, or stop now: interrupted jobs go back to the "
            "queue. Waiting jobs stay queued for the next start either way."
        )
        self.wait_button = self.addButton(
            "Wait for running jobs", QMessageBox.ButtonRole.AcceptRole
        )
        self.stop_button = self.addButton(
            "Stop now, keep queued", QMessageBox.ButtonRole.DestructiveRole
        )
        self.cancel_button = self.addButton(QMessageBox.StandardButton.Cancel)
        self.setDefaultButton(self.wait_button)

    def choice(self) -> QuitChoice:
        clicked = self.clickedButton()
        if clicked is self.wait_button:
            return QuitChoice.WAIT
        if clicked is self.stop_button:
            return QuitChoice.STOP
        return QuitChoice.CANCEL


class QuitFlow(QObject):
    """Carries out a choice; ``ready(wait)`` when the engine may be shut down."""

    ready = Signal(bool)  # wait: shut down with wait=True
    waiting_for = Signal(int)  # running jobs still being waited for

    def __init__(self, processor: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.processor = processor
        self.in_progress = False
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._check)

    def carry_out(self, choice: QuitChoice) -> None:
        if choice is QuitChoice.CANCEL:
            return
        self.in_progress = True
        if choice is QuitChoice.STOP:
            self.ready.emit(False)
            return
        self.processor.pause()  # nothing new starts; running jobs finish
        self._timer.start()
        self._check()

    def _check(self) -> None:
        running = self.processor.active_workers
        if running:
            self.waiting_for.emit(running)
            return
        self._timer.stop()
        self.ready.emit(True)
