"""The shared vocabulary of DocProc: enums, dataclasses, errors and the pipeline protocol.

Everything here is plain Python (no Qt, no SQLAlchemy) so that every layer — store,
pipeline, engine, API and UI — can import it. The names and fields follow the original
design (``ProcessingJob``, ``ProcessingProgress``, ``BatchProcessingResult``).
"""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


class ProcessingPriority(enum.IntEnum):
    """How urgent a job is; lower numbers run first."""

    CRITICAL = 0
    HIGH = 1
    NORMAL = 2
    LOW = 3
    BACKGROUND = 4

    @classmethod
    def parse(cls, value: object) -> ProcessingPriority:
        """Accept a member, a name (any case) or a number; raise ``ValueError`` otherwise."""
        if isinstance(value, ProcessingPriority):
            return value
        if isinstance(value, bool):
            raise ValueError(f"unknown priority {value!r}")
        if isinstance(value, int):
            try:
                return cls(value)
            except ValueError:
                raise ValueError(f"unknown priority {value!r}; use 0-4") from None
        if isinstance(value, str):
            text = value.strip()
            if text.isdigit():
                return cls.parse(int(text))
            try:
                return cls[text.upper()]
            except KeyError:
                names = ", ".join(member.name for member in cls)
                raise ValueError(f"unknown priority {value!r}; use one of {names}") from None
        raise ValueError(f"unknown priority {value!r}")


class ProcessingStatus(enum.StrEnum):
    """Where a job is in its life. The four stage statuses are the pipeline's steps."""

    QUEUED = "QUEUED"
    PROCESSING = "PROCESSING"
    CLASSIFYING = "CLASSIFYING"
    EXTRACTING = "EXTRACTING"
    INTEGRATING = "INTEGRATING"
    QUALITY_CHECK = "QUALITY_CHECK"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELLED = "CANCELLED"
    RETRYING = "RETRYING"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES

    @property
    def is_waiting(self) -> bool:
        return self in WAITING_STATUSES

    @property
    def is_running(self) -> bool:
        return self in RUNNING_STATUSES


TERMINAL_STATUSES = frozenset(
    {ProcessingStatus.COMPLETED, ProcessingStatus.FAILED, ProcessingStatus.CANCELLED}
)
WAITING_STATUSES = frozenset({ProcessingStatus.QUEUED, ProcessingStatus.RETRYING})
RUNNING_STATUSES = frozenset(
    {
        ProcessingStatus.PROCESSING,
        ProcessingStatus.CLASSIFYING,
        ProcessingStatus.EXTRACTING,
        ProcessingStatus.INTEGRATING,
        ProcessingStatus.QUALITY_CHECK,
    }
)


class ErrorCategory(enum.StrEnum):
    """Why a job failed. Only ``TRANSIENT`` and ``TIMEOUT`` are retried automatically."""

    TRANSIENT = "transient"
    TIMEOUT = "timeout"
    UNSUPPORTED = "unsupported"
    CORRUPT = "corrupt"
    ENCRYPTED = "encrypted"
    TOO_LARGE = "too_large"
    NOT_FOUND = "not_found"
    EMPTY = "empty"
    STORAGE_FULL = "storage_full"
    CANCELLED = "cancelled"
    INTERNAL = "internal"

    @property
    def retryable(self) -> bool:
        return self in {ErrorCategory.TRANSIENT, ErrorCategory.TIMEOUT, ErrorCategory.STORAGE_FULL}


# --------------------------------------------------------------------------- errors


class DocProcError(Exception):
    """Base of every error DocProc raises on purpose; carries a category for the user."""

    category: ErrorCategory = ErrorCategory.INTERNAL

    def __init__(self, message: str, *, category: ErrorCategory | None = None) -> None:
        super().__init__(message)
        if category is not None:
            self.category = category

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else self.category.value

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the category when the error crosses a process boundary (pickling).
        return (_rebuild_error, (type(self), self.message, self.category))


def _rebuild_error(cls: type[DocProcError], message: str, category: ErrorCategory) -> DocProcError:
    error = cls.__new__(cls)
    Exception.__init__(error, message)
    error.category = category
    return error


