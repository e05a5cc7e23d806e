"""Idempotency keys and dedupe under the cases that broke them: two requests at once, a
key used for a single file and for a batch, jobs removed since, and files that failed."""

from __future__ import annotations

import asyncio

import aiohttp

SUBMIT = "/api/background/submit"
BATCH = "/api/background/submit-batch"


def blind_first_lookup(api) -> None:
    """The moment between a batch's check for its key and its commit: the check misses a
    batch that another request commits meanwhile (as when both are sent at once)."""
    store = api.processor.store
    real = store.find_by_keys
    calls: list[object] = []

    def lookup(keys):
        calls.append(keys)
        return {} if len(calls) == 1 else real(keys)

    store.find_by_keys = lookup


def test_the_same_keyed_batch_twice_at_once_is_one_batch(api):
    api.call("POST", "/api/background/queue/pause")
    paths = [str(api.document(f"r{i}.txt", f"race {i}")) for i in range(3)]
    headers = {"Idempotency-Key": "race-1"}
    first = api.call("POST", BATCH, json={"file_paths": paths}, headers=headers)
    blind_first_lookup(api)
    second = api.call("POST", BATCH, json={"file_paths": paths}, headers=headers)
    assert first.status == 202 and second.status == 200, second.text
    assert second.body["batch_id"] == first.body["batch_id"]
    assert second.body["job_ids"] == first.body["job_ids"]
    assert api.processor.store.count() == 3


def test_another_batch_racing_under_the_same_key_is_refused_and_queues_nothing(api):
    api.call("POST", "/api/background/queue/pause")
    one, two = str(api.document("one.txt", "1")), str(api.document("two.txt", "2"))
    headers = {"Idempotency-Key": "race-2"}
    assert api.call("POST", BATCH, json={"file_paths": [one]}, headers=headers).status == 202
    blind_first_lookup(api)
    other = api.call("POST", BATCH, json={"file_paths": [two]}, headers=headers)
    assert other.status == 422, other.text
    assert other.body["error"] == "idempotency_key_reused"
    blind_first_lookup(api)
    longer = api.call("POST", BATCH, json={"file_paths": [one, two]}, headers=headers)
    assert longer.status == 422, longer.text
    assert api.processor.store.count() == 1


def test_two_uploads_with_one_key_at_once_are_one_job_and_one_file(api):
    api.call("POST", "/api/background/queue/pause")
    uploads = api.settings.data_dir / "uploads"

    async def send(key: str) -> tuple[int, dict]:
        form = aiohttp.FormData(default_to_multipart=True)
        form.add_field("file", b"x" * 300_000, filename="scan.pdf")
        reply = await api.acall("POST", SUBMIT, data=form, headers={"Idempotency-Key": key})
        return reply.status, reply.body

    async def both(key: str) -> list[tuple[int, dict]]:
        return list(await asyncio.gather(send(key), send(key)))

    for attempt in range(3):
        results = api.run(both(f"up-{attempt}"))
        assert sorted(status for status, _ in results) == [200, 202], results
        assert results[0][1]["job_id"] == results[1][1]["job_id"]
    assert api.processor.store.count() == 3
    assert len(list(uploads.iterdir())) == 3  # each loser's copy was removed


def test_a_key_is_for_a_single_file_or_for_a_batch_not_both(api):
    api.call("POST", "/api/background/queue/pause")
    path = str(api.document("k.txt", "k"))
    single = {"Idempotency-Key": "single-then-batch"}
    assert api.call("POST", SUBMIT, json={"file_path": path}, headers=single).status == 202
    reply = api.call("POST", BATCH, json={"file_paths": [path]}, headers=single)
    assert reply.status == 422 and reply.body["error"] == "idempotency_key_reused"
    batch = {"Idempotency-Key": "batch-then-single"}
    assert api.call("POST", BATCH, json={"file_paths": [path]}, headers=batch).status == 202
    reply = api.call("POST", SUBMIT, json={"file_path": path}, headers=batch)
    assert reply.status == 422 and reply.body["error"] == "idempotency_key_reused"
    reply = api.call("POST", SUBMIT, json={"file_path": path},
                     headers={"Idempotency-Key": "batch-then-single#0"})
    assert reply.status == 422 and reply.body["error"] == "invalid_idempotency_key"
    assert api.processor.store.count() == 2


def test_a_replay_after_its_jobs_left_the_history_says_so(api):
    paths = [str(api.document(f"h{i}.txt", f"history {i}")) for i in range(2)]
    headers = {"Idempotency-Key": "history-1"}
    first = api.call("POST", BATCH, json={"file_paths": paths}, headers=headers)
    api.wait_finished(first.body["job_ids"])
    assert api.processor.remove_jobs(first.body["job_ids"][:1]) == 1
    again = api.call("POST", BATCH, json={"file_paths": paths}, headers=headers)
    assert again.status == 422 and again.body["error"] == "idempotency_key_expired", again.text


def test_dedupe_of_a_cancelled_file_queues_it_again(api):
    api.call("POST", "/api/background/queue/pause")
    path = str(api.document("again.txt", "process me after all"))
    first = api.call("POST", SUBMIT, json={"file_path": path, "dedupe": True})
    api.call("DELETE", f"/api/background/job/{first.body['job_id']}")
    again = api.call("POST", SUBMIT, json={"file_path": path, "dedupe": True})
    assert again.status == 200 and again.body["job_id"] == first.body["job_id"]
    assert again.body["status"] == "QUEUED", again.text
    job = api.call("GET", f"/api/background/job/{first.body['job_id']}").body
    assert job["status"] == "QUEUED"


def test_a_dedupe_batch_that_queued_nothing_names_no_batch(api):
    api.call("POST", "/api/background/queue/pause")
    path = str(api.document("known.txt", "known content"))
    first = api.call("POST", BATCH, json={"file_paths": [path], "dedupe": True})
    again = api.call("POST", BATCH, json={"file_paths": [path], "dedupe": True})
    assert first.status == 202 and again.status == 200
    assert again.body["batch_id"] is None and again.body["location"] is None
    assert "Location" not in again.headers
    assert again.body["existing_job_ids"] == first.body["job_ids"]


def test_a_stream_filter_that_names_nothing_is_refused(api):
    reply = api.call("GET", "/api/background/stream/progress?job_id=,")
    assert reply.status == 422 and reply.body["field"] == "job_id"
