"""Alembic environment: runs on the connection ``store.database`` hands over."""

from __future__ import annotations

from alembic import context

from docproc_gui.store.schema import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=True,  # SQLite cannot ALTER most things; batch mode rebuilds tables
)
with context.begin_transaction():
    context.run_migrations()
