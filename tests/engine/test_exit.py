"""A script that ends without shutting the engine down: it ends at once, loses nothing,
and Qt reports no exceptions from the pool's threads (tests/engine/exit_child.py)."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run_child(tmp_path: Path, mode: str, count: int) -> tuple[dict[str, int], str, str]:
    """The child's jobs by status (after checking that none was lost), stderr, stdout."""
    data = tmp_path / "data"
    files = []
    for index in range(count):
        path = tmp_path / f"doc-{index:03}.txt"
        path.write_text(f"document {index}")
        files.append(str(path))
    result = subprocess.run(
        [sys.executable, "-m", "tests.engine.exit_child", mode, str(data), *files],
        cwd=ROOT,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    with sqlite3.connect(data / "docproc.sqlite3") as connection:
        statuses = dict(
            connection.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
        )
        paths = {row[0] for row in connection.execute("SELECT file_path FROM jobs")}
    assert paths == {os.path.realpath(path) for path in files}, "queued work was lost"
    return statuses, result.stderr, result.stdout


def test_ending_with_jobs_running_requeues_them_instead_of_working_through_the_queue(
    tmp_path: Path,
) -> None:
    # 400 jobs of 20 ms on two workers: draining them would keep the script alive 4 s.
    statuses, stderr, _stdout = _run_child(tmp_path, "running", 400)
    assert set(statuses) <= {"QUEUED", "COMPLETED"}, f"jobs left mid-run: {statuses}"
    assert statuses.get("QUEUED", 0) > 300, f"the script worked through the queue: {statuses}"
    assert "exception" not in stderr.lower(), stderr


def test_ending_right_after_the_queue_drained_reports_no_exceptions(tmp_path: Path) -> None:
    statuses, stderr, _stdout = _run_child(tmp_path, "idle", 20)
    assert statuses == {"COMPLETED": 20}
    # Python ending the pool's idle threads under Qt shows up as exceptions Qt caught.
    assert "exception" not in stderr.lower(), stderr


def test_ending_after_the_processors_qt_parent_was_deleted_reports_nothing(
    tmp_path: Path,
) -> None:
    statuses, stderr, _stdout = _run_child(tmp_path, "orphan", 20)
    assert statuses == {"COMPLETED": 20}
    assert "Traceback" not in stderr, stderr


def test_a_forked_child_that_ends_leaves_its_parents_engine_alone(tmp_path: Path) -> None:
    statuses, stderr, stdout = _run_child(tmp_path, "fork", 20)
    assert statuses == {"COMPLETED": 20}
    seconds = float(stdout.split("child ended after ")[1].split()[0])
    assert seconds < 5, f"the child shut its parent's engine down ({seconds} s)"
    assert "exception" not in stderr.lower(), stderr
