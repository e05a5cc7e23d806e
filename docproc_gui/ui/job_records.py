"""What the job table knows about one job, and how an engine event changes it.

Plain Python (no Qt): a :class:`JobRecord` is built from a stored
:class:`~docproc_gui.domain.ProcessingJob` (history pages) or from the first
:class:`~docproc_gui.engine.events.JobEvent` seen for a job, and is then updated in
place by every later event. The table model keeps one record per job and only asks
them for values, so a flush of thousands of events costs a few attribute writes each.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import TYPE_CHECKING

from docproc_gui.domain import ErrorCategory, ProcessingJob, ProcessingStatus

if TYPE_CHECKING:
    from docproc_gui.engine.events import JobEvent

S = ProcessingStatus

# The status groups the window shows (the four stage statuses are "Processing").
STATUS_GROUPS: dict[str, frozenset[ProcessingStatus]] = {
    "Queued": frozenset({S.QUEUED}),
    "Processing": frozenset(
        {S.PROCESSING, S.CLASSIFYING, S.EXTRACTING, S.INTEGRATING, S.QUALITY_CHECK}
    ),
    "Retrying": frozenset({S.RETRYING}),
    "Completed": frozenset({S.COMPLETED}),
    "Failed": frozenset({S.FAILED}),
    "Cancelled": frozenset({S.CANCELLED}),
}
GROUP_OF_STATUS: dict[ProcessingStatus, str] = {
    status: group for group, statuses in STATUS_GROUPS.items() for status in statuses
}


@dataclass(slots=True, eq=False)
class JobRecord:
    """One row of the job table (mutable; updated in place by events)."""

    job_id: str
    file_path: str
    name: str
    file_type: str
    status: ProcessingStatus
    priority: int
    progress: float = 0.0
    step: str = ""
    eta: float | None = None
    size: int | None = None
    attempts: int = 0
    submitted_at: float | None = None
    started_at: float | None = None
    completed_at: float | None = None
    quality: float | None = None
    error_category: ErrorCategory | None = None
    message: str | None = None
    batch_id: str | None = None
    seq: int = 0  # arrival order in this window: the table's natural order
    eta_event: JobEvent | None = None  # the ETA is worked out only when a row is painted

    @property
    def group(self) -> str:
        return GROUP_OF_STATUS.get(self.status, "Queued")

    @property
    def eta_seconds(self) -> float | None:
        if self.eta is not None:
            return self.eta
        if self.eta_event is not None and self.status.is_running:
            return self.eta_event.progress.estimated_time_remaining
        return None

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        if self.completed_at is not None:
            return max(0.0, self.completed_at - self.started_at)
        return None

    @classmethod
    def from_job(cls, job: ProcessingJob) -> JobRecord:
        """A record for a job read from the store (history pages, the backlog at start)."""
        quality = None
        if job.result:
            score = job.result.get("quality_score")
            quality = float(score) if isinstance(score, int | float) else None
        return cls(
            job_id=job.job_id,
            file_path=job.file_path,
            name=os.path.basename(job.file_path),
            file_type=job.file_type,
            status=job.status,
            priority=int(job.priority),
            progress=job.progress,
            step=job.current_step,
            size=job.file_size,
            attempts=job.attempts,
            submitted_at=job.created_at.timestamp() if job.created_at else None,
            started_at=job.started_at.timestamp() if job.started_at else None,
            completed_at=job.completed_at.timestamp() if job.completed_at else None,
            quality=quality,
            error_category=job.error_category,
            message=job.error_message,
            batch_id=job.batch_id,
        )

    @classmethod
    def from_event(cls, event: JobEvent) -> JobRecord:
        """A record for a job first seen through an event (usually ``submitted``)."""
        change = event.change
        record = cls(
            job_id=change.job_id,
            file_path=change.file_path,
            name=os.path.basename(change.file_path),
            file_type=change.file_type,
            status=change.status,
            priority=change.priority,
            size=change.file_size,
            batch_id=change.batch_id,
            submitted_at=change.at if event.kind == "submitted" else None,
        )
        record.apply(event)
        return record

    def apply(self, event: JobEvent) -> None:
        """Take what ``event`` says about the job (runs on the GUI thread, must be cheap).

        Reads the committed change itself; the event's ``progress`` object (with its ETA)
        is only built for rows that are painted.
        """
        change = event.change
        kind = event.kind
        self.status = change.status
        self.progress = change.progress
        self.step = change.current_step
        self.eta = None
        self.eta_event = event if change.status.is_running else None
        self.priority = change.priority
        if change.attempts:
            self.attempts = change.attempts
        if kind == "started":
            self.started_at = change.at
            self.completed_at = None
            self.error_category = None
            self.message = None
        elif kind in ("completed", "failed", "cancelled"):
            self.completed_at = change.at
            self.error_category = change.error_category
            self.message = change.message
            if change.result is not None:
                score = change.result.get("quality_score")
                self.quality = float(score) if score is not None else None
        elif kind in ("retried", "requeued", "recovered", "retry_scheduled"):
            self.completed_at = None
            self.error_category = change.error_category
            self.message = change.message
            if kind == "retried":
                self.quality = None
                self.started_at = None
        if change.status.is_waiting:
            self.step = ""
