"""Submitting by path: 202 + Location, priorities, idempotency, dedupe, and bad input."""

from __future__ import annotations

import os

import pytest

SUBMIT = "/api/background/submit"
BATCH = "/api/background/submit-batch"


def error_of(reply):
    assert reply.body is not None, reply.text
    return reply.body["error"], reply.body["field"]


def test_submit_returns_202_with_location(api):
    path = api.document()
    reply = api.call("POST", SUBMIT, json={"file_path": str(path), "metadata": {"source": "t"}})
    assert reply.status == 202
    job_id = reply.body["job_id"]
    assert reply.body["existing"] is False
    assert reply.headers["Location"] == f"/api/background/job/{job_id}"
    job = api.call("GET", reply.headers["Location"]).body
    assert job["job_id"] == job_id
    assert job["metadata"] == {"source": "t"}
    assert job["file_path"] == os.path.realpath(path)


@pytest.mark.parametrize(("given", "expected"), [
    ("HIGH", "HIGH"), ("high", "HIGH"), (1, "HIGH"), ("0", "CRITICAL"), (4, "BACKGROUND"),
])
def test_priority_by_name_or_number(api, given, expected):
    api.call("POST", "/api/background/queue/pause")
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.document()), "priority": given})
    assert reply.status == 202, reply.text
    assert api.call("GET", reply.headers["Location"]).body["priority"] == expected


@pytest.mark.parametrize("priority", ["URGENT", 7, -1, True, 1.5, None, "", [1]])
def test_unknown_priority_is_422_naming_the_field(api, priority):
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.document()), "priority": priority})
    assert reply.status == 422
    assert error_of(reply) == ("invalid_priority", "priority")


@pytest.mark.parametrize("body", [b"{not json", b"", b"\xff\xfe", b'{"file_path": "/x",}'])
def test_malformed_json_is_400(api, body):
    reply = api.call("POST", SUBMIT, data=body, headers={"Content-Type": "application/json"})
    assert reply.status == 400
    assert error_of(reply) == ("malformed_json", "body")


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999", b"9" * 5000])
def test_numbers_json_does_not_have_are_400(api, number):
    """NaN and an overflowing 1e999 would be stored and handed back as JSON no strict
    parser reads."""
    body = b'{"file_path": "%s", "metadata": {"a": %s}}' % (str(api.document()).encode(), number)
    reply = api.call("POST", SUBMIT, data=body, headers={"Content-Type": "application/json"})
    assert reply.status == 400, reply.text
    assert error_of(reply) == ("malformed_json", "body")


def test_json_nested_beyond_reason_is_refused_not_a_500(api):
    path = str(api.document()).encode()
    deepest = b'{"file_path": "%s", "metadata": {"a": %s}}' % (path, b"[" * 50_000 + b"]" * 50_000)
    reply = api.call("POST", SUBMIT, data=deepest, headers={"Content-Type": "application/json"})
    assert reply.status == 400, reply.text
    assert error_of(reply) == ("malformed_json", "body")
    nested: list = []
    for _ in range(40):  # valid JSON, but deeper than any metadata needs
        nested = [nested]
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.document()),
                                           "metadata": {"a": nested}})
    assert reply.status == 422, reply.text
    assert reply.body["error"] == "too_deep"


@pytest.mark.parametrize(("metadata", "field"), [
    (b'{"a": "\\ud800"}', "metadata.a"),
    (b'{"a": ["ok", "x\\udfff"]}', "metadata.a[1]"),
    (b'{"\\ud800": 1}', "metadata"),
])
def test_text_that_is_not_unicode_is_refused_and_the_queue_stays_readable(
    api, metadata, field
):
    """A lone surrogate once got in and made every job listing answer 500."""
    body = b'{"file_path": "%s", "metadata": %s}' % (str(api.document()).encode(), metadata)
    reply = api.call("POST", SUBMIT, data=body, headers={"Content-Type": "application/json"})
    assert reply.status == 422, reply.text
    assert error_of(reply) == ("invalid_text", field)
    assert api.call("GET", "/api/background/jobs").status == 200


def test_metadata_in_a_form_is_checked_the_same_way(api):
    import aiohttp

    form = aiohttp.FormData()
    form.add_field("file", b"some text for a form upload", filename="note.txt")
    form.add_field("metadata", '{"a": NaN}')
    reply = api.call("POST", SUBMIT, data=form)
    assert reply.status == 422, reply.text
    assert error_of(reply) == ("invalid_metadata", "metadata")


