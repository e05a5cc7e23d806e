"""Queue control and the monitoring shapes of the original design."""

from __future__ import annotations


def test_health_has_the_original_shape(api):
    health = api.call("GET", "/api/background/queue/health").body
    for key in ("status", "total_jobs", "queued_jobs", "processing_jobs", "failed_jobs",
                "oldest_job_age", "alerts"):
        assert key in health
    assert health["status"] in ("healthy", "degraded", "unhealthy")
    assert isinstance(health["alerts"], list)


def test_pause_and_resume(api):
    assert api.call("POST", "/api/background/queue/pause").body["paused"] is True
    path = api.document()
    reply = api.call("POST", "/api/background/submit", json={"file_path": str(path)})
    job_id = reply.body["job_id"]
    status = api.call("GET", "/api/background/queue/status").body
    assert status["paused"] is True and status["queued_jobs"] == 1
    assert api.call("POST", "/api/background/queue/resume").body["paused"] is False
    assert api.wait_finished([job_id])[job_id]["status"] == "COMPLETED"


def test_statistics_and_summary(api):
    job_id = api.call("POST", "/api/background/submit",
                      json={"file_path": str(api.document())}).body["job_id"]
    api.wait_finished([job_id])
    stats = api.call("GET", "/api/background/statistics").body
    weekly = stats["weekly_summary"]
    assert set(weekly) >= {"total_jobs", "successful_jobs", "failed_jobs",
                           "average_processing_time", "success_rate"}
    assert weekly["successful_jobs"] >= 1
    assert stats["daily_throughput"][-1]["jobs_per_hour"] > 0
    assert set(stats["daily_throughput"][-1]) >= {"date", "jobs_per_hour"}
    summary = api.call("GET", "/api/background/monitor/summary").body
    assert summary["status"] == summary["health"]["status"]
    assert summary["queue"]["total_jobs"] >= 1
    assert summary["weekly_summary"]["total_jobs"] >= 1


def test_search_without_knowledge_base_is_503(api):
    reply = api.call("GET", "/api/background/search?q=x")
    assert reply.status == 503 and reply.body["error"] == "search_unavailable"