class TransientError(DocProcError):
    """A temporary failure (I/O hiccup, locked file, busy resource): retried with backoff."""

    category = ErrorCategory.TRANSIENT


class StepTimeoutError(DocProcError):
    """A step ran past the job timeout and was killed."""

    category = ErrorCategory.TIMEOUT


class UnsupportedFormatError(DocProcError):
    """The file's real type is not one DocProc can process."""

    category = ErrorCategory.UNSUPPORTED


class CorruptDocumentError(DocProcError):
    """The file is damaged beyond what can be recovered."""

    category = ErrorCategory.CORRUPT


class EncryptedDocumentError(DocProcError):
    """The document needs a password."""

    category = ErrorCategory.ENCRYPTED


class DocumentTooLargeError(DocProcError):
    """The file, its text or its unpacked container exceeds a configured bound."""

    category = ErrorCategory.TOO_LARGE


class DocumentNotFoundError(DocProcError):
    """The file does not exist (any more) or cannot be read."""

    category = ErrorCategory.NOT_FOUND


class EmptyDocumentError(DocProcError):
    """The file has zero bytes."""

    category = ErrorCategory.EMPTY


class StorageFullError(DocProcError):
    """The disk holding the data folder is full; nothing half-written is kept."""

    category = ErrorCategory.STORAGE_FULL


class JobCancelledError(DocProcError):
    """The job was cancelled while it ran."""

    category = ErrorCategory.CANCELLED


class QueueFullError(DocProcError):
    """Submitting would exceed the configured maximum queue size."""

    category = ErrorCategory.TRANSIENT

    def __init__(self, limit: int, waiting: int, requested: int = 1) -> None:
        super().__init__(
            f"queue is full: {waiting} of {limit} places taken, {requested} more requested"
        )
        self.limit = limit
        self.waiting = waiting
        self.requested = requested

    def __reduce__(self) -> tuple[Any, ...]:
        return (QueueFullError, (self.limit, self.waiting, self.requested))


class JobNotFoundError(LookupError):
    """No job with that id exists."""

    def __init__(self, job_id: str) -> None:
        super().__init__(f"no job with id {job_id!r}")
        self.job_id = job_id


class InvalidTransitionError(ValueError):
    """The requested action does not fit the job's current status (retry a queued job, ...)."""


class IdempotencyConflictError(ValueError):
    """Some of a request's idempotency keys name jobs already, others do not: the keys
    were used for another request."""


# --------------------------------------------------------------------------- records


@dataclass(slots=True)
class ProcessingJob:
    """One document's trip through the pipeline, as stored."""

    job_id: str
    file_path: str
    priority: ProcessingPriority = ProcessingPriority.NORMAL
    status: ProcessingStatus = ProcessingStatus.QUEUED
    created_at: datetime | None = None
    started_at: datetime | None = None
    completed_at: datetime | None = None
    progress: float = 0.0
    current_step: str = ""
    retry_count: int = 0
    max_retries: int = 3
    error_message: str | None = None
    result: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    # Beyond the original design: what the UI and API need to show a job.
    error_category: ErrorCategory | None = None
    attempts: int = 0
    file_size: int | None = None
    file_type: str = ""
    batch_id: str | None = None
    next_attempt_at: datetime | None = None

    @property
    def duration(self) -> float | None:
        """Seconds from start to completion (or None while it has not finished)."""
        if self.started_at is None or self.completed_at is None:
            return None
        return (self.completed_at - self.started_at).total_seconds()

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict with enum names and ISO timestamps."""
        return {
            "job_id": self.job_id,
            "file_path": self.file_path,
            "priority": self.priority.name,
            "status": self.status.value,
            "created_at": _iso(self.created_at),
            "started_at": _iso(self.started_at),
            "completed_at": _iso(self.completed_at),
            "progress": self.progress,
            "current_step": self.current_step,
            "retry_count": self.retry_count,
            "max_retries": self.max_retries,
            "error_message": self.error_message,
            "error_category": self.error_category.value if self.error_category else None,
            "result": self.result,
            "metadata": self.metadata,
            "attempts": self.attempts,
            "file_size": self.file_size,
            "file_type": self.file_type,
            "batch_id": self.batch_id,
            "next_attempt_at": _iso(self.next_attempt_at),
            "duration": self.duration,
        }


@dataclass(slots=True)
class ProcessingProgress:
    """A snapshot of a job's progress, as reported to callbacks, the UI and the API."""

    job_id: str
    status: ProcessingStatus
    progress: float
    current_step: str
    steps_completed: list[str] = field(default_factory=list)
    estimated_time_remaining: float | None = None
    message: str | None = None
    error_category: ErrorCategory | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.job_id,
            "status": self.status.value,
            "progress": self.progress,
            "current_step": self.current_step,
            "steps_completed": list(self.steps_completed),
            "estimated_time_remaining": self.estimated_time_remaining,
            "message": self.message,
            "error_category": self.error_category.value if self.error_category else None,
        }


