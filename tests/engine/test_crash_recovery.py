"""Kill -9 in the middle of a batch; restart; every job finishes exactly once."""

from __future__ import annotations

import collections
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
JOBS = 300


def _count(database: Path, sql: str) -> int:
    try:
        with sqlite3.connect(database, timeout=30) as connection:
            return int(connection.execute(sql).fetchone()[0])
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_sigkill_mid_batch_then_restart_finishes_every_job_exactly_once(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    files = []
    for index in range(JOBS):
        path = tmp_path / f"doc-{index:03}.txt"
        path.write_text(f"document {index}")
        files.append(str(path))
    database = data / "docproc.sqlite3"
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.engine.crash_child", str(data), *files],
        cwd=ROOT,
        env=environment,
    )
    try:
        deadline = time.monotonic() + 60
        while _count(database, "SELECT count(*) FROM jobs WHERE status = 'COMPLETED'") < 60:
            assert child.poll() is None, "the engine stopped before it could be killed"
            assert time.monotonic() < deadline, "the engine made no progress"
            time.sleep(0.01)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=10)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL

    with sqlite3.connect(database) as connection:
        statuses = dict(
            connection.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
        )
        interrupted = {
            row[0]
            for row in connection.execute(
                "SELECT job_id FROM jobs WHERE status NOT IN ('QUEUED', 'COMPLETED')"
            )
        }
    assert sum(statuses.values()) == JOBS, "jobs were lost in the crash"
    assert statuses.get("COMPLETED", 0) < JOBS, "killed too late to test anything"
    assert interrupted, "nothing was running when the process died"

    restart = subprocess.run(
        [sys.executable, "-m", "tests.engine.crash_child", str(data)],
        cwd=ROOT,
        env=environment,
        timeout=120,
    )
    assert restart.returncode == 0

    with sqlite3.connect(database) as connection:
        final = dict(
            connection.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
        )
        completions = collections.Counter(
            row[0]
            for row in connection.execute(
                "SELECT j.job_id FROM job_events e JOIN jobs j ON j.seq = e.job_seq "
                "WHERE e.kind = 'completed'"
            )
        )
        attempts = dict(connection.execute("SELECT job_id, attempts FROM jobs").fetchall())
        recovered = {
            row[0]
            for row in connection.execute(
                "SELECT j.job_id FROM job_events e JOIN jobs j ON j.seq = e.job_seq "
                "WHERE e.kind = 'recovered'"
            )
        }
    assert final == {"COMPLETED": JOBS}
    assert len(completions) == JOBS
    assert set(completions.values()) == {1}, "a job completed more than once"
    assert recovered == interrupted
    for job_id in interrupted:
        assert attempts[job_id] == 2, "the interrupted attempt was not counted"
    runs = collections.Counter(
        line.split()[0] for line in (data / "runs.log").read_text().splitlines()
    )
    assert set(runs) == set(attempts)
    # Only jobs that were running at the crash may have run twice.
    assert {job for job, count in runs.items() if count > 1} <= interrupted
