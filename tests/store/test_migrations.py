"""Schema migrations: a database made by an older version opens after an upgrade."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from docproc_gui.store import Database, JobStore
from docproc_gui.store.database import SCHEMA_HEAD, head_revision
from docproc_gui.store.schema import Base


def test_an_old_database_with_jobs_opens_after_upgrading(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = Database(path, migrate=False)
    old.upgrade("0001")
    with sqlite3.connect(path) as raw:
        raw.execute(
            "INSERT INTO jobs (job_id, file_path, file_type, priority, status, sort_key, "
            "not_before, created_at, updated_at, progress, current_step, steps_completed, "
            "attempts, retry_count, max_retries, metadata) VALUES "
            "('old-job', '/kept.pdf', 'pdf', 2, 'QUEUED', 1, 0, 1, 1, 0, '', '[]', 0, 0, 3, '{}')"
        )
        raw.execute(
            "INSERT INTO jobs (job_id, file_path, file_type, priority, status, sort_key, "
            "not_before, created_at, started_at, completed_at, updated_at, progress, "
            "current_step, steps_completed, attempts, retry_count, max_retries, metadata) VALUES "
            "('done-job', '/done.pdf', 'pdf', 2, 'COMPLETED', 1, 0, 1, 10, 13, 13, 1, '', '[]', "
            "1, 0, 3, '{}')"
        )
    old.dispose()
    assert Database(path, migrate=False).current_revision() == "0001"

    upgraded = Database(path)
    assert upgraded.current_revision() == head_revision()
    store = JobStore(upgraded)
    try:
        assert store.get("old-job").file_path == "/kept.pdf"
        # The statistics added by a later migration were filled from the old history.
        assert store.counts()["COMPLETED"] == 1
        assert [claimed.job.job_id for claimed in store.claim(5)] == ["old-job"]
    finally:
        store.close()
        upgraded.dispose()


def test_the_migrations_create_exactly_the_job_tables_of_the_models(database: Database) -> None:
    job_tables = {"jobs", "job_events", "job_checkpoints", "job_daily_stats"}
    with database.read_engine.connect() as connection:
        context = MigrationContext.configure(connection)
        differences = [
            difference
            for difference in compare_metadata(context, Base.metadata)
            if _table_of(difference) in job_tables
        ]
    assert differences == []


def _table_of(difference: object) -> str | None:
    item = difference[0] if isinstance(difference, list) else difference
    for part in item[1:] if isinstance(item, tuple) else ():
        name = getattr(part, "name", None)
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if name in {"jobs", "job_events", "job_checkpoints", "job_daily_stats"}:
            return str(name)
    return None


def test_the_fast_path_knows_the_newest_migration() -> None:
    assert head_revision() == SCHEMA_HEAD
