"""Shared fixtures: an offscreen Qt platform, a settings object on a temporary data folder,
a real store on a real SQLite file, and a real processor with a no-op pipeline."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
# Never read the developer's own config file in tests.
os.environ.setdefault("DOCPROC_CONFIG", os.devnull)

from collections.abc import Iterator
from pathlib import Path

import pytest

from docproc_gui.config import Settings
from docproc_gui.store import Database, JobStore


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Settings on a fresh data folder, with short backoffs so retries run in tests."""
    return Settings(
        data_dir=tmp_path / "data",
        max_workers=2,
        sandbox_processes=1,
        retry_backoff_base=0.05,
        retry_backoff_max=0.2,
        job_timeout=30.0,
        durable_commits=False,
    )


@pytest.fixture
def database(settings: Settings) -> Iterator[Database]:
    db = Database(settings.database_path)
    yield db
    db.dispose()


@pytest.fixture
def store(database: Database, settings: Settings) -> Iterator[JobStore]:
    job_store = JobStore(database, settings)
    yield job_store
    job_store.close()


@pytest.fixture
def sample_files(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "docs"
    folder.mkdir()
    files = []
    for index in range(5):
        path = folder / f"note-{index}.txt"
        path.write_text(f"Document number {index}. " * 20, encoding="utf-8")
        files.append(path)
    return files
