"""Feeds the job table: live events, history pages and quality scores, off the GUI thread.

- ``events_flushed`` of the signal bridge goes straight to
  :meth:`JobTableModel.apply_events` (already coalesced to ~10 flushes a second).
- The first load reads the jobs still waiting or running; later pages read finished jobs,
  newest first, when the view asks (``fetchMore``). Both run on the task runner.
- A completion event carries no result, so the quality scores of the jobs completed in a
  flush are read in one query afterwards (a small adapter until the engine reports them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal

from docproc_gui.domain import TERMINAL_STATUSES, ProcessingStatus
from docproc_gui.engine.events import JobEvent
from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.job_table_model import COLUMN_KEYS, JobTableModel
from docproc_gui.ui.tasks import TaskRunner

PAGE_SIZE = 2000
QUALITY_DELAY_MS = 300
ACTIVE = [s for s in ProcessingStatus if not s.is_terminal]
FINISHED = sorted(TERMINAL_STATUSES)


class JobFeed(QObject):
    """Connects the engine, the store and the job table model."""

    load_failed = Signal(str)

    def __init__(
        self, processor: Any, model: JobTableModel, tasks: TaskRunner,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.processor = processor
        self.model = model
        self.tasks = tasks
        self._offset = 0
        self._started = False
        self._need_quality: set[str] = set()
        self._quality_timer = QTimer(self)
        self._quality_timer.setSingleShot(True)
        self._quality_timer.setInterval(QUALITY_DELAY_MS)
        self._quality_timer.timeout.connect(self._load_quality)
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
        completed = [event.job_id for event in events if event.kind == "completed"]
        if completed:
            self._need_quality.update(completed)
            if not self._quality_timer.isActive():
                self._quality_timer.start()

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

    def _load_quality(self) -> None:
        wanted = list(self._need_quality)
        self._need_quality.clear()
        if not wanted:
            return
        engine = self.processor.store.database.read_engine

        def read() -> dict[str, float]:  # runs on a pool thread
            scores: dict[str, float] = {}
            with engine.connect() as connection:
                for start in range(0, len(wanted), 500):
                    chunk = wanted[start:start + 500]
                    marks = ",".join("?" * len(chunk))
                    rows = connection.exec_driver_sql(
                        "SELECT job_id, json_extract(result, '$.quality_score') FROM jobs "
                        f"WHERE job_id IN ({marks}) AND result IS NOT NULL",
                        tuple(chunk),
                    ).all()
                    scores.update({job_id: float(score) for job_id, score in rows
                                   if score is not None})
            return scores

        self.tasks.submit(read, self._quality_loaded)

    def _quality_loaded(self, scores: dict[str, float]) -> None:
        rows = []
        for job_id, score in scores.items():
            record = self.model.record(job_id)
            if record is not None:
                record.quality = score
                row = self.model.row_of(job_id)
                if row >= 0:
                    rows.append(row)
        if rows:
            column = COLUMN_KEYS.index("quality")
            self.model.dataChanged.emit(
                self.model.index(min(rows), column), self.model.index(max(rows), column)
            )
