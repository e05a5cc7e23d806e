"""Queuing what a person adds (files, folders, thousands of them) without freezing.

Folder walking and submission run on a worker thread: paths are expanded with
:func:`docproc_gui.discovery.iter_files` and submitted in chunks (one transaction each)
under one batch id, so the tray can summarise the whole drop once. Progress and the
final report come back as signals on the GUI thread.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QThreadPool, Signal

from docproc_gui.discovery import iter_files
from docproc_gui.domain import DocProcError, ProcessingPriority, QueueFullError
from docproc_gui.store.job_store import new_batch_id
from docproc_gui.ui.tasks import Relay, Task

CHUNK = 500


@dataclass(slots=True)
class SubmitReport:
    """What came of one "add": how many jobs were queued and what was skipped, and why."""

    batch_id: str
    queued: int = 0
    found: int = 0
    skipped: list[tuple[str, str]] = field(default_factory=list)
    error: str | None = None
    cancelled: bool = False

    @property
    def summary(self) -> str:
        text = f"Queued {self.queued} document{'s' if self.queued != 1 else ''}"
        if self.skipped:
            text += f", skipped {len(self.skipped)}"
        if self.error:
            text += f" — {self.error}"
        return text


class Submitter(QObject):
    """Expands and queues paths on a worker thread; reports back on the GUI thread."""

    started = Signal(str)  # batch id
    progressed = Signal(int, int)  # queued so far, files found so far
    finished = Signal(object)  # SubmitReport

    def __init__(self, processor: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.processor = processor
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(1)  # one add at a time keeps batches in order
        self._stop = threading.Event()
        self._active = 0

    @property
    def busy(self) -> bool:
        return self._active > 0

    def submit(self, paths: Sequence[str], priority: ProcessingPriority) -> str:
        """Start queuing ``paths``; returns the batch id the jobs will carry."""
        batch_id = new_batch_id()
        self._stop.clear()
        self._active += 1
        self.started.emit(batch_id)
        relay = _Finish(self)
        self.pool.start(Task(lambda: self._run(list(paths), priority, batch_id), relay))
        return batch_id

    def stop(self) -> None:
        """Stop queuing more chunks (what is queued stays queued)."""
        self._stop.set()

    def wait(self, timeout_ms: int = 60_000) -> bool:
        return self.pool.waitForDone(timeout_ms)

    def _done(self, report: object) -> None:
        self._active = max(0, self._active - 1)
        self.finished.emit(report)

    def _run(self, paths: list[str], priority: ProcessingPriority, batch_id: str) -> SubmitReport:
        """Runs on the worker thread."""
        report = SubmitReport(batch_id)
        chunk: list[str] = []
        for path in iter_files(paths):
            report.found += 1
            chunk.append(path)
            if len(chunk) >= CHUNK:
                if not self._queue(chunk, priority, report):
                    return report
                chunk = []
        if chunk:
            self._queue(chunk, priority, report)
        return report

    def _queue(self, chunk: list[str], priority: ProcessingPriority, report: SubmitReport) -> bool:
        """Runs on the worker thread; False when queuing must stop."""
        if self._stop.is_set():
            report.cancelled = True
            return False
        try:
            report.queued += len(
                self.processor.submit_batch(chunk, priority, batch_id=report.batch_id)
            )
        except QueueFullError as error:
            report.error = error.message
            return False
        except DocProcError:
            # All or none per chunk: find the bad files one by one, queue the rest.
            for path in chunk:
                try:
                    report.queued += len(
                        self.processor.submit_batch([path], priority, batch_id=report.batch_id)
                    )
                except QueueFullError as error:
                    report.error = error.message
                    return False
                except DocProcError as error:
                    report.skipped.append((path, error.message))
        self.progressed.emit(report.queued, report.found)
        return True


class _Finish(Relay):
    """The relay of one submission: forwards the report to the submitter."""

    def __init__(self, submitter: Submitter) -> None:
        super().__init__(submitter)
        self.done.connect(self._forward)
        self.failed.connect(self._forward_error)
        self._submitter = submitter

    def _forward(self, report: object) -> None:
        self._submitter._done(report)
        self.deleteLater()

    def _forward_error(self, error: object) -> None:
        report = SubmitReport("", error=str(error))
        self._submitter._done(report)
        self.deleteLater()
