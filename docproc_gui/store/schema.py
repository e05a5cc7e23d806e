"""The job queue's tables as SQLAlchemy 2 typed models.

Times are stored as REAL seconds since the epoch (UTC): cheap to compare and index.
The queue is the ``jobs`` table itself; a *partial* index over the waiting jobs keeps
claiming independent of how much history the table holds. Migrations in
``migrations/versions`` create exactly these tables; ``tests/store`` checks they agree.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from docproc_gui.store.queue_sql import RUNNING_SQL, WAITING_SQL


class Base(DeclarativeBase):
    pass


class JobRow(Base):
    __tablename__ = "jobs"

    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(String(32), unique=True)
    file_path: Mapped[str] = mapped_column(Text)
    file_size: Mapped[int | None] = mapped_column(Integer)
    file_type: Mapped[str] = mapped_column(String(32), default="")
    priority: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16))
    # Effective priority as a virtual deadline: lower runs first (see store.priority).
    sort_key: Mapped[float] = mapped_column(Float)
    not_before: Mapped[float] = mapped_column(Float, default=0.0)
    created_at: Mapped[float] = mapped_column(Float)
    started_at: Mapped[float | None] = mapped_column(Float)
    completed_at: Mapped[float | None] = mapped_column(Float)
    updated_at: Mapped[float] = mapped_column(Float)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    current_step: Mapped[str] = mapped_column(String(64), default="")
    steps_completed: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    retry_count: Mapped[int] = mapped_column(Integer, default=0)
    max_retries: Mapped[int] = mapped_column(Integer, default=3)
    error_category: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    meta: Mapped[dict[str, Any]] = mapped_column("metadata", JSON, default=dict)
    batch_id: Mapped[str | None] = mapped_column(String(32))
    idempotency_key: Mapped[str | None] = mapped_column(String(200))
    claimed_by: Mapped[str | None] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_jobs_waiting", "sort_key", "seq", sqlite_where=text(WAITING_SQL)),
        Index("ix_jobs_running", "seq", sqlite_where=text(RUNNING_SQL)),
        Index(
            "ix_jobs_completed_at",
            "completed_at",
            "status",
            "started_at",
            sqlite_where=text("completed_at IS NOT NULL"),
        ),
        Index("ix_jobs_waiting_created", "created_at", sqlite_where=text(WAITING_SQL)),
        Index("ix_jobs_batch", "batch_id", sqlite_where=text("batch_id IS NOT NULL")),
        Index(
            "ix_jobs_idempotency_key",
            "idempotency_key",
            unique=True,
            sqlite_where=text("idempotency_key IS NOT NULL"),
        ),
    )


class JobEventRow(Base):
    """The per-job event log: submissions, step transitions, errors, retries."""

    __tablename__ = "job_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_seq: Mapped[int] = mapped_column(ForeignKey("jobs.seq", ondelete="CASCADE"))
    at: Mapped[float] = mapped_column(Float)
    kind: Mapped[str] = mapped_column(String(32))
    status: Mapped[str | None] = mapped_column(String(16))
    message: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (Index("ix_job_events_job", "job_seq", "id"),)


class JobDailyStatsRow(Base):
    """Finished jobs per day (since the epoch, UTC), final status and file type; kept by
    triggers."""

    __tablename__ = "job_daily_stats"

    day: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String(16), primary_key=True)
    file_type: Mapped[str] = mapped_column(String(32), primary_key=True)
    jobs: Mapped[int] = mapped_column(Integer)
    seconds: Mapped[float] = mapped_column(Float)


class JobCheckpointRow(Base):
    """Saved output of a finished step, so a resumed job does not redo it."""

    __tablename__ = "job_checkpoints"

    job_seq: Mapped[int] = mapped_column(
        ForeignKey("jobs.seq", ondelete="CASCADE"), primary_key=True
    )
    step: Mapped[str] = mapped_column(String(64), primary_key=True)
    at: Mapped[float] = mapped_column(Float)
    output: Mapped[dict[str, Any]] = mapped_column(JSON)