@pytest.mark.parametrize(("body", "field"), [
    ([], "body"),
    ("text", "body"),
    ({}, "file_path"),
    ({"file_path": ""}, "file_path"),
    ({"file_path": 42}, "file_path"),
    ({"file_path": "/tmp/x", "colour": "red"}, "colour"),
    ({"file_path": "/tmp/x", "metadata": [1]}, "metadata"),
    ({"file_path": "/tmp/x", "dedupe": "perhaps"}, "dedupe"),
    ({"file_path": "/tmp/x", "dedupe": "yes"}, "dedupe"),  # JSON has true for that
    ({"file_path": "/tmp/x", "dedupe": 1}, "dedupe"),
])
def test_wrong_fields_are_422_naming_the_field(api, body, field):
    reply = api.call("POST", SUBMIT, json=body)
    assert reply.status == 422, reply.text
    assert error_of(reply)[1] == field


def test_missing_file_is_422(api):
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.docs / "absent.pdf")})
    assert reply.status == 422
    assert error_of(reply) == ("file_not_found", "file_path")


def test_folder_is_422(api):
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.docs)})
    assert reply.status == 422
    assert error_of(reply) == ("unsupported", "file_path")


def test_relative_path_is_422(api):
    reply = api.call("POST", SUBMIT, json={"file_path": "docs/doc.txt"})
    assert reply.status == 422
    assert error_of(reply) == ("invalid_path", "file_path")


def test_path_outside_allowed_folders_is_403(api, tmp_path):
    outside = tmp_path / "elsewhere" / "secret.txt"
    outside.parent.mkdir()
    outside.write_text("secret")
    for path in (outside, api.docs / ".." / "elsewhere" / "secret.txt"):
        reply = api.call("POST", SUBMIT, json={"file_path": str(path)})
        assert reply.status == 403
        assert error_of(reply) == ("path_not_allowed", "file_path")
    link = api.docs / "link.txt"
    link.symlink_to(outside)
    reply = api.call("POST", SUBMIT, json={"file_path": str(link)})
    assert reply.status == 403
    assert api.processor.store.count() == 0


def test_idempotency_key_returns_the_existing_job(api):
    path = api.document()
    headers = {"Idempotency-Key": "scan-0001"}
    first = api.call("POST", SUBMIT, json={"file_path": str(path)}, headers=headers)
    again = api.call("POST", SUBMIT, json={"file_path": str(path)}, headers=headers)
    assert first.status == 202
    assert again.status == 200
    assert again.body["existing"] is True
    assert again.body["job_id"] == first.body["job_id"]
    assert again.headers["Location"] == first.headers["Location"]
    assert api.processor.store.count() == 1


def test_idempotency_key_reused_for_another_file_is_refused(api):
    headers = {"Idempotency-Key": "k1"}
    api.call("POST", SUBMIT, json={"file_path": str(api.document("a.txt"))}, headers=headers)
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.document("b.txt"))},
                     headers=headers)
    assert reply.status == 422
    assert error_of(reply) == ("idempotency_key_reused", "Idempotency-Key")


def test_bad_idempotency_key_is_422(api):
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.document())},
                     headers={"Idempotency-Key": "x" * 300})
    assert reply.status == 422
    assert error_of(reply)[1] == "Idempotency-Key"


def test_dedupe_returns_the_job_with_the_same_content(api):
    first = api.call("POST", SUBMIT, json={"file_path": str(api.document("a.txt", "same")),
                                           "dedupe": True})
    copy = api.call("POST", SUBMIT, json={"file_path": str(api.document("copy.txt", "same")),
                                          "dedupe": True})
    other = api.call("POST", SUBMIT, json={"file_path": str(api.document("o.txt", "other")),
                                           "dedupe": True})
    without = api.call("POST", SUBMIT, json={"file_path": str(api.docs / "copy.txt")})
    assert first.status == 202 and other.status == 202 and without.status == 202
    assert copy.status == 200 and copy.body["existing"] is True
    assert copy.body["job_id"] == first.body["job_id"]
    assert len({first.body["job_id"], other.body["job_id"], without.body["job_id"]}) == 3


def test_batch_submits_all_with_one_batch_id(api):
    paths = [str(api.document(f"d{i}.txt", f"text {i}")) for i in range(5)]
    reply = api.call("POST", BATCH, json={"file_paths": paths, "priority": "LOW"})
    assert reply.status == 202, reply.text
    assert reply.body["count"] == 5
    batch_id = reply.body["batch_id"]
    listed = api.call("GET", reply.headers["Location"]).body
    assert {job["job_id"] for job in listed["jobs"]} == set(reply.body["job_ids"])
    assert all(job["batch_id"] == batch_id and job["priority"] == "LOW"
               for job in listed["jobs"])
    finished = api.wait_finished(reply.body["job_ids"])
    assert {job["status"] for job in finished.values()} == {"COMPLETED"}


def test_batch_with_a_bad_path_queues_nothing(api, tmp_path):
    good = str(api.document())
    reply = api.call("POST", BATCH, json={"file_paths": [good, str(api.docs / "nope.txt")]})
    assert reply.status == 422
    assert error_of(reply) == ("file_not_found", "file_paths[1]")
    reply = api.call("POST", BATCH, json={"file_paths": [good, "/etc/hostname"]})
    assert reply.status == 403
    assert error_of(reply)[1] == "file_paths[1]"
    assert api.processor.store.count() == 0


