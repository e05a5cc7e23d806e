"""The SQL conditions that say which jobs wait, run or have finished.

Plain strings, shared by the queries at run time and by the ORM models in
:mod:`docproc_gui.store.schema` (whose partial indexes use them). Kept apart from those
models so that the app does not import SQLAlchemy's ORM to start: the queries are
plain SQL, and the ORM import alone cost about 0.2 s of every start-up.
"""

from __future__ import annotations

WAITING_SQL = "status IN ('QUEUED', 'RETRYING')"
RUNNING_SQL = (
    "status IN ('PROCESSING', 'CLASSIFYING', 'EXTRACTING', 'INTEGRATING', 'QUALITY_CHECK')"
)
FINISHED_SQL = "completed_at IS NOT NULL"

# Jobs per status without a status index (one index less on every insert) and without
# scanning the history: waiting and running jobs are counted from their partial indexes,
# finished ones from the trigger-maintained daily statistics (migration 0003).
COUNT_BY_STATUS_SQL = (
    f"SELECT status, count(*) FROM jobs INDEXED BY ix_jobs_waiting_created WHERE {WAITING_SQL} "
    "GROUP BY status UNION ALL "
    f"SELECT status, count(*) FROM jobs INDEXED BY ix_jobs_running WHERE {RUNNING_SQL} "
    "GROUP BY status UNION ALL "
    "SELECT status, sum(jobs) FROM job_daily_stats GROUP BY status"
)
