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
from collections.abc import Callable
from dataclasses import dataclass

from docproc_gui.domain import ProcessingProgress, ProcessingStatus
from docproc_gui.engine.eta import EtaEstimator
from docproc_gui.store import JobChange

log = logging.getLogger(__name__)


@dataclass(slots=True)
class JobEvent:
    """One reportable event: what happened (``kind``) and the job's progress after it."""

    kind: str
    progress: ProcessingProgress
    change: JobChange

    @property
    def job_id(self) -> str:
        return self.progress.job_id


Listener = Callable[[list[JobEvent]], None]
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
            item = self._queue.get()
            if item is _STOP:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            assert isinstance(item, list)
            events = [self._to_event(change) for change in item]
            for listener in self._listeners:
                try:
                    listener(events)
                except Exception:
                    log.exception("event listener %r failed", listener)

    def _to_event(self, change: JobChange) -> JobEvent:
        status = change.status
        eta: float | None = None
        if change.kind == "started":
            self._started_at[change.job_id] = change.at
        if status.is_running:
            started = self._started_at.get(change.job_id)
            elapsed = change.at - started if started is not None else None
            eta = self.eta.remaining(change.file_type, change.file_size, change.progress, elapsed)
        elif status.is_terminal or status is ProcessingStatus.RETRYING:
            started = self._started_at.pop(change.job_id, None)
            if status is ProcessingStatus.COMPLETED:
                eta = 0.0
                if started is not None:
                    self.eta.learn(change.file_type, change.file_size, change.at - started)
        progress = ProcessingProgress(
            job_id=change.job_id,
            status=status,
            progress=change.progress,
            current_step=change.current_step,
            steps_completed=list(change.steps_completed),
            estimated_time_remaining=eta,
            message=change.message,
            error_category=change.error_category,
        )
        return JobEvent(change.kind, progress, change)
