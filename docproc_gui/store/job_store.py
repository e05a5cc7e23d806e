"""JobStore: the persistent priority queue, job history and per-job event log.

Qt-free and thread-safe. Every write is an operation on the single
:class:`~docproc_gui.store.writer.GroupCommitWriter`; each operation emits
:class:`JobChange` events that reach the listener only after the commit. Hot paths use
plain SQL through SQLAlchemy's connection (``exec_driver_sql``): the queue is the core
of the product and a compiled ORM round trip per state change would cost more than the
work itself. Reads go through the reader engine and never block the writer (WAL).
"""

from __future__ import annotations

import json
import math
import os
import random
import secrets
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

from docproc_gui.config import Settings
from docproc_gui.domain import (
    ErrorCategory,
    IdempotencyConflictError,
    InvalidTransitionError,
    ProcessingJob,
    ProcessingPriority,
    ProcessingStatus,
    QueueFullError,
)
from docproc_gui.store.database import Database
from docproc_gui.store.job_change import JobChange
from docproc_gui.store.job_queries import (
    JOB_COLUMNS,
    JobQueries,
    find_row,
    loads_json,
    row_to_job,
    to_datetime,
)
from docproc_gui.store.priority import PriorityPolicy
from docproc_gui.store.progress_journal import ProgressJournal
from docproc_gui.store.queue_sql import RUNNING_SQL, WAITING_SQL
from docproc_gui.store.writer import GroupCommitWriter, WriteBatch
from docproc_gui.store.writer import WriterConnection as Connection

S = ProcessingStatus
_INSERT_JOB = (
    "INSERT INTO jobs (seq, job_id, file_path, file_size, file_type, priority, status, sort_key, "
    "not_before, created_at, updated_at, progress, current_step, steps_completed, attempts, "
    "retry_count, max_retries, metadata, batch_id, idempotency_key) "
    "VALUES (?, ?, ?, ?, ?, ?, 'QUEUED', ?, 0, ?, ?, 0, '', '[]', 0, 0, ?, ?, ?, ?)"
)
_INSERT_EVENT = (
    "INSERT INTO job_events (job_seq, at, kind, status, message, data) VALUES (?, ?, ?, ?, ?, ?)"
)
_ANY_DUE = (
    f"SELECT 1 FROM jobs INDEXED BY ix_jobs_waiting WHERE {WAITING_SQL} AND not_before <= ? LIMIT 1"
)
_NEXT_DUE = (
    f"SELECT min(not_before) FROM jobs INDEXED BY ix_jobs_waiting_created WHERE {WAITING_SQL}"
)
REFRESH_WAITING_EVERY_S = 5.0


_id_random = random.Random(secrets.randbits(128))  # noqa: S311 - unique, not secret


def new_job_id() -> str:
    """A 32-hex-digit id that sorts by creation time (keeps the unique index append-only).

    The 80 random bits come from a PRNG seeded once from the OS: ids must be unique,
    not secret (the API is token-protected), and a syscall per id costs throughput.
    """
    return f"{time.time_ns() // 1_000_000:012x}{_id_random.getrandbits(80):020x}"


def new_batch_id() -> str:
    return new_job_id()


@dataclass(slots=True)
class ClaimedJob:
    """A job handed to a worker: the job, its row number and saved step outputs."""

    seq: int
    job: ProcessingJob
    checkpoints: dict[str, dict[str, Any]] = field(default_factory=dict)
    steps_completed: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Submission:
    """One document to enqueue."""

    file_path: str
    priority: ProcessingPriority = ProcessingPriority.NORMAL
    metadata: Mapping[str, Any] = field(default_factory=dict)
    max_retries: int | None = None
    idempotency_key: str | None = None
    file_size: int | None = None  # when the caller already knows it


@dataclass(slots=True)
class RecoveryReport:
    requeued: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)


def _file_facts(path: str, size: int | None) -> tuple[int | None, str]:
    if size is None:
        try:
            size = os.stat(path).st_size
        except OSError:
            size = None
    return size, os.path.splitext(path)[1].lower().lstrip(".")


_PRIORITIES = tuple(ProcessingPriority)


