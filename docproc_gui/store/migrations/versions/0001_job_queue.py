"""The job queue: jobs, their event log and step checkpoints.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

WAITING = "status IN ('QUEUED', 'RETRYING')"
RUNNING = "status IN ('PROCESSING', 'CLASSIFYING', 'EXTRACTING', 'INTEGRATING', 'QUALITY_CHECK')"


def upgrade() -> None:
    op.create_table(
        "jobs",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("job_id", sa.String(32), nullable=False, unique=True),
        sa.Column("file_path", sa.Text, nullable=False),
        sa.Column("file_size", sa.Integer),
        sa.Column("file_type", sa.String(32), nullable=False),
        sa.Column("priority", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("sort_key", sa.Float, nullable=False),
        sa.Column("not_before", sa.Float, nullable=False),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("completed_at", sa.Float),
        sa.Column("updated_at", sa.Float, nullable=False),
        sa.Column("progress", sa.Float, nullable=False),
        sa.Column("current_step", sa.String(64), nullable=False),
        sa.Column("steps_completed", sa.JSON, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("retry_count", sa.Integer, nullable=False),
        sa.Column("max_retries", sa.Integer, nullable=False),
        sa.Column("error_category", sa.String(32)),
        sa.Column("error_message", sa.Text),
        sa.Column("result", sa.JSON),
        sa.Column("metadata", sa.JSON, nullable=False),
        sa.Column("batch_id", sa.String(32)),
        sa.Column("idempotency_key", sa.String(200)),
        sa.Column("claimed_by", sa.String(64)),
    )
    op.create_index("ix_jobs_waiting", "jobs", ["sort_key", "seq"], sqlite_where=sa.text(WAITING))
    op.create_index("ix_jobs_running", "jobs", ["seq"], sqlite_where=sa.text(RUNNING))
    op.create_index(
        "ix_jobs_completed_at",
        "jobs",
        ["completed_at", "status", "started_at"],
        sqlite_where=sa.text("completed_at IS NOT NULL"),
    )
    op.create_index(
        "ix_jobs_waiting_created", "jobs", ["created_at"], sqlite_where=sa.text(WAITING)
    )
    op.create_index(
        "ix_jobs_batch", "jobs", ["batch_id"], sqlite_where=sa.text("batch_id IS NOT NULL")
    )
    op.create_index(
        "ix_jobs_idempotency_key",
        "jobs",
        ["idempotency_key"],
        unique=True,
        sqlite_where=sa.text("idempotency_key IS NOT NULL"),
    )
    op.create_table(
        "job_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "job_seq", sa.Integer, sa.ForeignKey("jobs.seq", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16)),
        sa.Column("message", sa.Text),
        sa.Column("data", sa.JSON),
    )
    op.create_index("ix_job_events_job", "job_events", ["job_seq", "id"])
    op.create_table(
        "job_checkpoints",
        sa.Column(
            "job_seq",
            sa.Integer,
            sa.ForeignKey("jobs.seq", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("step", sa.String(64), primary_key=True),
        sa.Column("at", sa.Float, nullable=False),
        sa.Column("output", sa.JSON, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("job_checkpoints")
    op.drop_index("ix_job_events_job", "job_events")
    op.drop_table("job_events")
    for name in (
        "ix_jobs_idempotency_key",
        "ix_jobs_batch",
        "ix_jobs_waiting_created",
        "ix_jobs_completed_at",
        "ix_jobs_running",
        "ix_jobs_waiting",
    ):
        op.drop_index(name, "jobs")
    op.drop_table("jobs")
