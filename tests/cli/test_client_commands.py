"""The ``docproc`` client commands against a real ``docproc serve`` (a subprocess)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from docproc_gui.api.auth import read_token
from docproc_gui.api.client import segment
from docproc_gui.api.discovery import discovery_path, read_endpoint
from docproc_gui.cli.main import main


@dataclass
class Served:
    data: Path
    docs: Path
    process: subprocess.Popen[str]

    def run(self, capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        capsys.readouterr()
        code = main([*args, "--data-dir", str(self.data)])
        out, err = capsys.readouterr()
        return code, out, err

    def document(self, name: str, text: str) -> Path:
        path = self.docs / name
        path.write_text(text, encoding="utf-8")
        return path

    def stop(self) -> int:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout=30)


def start_server(data: Path, docs: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "docproc_gui.cli.main",
            "serve",
            "--data-dir",
            str(data),
            "--port",
            "0",
            "--allow-path",
            str(docs),
            "--workers",
            "2",
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        endpoint = read_endpoint(data)
        if endpoint is not None and endpoint.pid == process.pid:
            return process
        if process.poll() is not None:
            raise AssertionError(f"serve exited: {process.stdout.read() if process.stdout else ''}")
        time.sleep(0.05)
    process.kill()
    raise AssertionError("serve did not start within 60 s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    data, docs = tmp_path / "data", tmp_path / "docs"
    docs.mkdir()
    process = start_server(data, docs)
    handle = Served(data, docs, process)
    try:
        yield handle
    finally:
        handle.stop()


def test_token_prints_the_data_folder_token(tmp_path, capsys):
    assert main(["token", "--data-dir", str(tmp_path)]) == 0
    token = capsys.readouterr().out.strip()
    assert token == read_token(tmp_path)
    assert main(["token", "--json", "--data-dir", str(tmp_path)]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info == {"token": token, "token_file": str(tmp_path / "api-token"), "url": None}


def test_client_without_a_server_exits_3(tmp_path, capsys):
    assert main(["status", "--data-dir", str(tmp_path)]) == 3
    assert "not running" in capsys.readouterr().err


def test_submit_wait_status_stats_search(served, capsys):
    invoice = served.document("invoice.txt", "Invoice 17\nTotal amount due: 250 EUR.\n" * 5)
    code, out, err = served.run(capsys, "submit", str(invoice), "--wait", "--priority", "high")
    assert code == 0, err
    assert "1 of 1 completed" in out
    code, listed, _ = served.run(capsys, "jobs", "--json")
    job_id = json.loads(listed)[0]["job_id"]
    assert f"  {job_id}  COMPLETED {invoice}\n" in out  # the id of what was submitted
    code, out, _ = served.run(capsys, "status", "--json")
    status = json.loads(out)
    assert status["queue"]["counts"]["COMPLETED"] == 1
    assert status["health"]["status"] == "healthy"
    code, out, _ = served.run(capsys, "status")
    assert code == 0 and "healthy, running" in out and "completed 1" in out
    code, out, _ = served.run(capsys, "stats", "--json")
    assert json.loads(out)["weekly_summary"]["successful_jobs"] == 1
    code, out, _ = served.run(capsys, "stats")
    assert "last 7 days: 1 jobs, 1 completed" in out
    code, out, _ = served.run(capsys, "search", "invoice", "--json")
    hits = json.loads(out)["hits"]
    assert hits and hits[0]["path"] == str(invoice)
    code, out, _ = served.run(capsys, "search", "amount")
    assert "invoice.txt" in out


def test_submit_wait_exits_1_when_a_job_fails(served, capsys):
    good = served.document("good.txt", "A perfectly fine document about budgets.")
    empty = served.document("empty.txt", "")
    code, out, _ = served.run(capsys, "submit", str(good), str(empty), "--wait")
    assert code == 1
    assert "FAILED [empty]" in out and "1 of 2 completed" in out
    assert len([line for line in out.splitlines() if line.startswith("  ")]) == 2
    code, out, _ = served.run(capsys, "submit", str(good), "--wait", "--json")
    assert code == 0
    assert [job["status"] for job in json.loads(out)] == ["COMPLETED"]


def test_job_control(served, capsys):
    assert served.run(capsys, "pause")[0] == 0
    path = served.document("later.txt", "to be cancelled")
    code, out, _ = served.run(capsys, "submit", str(path), "--json")
    job_id = json.loads(out)["job_id"]
    code, out, _ = served.run(capsys, "status", job_id)
    assert code == 0 and "QUEUED" in out and str(path) in out
    code, out, _ = served.run(capsys, "cancel", job_id)
    assert code == 0 and "cancelled" in out
    code, out, err = served.run(capsys, "cancel", job_id)
    assert code == 2, "nothing was cancelled: a script must be able to tell"
    assert "already finished (CANCELLED)" in err and not out
    code, out, _ = served.run(capsys, "retry", job_id)
    assert code == 0 and "queued again" in out
    assert served.run(capsys, "resume")[0] == 0
    code, out, _ = served.run(capsys, "status", job_id, "--json")
    assert json.loads(out)["job_id"] == job_id


def test_refused_requests_exit_2(served, capsys):
    code, _, err = served.run(capsys, "submit", "/etc/hostname")
    assert code == 2 and "outside the folders" in err
    path = served.document("x.txt", "x")
    code, _, err = served.run(capsys, "submit", str(path), "--priority", "URGENT")
    assert code == 2 and "unknown priority" in err
    code, _, err = served.run(capsys, "status", "0123abc")
    assert code == 2 and "no job" in err


def test_upload_mode_sends_the_bytes(served, tmp_path, capsys):
    outside = tmp_path / "outside.txt"
    outside.write_text("uploaded rather than named")
    code, out, err = served.run(capsys, "submit", str(outside), "--upload", "--wait")
    assert code == 0, err
    assert "1 of 1 completed" in out


def test_serve_stops_cleanly_on_sigterm_and_keeps_the_queue(served, capsys):
    served.run(capsys, "pause")
    paths = [str(served.document(f"k{i}.txt", f"keep {i}")) for i in range(3)]
    code, out, _ = served.run(capsys, "submit", *paths, "--json")
    assert code == 0 and json.loads(out)["count"] == 3
    assert served.stop() == 0
    assert not discovery_path(served.data).exists()
    code, out, _ = served.run(capsys, "jobs", "--json")
    assert sorted(job["status"] for job in json.loads(out)) == ["QUEUED"] * 3
    assert served.process.stdout is not None
    log = served.process.stdout.read()  # what an operator reads in the service's log
    assert "stopping on signal 15" in log
    assert "engine stopped: 0 running job(s) interrupted and queued again, 3 waiting" in log
    assert "alembic" not in log


@pytest.mark.parametrize("job_id", ["../queue/pause?x=", "../queue/status", "..", ".", "a b#c"])
def test_job_ids_are_one_path_segment_whatever_they_contain(served, capsys, job_id):
    for command in (["retry", job_id], ["cancel", job_id], ["status", job_id, "--json"]):
        code, out, err = served.run(capsys, *command)
        assert (code, out) == (2, ""), (command, out, err)
        assert f"no job with id {job_id!r}" in err, err
    code, out, _ = served.run(capsys, "status", "--json")
    assert json.loads(out)["queue"]["paused"] is False  # nothing reached queue/pause


def test_segment_escapes_separators_and_dot_segments():
    assert segment("../queue/pause?x=") == "..%2Fqueue%2Fpause%3Fx%3D"
    assert (segment(".."), segment("."), segment("%2F")) == ("%2E%2E", "%2E", "%252F")
    assert segment("01a227c5ef0c19fccf4c8ec2d4c4d1cf") == "01a227c5ef0c19fccf4c8ec2d4c4d1cf"


def test_upload_of_a_missing_file_is_refused_like_a_path(served, capsys):
    missing = served.docs / "missing.pdf"
    code, out, err = served.run(capsys, "submit", str(missing))
    assert code == 2 and f"file not found: {missing}" in err
    other = served.document("present.txt", "here")
    code, out, err = served.run(capsys, "submit", "--upload", str(other), str(missing))
    assert (code, out) == (2, "")
    assert err == f"docproc: file not found: {missing}\n"


def test_uploads_show_the_name_they_were_sent_with(served, tmp_path, capsys):
    empty = tmp_path / "minutes.odt"
    empty.write_bytes(b"")
    code, out, _ = served.run(capsys, "submit", str(empty), "--upload", "--wait")
    assert code == 1
    assert "FAILED [empty] minutes.odt (upload): " in out and "uploads" not in out
    code, out, _ = served.run(capsys, "jobs")
    job_id = out.split()[0]
    assert out.rstrip().endswith("[empty]  minutes.odt (upload)")
    code, out, _ = served.run(capsys, "status", job_id)
    assert "file      minutes.odt (upload)" in out
    assert f"stored as {served.data / 'uploads'}" in out


def test_wait_for_many_lists_only_what_did_not_complete(served, capsys):
    paths = [
        str(served.document(f"n{i:02}.txt", f"note number {i} about budgets")) for i in range(22)
    ]
    paths.append(str(served.document("zz-empty.txt", "")))
    code, out, _ = served.run(capsys, "submit", *paths, "--wait")
    assert code == 1
    lines = out.splitlines()
    assert len(lines) == 2 and "FAILED [empty]" in lines[0] and "zz-empty.txt" in lines[0]
    assert lines[1].startswith("22 of 23 completed, 1 not (batch ")
