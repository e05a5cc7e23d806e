"""Reading jobs: the row format of the ``jobs`` table and every query the UI, the API
and the CLI make of it.

Queries use the reader engine (pooled connections, any thread) and never wait for the
writer: SQLite's WAL lets them read while it commits. :class:`JobQueries` is the read
half of :class:`~docproc_gui.store.job_store.JobStore`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from docproc_gui.domain import (
    RUNNING_STATUSES,
    WAITING_STATUSES,
    ErrorCategory,
    JobNotFoundError,
    ProcessingJob,
    ProcessingPriority,
    ProcessingStatus,
)
from docproc_gui.store.database import Database, select_in
from docproc_gui.store.queue_sql import COUNT_BY_STATUS_SQL, RUNNING_SQL, WAITING_SQL
from docproc_gui.store.writer import ExecutesSql

S = ProcessingStatus

JOB_COLUMNS = (
    "seq, job_id, file_path, file_size, file_type, priority, status, created_at, started_at, "
    "completed_at, progress, current_step, steps_completed, attempts, retry_count, max_retries, "
    "error_category, error_message, result, metadata, batch_id, not_before, sort_key"
)


def to_datetime(epoch: float | None) -> datetime | None:
    return datetime.fromtimestamp(epoch, UTC) if epoch is not None else None


def loads_json(text: str | None, default: Any) -> Any:
    if not text or text == "{}" or text == "[]":  # the usual case, without the parser
        return type(default)() if default is not None else default
    return json.loads(text)


def row_to_job(row: Sequence[Any]) -> ProcessingJob:
    category = row[16]
    return ProcessingJob(
        job_id=row[1],
        file_path=row[2],
        file_size=row[3],
        file_type=row[4],
        priority=ProcessingPriority(row[5]),
        status=ProcessingStatus(row[6]),
        created_at=to_datetime(row[7]),
        started_at=to_datetime(row[8]),
        completed_at=to_datetime(row[9]),
        progress=row[10],
        current_step=row[11],
        attempts=row[13],
        retry_count=row[14],
        max_retries=row[15],
        error_category=ErrorCategory(category) if category else None,
        error_message=row[17],
        result=loads_json(row[18], None),
        metadata=loads_json(row[19], {}),
        batch_id=row[20],
        next_attempt_at=to_datetime(row[21]) if row[6] == S.RETRYING else None,
    )


def find_row(connection: ExecutesSql, job_id: str) -> Sequence[Any]:
    """The job's row, or :class:`JobNotFoundError`."""
    row = connection.exec_driver_sql(
        f"SELECT {JOB_COLUMNS} FROM jobs WHERE job_id = ?", (job_id,)
    ).first()
    if row is None:
        raise JobNotFoundError(job_id)
    return row


