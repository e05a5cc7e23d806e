"""Deciding what deserves a notification: one summary per batch, and permanent failures.

Plain Python, fed with each flush of engine events. A batch the window is still adding
(chunk by chunk) is *open* and never summarised early; other batches (from the API or
the CLI) are complete once seen, since they are submitted in one transaction.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from docproc_gui.domain import ProcessingStatus

if TYPE_CHECKING:
    from docproc_gui.engine.events import JobEvent

S = ProcessingStatus


@dataclass(slots=True)
class Notice:
    title: str
    message: str
    job_id: str | None = None
    failure: bool = False


@dataclass(slots=True)
class _Batch:
    pending: set[str] = field(default_factory=set)
    completed: int = 0
    failed: int = 0
    cancelled: int = 0
    last_job: str | None = None
    first_failed: str | None = None


class BatchTracker:
    """Turns event flushes into notices."""

    def __init__(self) -> None:
        self._batches: dict[str, _Batch] = {}
        self._open: set[str] = set()

    def open_batch(self, batch_id: str) -> None:
        self._open.add(batch_id)

    def close_batch(self, batch_id: str) -> list[Notice]:
        self._open.discard(batch_id)
        return self._finished([batch_id])

    def feed(self, events: Sequence[JobEvent]) -> list[Notice]:
        notices: list[Notice] = []
        failures: list[JobEvent] = []
        touched: list[str] = []
        singles: list[JobEvent] = []
        for event in events:
            batch_id = event.change.batch_id
            if event.kind == "submitted":
                if batch_id:
                    self._batches.setdefault(batch_id, _Batch()).pending.add(event.job_id)
                continue
            if event.kind == "failed":
                failures.append(event)
            if event.kind not in ("completed", "failed", "cancelled"):
                continue
            batch = self._batches.get(batch_id) if batch_id else None
            if batch is None:
                if event.kind == "completed" and not batch_id:
                    singles.append(event)
                continue
            batch.pending.discard(event.job_id)
            batch.last_job = event.job_id
            if event.kind == "completed":
                batch.completed += 1
            elif event.kind == "failed":
                batch.failed += 1
                batch.first_failed = batch.first_failed or event.job_id
            else:
                batch.cancelled += 1
            touched.append(batch_id)  # type: ignore[arg-type]
        notices.extend(_failure_notices(failures))
        notices.extend(self._finished(touched))
        if singles:
            name = os.path.basename(singles[0].change.file_path)
            text = name if len(singles) == 1 else f"{name} and {len(singles) - 1} more"
            notices.append(
                Notice(
                    "Document processed"
                    if len(singles) == 1
                    else f"{len(singles)} documents processed",
                    text,
                    singles[-1].job_id,
                )
            )
        return notices

    def _finished(self, batch_ids: Sequence[str]) -> list[Notice]:
        notices = []
        for batch_id in dict.fromkeys(batch_ids):
            batch = self._batches.get(batch_id)
            if batch is None or batch.pending or batch_id in self._open:
                continue
            del self._batches[batch_id]
            total = batch.completed + batch.failed + batch.cancelled
            if not total:
                continue
            parts = [f"{batch.completed} completed"]
            if batch.failed:
                parts.append(f"{batch.failed} failed")
            if batch.cancelled:
                parts.append(f"{batch.cancelled} cancelled")
            notices.append(
                Notice(
                    f"Batch of {total} document{'s' if total != 1 else ''} done",
                    ", ".join(parts),
                    batch.first_failed or batch.last_job,
                    failure=bool(batch.failed),
                )
            )
        return notices


def _failure_notices(failures: list[JobEvent]) -> list[Notice]:
    if not failures:
        return []
    first = failures[0]
    category = first.change.error_category.value if first.change.error_category else "error"
    name = os.path.basename(first.change.file_path)
    if len(failures) == 1:
        return [
            Notice(
                f"Failed: {name}",
                f"{category}: {first.change.message or ''}",
                first.job_id,
                failure=True,
            )
        ]
    return [
        Notice(
            f"{len(failures)} jobs failed",
            f"{name} ({category}) and others",
            first.job_id,
            failure=True,
        )
    ]
