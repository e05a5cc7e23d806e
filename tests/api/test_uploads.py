"""Uploads: streamed into the data folder under our own name, 413 past the limit, 507 on a
full disk (a real, tiny tmpfs), nothing half-written left behind either way."""

from __future__ import annotations

import contextlib
import os
import subprocess
from pathlib import Path

import aiohttp
import pytest

from tests.api.conftest import make_api, noop_pipeline

SUBMIT = "/api/background/submit"
BATCH = "/api/background/submit-batch"


def form(*files: tuple[str, bytes], **fields: str) -> aiohttp.FormData:
    data = aiohttp.FormData(default_to_multipart=True)
    for name, content in files:
        data.add_field("file", content, filename=name, content_type="application/octet-stream")
    for key, value in fields.items():
        data.add_field(key, value)
    return data


def uploads_dir(api) -> Path:
    return Path(api.settings.data_dir) / "uploads"


def test_upload_is_queued_under_a_name_of_our_own(api):
    reply = api.call("POST", SUBMIT, data=form(("report.txt", b"hello upload"),
                                               priority="HIGH", metadata='{"from": "scanner"}'))
    assert reply.status == 202, reply.text
    job = api.call("GET", reply.headers["Location"]).body
    stored = Path(job["file_path"])
    assert stored.parent == uploads_dir(api)
    assert stored.suffix == ".txt" and stored.name != "report.txt"
    assert stored.read_bytes() == b"hello upload"
    assert job["priority"] == "HIGH"
    assert job["metadata"]["from"] == "scanner"
    assert job["metadata"]["upload_filename"] == "report.txt"
    assert api.wait_finished([job["job_id"]])[job["job_id"]]["status"] == "COMPLETED"


@pytest.mark.parametrize("name", ["../../../evil.txt", "/etc/passwd", "..\\..\\x.txt", "a/../../b"])
def test_client_file_name_is_never_a_path(api, tmp_path, name):
    reply = api.call("POST", SUBMIT, data=form((name, b"payload")))
    assert reply.status == 202, reply.text
    job = api.call("GET", reply.headers["Location"]).body
    assert Path(job["file_path"]).parent == uploads_dir(api)
    assert not (tmp_path / "evil.txt").exists()
    assert "/" not in job["metadata"]["upload_filename"]


def test_oversize_upload_is_413_and_leaves_nothing(qloop, tmp_path):
    for api in make_api(qloop, tmp_path, pipeline=noop_pipeline(),
                        settings_changes={"api_max_upload_mb": 0.05}):
        big = os.urandom(200 * 1024)
        reply = api.call("POST", SUBMIT, data=form(("big.bin", big)))
        assert reply.status == 413
        assert reply.body["error"] == "too_large"
        small = api.call("POST", BATCH, data=form(("a.txt", b"a"), ("big.bin", big)))
        assert small.status == 413
        assert list(uploads_dir(api).iterdir()) == []
        assert api.processor.store.count() == 0


@contextlib.contextmanager
def tiny_disk(path: Path, size_kb: int):
    path.mkdir(parents=True, exist_ok=True)
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_kb}k", "tmpfs", str(path)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_full_disk_is_507_and_leaves_nothing(qloop, tmp_path):
    data = tmp_path / "data"
    with tiny_disk(data / "uploads", 256):
        for api in make_api(qloop, tmp_path, pipeline=noop_pipeline()):
            fits = api.call("POST", SUBMIT, data=form(("ok.txt", os.urandom(64 * 1024))))
            assert fits.status == 202
            reply = api.call("POST", SUBMIT, data=form(("big.bin", os.urandom(400 * 1024))))
            assert reply.status == 507, reply.text
            assert reply.body["error"] == "storage_full"
            leftovers = [p.name for p in uploads_dir(api).iterdir()]
            assert len(leftovers) == 1 and not leftovers[0].endswith(".part")
            assert api.processor.store.count() == 1
            # Space freed: uploads work again.
            assert api.call("POST", SUBMIT, data=form(("ok2.txt", b"x" * 1000))).status == 202


def test_batch_upload(api):
    reply = api.call("POST", BATCH, data=form(("a.txt", b"one"), ("b.txt", b"two"),
                                              priority="2"))
    assert reply.status == 202, reply.text
    assert reply.body["count"] == 2
    assert len(list(uploads_dir(api).iterdir())) == 2