@pytest.mark.parametrize(("body", "field"), [
    ({"file_paths": []}, "file_paths"),
    ({"file_paths": "/a"}, "file_paths"),
    ({"file_paths": ["/a", 3]}, "file_paths[1]"),
    ({}, "file_paths"),
    ({"file_paths": ["/a"], "priority": "ASAP"}, "priority"),
])
def test_batch_bad_input(api, body, field):
    reply = api.call("POST", BATCH, json=body)
    assert reply.status == 422
    assert error_of(reply)[1] == field


def test_batch_idempotency_and_dedupe(api):
    paths = [str(api.document("x.txt", "x")), str(api.document("y.txt", "y"))]
    headers = {"Idempotency-Key": "batch-1"}
    first = api.call("POST", BATCH, json={"file_paths": paths}, headers=headers)
    again = api.call("POST", BATCH, json={"file_paths": paths}, headers=headers)
    assert first.status == 202 and again.status == 200
    assert again.body["job_ids"] == first.body["job_ids"]
    assert again.body["existing_job_ids"] == first.body["job_ids"]
    dedupe = api.call("POST", BATCH, json={"file_paths": [*paths, str(api.document("z.txt", "x"))],
                                            "dedupe": True})
    assert dedupe.status == 202
    # x.txt and y.txt were keyed by name before, so all three are new by content,
    # and z.txt repeats x.txt's content inside the request: submitted once.
    assert dedupe.body["job_ids"][0] == dedupe.body["job_ids"][2]
    assert dedupe.body["existing_job_ids"] == [dedupe.body["job_ids"][2]]
    assert api.processor.store.count() == 4  # 2 by key, 2 by content


def test_a_batch_sent_again_with_its_key_gets_its_jobs_in_its_order(api):
    api.call("POST", "/api/background/queue/pause")
    x, y, z = (str(api.document(f"{name}.txt", name)) for name in "xyz")
    headers = {"Idempotency-Key": "batch-2"}
    first = api.call("POST", BATCH, json={"file_paths": [x, y]}, headers=headers)
    again = api.call("POST", BATCH, json={"file_paths": [x, y]}, headers=headers)
    assert first.status == 202 and again.status == 200
    assert again.body["job_ids"] == first.body["job_ids"]
    # The repeat names the batch the first request queued, and its listing holds both.
    assert again.body["batch_id"] == first.body["batch_id"]
    listed = api.call("GET", again.headers["Location"]).body["jobs"]
    assert sorted(job["job_id"] for job in listed) == sorted(first.body["job_ids"])
    for other in ([y, x], [x], [x, y, z], [x, z]):
        reply = api.call("POST", BATCH, json={"file_paths": other}, headers=headers)
        assert reply.status == 422, (other, reply.text)
        assert error_of(reply) == ("idempotency_key_reused", "Idempotency-Key")
    assert api.processor.store.count() == 2


def test_an_existing_job_is_answered_with_its_status(api):
    path = str(api.document("done.txt", "finished before"))
    headers = {"Idempotency-Key": "done-1"}
    first = api.call("POST", SUBMIT, json={"file_path": path}, headers=headers)
    api.wait_finished([first.body["job_id"]])
    again = api.call("POST", SUBMIT, json={"file_path": path}, headers=headers)
    assert again.status == 200 and again.body["existing"] is True
    assert again.body["status"] == "COMPLETED"


def test_queue_full_is_503_with_retry_after(qloop, tmp_path):
    from tests.api.conftest import make_api, noop_pipeline

    for api in make_api(qloop, tmp_path, pipeline=noop_pipeline(),
                        settings_changes={"max_queue_size": 2}):
        api.call("POST", "/api/background/queue/pause")
        paths = [str(api.document(f"f{i}.txt")) for i in range(3)]
        assert api.call("POST", BATCH, json={"file_paths": paths[:2]}).status == 202
        reply = api.call("POST", SUBMIT, json={"file_path": paths[2]})
        assert reply.status == 503
        assert reply.body["error"] == "queue_full"
        assert reply.headers["Retry-After"]


def test_a_job_stored_with_broken_text_is_still_listed(api):
    """A job queued by other means (or before submits refused it) with a lone surrogate in
    its metadata is listed and shown, escaped, instead of breaking the listing."""
    api.call("POST", "/api/background/queue/pause")
    job_id = api.processor.submit_job(str(api.document()), metadata={"note": "x\ud800y"})
    listing = api.call("GET", "/api/background/jobs")
    assert listing.status == 200, listing.text
    assert job_id in [job["job_id"] for job in listing.body["jobs"]]
    job = api.call("GET", f"/api/background/job/{job_id}")
    assert job.status == 200 and job.body["metadata"] == {"note": "x\ud800y"}
