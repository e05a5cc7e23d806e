"""Health: healthy / degraded / unhealthy with alerts, computed once for window and API.

Inputs are a statistics snapshot and a few live facts (free disk space, jobs running past
their timeout, queue size limit); thresholds come from :class:`~docproc_gui.config.Settings`.
The JSON shape is the original design's: ``status, total_jobs, queued_jobs,
processing_jobs, failed_jobs, oldest_job_age, alerts[{level, message}]``.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from docproc_gui.config import Settings
from docproc_gui.store.statistics import QueueStatistics

HEALTHY, DEGRADED, UNHEALTHY = "healthy", "degraded", "unhealthy"
WARNING, CRITICAL = "warning", "critical"
MIN_FINISHED_FOR_RATE = 5  # a failure rate over 2 jobs says nothing


@dataclass(slots=True)
class Alert:
    level: str
    message: str
    code: str = ""

    def to_dict(self) -> dict[str, str]:
        return {"level": self.level, "message": self.message, "code": self.code}


@dataclass(slots=True)
class HealthReport:
    status: str
    total_jobs: int
    queued_jobs: int
    processing_jobs: int
    failed_jobs: int
    oldest_job_age: float
    alerts: list[Alert] = field(default_factory=list)
    disk_free_mb: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "status": self.status,
            "total_jobs": self.total_jobs,
            "queued_jobs": self.queued_jobs,
            "processing_jobs": self.processing_jobs,
            "failed_jobs": self.failed_jobs,
            "oldest_job_age": round(self.oldest_job_age, 1),
            "alerts": [alert.to_dict() for alert in self.alerts],
            "disk_free_mb": None if self.disk_free_mb is None else round(self.disk_free_mb, 1),
        }


def free_disk_mb(path: Path) -> float | None:
    try:
        return shutil.disk_usage(path).free / (1024 * 1024)
    except OSError:
        return None


def assess_health(
    stats: QueueStatistics,
    settings: Settings,
    *,
    disk_free_mb: float | None,
    stuck_jobs: int = 0,
) -> HealthReport:
    """Turn a statistics snapshot into a health verdict with its reasons."""
    alerts: list[Alert] = []
    rate = stats.recent_failure_rate
    finished = stats.recent_completed + stats.recent_failed
    if rate is not None and finished >= MIN_FINISHED_FOR_RATE:
        percent = f"{rate:.0%}"
        if rate >= settings.failure_rate_critical:
            alerts.append(
                Alert(
                    CRITICAL,
                    f"High failure rate: {percent} in the last "
                    f"{settings.health_window_minutes:g} min",
                    "failure_rate",
                )
            )
        elif rate >= settings.failure_rate_warning:
            alerts.append(
                Alert(
                    WARNING,
                    f"High failure rate: {percent} in the last "
                    f"{settings.health_window_minutes:g} min",
                    "failure_rate",
                )
            )
    age = stats.oldest_queued_age
    if age >= settings.oldest_queued_critical_seconds:
        alerts.append(
            Alert(CRITICAL, f"Oldest queued job has waited {age / 60:.0f} min", "queue_age")
        )
    elif age >= settings.oldest_queued_warning_seconds:
        alerts.append(
            Alert(WARNING, f"Oldest queued job has waited {age / 60:.0f} min", "queue_age")
        )
    if stuck_jobs:
        alerts.append(Alert(WARNING, f"{stuck_jobs} job(s) running past the job timeout", "stuck"))
    if disk_free_mb is not None:
        if disk_free_mb < settings.disk_free_critical_mb:
            alerts.append(Alert(CRITICAL, f"Disk almost full: {disk_free_mb:.0f} MB free", "disk"))
        elif disk_free_mb < settings.disk_free_warning_mb:
            alerts.append(Alert(WARNING, f"Low disk space: {disk_free_mb:.0f} MB free", "disk"))
    limit = settings.max_queue_size
    if stats.waiting_jobs >= limit:
        alerts.append(
            Alert(CRITICAL, f"Queue is full ({stats.waiting_jobs} of {limit})", "queue_full")
        )
    elif stats.waiting_jobs >= settings.queue_nearly_full_ratio * limit:
        alerts.append(
            Alert(WARNING, f"Queue nearly full ({stats.waiting_jobs} of {limit})", "queue_full")
        )
    if any(alert.level == CRITICAL for alert in alerts):
        status = UNHEALTHY
    elif alerts:
        status = DEGRADED
    else:
        status = HEALTHY
    return HealthReport(
        status=status,
        total_jobs=stats.total_jobs,
        queued_jobs=stats.waiting_jobs,
        processing_jobs=stats.running_jobs,
        failed_jobs=stats.counts.get("FAILED", 0),
        oldest_job_age=age,
        alerts=alerts,
        disk_free_mb=disk_free_mb,
    )
