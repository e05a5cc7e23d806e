"""Statistics stay exact through completion, failure, manual retry and pruning."""

from __future__ import annotations

import time

from docproc_gui.config import Settings
from docproc_gui.domain import ErrorCategory
from docproc_gui.store import Database, JobStore, Submission
from docproc_gui.store.statistics import collect_statistics


def test_figures_follow_the_history(database: Database, settings: Settings) -> None:
    now = [time.time()]
    store = JobStore(database, settings.replace(max_retries=0), clock=lambda: now[0])
    try:
        store.submit_many([Submission(f"/doc-{i}.pdf") for i in range(6)])
        claimed = store.claim(4)
        now[0] += 2.0  # each took two seconds
        for item in claimed[:3]:
            store.complete(item, {}, [])
        store.fail(claimed[3], ErrorCategory.CORRUPT, "broken").result()
        store.writer.flush()

        stats = collect_statistics(database, now=now[0])
        assert stats.counts["COMPLETED"] == 3
        assert stats.counts["FAILED"] == 1
        assert stats.waiting_jobs == 2
        assert stats.success_rate == 0.75
        assert stats.weekly_summary["successful_jobs"] == 3
        assert stats.weekly_summary["failed_jobs"] == 1
        assert stats.weekly_summary["success_rate"] == 75.0
        assert abs(stats.weekly_summary["average_processing_time"] - 2.0) < 1e-6
        assert abs(stats.p50_processing_time - 2.0) < 1e-6
        assert stats.daily_throughput[-1]["jobs"] == 4
        assert stats.recent_failure_rate == 0.25
        assert stats.per_minute[-1]["completed"] == 3

        store.retry(claimed[3].job.job_id)  # the failure leaves the history again
        stats = collect_statistics(database, now=now[0])
        assert stats.counts["FAILED"] == 0
        assert stats.weekly_summary["failed_jobs"] == 0
        assert stats.waiting_jobs == 3

        now[0] += 10 * 86400
        assert store.prune_history(older_than_days=5) == 3
        stats = collect_statistics(database, now=now[0])
        assert stats.counts["COMPLETED"] == 0
        assert stats.total_jobs == 3
    finally:
        store.close()


def test_oldest_queued_age(database: Database, settings: Settings) -> None:
    now = [1_000_000.0]
    store = JobStore(database, settings, clock=lambda: now[0])
    try:
        store.submit("/a")
        now[0] += 90
        store.submit("/b")
        assert collect_statistics(database, now=now[0] + 10).oldest_queued_age == 100
    finally:
        store.close()


def test_breakdown_by_type_and_recent_durations(database: Database, settings: Settings) -> None:
    now = [time.time()]
    store = JobStore(database, settings, clock=lambda: now[0])
    try:
        store.submit_many([Submission("/a.pdf"), Submission("/b.pdf"), Submission("/c.txt")])
        claimed = store.claim(1)[0]
        now[0] += 3.0
        store.complete(claimed, {}, [])
        store.writer.flush()
        stats = collect_statistics(database, now=now[0])
        assert stats.by_type == {"pdf": {"COMPLETED": 1, "QUEUED": 1}, "txt": {"QUEUED": 1}}
        assert stats.recent_durations == [3.0]
        assert "recent_durations" not in stats.to_dict()
    finally:
        store.close()