def test_single_submit_takes_one_file(api):
    reply = api.call("POST", SUBMIT, data=form(("a.txt", b"1"), ("b.txt", b"2")))
    assert reply.status == 422
    assert reply.body["field"] == "file"
    assert list(uploads_dir(api).iterdir()) == []


def test_form_without_file_or_with_bad_fields(api):
    reply = api.call("POST", SUBMIT, data=form(priority="HIGH"))
    assert reply.status == 422 and reply.body["field"] == "file"
    reply = api.call("POST", SUBMIT, data=form(("a.txt", b"1"), priority="SOON"))
    assert reply.status == 422 and reply.body["field"] == "priority"
    reply = api.call("POST", SUBMIT, data=form(("a.txt", b"1"), colour="red"))
    assert reply.status == 422 and reply.body["field"] == "colour"
    assert list(uploads_dir(api).iterdir()) == []


def test_a_file_part_under_another_name_is_refused(api):
    data = aiohttp.FormData(default_to_multipart=True)
    data.add_field("document", b"bytes", filename="a.txt")
    reply = api.call("POST", SUBMIT, data=data)
    assert reply.status == 422 and reply.body["field"] == "document", reply.text
    assert list(uploads_dir(api).iterdir()) == []


def test_form_fields_take_the_usual_words_for_yes_and_no(api):
    reply = api.call("POST", SUBMIT, data=form(("a.txt", b"same"), dedupe="yes"))
    again = api.call("POST", SUBMIT, data=form(("b.txt", b"same"), dedupe="on"))
    assert reply.status == 202 and again.status == 200, again.text


def test_malformed_multipart_is_400(api):
    reply = api.call("POST", SUBMIT, data=b"garbage",
                     headers={"Content-Type": "multipart/form-data"})
    assert reply.status == 400
    assert reply.body["field"] == "body"


def test_dedupe_upload_returns_the_existing_job(api):
    first = api.call("POST", SUBMIT, data=form(("a.txt", b"same bytes"), dedupe="true"))
    again = api.call("POST", SUBMIT, data=form(("b.txt", b"same bytes"), dedupe="true"))
    assert first.status == 202 and again.status == 200
    assert again.body["job_id"] == first.body["job_id"]
    assert len(list(uploads_dir(api).iterdir())) == 1  # the second copy was dropped


def test_an_upload_sent_again_with_its_idempotency_key_is_the_same_job(api):
    """The key exists for retrying after a lost answer: the same upload again must give
    the first job back, not a complaint about another file."""
    api.call("POST", "/api/background/queue/pause")
    key = {"Idempotency-Key": "upload-1"}
    first = api.call("POST", SUBMIT, data=form(("scan.txt", b"scanned page")), headers=key)
    again = api.call("POST", SUBMIT, data=form(("scan.txt", b"scanned page")), headers=key)
    assert first.status == 202, first.text
    assert again.status == 200, again.text
    assert again.body["job_id"] == first.body["job_id"]
    assert again.body["existing"] is True and again.body["status"] == "QUEUED"
    assert len(list(uploads_dir(api).iterdir())) == 1  # the repeat's copy was dropped
    other = api.call("POST", SUBMIT, data=form(("scan.txt", b"another page")), headers=key)
    assert other.status == 422 and other.body["error"] == "idempotency_key_reused"
    assert len(list(uploads_dir(api).iterdir())) == 1


def test_a_batch_of_uploads_sent_again_with_its_key(api):
    key = {"Idempotency-Key": "upload-batch"}
    first = api.call("POST", BATCH, data=form(("a.txt", b"one"), ("b.txt", b"two")), headers=key)
    again = api.call("POST", BATCH, data=form(("a.txt", b"one"), ("b.txt", b"two")), headers=key)
    swapped = api.call("POST", BATCH, data=form(("b.txt", b"two"), ("a.txt", b"one")),
                       headers=key)
    assert first.status == 202 and again.status == 200, again.text
    assert again.body["job_ids"] == first.body["job_ids"]
    assert swapped.status == 422 and swapped.body["error"] == "idempotency_key_reused"
    assert len(list(uploads_dir(api).iterdir())) == 2
