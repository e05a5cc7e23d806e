"""The API in front of the real document pipeline: small generated text files go in,
the knowledge base answers searches, a broken file fails with its category."""

from __future__ import annotations

import aiohttp


def test_documents_are_processed_and_searchable(real_api):
    api = real_api
    paths = [
        api.document("invoice.txt", "Invoice 2024-17\nTotal amount due: 250 EUR\n" * 10),
        api.document("letter.txt", "Dear Madam,\nthank you for the zebra catalogue.\n" * 10),
    ]
    reply = api.call("POST", "/api/background/submit-batch",
                     json={"file_paths": [str(path) for path in paths], "priority": "HIGH"})
    assert reply.status == 202, reply.text
    jobs = api.wait_finished(reply.body["job_ids"], timeout=60)
    assert {job["status"] for job in jobs.values()} == {"COMPLETED"}
    found = api.call("GET", "/api/background/search?q=zebra").body
    assert [hit["path"] for hit in found["hits"]] == [str(paths[1])]
    assert "⟦zebra⟧" in found["hits"][0]["snippet"]
    typed = api.call("GET", "/api/background/search?q=amount&file_type=txt&limit=5").body
    assert typed["hits"][0]["path"] == str(paths[0])
    assert api.call("GET", "/api/background/search?q=zebra&date_from=yesterday").status == 422


def test_upload_through_the_real_pipeline_and_an_empty_file_fails(real_api):
    api = real_api
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("file", b"Quarterly report on the harbour expansion project.\n" * 20,
                   filename="report.txt")
    uploaded = api.call("POST", "/api/background/submit", data=form)
    empty = api.call("POST", "/api/background/submit",
                     json={"file_path": str(api.document("empty.txt", ""))})
    jobs = api.wait_finished([uploaded.body["job_id"], empty.body["job_id"]], timeout=60)
    assert jobs[uploaded.body["job_id"]]["status"] == "COMPLETED"
    assert jobs[empty.body["job_id"]]["status"] == "FAILED"
    assert jobs[empty.body["job_id"]]["error_category"] == "empty"
    hits = api.call("GET", "/api/background/search?q=harbour").body["hits"]
    assert len(hits) == 1


def test_dedupe_finds_a_file_processed_without_it(real_api):
    """A file processed earlier (submitted without dedupe) is the answer to a dedupe
    submission of the same bytes, by path, in a batch, or uploaded."""
    api = real_api
    content = "Minutes of the harbour board, meeting of 3 March.\n" * 20
    original = api.document("minutes.txt", content)
    first = api.call("POST", "/api/background/submit", json={"file_path": str(original)})
    api.wait_finished([first.body["job_id"]], timeout=60)
    copy = api.document("minutes-copy.txt", content)
    by_path = api.call("POST", "/api/background/submit",
                       json={"file_path": str(copy), "dedupe": True})
    assert by_path.status == 200, by_path.text
    assert by_path.body["job_id"] == first.body["job_id"]
    assert by_path.body["existing"] is True and by_path.body["status"] == "COMPLETED"
    other = api.document("other.txt", "Something else entirely, about lighthouses.\n" * 20)
    batch = api.call("POST", "/api/background/submit-batch",
                     json={"file_paths": [str(other), str(copy)], "dedupe": True})
    assert batch.status == 202, batch.text
    assert batch.body["job_ids"][1] == first.body["job_id"]
    assert batch.body["existing_job_ids"] == [first.body["job_id"]]
    form = aiohttp.FormData(default_to_multipart=True)
    form.add_field("file", content.encode(), filename="minutes.txt")
    form.add_field("dedupe", "true")
    uploaded = api.call("POST", "/api/background/submit", data=form)
    assert uploaded.status == 200 and uploaded.body["job_id"] == first.body["job_id"]
    without = api.call("POST", "/api/background/submit", json={"file_path": str(copy)})
    assert without.status == 202 and without.body["job_id"] != first.body["job_id"]
