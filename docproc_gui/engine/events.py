"""EventHub: turns committed store changes into progress reports for every listener.

The store's writer hands over :class:`~docproc_gui.store.JobChange` lists after each
commit. The hub converts them into :class:`~docproc_gui.domain.ProcessingProgress`
(with an ETA) and delivers them on its own dispatcher thread, so slow listeners never
hold up the writer or a worker. Listeners are plain callables; one that raises is logged
and keeps its subscription. Qt-free: the Qt signal bridge is just another listener.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable

from docproc_gui.domain import (
    RUNNING_STATUSES,
    TERMINAL_STATUSES,
    ProcessingProgress,
    ProcessingStatus,
)
from docproc_gui.engine.eta import EtaEstimator
from docproc_gui.store import JobChange

log = logging.getLogger(__name__)


class JobEvent:
    """One reportable event: what happened (``kind``) and the job's progress after it.

    The :class:`ProcessingProgress` (with its ETA) is built on first access: most
    listeners read a few fields of a few events, and the hub turns thousands of changes
    a second into events.
    """

    __slots__ = ("_elapsed", "_eta", "_progress", "change", "kind")

    def __init__(
        self, change: JobChange, eta: EtaEstimator, elapsed: float | None, final: bool
    ) -> None:
        self.kind = change.kind
        self.change = change
        self._eta: EtaEstimator | None = None if final else eta
        self._elapsed = elapsed
        self._progress: ProcessingProgress | None = None

    @property
    def job_id(self) -> str:
        return self.change.job_id

    @property
    def status(self) -> ProcessingStatus:
        return self.change.status

    @property
    def estimated_time_remaining(self) -> float | None:
        """Seconds the job still needs (0 when completed, None when not running)."""
        change = self.change
        if change.status is ProcessingStatus.COMPLETED:
            return 0.0
        if self._eta is not None and change.status in RUNNING_STATUSES:
            return self._eta.remaining(
                change.file_type, change.file_size, change.progress, self._elapsed
            )
        return None

    @property
    def progress(self) -> ProcessingProgress:
        if self._progress is None:
            change = self.change
            self._progress = ProcessingProgress(
                job_id=change.job_id,
                status=change.status,
                progress=change.progress,
                current_step=change.current_step,
                steps_completed=list(change.steps_completed),
                estimated_time_remaining=self.estimated_time_remaining,
                message=change.message,
                error_category=change.error_category,
            )
        return self._progress


Listener = Callable[[list[JobEvent]], None]
LINGER_S = 0.002
ProgressCallback = Callable[[ProcessingProgress], None]
_STOP = object()


class EventHub:
    """Fans committed job changes out to listeners on a dispatcher thread."""

    def __init__(self, eta: EtaEstimator | None = None) -> None:
        self.eta = eta or EtaEstimator()
        self._listeners: list[Listener] = []
        self._lock = threading.Lock()
        self._queue: queue.SimpleQueue[object] = queue.SimpleQueue()
        self._started_at: dict[str, float] = {}
        self._thread = threading.Thread(target=self._run, name="docproc-events", daemon=True)
        self._thread.start()

    # ------------------------------------------------------------------ subscribing

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` with every batch of events; returns an unsubscribe function."""
        with self._lock:
            self._listeners = [*self._listeners, listener]

        def unsubscribe() -> None:
            with self._lock:
                self._listeners = [item for item in self._listeners if item is not listener]

        return unsubscribe

    def add_progress_callback(self, callback: ProgressCallback) -> Callable[[], None]:
        """Call ``callback`` with each event's :class:`ProcessingProgress`."""

        def listener(events: list[JobEvent]) -> None:
            for event in events:
                try:
                    callback(event.progress)
                except Exception:
                    log.exception("progress callback %r failed", callback)

        return self.subscribe(listener)

    # ------------------------------------------------------------------ publishing

    def publish_changes(self, changes: list[JobChange]) -> None:
        """Called by the store after a commit (on the writing thread): queue and return."""
        self._queue.put(changes)

    def publish_progress(self, change: JobChange) -> None:
        """Progress inside a step (not a state change, so not stored)."""
        self.publish_changes([change])

    def drain(self, timeout: float = 10.0) -> bool:
        """Wait until every event published so far has been delivered (tests, shutdown)."""
        marker = threading.Event()
        self._queue.put(marker)
        return marker.wait(timeout)

    def close(self) -> None:
        self._queue.put(_STOP)
        self._thread.join(timeout=10)

    # ------------------------------------------------------------------ internals

    def _run(self) -> None:
        while True:
            items = [self._queue.get()]
            # Linger a moment and take everything that arrived meanwhile: one wake-up
            # (and one hand-off of the interpreter lock) per batch, not per commit.
            time.sleep(LINGER_S)
            while not self._queue.empty():
                items.append(self._queue.get_nowait())
            changes: list[JobChange] = []
            for item in items:
                if isinstance(item, list):
                    changes.extend(item)
                    continue
                self._deliver(changes)
                changes = []
                if item is _STOP:
                    return
                if isinstance(item, threading.Event):
                    item.set()
            self._deliver(changes)

    def _deliver(self, changes: list[JobChange]) -> None:
        if not changes:
            return
        events = [self._to_event(change) for change in changes]
        for listener in self._listeners:
            try:
                listener(events)
            except Exception:
                log.exception("event listener %r failed", listener)

    def _to_event(self, change: JobChange) -> JobEvent:
        """Runs on the hub thread, in commit order: keeps the start times for the ETA."""
        status = change.status
        if status in RUNNING_STATUSES:
            if change.kind == "started":
                self._started_at[change.job_id] = change.at
            started = self._started_at.get(change.job_id)
            return JobEvent(change, self.eta, change.at - started if started else None, False)
        if status in TERMINAL_STATUSES or status is ProcessingStatus.RETRYING:
            started = self._started_at.pop(change.job_id, None)
            if status is ProcessingStatus.COMPLETED and started is not None:
                self.eta.learn(change.file_type, change.file_size, change.at - started)
        return JobEvent(change, self.eta, None, True)
