"""`docproc --version`, `docproc process` and `docproc jobs`, run as a user would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def docproc(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DOCPROC_CONFIG": os.devnull}
    return subprocess.run(
        [sys.executable, "-m", "docproc_gui.cli.main", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _documents(folder: Path) -> None:
    folder.mkdir()
    (folder / "letter.txt").write_text(
        "Dear Ms. Smith,\n\nthank you for your letter about the invoice of March. " * 5
    )
    (folder / "page.html").write_text(
        "<html><head><title>Guide</title></head><body><h1>Install guide</h1>"
        + "<p>Run the installer and follow the steps shown on the screen.</p>" * 10
        + "</body></html>"
    )
    (folder / "empty.txt").write_text("")
    (folder / "notes.md").write_text("# Notes\n\n" + "Some markdown text for the index. " * 10)
    (folder / "ignored.xyz").write_text("not a supported type")


def test_version() -> None:
    result = docproc("--version")
    assert result.returncode == 0
    assert result.stdout.startswith("docproc 0.")


def test_process_a_folder_prints_a_json_summary_and_fails_for_the_bad_file(
    tmp_path: Path,
) -> None:
    _documents(tmp_path / "in")
    result = docproc("process", str(tmp_path / "in"), "--data-dir", str(tmp_path / "d"), "--json")
    summary = json.loads(result.stdout)
    assert set(summary) >= {
        "total",
        "completed",
        "failed",
        "failed_by_category",
        "elapsed_s",
        "docs_per_min",
    }
    assert summary["total"] == 4  # the .xyz file in a folder is not a supported type
    assert summary["completed"] == 3
    assert summary["failed_by_category"] == {"empty": 1}
    assert result.returncode == 1  # something failed

    listed = docproc("jobs", "--data-dir", str(tmp_path / "d"), "--json", "--status", "failed")
    jobs = json.loads(listed.stdout)
    assert [Path(job["file_path"]).name for job in jobs] == ["empty.txt"]
    assert jobs[0]["error_category"] == "empty"
    assert jobs[0]["attempts"] == 1
    assert jobs[0]["status"] == "FAILED"


def test_process_without_paths_drains_what_is_already_queued(tmp_path: Path) -> None:
    from docproc_gui.store import Database, JobStore, Submission

    document = tmp_path / "queued.txt"
    document.write_text("A plain text document that was queued before a crash. " * 5)
    database = Database(tmp_path / "d" / "docproc.sqlite3")
    store = JobStore(database)
    store.submit_many([Submission(str(document))])
    store.claim(1)  # it was running when the app died
    store.close()
    database.dispose()

    result = docproc("process", "--data-dir", str(tmp_path / "d"), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["completed"] == 1
    jobs = json.loads(docproc("jobs", "--data-dir", str(tmp_path / "d"), "--json").stdout)
    assert [(job["status"], job["attempts"]) for job in jobs] == [("COMPLETED", 2)]


def test_bad_arguments_are_clear(tmp_path: Path) -> None:
    result = docproc("process", "--priority", "urgent", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2
    assert "unknown priority 'urgent'" in result.stderr
    result = docproc("process", str(tmp_path / "nope.pdf"), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert "file not found" in result.stderr
    result = docproc("jobs", "--status", "sleeping", "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 2


def _queued_jobs(data: Path, number: int) -> None:
    from docproc_gui.store import Database, JobStore, Submission

    database = Database(data / "docproc.sqlite3")
    store = JobStore(database)
    store.submit_many([Submission(str(data / f"doc{i}.txt")) for i in range(number)])
    store.close()
    database.dispose()


def test_jobs_says_how_many_more_and_limit_0_lists_all(tmp_path: Path) -> None:
    _queued_jobs(tmp_path / "d", 5)
    data = ["--data-dir", str(tmp_path / "d")]
    result = docproc("jobs", "--limit", "2", *data)
    assert result.returncode == 0
    assert len(result.stdout.splitlines()) == 2  # only jobs on stdout: scripts cut ids
    assert result.stderr == "… 3 more; use --limit N (0 = all)\n"
    result = docproc("jobs", "--limit", "2", "--json", *data)
    assert len(json.loads(result.stdout)) == 2 and result.stderr == ""
    result = docproc("jobs", "--limit", "0", *data)
    assert len(result.stdout.splitlines()) == 5 and result.stderr == ""
    assert docproc("jobs", "--limit", "5", *data).stderr == ""
    result = docproc("jobs", "--limit", "-1", *data)
    assert result.returncode == 2 and "must be 0 (all) or more" in result.stderr
    assert "0 = all" in docproc("jobs", "--help").stdout


def test_a_closed_output_pipe_ends_quietly_with_141(tmp_path: Path) -> None:
    _queued_jobs(tmp_path / "d", 3)
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader is gone before anything is written, like `| head -0`
    environment = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "DOCPROC_CONFIG": os.devnull}
    try:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "docproc_gui.cli.main",
                "jobs",
                "--data-dir",
                str(tmp_path / "d"),
            ],
            cwd=ROOT,
            env=environment,
            stdout=write_end,
            stderr=subprocess.PIPE,
            text=True,
            timeout=120,
        )
    finally:
        os.close(write_end)
    assert (result.returncode, result.stderr) == (141, "")