@dataclass(slots=True)
class BatchProcessingResult:
    """What ``process_batch_sync`` returns."""

    total_jobs: int
    successful: int
    failed: int
    cancelled: int
    processing_time: float
    jobs: list[ProcessingJob] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


# --------------------------------------------------------------------------- pipeline protocol


class CancelToken:
    """Cooperative cancellation shared between the engine and a running step.

    Thread-safe; steps call :meth:`raise_if_cancelled` between units of work.
    """

    __slots__ = ("_event", "reason")

    USER = "user"
    SHUTDOWN = "shutdown"

    def __init__(self) -> None:
        self._event = threading.Event()
        self.reason = ""

    def cancel(self, reason: str = USER) -> None:
        """Ask the step to stop; ``reason`` SHUTDOWN means "stop now, run again later"."""
        if not self._event.is_set():
            self.reason = reason
        self._event.set()

    @property
    def cancelled(self) -> bool:
        return self._event.is_set()

    @property
    def interrupted(self) -> bool:
        return self._event.is_set() and self.reason == self.SHUTDOWN

    def raise_if_cancelled(self) -> None:
        if self._event.is_set():
            raise JobCancelledError("cancelled by the user")


@dataclass(slots=True)
class StepContext:
    """What a pipeline step sees: the job, the outputs of the steps before it, limits.

    ``outputs`` maps a step name to the dict that step returned (restored from the
    checkpoint when a job resumes after a crash). Steps return a JSON-serialisable dict.
    """

    job_id: str
    file_path: str
    metadata: Mapping[str, Any]
    outputs: dict[str, dict[str, Any]]
    options: Mapping[str, Any] = field(default_factory=dict)
    cancel: CancelToken = field(default_factory=CancelToken)
    report: Callable[[float, str], None] = field(default=lambda fraction, message: None)


@dataclass(frozen=True, slots=True)
class SandboxCall:
    """A picklable call a sandboxed step makes in a child process.

    ``function`` must be a module-level function; it receives ``(file_path, options,
    outputs)`` and returns a JSON-serialisable dict. The engine runs it in a process pool
    with the job timeout and memory limit, and kills the child on timeout or cancel.
    """

    function: Callable[[str, Mapping[str, Any], Mapping[str, dict[str, Any]]], dict[str, Any]]


@dataclass(frozen=True, slots=True)
class PipelineStep:
    """One ordered step of the pipeline.

    Exactly one of ``run`` (runs in-process on the worker thread) or ``sandboxed``
    (runs in a child process) is set. ``weight`` is the share of the job's progress
    bar the step takes. A ``checkpoint`` step's output is saved so a resumed job skips it.
    """

    name: str
    status: ProcessingStatus
    weight: float = 1.0
    run: Callable[[StepContext], dict[str, Any]] | None = None
    sandboxed: SandboxCall | None = None
    checkpoint: bool = True

    def __post_init__(self) -> None:
        if (self.run is None) == (self.sandboxed is None):
            raise ValueError(f"step {self.name!r} needs exactly one of run= or sandboxed=")


@dataclass(frozen=True, slots=True)
class Pipeline:
    """An ordered list of steps; the engine runs them in order for every job."""

    name: str
    steps: tuple[PipelineStep, ...]

    @property
    def total_weight(self) -> float:
        return sum(step.weight for step in self.steps) or 1.0

    def step(self, name: str) -> PipelineStep:
        for step in self.steps:
            if step.name == name:
                return step
        raise KeyError(name)
