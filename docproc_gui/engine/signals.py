"""The one bridge from the engine's threads to the Qt (GUI) thread.

The event hub calls :meth:`ProcessorSignals.deliver` on its dispatcher thread; the bridge
buffers the events and flushes them on the thread it lives in (the GUI thread) at most
every ``interval_ms`` (10 flushes a second by default). A flush emits one
``events_flushed`` list (what models should consume: one signal, many rows) and the
per-job signals, with progress coalesced to the latest state of each job. Terminal
events (finished, failed, cancelled) are never coalesced away. Huge bursts (a 100,000
file batch) are flushed in slices so the event loop keeps breathing in between.
"""

from __future__ import annotations

import threading
import time

from PySide6.QtCore import QMetaMethod, QObject, QTimer, Signal, SignalInstance, Slot

from docproc_gui.domain import ProcessingStatus
from docproc_gui.engine.events import JobEvent

MAX_EVENTS_PER_FLUSH = 5000


class ProcessorSignals(QObject):
    """Qt signals for everything the engine reports, delivered on this object's thread."""

    events_flushed = Signal(list)  # list[JobEvent], in commit order
    job_submitted = Signal(str)  # job_id
    progressed = Signal(object)  # ProcessingProgress, latest per job in this flush
    status_changed = Signal(str, str)  # job_id, status name
    finished = Signal(str)  # job_id: completed
    failed = Signal(str, str, str)  # job_id, error category, message: failed for good
    cancelled = Signal(str)  # job_id
    paused_changed = Signal(bool)
    queue_full = Signal(str)  # message
    _flush_requested = Signal()

    def __init__(self, interval_ms: int = 100, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self._pending: list[JobEvent] = []
        self._lock = threading.Lock()
        self._scheduled = False
        self._last_flush = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._flush_requested.connect(self._schedule_flush)

    def deliver(self, events: list[JobEvent]) -> None:
        """Take events from any thread; a flush follows on this object's thread."""
        with self._lock:
            self._pending.extend(events)
            if self._scheduled:
                return
            self._scheduled = True
        self._flush_requested.emit()

    @Slot()
    def _schedule_flush(self) -> None:
        wait_ms = self.interval_ms - (time.monotonic() - self._last_flush) * 1000.0
        if wait_ms <= 0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(int(wait_ms) + 1)

    @Slot()
    def flush(self) -> None:
        """Emit what has arrived (called by the timer; tests may call it directly)."""
        with self._lock:
            events = self._pending[:MAX_EVENTS_PER_FLUSH]
            del self._pending[:MAX_EVENTS_PER_FLUSH]
            more = bool(self._pending)
            self._scheduled = more
        self._last_flush = time.monotonic()
        if more:
            self._timer.start(0)
        if not events:
            return
        self.events_flushed.emit(events)
        self._emit_per_job(events)

    def _connected(self, signal: SignalInstance) -> bool:
        return self.isSignalConnected(QMetaMethod.fromSignal(signal))

    def _emit_per_job(self, events: list[JobEvent]) -> None:
        """The per-job signals, each only when something listens (a flush can carry
        thousands of events; building their progress objects for nobody stalls the GUI)."""
        submitted = self._connected(self.job_submitted)
        status_changed = self._connected(self.status_changed)
        finished = self._connected(self.finished)
        failed = self._connected(self.failed)
        cancelled = self._connected(self.cancelled)
        progressed = self._connected(self.progressed)
        if not (submitted or status_changed or finished or failed or cancelled or progressed):
            return
        latest: dict[str, JobEvent] = {}
        for event in events:
            status = event.status
            if progressed:
                latest[event.job_id] = event
            if event.kind == "submitted":
                if submitted:
                    self.job_submitted.emit(event.job_id)
            elif event.kind != "progress" and status_changed:
                self.status_changed.emit(event.job_id, status.value)
            if status is ProcessingStatus.COMPLETED:
                if finished:
                    self.finished.emit(event.job_id)
            elif status is ProcessingStatus.FAILED:
                if failed:
                    category = event.change.error_category
                    self.failed.emit(
                        event.job_id, category.value if category else "", event.change.message or ""
                    )
            elif status is ProcessingStatus.CANCELLED and cancelled:
                self.cancelled.emit(event.job_id)
        for event in latest.values():
            self.progressed.emit(event.progress)
