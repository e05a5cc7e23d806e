"""Queue statistics straight from SQL: counts, success rate, timings, throughput.

Nothing here scans the history: waiting and running jobs come from their partial
indexes, totals per day and status from ``job_daily_stats`` (kept exact by triggers),
and the recent window and per-minute series from a range of the covering
``(completed_at, status, started_at)`` index. Polling once a second stays cheap with
100,000 jobs of history.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from docproc_gui.store.database import Database
from docproc_gui.store.queue_sql import COUNT_BY_STATUS_SQL, FINISHED_SQL, RUNNING_SQL, WAITING_SQL

DAY = 86400.0
RECENT_DURATIONS = 1000


@dataclass(slots=True)
class QueueStatistics:
    """A snapshot of the queue and its history; ``to_dict`` is the API's JSON."""

    generated_at: float
    counts: dict[str, int]
    total_jobs: int
    waiting_jobs: int
    running_jobs: int
    success_rate: float | None  # 0..1 over all finished jobs, None before any finished
    average_processing_time: float | None
    p50_processing_time: float | None
    p95_processing_time: float | None
    oldest_queued_age: float  # seconds; 0 when nothing waits
    recent_completed: int  # in the health window
    recent_failed: int
    recent_failure_rate: float | None
    weekly_summary: dict[str, Any] = field(default_factory=dict)
    daily_throughput: list[dict[str, Any]] = field(default_factory=list)
    per_minute: list[dict[str, Any]] = field(default_factory=list)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # type -> status -> jobs
    by_category: dict[str, int] = field(default_factory=dict)  # from the knowledge base
    # The processing times of the latest finished jobs (for a distribution plot);
    # left out of to_dict, which the API serves.
    recent_durations: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        del data["recent_durations"]
        return data


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def collect_statistics(
    database: Database,
    *,
    now: float | None = None,
    window_seconds: float = 3600.0,
    days: int = 7,
    minutes: int = 60,
) -> QueueStatistics:
    """Compute a :class:`QueueStatistics` snapshot (a handful of indexed queries)."""
    now = time.time() if now is None else now
    with database.read_engine.connect() as connection:
        counts = {
            status: number for status, number in connection.exec_driver_sql(COUNT_BY_STATUS_SQL)
        }
        oldest = connection.exec_driver_sql(
            "SELECT min(created_at) FROM jobs INDEXED BY ix_jobs_waiting_created "
            f"WHERE {WAITING_SQL}"
        ).scalar()
        running = connection.exec_driver_sql(
            f"SELECT count(*) FROM jobs INDEXED BY ix_jobs_running WHERE {RUNNING_SQL}"
        ).scalar_one()
        durations = [
            row[0]
            for row in connection.exec_driver_sql(
                "SELECT completed_at - started_at FROM jobs INDEXED BY ix_jobs_completed_at "
                "WHERE completed_at IS NOT NULL AND status = 'COMPLETED' "
                "ORDER BY completed_at DESC LIMIT ?",
                (RECENT_DURATIONS,),
            )
            if row[0] is not None
        ]
        recent: dict[str, int] = dict(
            connection.exec_driver_sql(
                "SELECT status, count(*) FROM jobs INDEXED BY ix_jobs_completed_at "
                f"WHERE {FINISHED_SQL} AND completed_at >= ? GROUP BY status",
                (now - window_seconds,),
            ).all()
        )
        first_day = int(now // DAY) - (days - 1)
        weekly_rows = connection.exec_driver_sql(
            "SELECT status, sum(jobs), sum(seconds) / max(sum(jobs), 1) FROM job_daily_stats "
            "WHERE day >= ? GROUP BY status",
            (first_day,),
        ).all()
        per_day: dict[int, int] = dict(
            connection.exec_driver_sql(
                "SELECT day, sum(jobs) FROM job_daily_stats WHERE day >= ? "
                "AND status IN ('COMPLETED', 'FAILED') GROUP BY day",
                (first_day,),
            ).all()
        )
        by_type: dict[str, dict[str, int]] = {}
        for file_type, status, number in connection.exec_driver_sql(
            "SELECT file_type, status, sum(jobs) FROM job_daily_stats GROUP BY 1, 2 "
            "UNION ALL SELECT file_type, status, count(*) FROM jobs "
            f"INDEXED BY ix_jobs_waiting_created WHERE {WAITING_SQL} GROUP BY 1, 2 "
            "UNION ALL SELECT file_type, status, count(*) FROM jobs "
            f"INDEXED BY ix_jobs_running WHERE {RUNNING_SQL} GROUP BY 1, 2"
        ):
            if number:
                by_type.setdefault(file_type or "?", {})[status] = int(number)
        first_minute = int(now // 60) - (minutes - 1)
        per_minute_rows = connection.exec_driver_sql(
            "SELECT CAST(completed_at / 60 AS INTEGER) AS minute, status, count(*) FROM jobs "
            "INDEXED BY ix_jobs_completed_at WHERE completed_at >= ? GROUP BY minute, status",
            (first_minute * 60.0,),
        ).all()

    completed = counts.get("COMPLETED", 0)
    failed = counts.get("FAILED", 0)
    finished = completed + failed
    recent_completed = recent.get("COMPLETED", 0)
    recent_failed = recent.get("FAILED", 0)
    recent_finished = recent_completed + recent_failed
    waiting = counts.get("QUEUED", 0) + counts.get("RETRYING", 0)

    weekly: dict[str, Any] = {
        "total_jobs": 0,
        "successful_jobs": 0,
        "failed_jobs": 0,
        "cancelled_jobs": 0,
        "average_processing_time": None,
        "success_rate": None,
    }
    for status, number, average in weekly_rows:
        weekly["total_jobs"] += number
        if status == "COMPLETED":
            weekly["successful_jobs"] = number
            weekly["average_processing_time"] = average
        elif status == "FAILED":
            weekly["failed_jobs"] = number
        elif status == "CANCELLED":
            weekly["cancelled_jobs"] = number
    done = weekly["successful_jobs"] + weekly["failed_jobs"]
    if done:
        weekly["success_rate"] = round(100.0 * weekly["successful_jobs"] / done, 1)

    daily = []
    today = int(now // DAY)
    for day in range(first_day, today + 1):
        hours = 24.0 if day < today else max((now - day * DAY) / 3600.0, 1 / 60)
        number = per_day.get(day, 0)
        daily.append(
            {
                "date": datetime.fromtimestamp(day * DAY, UTC).date().isoformat(),
                "jobs": number,
                "jobs_per_hour": round(number / hours, 2),
            }
        )

    minute_table: dict[int, dict[str, int]] = {}
    for minute, status, number in per_minute_rows:
        minute_table.setdefault(minute, {})[status] = number
    per_minute = [
        {
            "minute": datetime.fromtimestamp(minute * 60.0, UTC).isoformat(),
            "completed": minute_table.get(minute, {}).get("COMPLETED", 0),
            "failed": minute_table.get(minute, {}).get("FAILED", 0),
        }
        for minute in range(first_minute, int(now // 60) + 1)
    ]

    return QueueStatistics(
        generated_at=now,
        counts=counts,
        total_jobs=sum(counts.values()),
        waiting_jobs=waiting,
        running_jobs=running,
        success_rate=completed / finished if finished else None,
        average_processing_time=sum(durations) / len(durations) if durations else None,
        p50_processing_time=_percentile(durations, 0.5),
        p95_processing_time=_percentile(durations, 0.95),
        oldest_queued_age=max(0.0, now - oldest) if oldest is not None else 0.0,
        recent_completed=recent_completed,
        recent_failed=recent_failed,
        recent_failure_rate=recent_failed / recent_finished if recent_finished else None,
        weekly_summary=weekly,
        daily_throughput=daily,
        per_minute=per_minute,
        by_type=by_type,
        recent_durations=durations,
    )
