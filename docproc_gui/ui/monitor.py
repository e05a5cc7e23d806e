"""Polls statistics and health once a second, off the GUI thread, for every view.

One poll feeds the status filter's counts, the queue controls, the health indicator,
the status bar, the tray tooltip and the statistics tab; a poll that is still running
when the timer fires again is not doubled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from docproc_gui.ui.tasks import TaskRunner


@dataclass(slots=True)
class Snapshot:
    """What the window shows about the queue as a whole, at one moment."""

    at: float
    statistics: Any  # QueueStatistics
    health: Any  # HealthReport
    paused: bool
    active_workers: int
    max_workers: int

    @property
    def counts(self) -> dict[str, int]:
        return dict(self.statistics.counts)

    @property
    def waiting(self) -> int:
        return int(self.statistics.waiting_jobs)

    @property
    def running(self) -> int:
        return int(self.statistics.running_jobs)

    @property
    def failed(self) -> int:
        return int(self.statistics.counts.get("FAILED", 0))


def take_snapshot(processor: Any) -> Snapshot:
    """Runs on a pool thread: a few indexed queries."""
    statistics = processor.statistics()
    health = processor.health()
    return Snapshot(
        at=time.time(),
        statistics=statistics,
        health=health,
        paused=processor.is_paused,
        active_workers=processor.active_workers,
        max_workers=processor.settings.max_workers,
    )


class Monitor(QObject):
    """Emits ``updated(Snapshot)`` about once a second while running."""

    updated = Signal(object)
    failed = Signal(str)

    def __init__(
        self,
        processor: Any,
        tasks: TaskRunner,
        interval_ms: int = 1000,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.processor = processor
        self.tasks = tasks
        self.latest: Snapshot | None = None
        self._polling = False
        self._timer = QTimer(self)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self.poll)

    def start(self) -> None:
        self._timer.start()
        self.poll()

    def stop(self) -> None:
        self._timer.stop()

    def poll(self) -> None:
        if self._polling:
            return
        self._polling = True
        processor = self.processor
        self.tasks.submit(lambda: take_snapshot(processor), self._received, self._error)

    def _received(self, snapshot: object) -> None:
        self._polling = False
        assert isinstance(snapshot, Snapshot)
        self.latest = snapshot
        self.updated.emit(snapshot)

    def _error(self, error: BaseException) -> None:
        self._polling = False
        self.failed.emit(str(error))
