"""JobChange: one committed change of a job, as the store hands it to the engine."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from docproc_gui.domain import ErrorCategory, ProcessingJob, ProcessingStatus


@dataclass(slots=True)
class JobChange:
    """One committed change of a job, as the engine reports it onwards."""

    kind: str
    job_id: str
    status: ProcessingStatus
    at: float
    progress: float = 0.0
    current_step: str = ""
    steps_completed: tuple[str, ...] = ()
    file_path: str = ""
    file_type: str = ""
    file_size: int | None = None
    batch_id: str | None = None
    priority: int = 2
    attempts: int = 0
    error_category: ErrorCategory | None = None
    message: str | None = None
    result: Mapping[str, Any] | None = None  # set on completion: the job's result

    @classmethod
    def of_job(
        cls,
        kind: str,
        job: ProcessingJob,
        status: ProcessingStatus,
        at: float,
        *,
        progress: float | None = None,
        step: str = "",
        done: tuple[str, ...] = (),
        message: str | None = None,
        category: ErrorCategory | None = None,
        priority: int | None = None,
        result: Mapping[str, Any] | None = None,
    ) -> JobChange:
        """The change ``kind`` of ``job``; progress, priority and error category default
        to the job's own."""
        return cls(
            kind,
            job.job_id,
            status,
            at,
            job.progress if progress is None else progress,
            step,
            done,
            job.file_path,
            job.file_type,
            job.file_size,
            job.batch_id,
            int(job.priority) if priority is None else priority,
            job.attempts,
            job.error_category if category is None else category,
            message,
            result,
        )
