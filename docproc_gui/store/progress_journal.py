"""The progress journal: step transitions and completions of running jobs, written in bulk.

Running jobs report far more often than anything else writes (a four-step pipeline makes
six state changes per job). Instead of one write operation each, reports are appended
to this journal, and one writer operation flushes everything appended so far: one
``executemany`` per statement kind, and only the latest row state per job. Every change
still gets its own event-log row and is reported only after its commit.

Ordering: a job's entries are flushed in the order they were appended, and the flush
operation is queued on the writer before any later operation of the same worker (such as
``fail``), so the journal never reorders a job's history.
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from docproc_gui.domain import ProcessingStatus
from docproc_gui.store.job_change import JobChange
from docproc_gui.store.writer import GroupCommitWriter, WriteBatch, WriterConnection

S = ProcessingStatus
_STEP = 0
_DONE = 1
_INSERT_EVENT = (
    "INSERT INTO job_events (job_seq, at, kind, status, message, data) VALUES (?, ?, ?, ?, ?, ?)"
)
_UPDATE_STEP = (
    "UPDATE jobs SET status = ?, current_step = ?, progress = ?, steps_completed = ?, "
    "updated_at = ? WHERE seq = ?"
)
_UPDATE_DONE = (
    "UPDATE jobs SET status = 'COMPLETED', progress = 1.0, current_step = '', "
    "steps_completed = ?, completed_at = ?, updated_at = ?, result = ?, error_category = NULL, "
    "error_message = NULL, claimed_by = NULL WHERE seq = ?"
)
# The same two updates for many jobs in one statement each; see
# WriterConnection.update_rows for why that matters.
_UPDATE_STEP_MANY = (
    "UPDATE jobs SET status = v.column1, current_step = v.column2, progress = v.column3, "
    "steps_completed = v.column4, updated_at = v.column5 FROM (VALUES {values}) AS v "
    "WHERE jobs.seq = v.column6"
)
_UPDATE_DONE_MANY = (
    "UPDATE jobs SET status = 'COMPLETED', progress = 1.0, current_step = '', "
    "steps_completed = v.column1, completed_at = v.column2, updated_at = v.column3, "
    "result = v.column4, error_category = NULL, error_message = NULL, claimed_by = NULL "
    "FROM (VALUES {values}) AS v WHERE jobs.seq = v.column5"
)
_SAVE_CHECKPOINT = (
    "INSERT OR REPLACE INTO job_checkpoints (job_seq, step, at, output) VALUES (?, ?, ?, ?)"
)
_DROP_CHECKPOINTS = "DELETE FROM job_checkpoints WHERE job_seq = ?"

_encoded_steps: dict[tuple[str, ...], str] = {}


def encode_steps(steps: Sequence[str]) -> str:
    """JSON of a step list, cached: there are only a handful of distinct lists."""
    key = tuple(steps)
    text = _encoded_steps.get(key)
    if text is None:
        text = _encoded_steps[key] = json.dumps(list(key))
    return text


class ProgressJournal:
    """Collects step and completion reports; flushes them as one writer operation."""

    def __init__(
        self,
        writer: GroupCommitWriter,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._writer = writer
        self._clock = clock
        self._entries: deque[tuple[Any, ...]] = deque()
        self._lock = threading.Lock()
        self._flush_queued = False

    def step(
        self,
        seq: int,
        job: Any,
        status: ProcessingStatus,
        step: str,
        progress: float,
        steps_completed: Sequence[str],
        checkpoint: tuple[str, Mapping[str, Any]] | None,
    ) -> None:
        self._append(
            (
                _STEP,
                seq,
                job,
                status,
                step,
                progress,
                tuple(steps_completed),
                checkpoint,
                self._clock(),
            )
        )

    def complete(
        self,
        seq: int,
        job: Any,
        result: Mapping[str, Any],
        steps_completed: Sequence[str],
        drop_checkpoints: bool,
    ) -> None:
        payload = json.dumps(result) if result else "{}"
        self._append(
            (
                _DONE,
                seq,
                job,
                payload,
                tuple(steps_completed),
                drop_checkpoints,
                self._clock(),
                result,
            )
        )

    def _append(self, entry: tuple[Any, ...]) -> None:
        with self._lock:
            self._entries.append(entry)
            if self._flush_queued:
                return
            self._flush_queued = True
        self._writer.post(self._flush)

    def _flush(self, connection: WriterConnection, batch: WriteBatch) -> None:
        with self._lock:
            entries = list(self._entries)
            self._entries.clear()
            self._flush_queued = False
        events: list[tuple[Any, ...]] = []
        steps_of: dict[int, list[list[Any]]] = {}  # seq -> [[status, step, at], ...]
        latest_step: dict[int, tuple[Any, ...]] = {}
        completed: list[tuple[Any, ...]] = []
        checkpoints: list[tuple[Any, ...]] = []
        dropped: list[tuple[int]] = []
        for entry in entries:
            if entry[0] == _STEP:
                _kind, seq, job, status, step, progress, done, checkpoint, at = entry
                latest_step[seq] = (status.value, step, progress, encode_steps(done), at, seq)
                steps_of.setdefault(seq, []).append([status.value, step, at])
                if checkpoint is not None:
                    checkpoints.append((seq, checkpoint[0], at, json.dumps(checkpoint[1])))
                batch.emit(
                    JobChange.of_job(
                        "step", job, status, at, progress=progress, step=step, done=done
                    )
                )
            else:
                _kind, seq, job, payload, done, drop, at, result = entry
                latest_step.pop(seq, None)
                completed.append((encode_steps(done), at, at, payload, seq))
                events.append((seq, at, "completed", S.COMPLETED.value, None, None))
                if drop:
                    dropped.append((seq,))
                batch.emit(
                    JobChange.of_job(
                        "completed", job, S.COMPLETED, at, progress=1.0, done=done, result=result
                    )
                )
        # One event-log row per job for all the steps it began in this flush (the log
        # would otherwise be mostly step rows); JobStore.events() lists them one by one.
        # They go first: a job's steps in this flush all came before its completion.
        events[:0] = [
            (seq, steps[0][2], "steps", steps[-1][0], None, json.dumps(steps))
            for seq, steps in steps_of.items()
        ]
        if checkpoints:
            connection.exec_driver_sql(_SAVE_CHECKPOINT, checkpoints)
        if latest_step:
            connection.update_rows(_UPDATE_STEP_MANY, _UPDATE_STEP, list(latest_step.values()))
        if completed:
            connection.update_rows(_UPDATE_DONE_MANY, _UPDATE_DONE, completed)
        if dropped:
            connection.exec_driver_sql(_DROP_CHECKPOINTS, dropped)
        connection.exec_driver_sql(_INSERT_EVENT, events)
