"""Feeds the job table: live events and history pages read off the GUI thread.

- ``events_flushed`` of the signal bridge goes straight to
  :meth:`JobTableModel.apply_events` (already coalesced to ~10 flushes a second).
- The first load reads the jobs still waiting or running; later pages read finished jobs,
  newest first, when the view asks (``fetchMore``). Both run on the task runner.
- A completion event carries the job's result, quality score included.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, Signal

from docproc_gui.domain import TERMINAL_STATUSES, ProcessingStatus
from docproc_gui.engine.events import JobEvent
from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.job_table_model import JobTableModel
from docproc_gui.ui.tasks import TaskRunner

PAGE_SIZE = 2000
ACTIVE = [s for s in ProcessingStatus if not s.is_terminal]
FINISHED = sorted(TERMINAL_STATUSES)


class JobFeed(QObject):
    """Connects the engine, the store and the job table model."""

    load_failed = Signal(str)

    def __init__(
        self,
        processor: Any,
        model: JobTableModel,
        tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.processor = processor
        self.model = model
        self.tasks = tasks
        self._offset = 0
        self._started = False
        processor.signals.events_flushed.connect(self.on_events)
        model.fetch_requested.connect(self.load_page)

    def start(self) -> None:
        """Load what is waiting or running now; history follows as the view scrolls."""
        self._started = True
        store = self.processor.store

        def read() -> list[JobRecord]:  # runs on a pool thread
            jobs = store.list_jobs(ACTIVE, limit=10_000_000)
            return [JobRecord.from_job(job) for job in jobs]

        self.model.set_history_done(True)  # hold fetchMore until the active jobs are in
        self.tasks.submit(read, self._active_loaded, self._failed)

    def on_events(self, events: Sequence[JobEvent]) -> None:
        self.model.apply_events(events)

    def load_page(self) -> None:
        if not self._started:
            return
        store = self.processor.store
        offset = self._offset
        self._offset += PAGE_SIZE

        def read() -> tuple[list[JobRecord], bool]:  # runs on a pool thread
            jobs = store.list_jobs(FINISHED, limit=PAGE_SIZE, offset=offset)
            return [JobRecord.from_job(job) for job in jobs], len(jobs) < PAGE_SIZE

        self.tasks.submit(read, self._page_loaded, self._failed)

    def load_all(self) -> None:
        """Page in the whole history now (benchmarks and tests)."""
        while not self.model.history_done:
            self.load_page()
            self.tasks.wait()
            from PySide6.QtCore import QCoreApplication

            QCoreApplication.processEvents()

    # ------------------------------------------------------------------ results

    def _active_loaded(self, records: list[JobRecord]) -> None:
        self.model.add_history(records, done=False)

    def _page_loaded(self, result: tuple[list[JobRecord], bool]) -> None:
        records, done = result
        self.model.add_history(records, done=done)

    def _failed(self, error: BaseException) -> None:
        self.model.set_history_done(True)
        self.load_failed.emit(f"could not read the job history: {error}")
