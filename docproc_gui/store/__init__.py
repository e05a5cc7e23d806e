"""Persistence: the SQLite database, the job queue and history, statistics (no Qt)."""

from docproc_gui.store.database import Database
from docproc_gui.store.job_change import JobChange
from docproc_gui.store.job_store import ClaimedJob, JobStore, Submission

__all__ = ["ClaimedJob", "Database", "JobChange", "JobStore", "Submission"]
