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
