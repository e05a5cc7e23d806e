"""Everything the details panel shows about one job, read in one go off the GUI thread.

Plain Python: :func:`load_details` reads the job, its event log and (for a processed
document) the knowledge base entry, a text preview and the related documents;
:func:`step_timings` turns the event log into steps with their durations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

PREVIEW_CHARS = 20_000


@dataclass(slots=True)
class StepTiming:
    name: str
    started: float
    seconds: float | None


@dataclass(slots=True)
class JobDetails:
    job: Any  # ProcessingJob
    events: list[dict[str, Any]]
    document: dict[str, Any] | None = None
    text_preview: str | None = None
    related: list[Any] = field(default_factory=list)

    @property
    def steps(self) -> list[StepTiming]:
        return step_timings(self.events)

    @property
    def problems(self) -> list[dict[str, Any]]:
        """Failed attempts, retries and cancellations with their category and message."""
        wanted = {"failed", "retry_scheduled", "cancelled", "recovered", "requeued"}
        return [event for event in self.events if event["kind"] in wanted]


def _epoch(moment: datetime | float | None) -> float | None:
    if moment is None:
        return None
    return moment.timestamp() if isinstance(moment, datetime) else float(moment)


def step_timings(events: list[dict[str, Any]]) -> list[StepTiming]:
    """Each ``step`` event starts a step; the next event of the job ends it."""
    steps: list[StepTiming] = []
    current: StepTiming | None = None
    for event in events:
        at = _epoch(event["at"]) or 0.0
        if current is not None:
            current.seconds = max(0.0, at - current.started)
            current = None
        if event["kind"] == "step":
            current = StepTiming(
                str(event.get("message") or event.get("status") or "step"), at, None
            )
            steps.append(current)
    return steps


def load_details(processor: Any, job_id: str) -> JobDetails:
    """Runs on a pool thread."""
    job = processor.get_job(job_id)
    details = JobDetails(job=job, events=processor.store.events(job_id))
    knowledge = processor.knowledge
    document_id = (job.result or {}).get("document_id")
    if knowledge is not None:
        document = None
        if document_id is not None:
            document = knowledge.get_document(int(document_id))
        if document is None:
            document = knowledge.find_by_path(job.file_path)
        if document is not None:
            details.document = document
            text = knowledge.get_text(int(document["id"]))
            details.text_preview = (text or "")[:PREVIEW_CHARS]
            details.related = knowledge.related(int(document["id"]))
    return details
