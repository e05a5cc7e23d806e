"""How the commands show jobs as text: file names, one job, the outcome of a wait."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MAX_LISTED = 20  # `submit --wait` lists every job up to this many, only the failed beyond


def shown_path(file_path: str, metadata: Mapping[str, Any] | None) -> str:
    """The file a job is about as its submitter knows it.

    An uploaded file is stored under a made-up name; the name it was sent with is in
    the job's ``metadata.upload_filename``, shown as ``"report.odt (upload)"``.
    """
    name = (metadata or {}).get("upload_filename")
    return f"{name} (upload)" if isinstance(name, str) and name else file_path


def duration(seconds: float) -> str:
    """A short human duration: ``"12 ms"``, ``"3.4 s"``, ``"5 min"``, ``"1.2 h"``."""
    if seconds < 0.0995:
        return f"{max(seconds, 0.0) * 1000:.0f} ms"
    if seconds < 60:
        return f"{seconds:.1f} s"
    if seconds < 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def job_line(job: Mapping[str, Any]) -> str:
    """``<job id>  <STATUS> [category] <file>: <error>`` for one job (an API job dict)."""
    category = f" [{job['error_category']}]" if job.get("error_category") else ""
    reason = f": {job['error_message']}" if job.get("error_message") else ""
    name = shown_path(job["file_path"], job.get("metadata"))
    return f"  {job['job_id']}  {job['status']}{category} {name}{reason}"


def print_outcome(jobs: list[dict[str, Any]], batch_id: str | None = None) -> None:
    """What ``submit --wait`` prints when every job has finished.

    Up to :data:`MAX_LISTED` jobs, a line each (so every job id is shown); beyond that
    only the jobs that did not complete, and the batch the others belong to.
    """
    done = sum(job["status"] == "COMPLETED" for job in jobs)
    listed = len(jobs) <= MAX_LISTED
    for job in jobs:
        if listed or job["status"] != "COMPLETED":
            print(job_line(job))
    summary = f"{done} of {len(jobs)} completed" + (
        "" if done == len(jobs) else f", {len(jobs) - done} not"
    )
    if not listed and batch_id:
        summary += f" (batch {batch_id}; --json lists every job)"
    print(summary)


def print_job(job: Mapping[str, Any]) -> None:
    """``docproc status JOB``: the job's fields, one per line, empty ones left out."""
    print(f"job {job['job_id']}")
    name = shown_path(job["file_path"], job.get("metadata"))
    rows = [
        ("file", name),
        ("stored as", job["file_path"] if name != job["file_path"] else None),
        ("status", job["status"] + (f" — {job['current_step']}" if job["current_step"] else "")),
        ("progress", f"{job['progress']:.0%}"),
        ("priority", job["priority"]),
        ("attempts", f"{job['attempts']} (retries {job['retry_count']} of {job['max_retries']})"),
        ("created", job["created_at"]),
        ("started", job["started_at"]),
        ("finished", job["completed_at"]),
        ("took", duration(job["duration"]) if job["duration"] is not None else None),
        ("batch", job["batch_id"]),
        (
            "error",
            f"[{job['error_category']}] {job['error_message']}" if job["error_message"] else None,
        ),
    ]
    for label, value in rows:
        if value:
            print(f"  {label:<9} {value}")
