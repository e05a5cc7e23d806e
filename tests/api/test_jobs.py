"""Reading, listing, cancelling, retrying and re-prioritising jobs; unknown ids are 404."""

from __future__ import annotations

import pytest

SUBMIT = "/api/background/submit"


def submit(api, name="doc.txt", **extra):
    reply = api.call("POST", SUBMIT, json={"file_path": str(api.document(name)), **extra})
    assert reply.status == 202, reply.text
    return reply.body["job_id"]


@pytest.mark.parametrize("path", [
    "/api/background/job/{}", "/api/background/job/{}/progress",
])
def test_unknown_job_is_404_naming_job_id(api, path):
    for job_id in ("0" * 32, "no-such-job", "x" * 100):
        reply = api.call("GET", path.format(job_id))
        assert reply.status == 404
        assert reply.body == {"error": "job_not_found", "message": reply.body["message"],
                              "field": "job_id"}
    for method, suffix in (("DELETE", ""), ("POST", "/retry")):
        reply = api.call(method, f"/api/background/job/{'0' * 32}{suffix}")
        assert reply.status == 404 and reply.body["field"] == "job_id"


def test_unknown_route_and_method_are_json(api):
    reply = api.call("GET", "/api/background/nothing")
    assert reply.status == 404 and reply.body["error"] == "not_found"
    reply = api.call("PUT", "/api/background/submit")
    assert reply.status == 405 and reply.body["error"] == "method_not_allowed"


def test_progress_of_a_finished_job(api):
    job_id = submit(api)
    api.wait_finished([job_id])
    progress = api.call("GET", f"/api/background/job/{job_id}/progress").body
    assert progress["status"] == "COMPLETED"
    assert progress["progress"] == 1.0
    assert progress["steps_completed"] == ["work"]


def test_list_filter_and_pages(api):
    api.call("POST", "/api/background/queue/pause")
    ids = [submit(api, f"d{i}.txt") for i in range(5)]
    page = api.call("GET", "/api/background/jobs?limit=2").body
    assert [job["job_id"] for job in page["jobs"]] == ids[::-1][:2]
    assert page["total"] == 5 and page["next_offset"] == 2
    last = api.call("GET", "/api/background/jobs?limit=2&offset=4").body
    assert [job["job_id"] for job in last["jobs"]] == [ids[0]] and last["next_offset"] is None
    oldest = api.call("GET", "/api/background/jobs?limit=1&order=oldest").body
    assert oldest["jobs"][0]["job_id"] == ids[0]
    queued = api.call("GET", "/api/background/jobs?status=queued,FAILED").body
    assert queued["total"] == 5
    assert api.call("GET", "/api/background/jobs?status=COMPLETED").body["jobs"] == []


@pytest.mark.parametrize(("query", "field"), [
    ("status=DONE", "status"), ("limit=0", "limit"), ("limit=abc", "limit"),
    ("limit=100000", "limit"), ("offset=-1", "offset"), ("order=random", "order"),
    ("batch_id=../x", "batch_id"),
])
def test_list_bad_filters(api, query, field):
    reply = api.call("GET", f"/api/background/jobs?{query}")
    assert reply.status == 422
    assert reply.body["field"] == field


def test_cancel_retry_and_priority(api):
    api.call("POST", "/api/background/queue/pause")
    job_id = submit(api)
    changed = api.call("POST", f"/api/background/job/{job_id}/priority", json={"priority": 0})
    assert changed.status == 200 and changed.body["priority"] == "CRITICAL"
    cancelled = api.call("DELETE", f"/api/background/job/{job_id}")
    assert cancelled.status == 200
    assert cancelled.body["cancelled"] is True and cancelled.body["status"] == "CANCELLED"
    again = api.call("DELETE", f"/api/background/job/{job_id}")
    assert again.body["cancelled"] is False
    retried = api.call("POST", f"/api/background/job/{job_id}/retry")
    assert retried.status == 200 and retried.body["status"] == "QUEUED"
    api.call("POST", "/api/background/queue/resume")
    assert api.wait_finished([job_id])[job_id]["status"] == "COMPLETED"
    refused = api.call("POST", f"/api/background/job/{job_id}/retry")
    assert refused.status == 409 and refused.body["error"] == "invalid_transition"
    late = api.call("POST", f"/api/background/job/{job_id}/priority", json={"priority": "LOW"})
    assert late.status == 409 and late.body["error"] == "invalid_transition", late.text
    assert api.call("GET", f"/api/background/job/{job_id}").body["priority"] == "CRITICAL"


@pytest.mark.parametrize(("body", "field"), [
    ({"priority": "SOONISH"}, "priority"), ({}, "priority"), ({"level": 1}, "level"),
])
def test_bad_priority_change(api, body, field):
    job_id = submit(api)
    reply = api.call("POST", f"/api/background/job/{job_id}/priority", json=body)
    assert reply.status == 422 and reply.body["field"] == field


def test_failed_job_carries_its_category(api):
    job_id = submit(api, metadata={"fail": True})
    job = api.wait_finished([job_id])[job_id]
    assert job["status"] == "FAILED"
    assert job["error_category"] == "corrupt"
    assert job["error_message"] == "told to fail"