class JobQueries:
    """Read-only access to jobs, their event log and checkpoints."""

    database: Database

    def get(self, job_id: str) -> ProcessingJob:
        with self.database.read_engine.connect() as connection:
            return row_to_job(find_row(connection, job_id))

    def unknown_ids(self, job_ids: Sequence[str], batch_ids: Sequence[str]) -> list[str]:
        """Those of the job ids, then of the batch ids, that no job in the store has."""
        unknown: list[str] = []
        with self.database.read_engine.connect() as connection:
            for column, wanted in (("job_id", job_ids), ("batch_id", batch_ids)):
                distinct = list(dict.fromkeys(wanted))
                sql = f"SELECT DISTINCT {column} FROM jobs WHERE {column} IN ({{marks}})"
                known = {row[0] for row in select_in(connection, sql, distinct)}
                unknown += [value for value in distinct if value not in known]
        return unknown

    def find_by_keys(self, keys: Sequence[str]) -> dict[str, ProcessingJob]:
        """The jobs that carry these idempotency keys, by key (absent keys left out)."""
        sql = (
            f"SELECT idempotency_key, {JOB_COLUMNS} FROM jobs WHERE idempotency_key IN ({{marks}})"
        )
        with self.database.read_engine.connect() as connection:
            rows = select_in(connection, sql, keys)
        return {row[0]: row_to_job(row[1:]) for row in rows}

    def list_jobs(
        self,
        statuses: Iterable[ProcessingStatus | str] | None = None,
        *,
        limit: int = 100,
        offset: int = 0,
        batch_id: str | None = None,
        newest_first: bool = True,
    ) -> list[ProcessingJob]:
        """Jobs filtered by status and batch, newest (or oldest) first, paged.

        Waiting and running jobs are read through their partial indexes, so listing
        what is active costs the same with 100 or 100,000 finished jobs in history.
        """
        wanted = {ProcessingStatus(s) for s in statuses} if statuses else set()
        order = "DESC" if newest_first else "ASC"
        extra, extra_params = ("AND batch_id = ?", [batch_id]) if batch_id else ("", [])
        parts, params = [], []
        if wanted and wanted <= WAITING_STATUSES | RUNNING_STATUSES:
            for group, index, predicate in (
                (WAITING_STATUSES, "ix_jobs_waiting_created", WAITING_SQL),
                (RUNNING_STATUSES, "ix_jobs_running", RUNNING_SQL),
            ):
                chosen = sorted(status.value for status in wanted & group)
                if chosen:
                    marks = ", ".join("?" * len(chosen))
                    parts.append(
                        f"SELECT {JOB_COLUMNS} FROM jobs INDEXED BY {index} WHERE {predicate} "
                        f"AND status IN ({marks}) {extra}"
                    )
                    params += [*chosen, *extra_params]
            sql = " UNION ALL ".join(parts) + f" ORDER BY seq {order} LIMIT ? OFFSET ?"
        else:
            clauses = []
            if wanted:
                clauses.append(f"status IN ({', '.join('?' * len(wanted))})")
                params += sorted(status.value for status in wanted)
            if batch_id:
                clauses.append("batch_id = ?")
                params.append(batch_id)
            where = f"WHERE {' AND '.join(clauses)}" if clauses else ""
            sql = f"SELECT {JOB_COLUMNS} FROM jobs {where} ORDER BY seq {order} LIMIT ? OFFSET ?"
        with self.database.read_engine.connect() as connection:
            rows = connection.exec_driver_sql(sql, (*params, limit, offset)).all()
        return [row_to_job(row) for row in rows]

    def count(
        self,
        statuses: Iterable[ProcessingStatus | str] | None = None,
        *,
        batch_id: str | None = None,
    ) -> int:
        """How many jobs have these statuses (all when None), within one batch if given."""
        if batch_id is not None:
            clauses, params = ["batch_id = ?"], [batch_id]
            if statuses is not None:
                wanted = [ProcessingStatus(s).value for s in statuses]
                clauses.append(f"status IN ({', '.join('?' * len(wanted))})")
                params.extend(wanted)
            with self.database.read_engine.connect() as connection:
                return int(
                    connection.exec_driver_sql(
                        f"SELECT count(*) FROM jobs WHERE {' AND '.join(clauses)}", tuple(params)
                    ).scalar_one()
                )
        counts = self.counts()
        if statuses is None:
            return sum(counts.values())
        return sum(counts.get(ProcessingStatus(s).value, 0) for s in statuses)

    def counts(self) -> dict[str, int]:
        """Number of jobs per status (every status present, zero where none)."""
        result = {status.value: 0 for status in ProcessingStatus}
        with self.database.read_engine.connect() as connection:
            for status, number in connection.exec_driver_sql(COUNT_BY_STATUS_SQL):
                result[status] = number
        return result

    def waiting_order(self, limit: int = 100) -> list[str]:
        """The ids of the next jobs to run, in the order they will be claimed."""
        with self.database.read_engine.connect() as connection:
            rows = connection.exec_driver_sql(
                f"SELECT job_id FROM jobs INDEXED BY ix_jobs_waiting WHERE {WAITING_SQL} "
                "ORDER BY sort_key, seq LIMIT ?",
                (limit,),
            ).all()
        return [row[0] for row in rows]

    def next_retry_at(self) -> float | None:
        """When the earliest job waiting out a retry backoff becomes due (epoch seconds)."""
        with self.database.read_engine.connect() as connection:
            return connection.exec_driver_sql(
                "SELECT min(not_before) FROM jobs INDEXED BY ix_jobs_waiting_created "
                f"WHERE {WAITING_SQL} AND status = 'RETRYING'"
            ).scalar()

    def events(self, job_id: str) -> list[dict[str, Any]]:
        """The job's event log, oldest first."""
        with self.database.read_engine.connect() as connection:
            seq = find_row(connection, job_id)[0]
            rows = connection.exec_driver_sql(
                "SELECT at, kind, status, message, data FROM job_events WHERE job_seq = ? "
                "ORDER BY id",
                (seq,),
            ).all()
        events: list[dict[str, Any]] = []
        for at, kind, status, message, data in rows:
            if kind == "steps":  # several step transitions stored in one row
                for step_status, step, step_at in json.loads(data):
                    events.append(
                        {
                            "at": to_datetime(step_at),
                            "kind": "step",
                            "status": step_status,
                            "message": step,
                            "data": None,
                        }
                    )
                continue
            events.append(
                {
                    "at": to_datetime(at),
                    "kind": kind,
                    "status": status,
                    "message": message,
                    "data": loads_json(data, None),
                }
            )
        return events

    def checkpoints(self, job_id: str) -> dict[str, dict[str, Any]]:
        with self.database.read_engine.connect() as connection:
            seq = find_row(connection, job_id)[0]
            rows = connection.exec_driver_sql(
                "SELECT step, output FROM job_checkpoints WHERE job_seq = ?", (seq,)
            ).all()
        return {step: json.loads(output) for step, output in rows}