def _running_job(row: Sequence[Any]) -> ProcessingJob:
    """The fields a worker needs of a just-claimed job (no timestamps: the hot path)."""
    return ProcessingJob(
        job_id=row[1],
        file_path=row[2],
        priority=_PRIORITIES[row[5]],
        status=S.PROCESSING,
        progress=row[10],
        attempts=row[13],
        retry_count=row[14],
        max_retries=row[15],
        metadata=loads_json(row[19], {}),
        file_size=row[3],
        file_type=row[4],
        batch_id=row[20],
    )


class JobStore(JobQueries):
    """The queue and history of jobs in one SQLite database."""

    def __init__(
        self,
        database: Database,
        settings: Settings | None = None,
        listener: Callable[[list[Any]], None] | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.database = database
        self.settings = settings or Settings(data_dir=database.path.parent)
        self.policy = PriorityPolicy.from_settings(self.settings)
        self.max_queue_size = self.settings.max_queue_size
        self.clock = clock
        self.writer = GroupCommitWriter(database.write_engine, listener)
        self.journal = ProgressJournal(self.writer, clock)
        self._waiting = 0
        self._waiting_checked = -1e18
        self.enqueued_generation = 0  # bumped whenever jobs become claimable
        # (generation, next due time) of the last claim that took every due job; see
        # queue_emptied.
        self._emptied: tuple[int, float] | None = None
        self._waiting = self.count([S.QUEUED, S.RETRYING])
        self._waiting_checked = time.monotonic()

    @property
    def waiting_estimate(self) -> int:
        """Waiting jobs as the writer last counted them (no query; may lag other processes)."""
        return self._waiting

    @property
    def queue_emptied(self) -> bool:
        """True while a claim now would find nothing: the last claim took every due job,
        nothing became claimable since, and the earliest job it left (a retry waiting
        out its backoff) is not yet due.

        Answered without a query or a transaction, and safely so: every change that makes
        a job claimable goes through :meth:`_grew` inside the writer, which serialises it
        with claims; the clock is the only other way, and the claim noted when it next
        turns a job due. Only this process's engine writes the queue (EngineLock).
        """
        emptied = self._emptied
        return (
            emptied is not None
            and emptied[0] == self.enqueued_generation
            and self.clock() < emptied[1]
        )

    @property
    def last_claim_took_all(self) -> bool:
        """Whether the last claim took every job that was due when it committed (work
        arriving since is not counted: this says the engine keeps up with the arrivals)."""
        return self._emptied is not None

    def next_due_in(self) -> float:
        """Seconds until the earliest job the last emptying claim left becomes due
        (infinite when it left none, or when nothing is known)."""
        emptied = self._emptied
        return math.inf if emptied is None else emptied[1] - self.clock()

    def _grew(self, number: int) -> None:
        self._waiting += number
        self.enqueued_generation += 1

    def close(self) -> None:
        self.writer.close()

    def set_listener(self, listener: Callable[[list[Any]], None] | None) -> None:
        self.writer.set_listener(listener)

    # ------------------------------------------------------------------ submitting

    def submit(
        self,
        file_path: str,
        priority: ProcessingPriority = ProcessingPriority.NORMAL,
        metadata: Mapping[str, Any] | None = None,
        *,
        max_retries: int | None = None,
        idempotency_key: str | None = None,
        batch_id: str | None = None,
    ) -> ProcessingJob:
        """Enqueue one document and return the job once it is committed."""
        item = Submission(file_path, priority, metadata or {}, max_retries, idempotency_key)
        return self.writer.call(self._insert_operation([item], batch_id))[0]

    def submit_many(
        self,
        items: Iterable[Submission],
        *,
        batch_id: str | None = None,
        new_ids: set[str] | None = None,
        whole_keys: bool = False,
    ) -> list[ProcessingJob]:
        """Enqueue many documents in one transaction (all or none).

        A keyed item whose key names a job already gets that job. ``new_ids``, when given,
        is filled with the ids of the jobs this call created (the others existed). With
        ``whole_keys`` the keys stand for one request: either none of them names a job
        yet or all do; anything in between raises :class:`IdempotencyConflictError` and
        queues nothing.
        """
        return self.writer.call(self._insert_operation(list(items), batch_id, new_ids, whole_keys))

    def submit_many_async(
        self, items: Iterable[Submission], *, batch_id: str | None = None
    ) -> Future[list[ProcessingJob]]:
        """Like :meth:`submit_many`, but returns at once; the future holds the jobs."""
        return self.writer.submit(self._insert_operation(list(items), batch_id))

    def _insert_operation(
        self,
        items: list[Submission],
        batch_id: str | None,
        new_ids: set[str] | None = None,
        whole_keys: bool = False,
    ) -> Callable[[Connection, WriteBatch], list[ProcessingJob]]:
        now = self.clock()
        prepared = []
        for item in items:
            priority = ProcessingPriority.parse(item.priority)
            size, file_type = _file_facts(item.file_path, item.file_size)
            prepared.append((item, priority, size, file_type))

        created = to_datetime(now)
        metadata_json = [json.dumps(item.metadata) if item.metadata else "{}" for item in items]

        def operation(connection: Connection, batch: WriteBatch) -> list[ProcessingJob]:
            # Each input ends as a job, in input order: an existing job for a known
            # idempotency key, the same new job for a key repeated within this call, or
            # a new job.
            results: list[ProcessingJob | int] = []  # a job, or an index into `created`
            fresh: list[tuple[Submission, ProcessingPriority, int | None, str, str]] = []
            keyed: dict[str, int] = {}  # key -> index into `fresh`
            known = 0  # keys that name a job already
            for index, (item, priority, size, file_type) in enumerate(prepared):
                idempotency = item.idempotency_key
                if idempotency and idempotency in keyed:
                    results.append(keyed[idempotency])
                    continue
                if idempotency:
                    existing = connection.exec_driver_sql(
                        f"SELECT {JOB_COLUMNS} FROM jobs WHERE idempotency_key = ?",
                        (idempotency,),
                    ).first()
                    if existing is not None:
                        results.append(row_to_job(existing))
                        known += 1
                        continue
                    keyed[idempotency] = len(fresh)
                results.append(len(fresh))
                fresh.append((item, priority, size, file_type, metadata_json[index]))
            if whole_keys and known and keyed:
                raise IdempotencyConflictError(
                    f"{known} of these idempotency keys name jobs already, {len(keyed)} not"
                )
            self._check_room(connection, len(fresh))
            next_seq = (connection.exec_driver_sql("SELECT max(seq) FROM jobs").scalar() or 0) + 1
            rows = []
            created_jobs: list[ProcessingJob] = []
            for offset, (item, priority, size, file_type, meta) in enumerate(fresh):
                job = ProcessingJob(
                    job_id=new_job_id(),
                    file_path=item.file_path,
                    priority=priority,
                    created_at=created,
                    max_retries=self.settings.max_retries
                    if item.max_retries is None
                    else item.max_retries,
                    metadata=dict(item.metadata),
                    file_size=size,
                    file_type=file_type,
                    batch_id=batch_id,
                )
                # A microsecond per place in the batch keeps keys distinct (FIFO either
                # way), so moving a job up or down is a plain swap of two keys.
                key = self.policy.sort_key(now, priority, file_type=file_type, file_size=size)
                key += offset * 1e-6
                rows.append(
                    (
                        next_seq + offset,
                        job.job_id,
                        job.file_path,
                        size,
                        file_type,
                        int(priority),
                        key,
                        now,
                        now,
                        job.max_retries,
                        meta,
                        batch_id,
                        item.idempotency_key,
                    )
                )
                created_jobs.append(job)
                batch.emit(JobChange.of_job("submitted", job, S.QUEUED, now))
            if rows:
                connection.exec_driver_sql(_INSERT_JOB, rows)
                self._grew(len(rows))
            if new_ids is not None:  # (cleared first: the writer may run this again)
                new_ids.clear()
                new_ids.update(job.job_id for job in created_jobs)
            return [
                created_jobs[result] if isinstance(result, int) else result for result in results
            ]

        return operation

    def _check_room(self, connection: Connection, requested: int) -> None:
        now = time.monotonic()
        if now - self._waiting_checked > REFRESH_WAITING_EVERY_S:
            # Another process (the CLI, say) may have changed the queue; recount now and then.
            self._waiting = connection.exec_driver_sql(
                f"SELECT count(*) FROM jobs INDEXED BY ix_jobs_waiting_created WHERE {WAITING_SQL}"
            ).scalar_one()
            self._waiting_checked = now
        if requested and self._waiting + requested > self.max_queue_size:
            raise QueueFullError(self.max_queue_size, self._waiting, requested)

    # ------------------------------------------------------------------ claiming

    def claim(self, limit: int, worker: str = "") -> list[ClaimedJob]:
        """Atomically take up to ``limit`` due jobs in effective-priority order."""
        claimed, emptied = self.writer.call(self._claim_operation(limit, worker))
        self._emptied = emptied  # only once committed: a claim rolled back took nothing
        return claimed

    def _claim_operation(
        self, limit: int, worker: str
    ) -> Callable[[Connection, WriteBatch], tuple[list[ClaimedJob], tuple[int, float] | None]]:
        def operation(
            connection: Connection, batch: WriteBatch
        ) -> tuple[list[ClaimedJob], tuple[int, float] | None]:
            now = self.clock()
            rows = connection.exec_driver_sql(
                "UPDATE jobs SET status = 'PROCESSING', started_at = ?, updated_at = ?, "
                "attempts = attempts + 1, claimed_by = ?, error_category = NULL, "
                "error_message = NULL WHERE seq IN (SELECT seq FROM jobs "
                f"INDEXED BY ix_jobs_waiting WHERE {WAITING_SQL} AND not_before <= ? "
                "ORDER BY sort_key, seq LIMIT ?) "
                f"RETURNING {JOB_COLUMNS}",
                (now, now, worker, now, limit),
            ).all()
            rows.sort(key=lambda row: (row[22], row[0]))
            claimed = []
            for row in rows:
                job = _running_job(row)
                steps = loads_json(row[12], [])
                checkpoints: dict[str, dict[str, Any]] = {}
                if steps:
                    for step, output in connection.exec_driver_sql(
                        "SELECT step, output FROM job_checkpoints WHERE job_seq = ?", (row[0],)
                    ):
                        checkpoints[step] = json.loads(output)
                claimed.append(ClaimedJob(row[0], job, checkpoints, steps))
                batch.emit(JobChange.of_job("started", job, S.PROCESSING, now, done=tuple(steps)))
            if rows:
                connection.exec_driver_sql(
                    _INSERT_EVENT,
                    [
                        (row[0], now, "started", S.PROCESSING.value, f"attempt {row[13]}", None)
                        for row in rows
                    ],
                )
                self._waiting = max(0, self._waiting - len(rows))
            # Did it take every due job? Then the engine need not claim again until
            # something becomes claimable or the earliest job left is due (queue_emptied).
            if len(rows) == limit and connection.exec_driver_sql(_ANY_DUE, (now,)).all():
                return claimed, None
            due = connection.exec_driver_sql(_NEXT_DUE).scalar()
            return claimed, (self.enqueued_generation, math.inf if due is None else due)

        return operation

    # ------------------------------------------------------------------ running jobs

    def record_step(
        self,
        claimed: ClaimedJob,
        status: ProcessingStatus,
        step: str,
        progress: float,
        steps_completed: Sequence[str],
        *,
        checkpoint: tuple[str, Mapping[str, Any]] | None = None,
    ) -> None:
        """Record that ``step`` started; ``checkpoint`` saves the previous step's output.

        Returns at once; the change is committed (and then reported) with the next group.
        """
        self.journal.step(
            claimed.seq, claimed.job, status, step, progress, steps_completed, checkpoint
        )

    def complete(
        self,
        claimed: ClaimedJob,
        result: Mapping[str, Any],
        steps_completed: Sequence[str],
        *,
        drop_checkpoints: bool = True,
    ) -> None:
        """Mark a running job completed with its result (returns at once, like record_step)."""
        self.journal.complete(claimed.seq, claimed.job, result, steps_completed, drop_checkpoints)

    def fail(
        self,
        claimed: ClaimedJob,
        category: ErrorCategory,
        message: str,
        *,
        retry: bool | None = None,
    ) -> Future[ProcessingStatus]:
        """Record a failed attempt: schedule a retry (backoff) or fail for good.

        ``retry`` defaults to whether the category is retryable; retries stop once the
        job has used ``max_retries``. The future holds the status the job ended in.
        """
        job = claimed.job
        wants_retry = category.retryable if retry is None else retry

        def operation(connection: Connection, batch: WriteBatch) -> ProcessingStatus:
            now = self.clock()
            row = connection.exec_driver_sql(
                "SELECT retry_count, max_retries, priority, created_at, status FROM jobs "
                "WHERE seq = ?",
                (claimed.seq,),
            ).one()
            retry_count, max_retries, priority, _created, current = row
            if current in (S.CANCELLED.value, S.COMPLETED.value):
                return ProcessingStatus(current)
            if category is ErrorCategory.CANCELLED:
                status = S.CANCELLED
            elif wants_retry and retry_count < max_retries:
                status = S.RETRYING
            else:
                status = S.FAILED
            if status is S.RETRYING:
                delay = self.policy.retry_delay(retry_count + 1)
                key = self.policy.sort_key(
                    now,
                    priority,
                    failures=retry_count + 1,
                    is_retry=True,
                    file_type=job.file_type,
                    file_size=job.file_size,
                )
                connection.exec_driver_sql(
                    "UPDATE jobs SET status = 'RETRYING', retry_count = retry_count + 1, "
                    "not_before = ?, sort_key = ?, error_category = ?, error_message = ?, "
                    "current_step = '', updated_at = ?, claimed_by = NULL WHERE seq = ?",
                    (now + delay, key, category.value, message, now, claimed.seq),
                )
                self._grew(1)
                event_message = (
                    f"{message} (retry {retry_count + 1} of {max_retries} in {delay:.1f} s)"
                )
                kind = "retry_scheduled"
            else:
                connection.exec_driver_sql(
                    "UPDATE jobs SET status = ?, completed_at = ?, updated_at = ?, "
                    "error_category = ?, error_message = ?, claimed_by = NULL WHERE seq = ?",
                    (status.value, now, now, category.value, message, claimed.seq),
                )
                event_message = message
                kind = "cancelled" if status is S.CANCELLED else "failed"
            connection.exec_driver_sql(
                _INSERT_EVENT,
                (
                    claimed.seq,
                    now,
                    kind,
                    status.value,
                    event_message,
                    json.dumps({"category": category.value}),
                ),
            )
            batch.emit(
                JobChange.of_job(
                    kind,
                    job,
                    status,
                    now,
                    progress=0.0,
                    message=event_message,
                    category=category,
                    priority=int(priority),
                )
            )
            return status

        return self.writer.submit(operation)

    def requeue(self, claimed: Sequence[ClaimedJob], reason: str = "shutdown") -> None:
        """Put claimed jobs back in the queue without counting the attempt (shutdown)."""
        if not claimed:
            return

        def operation(connection: Connection, batch: WriteBatch) -> None:
            now = self.clock()
            for item in claimed:
                connection.exec_driver_sql(
                    "UPDATE jobs SET status = 'QUEUED', attempts = max(attempts - 1, 0), "
                    "current_step = '', claimed_by = NULL, updated_at = ? WHERE seq = ? "
                    f"AND {RUNNING_SQL}",
                    (now, item.seq),
                )
                connection.exec_driver_sql(
                    _INSERT_EVENT, (item.seq, now, "requeued", S.QUEUED.value, reason, None)
                )
                batch.emit(JobChange.of_job("requeued", item.job, S.QUEUED, now, message=reason))
            self._grew(len(claimed))

        self.writer.call(operation)

    def recover_interrupted(self) -> RecoveryReport:
        """After a crash: running jobs go back to the queue (attempt counted) or fail.

        Claiming counted the attempt already; a job whose attempts exceed its retry
        budget fails with category ``internal`` instead of crashing the app forever.
        """

        def operation(connection: Connection, batch: WriteBatch) -> RecoveryReport:
            now = self.clock()
            report = RecoveryReport()
            rows = connection.exec_driver_sql(
                f"SELECT {JOB_COLUMNS} FROM jobs WHERE {RUNNING_SQL}"
            ).all()
            for row in rows:
                job = row_to_job(row)
                if job.attempts > job.max_retries:
                    message = f"interrupted {job.attempts} times (the app stopped while it ran)"
                    connection.exec_driver_sql(
                        "UPDATE jobs SET status = 'FAILED', completed_at = ?, updated_at = ?, "
                        "error_category = 'internal', error_message = ?, claimed_by = NULL "
                        "WHERE seq = ?",
                        (now, now, message, row[0]),
                    )
                    status = S.FAILED
                    report.failed.append(job.job_id)
                else:
                    message = f"resumed after an interruption (attempt {job.attempts} counted)"
                    connection.exec_driver_sql(
                        "UPDATE jobs SET status = 'QUEUED', current_step = '', "
                        "claimed_by = NULL, updated_at = ? WHERE seq = ?",
                        (now, row[0]),
                    )
                    status = S.QUEUED
                    report.requeued.append(job.job_id)
                connection.exec_driver_sql(
                    _INSERT_EVENT, (row[0], now, "recovered", status.value, message, None)
                )
                batch.emit(JobChange.of_job("recovered", job, status, now, message=message))
            self._grew(len(report.requeued))
            return report

        return self.writer.call(operation)

    # ------------------------------------------------------------------ user actions

    def cancel_waiting(self, job_id: str) -> ProcessingStatus:
        """Cancel a job that has not started. Returns the status it had *before*: a waiting
        status means it is cancelled now; any other status means nothing changed."""

        def operation(connection: Connection, batch: WriteBatch) -> ProcessingStatus:
            row = find_row(connection, job_id)
            status = ProcessingStatus(row[6])
            if not status.is_waiting:
                return status
            now = self.clock()
            connection.exec_driver_sql(
                "UPDATE jobs SET status = 'CANCELLED', completed_at = ?, updated_at = ?, "
                "error_category = 'cancelled', error_message = 'cancelled by the user' "
                "WHERE seq = ?",
                (now, now, row[0]),
            )
            connection.exec_driver_sql(
                _INSERT_EVENT,
                (row[0], now, "cancelled", S.CANCELLED.value, "cancelled by the user", None),
            )
            self._waiting = max(0, self._waiting - 1)
            batch.emit(
                JobChange.of_job(
                    "cancelled",
                    row_to_job(row),
                    S.CANCELLED,
                    now,
                    message="cancelled by the user",
                    category=ErrorCategory.CANCELLED,
                )
            )
            return status

        return self.writer.call(operation)

    def retry(self, job_id: str) -> ProcessingJob:
        """Manual retry of a failed or cancelled job: back in the queue with a fresh budget."""

        def operation(connection: Connection, batch: WriteBatch) -> ProcessingJob:
            row = find_row(connection, job_id)
            status = ProcessingStatus(row[6])
            if status not in (S.FAILED, S.CANCELLED):
                raise InvalidTransitionError(
                    f"job {job_id} is {status.value}; only FAILED or CANCELLED jobs can be retried"
                )
            self._check_room(connection, 1)
            now = self.clock()
            job = row_to_job(row)
            key = self.policy.sort_key(
                now, job.priority, is_retry=True, file_type=job.file_type, file_size=job.file_size
            )
            connection.exec_driver_sql(
                "UPDATE jobs SET status = 'QUEUED', retry_count = 0, not_before = 0, "
                "sort_key = ?, completed_at = NULL, error_category = NULL, "
                "error_message = NULL, progress = 0, current_step = '', steps_completed = '[]', "
                "updated_at = ? WHERE seq = ?",
                (key, now, row[0]),
            )
            connection.exec_driver_sql(
                _INSERT_EVENT, (row[0], now, "manual_retry", S.QUEUED.value, None, None)
            )
            self._grew(1)
            job.status, job.retry_count, job.error_category, job.error_message = (
                S.QUEUED,
                0,
                None,
                None,
            )
            job.completed_at, job.progress, job.result = None, 0.0, None
            batch.emit(JobChange.of_job("retried", job, S.QUEUED, now))
            return job

        return self.writer.call(operation)

    def set_priority(self, job_id: str, priority: ProcessingPriority) -> ProcessingJob:
        """Change a job's priority; a waiting job moves to its new place in the queue, any
        other runs at it when retried. A completed job never runs again: refused."""
        priority = ProcessingPriority.parse(priority)

        def operation(connection: Connection, batch: WriteBatch) -> ProcessingJob:
            row = find_row(connection, job_id)
            job = row_to_job(row)
            if job.status is ProcessingStatus.COMPLETED:
                raise InvalidTransitionError(
                    f"job {job_id} is COMPLETED and will not run again; its priority stays"
                )
            now = self.clock()
            created = row[7]
            key = self.policy.sort_key(
                created,
                priority,
                failures=job.retry_count,
                file_type=job.file_type,
                file_size=job.file_size,
            )
            connection.exec_driver_sql(
                "UPDATE jobs SET priority = ?, sort_key = ?, updated_at = ? WHERE seq = ?",
                (int(priority), key, now, row[0]),
            )
            connection.exec_driver_sql(
                _INSERT_EVENT,
                (row[0], now, "priority_changed", job.status.value, priority.name, None),
            )
            job.priority = priority
            batch.emit(JobChange.of_job("priority_changed", job, job.status, now))
            return job

        return self.writer.call(operation)

    def move_to_edge(self, job_id: str, *, top: bool) -> ProcessingJob:
        """Move a waiting job ahead of (or behind) every other waiting job."""

        def place(connection: Connection, seq: int, key: float) -> list[tuple[float, int]]:
            edge = connection.exec_driver_sql(
                f"SELECT {'min' if top else 'max'}(sort_key) FROM jobs INDEXED BY ix_jobs_waiting "
                f"WHERE {WAITING_SQL}"
            ).scalar_one()
            return [(edge - 1.0 if top else edge + 1.0, seq)]

        return self._move(job_id, "top" if top else "bottom", place)

    def move_by_one(self, job_id: str, *, up: bool) -> ProcessingJob:
        """Swap a waiting job with its neighbour in the queue order (up = earlier)."""

        def place(connection: Connection, seq: int, key: float) -> list[tuple[float, int]]:
            comparison, order = ("<", "DESC") if up else (">", "ASC")
            neighbour = connection.exec_driver_sql(
                f"SELECT seq, sort_key FROM jobs INDEXED BY ix_jobs_waiting WHERE {WAITING_SQL} "
                f"AND (sort_key, seq) {comparison} (?, ?) "
                f"ORDER BY sort_key {order}, seq {order} LIMIT 1",
                (key, seq),
            ).first()
            if neighbour is None:
                return []  # already first (or last)
            other_seq, other_key = neighbour
            if other_key == key:  # a tie is ordered by seq, which cannot change
                other_key = key + (-1e-3 if up else 1e-3)
            return [(other_key, seq), (key, other_seq)]

        return self._move(job_id, "up" if up else "down", place)

    def _move(
        self,
        job_id: str,
        how: str,
        place: Callable[[Connection, int, float], list[tuple[float, int]]],
    ) -> ProcessingJob:
        """Give a waiting job (and whatever ``place`` swaps it with) new sort keys."""

        def operation(connection: Connection, batch: WriteBatch) -> ProcessingJob:
            row = find_row(connection, job_id)
            job = row_to_job(row)
            if not job.status.is_waiting:
                raise InvalidTransitionError(f"job {job_id} is {job.status.value}, not waiting")
            new_keys = place(connection, row[0], row[22])
            if not new_keys:
                return job
            now = self.clock()
            connection.exec_driver_sql(
                "UPDATE jobs SET sort_key = ?, updated_at = ? WHERE seq = ?",
                [(key, now, seq) for key, seq in new_keys],
            )
            connection.exec_driver_sql(
                _INSERT_EVENT, (row[0], now, "moved", job.status.value, how, None)
            )
            batch.emit(JobChange.of_job("moved", job, job.status, now))
            return job

        return self.writer.call(operation)

    def prune_history(self, older_than_days: float | None = None) -> int:
        """Delete finished jobs (and their events) completed before the cut-off."""
        days = self.settings.history_retention_days if older_than_days is None else older_than_days
        cutoff = self.clock() - days * 86400

        def operation(connection: Connection, batch: WriteBatch) -> int:
            result = connection.exec_driver_sql(
                "DELETE FROM jobs WHERE status IN ('COMPLETED', 'FAILED', 'CANCELLED') "
                "AND completed_at < ?",
                (cutoff,),
            )
            return int(result.rowcount or 0)

        return self.writer.call(operation)

    def remove(self, job_ids: Sequence[str]) -> int:
        """Remove finished jobs from the history (running or waiting jobs are kept)."""

        def operation(connection: Connection, batch: WriteBatch) -> int:
            removed = 0
            for job_id in job_ids:
                result = connection.exec_driver_sql(
                    "DELETE FROM jobs WHERE job_id = ? AND status IN "
                    "('COMPLETED', 'FAILED', 'CANCELLED')",
                    (job_id,),
                )
                removed += int(result.rowcount or 0)
            return removed

        return self.writer.call(operation)

    # ------------------------------------------------------------------ helpers
