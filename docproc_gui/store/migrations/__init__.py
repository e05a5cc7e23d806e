"""Alembic migrations of the DocProc database (run programmatically by ``store.database``)."""
