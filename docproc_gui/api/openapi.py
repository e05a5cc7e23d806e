"""The OpenAPI 3.0 document served at ``/openapi.json``: every endpoint, its parameters,
bodies and responses. The JSON shapes are the engine's ``to_dict`` outputs (job,
progress, health, statistics) and the original design's monitoring shapes; the fuzz test
(schemathesis) checks that every answer of the server conforms to this document.
"""

from __future__ import annotations

from typing import Any

from docproc_gui import __version__
from docproc_gui.api.discovery import PREFIX
from docproc_gui.api.schemas import MAX_BATCH_FILES, MAX_PAGE
from docproc_gui.domain import ProcessingPriority, ProcessingStatus

JSON = "application/json"

Schema = dict[str, Any]


def _ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(kind: str, **extra: Any) -> Schema:
    return {"type": kind, "nullable": True, **extra}


def _object(
    properties: dict[str, Schema],
    required: list[str] | None = None,
    additional: bool | Schema = True,
) -> Schema:
    schema: Schema = {
        "type": "object",
        "properties": properties,
        "additionalProperties": additional,
    }
    schema["required"] = list(properties) if required is None else required
    if not schema["required"]:
        del schema["required"]
    return schema


STATUS = {"type": "string", "enum": [status.value for status in ProcessingStatus]}
PRIORITY_NAMES = [member.name for member in ProcessingPriority]
PRIORITY_IN: Schema = {
    "description": "a name (any case) or a number; lower runs first",
    "anyOf": [
        {"type": "string", "enum": PRIORITY_NAMES + [name.lower() for name in PRIORITY_NAMES]},
        {"type": "integer", "minimum": 0, "maximum": 4},
    ],
}
INT = {"type": "integer"}
NUM = {"type": "number"}
STR = {"type": "string"}
BOOL = {"type": "boolean"}
COUNTS = {"type": "object", "additionalProperties": INT}

SCHEMAS: dict[str, Schema] = {
    "Error": _object(
        {"error": STR, "message": STR, "field": _nullable("string")},
        additional=False,
    ),
    "Job": _object(
        {
            "job_id": STR,
            "file_path": STR,
            "priority": {"type": "string", "enum": PRIORITY_NAMES},
            "status": STATUS,
            "created_at": _nullable("string"),
            "started_at": _nullable("string"),
            "completed_at": _nullable("string"),
            "progress": NUM,
            "current_step": STR,
            "retry_count": INT,
            "max_retries": INT,
            "error_message": _nullable("string"),
            "error_category": _nullable("string"),
            "result": _nullable("object"),
            "metadata": {"type": "object"},
            "attempts": INT,
            "file_size": _nullable("integer"),
            "file_type": STR,
            "batch_id": _nullable("string"),
            "next_attempt_at": _nullable("string"),
            "duration": _nullable("number"),
        }
    ),
    "Progress": _object(
        {
            "job_id": STR,
            "status": STATUS,
            "progress": NUM,
            "current_step": STR,
            "steps_completed": {"type": "array", "items": STR},
            "estimated_time_remaining": _nullable("number"),
            "message": _nullable("string"),
            "error_category": _nullable("string"),
        }
    ),
    "SubmitRequest": _object(
        {
            "file_path": {
                "type": "string",
                "minLength": 1,
                "description": "absolute path inside an allowed folder",
            },
            "priority": PRIORITY_IN,
            "metadata": {"type": "object"},
            "dedupe": {
                "type": "boolean",
                "description": "return the existing job for the same content",
            },
        },
        required=["file_path"],
        additional=False,
    ),
    "BatchRequest": _object(
        {
            "file_paths": {
                "type": "array",
                "minItems": 1,
                "maxItems": MAX_BATCH_FILES,
                "items": {"type": "string", "minLength": 1},
            },
            "priority": PRIORITY_IN,
            "metadata": {"type": "object"},
            "dedupe": BOOL,
        },
        required=["file_paths"],
        additional=False,
    ),
    "UploadForm": _object(
        {
            "file": {"type": "string", "format": "binary"},
            "priority": {"type": "string"},
            "metadata": {"type": "string", "description": "a JSON object as text"},
            "dedupe": {
                "type": "string",
                "enum": ["true", "false", "yes", "no", "on", "off", "1", "0", ""],
            },
        },
        required=["file"],
        additional=False,
    ),
    "Accepted": _object(
        {
            "job_id": STR,
            "status": STR,
            "existing": BOOL,
            "file_path": STR,
            "location": STR,
        }
    ),
    "BatchAccepted": _object(
        {
            # null when the request queued nothing new (every file known, by dedupe)
            "batch_id": _nullable("string"),
            "job_ids": {"type": "array", "items": STR},
            "count": INT,
            "existing_job_ids": {"type": "array", "items": STR},
            "location": _nullable("string"),
        }
    ),
    "JobPage": _object(
        {
            "jobs": {"type": "array", "items": _ref("Job")},
            "total": _nullable("integer"),
            "limit": INT,
            "offset": INT,
            "next_offset": _nullable("integer"),
        }
    ),
    "CancelResult": _object(
        {"job_id": STR, "cancelled": BOOL, "status": STATUS, "job": _ref("Job")}
    ),
    "PriorityRequest": _object({"priority": PRIORITY_IN}, additional=False),
    "QueueStatus": _object(
        {
            "paused": BOOL,
            "counts": COUNTS,
            "queued_jobs": INT,
            "processing_jobs": INT,
            "active_workers": INT,
            "max_workers": INT,
            "max_queue_size": INT,
            "total_jobs": INT,
        }
    ),
    "Health": _object(
        {
            "status": {"type": "string", "enum": ["healthy", "degraded", "unhealthy"]},
            "total_jobs": INT,
            "queued_jobs": INT,
            "processing_jobs": INT,
            "failed_jobs": INT,
            "oldest_job_age": NUM,
            "alerts": {
                "type": "array",
                "items": _object(
                    {
                        "level": {"type": "string", "enum": ["warning", "critical"]},
                        "message": STR,
                        "code": STR,
                    },
                    required=["level", "message"],
                ),
            },
            "disk_free_mb": _nullable("number"),
        },
        required=[
            "status",
            "total_jobs",
            "queued_jobs",
            "processing_jobs",
            "failed_jobs",
            "oldest_job_age",
            "alerts",
        ],
    ),
    "WeeklySummary": _object(
        {
            "total_jobs": INT,
            "successful_jobs": INT,
            "failed_jobs": INT,
            "cancelled_jobs": INT,
            "average_processing_time": _nullable("number"),
            "success_rate": _nullable("number", description="percent"),
        }
    ),
    "DailyThroughput": _object(
        {"date": STR, "jobs": INT, "jobs_per_hour": NUM}, required=["date", "jobs_per_hour"]
    ),
    "MinuteThroughput": _object({"minute": STR, "completed": INT, "failed": INT}),
    "Statistics": _object(
        {
            "generated_at": NUM,
            "counts": COUNTS,
            "total_jobs": INT,
            "waiting_jobs": INT,
            "running_jobs": INT,
            "success_rate": _nullable("number"),
            "average_processing_time": _nullable("number"),
            "p50_processing_time": _nullable("number"),
            "p95_processing_time": _nullable("number"),
            "oldest_queued_age": NUM,
            "recent_completed": INT,
            "recent_failed": INT,
            "recent_failure_rate": _nullable("number"),
            "weekly_summary": _ref("WeeklySummary"),
            "daily_throughput": {"type": "array", "items": _ref("DailyThroughput")},
            "per_minute": {"type": "array", "items": _ref("MinuteThroughput")},
        }
    ),
    "Summary": _object(
        {
            "status": {"type": "string", "enum": ["healthy", "degraded", "unhealthy"]},
            "health": _ref("Health"),
            "queue": _ref("QueueStatus"),
            "success_rate": _nullable("number"),
            "average_processing_time": _nullable("number"),
            "p50_processing_time": _nullable("number"),
            "p95_processing_time": _nullable("number"),
            "recent_failure_rate": _nullable("number"),
            "weekly_summary": _ref("WeeklySummary"),
            "daily_throughput": {"type": "array", "items": _ref("DailyThroughput")},
            "per_minute": {"type": "array", "items": _ref("MinuteThroughput")},
            "stream_clients": INT,
        }
    ),
    "SearchHit": _object(
        {
            "document_id": INT,
            "rank": INT,
            "score": NUM,
            "title": _nullable("string"),
            "path": STR,
            "snippet": STR,
            "file_type": STR,
            "category": STR,
            "language": STR,
            "pages": INT,
            "words": INT,
            "quality_score": _nullable("number"),
            "doc_date": _nullable("string"),
        }
    ),
    "SearchResult": _object(
        {
            "query": STR,
            "hits": {"type": "array", "items": _ref("SearchHit")},
            "count": INT,
            "limit": INT,
            "offset": INT,
        }
    ),
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description, "content": {JSON: {"schema": _ref("Error")}}}


COMMON_ERRORS = {
    "401": _error("missing or wrong token"),
    "429": _error("rate limited (too many requests, or too many wrong tokens)"),
}


def _ok(schema: str, description: str = "OK", code: str = "200") -> dict[str, Any]:
    return {code: {"description": description, "content": {JSON: {"schema": _ref(schema)}}}}


def _op(summary: str, responses: dict[str, Any], *, tag: str, **extra: Any) -> dict[str, Any]:
    return {"summary": summary, "tags": [tag], "responses": {**responses, **COMMON_ERRORS}, **extra}


JOB_ID = {
    "name": "job_id",
    "in": "path",
    "required": True,
    "schema": {"type": "string", "pattern": "^[0-9a-zA-Z]{1,64}$"},
}
IDEMPOTENCY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "repeat a submission safely: the same key returns the same job",
    "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[ -~]+$"},
}
DATE = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}"}
LOCATION = {"Location": {"schema": {"type": "string"}, "description": "where the job is"}}


def _query(name: str, schema: Schema, description: str = "") -> dict[str, Any]:
    parameter = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        parameter["description"] = description
    return parameter


def _submit_body(schema: str) -> dict[str, Any]:
    return {
        "required": True,
        "content": {
            JSON: {"schema": _ref(schema)},
            "multipart/form-data": {"schema": _ref("UploadForm")},
        },
    }


def _paths() -> dict[str, Any]:
    accepted_single = {
        "202": {
            "description": "queued",
            "headers": LOCATION,
            "content": {JSON: {"schema": _ref("Accepted")}},
        },
        "200": {
            "description": "an existing job (same Idempotency-Key or content)",
            "headers": LOCATION,
            "content": {JSON: {"schema": _ref("Accepted")}},
        },
    }
    accepted_batch = {
        "202": {
            "description": "queued",
            "headers": LOCATION,
            "content": {JSON: {"schema": _ref("BatchAccepted")}},
        },
        "200": {
            "description": "every file was already queued",
            "headers": LOCATION,
            "content": {JSON: {"schema": _ref("BatchAccepted")}},
        },
    }
    submit_errors = {
        "400": _error("malformed JSON or form"),
        "403": _error("the file is outside the allowed folders"),
        "413": _error("the upload is larger than the limit"),
        "422": _error("a field has a wrong value (names the field)"),
        "503": _error("the queue is full; retry later"),
        "507": _error("the disk is full; nothing was stored"),
    }
    job_errors = {"404": _error("no such job")}
    return {
        f"{PREFIX}/submit": {
            "post": _op(
                "Queue one document (a path, or an upload)",
                {**accepted_single, **submit_errors},
                tag="jobs",
                parameters=[IDEMPOTENCY],
                requestBody=_submit_body("SubmitRequest"),
            )
        },
        f"{PREFIX}/submit-batch": {
            "post": _op(
                "Queue many documents in one transaction",
                {**accepted_batch, **submit_errors},
                tag="jobs",
                parameters=[IDEMPOTENCY],
                requestBody=_submit_body("BatchRequest"),
            )
        },
        f"{PREFIX}/jobs": {
            "get": _op(
                "List jobs, newest first, filtered and paged",
                {**_ok("JobPage"), "422": _error("a bad filter")},
                tag="jobs",
                parameters=[
                    _query("status", {"type": "string"}, "status names, comma-separated"),
                    _query("batch_id", {"type": "string"}),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
                    _query("offset", {"type": "integer", "minimum": 0}),
                    _query("order", {"type": "string", "enum": ["newest", "oldest"]}),
                ],
            )
        },
        PREFIX + "/job/{job_id}": {
            "get": _op("The job", {**_ok("Job"), **job_errors}, tag="jobs", parameters=[JOB_ID]),
            "delete": _op(
                "Cancel the job (waiting or running)",
                {**_ok("CancelResult"), **job_errors},
                tag="jobs",
                parameters=[JOB_ID],
            ),
        },
        PREFIX + "/job/{job_id}/progress": {
            "get": _op(
                "The job's progress",
                {**_ok("Progress"), **job_errors},
                tag="jobs",
                parameters=[JOB_ID],
            )
        },
        PREFIX + "/job/{job_id}/retry": {
            "post": _op(
                "Retry a failed or cancelled job",
                {**_ok("Job"), **job_errors, "409": _error("the job is not failed or cancelled")},
                tag="jobs",
                parameters=[JOB_ID],
            )
        },
        PREFIX + "/job/{job_id}/priority": {
            "post": _op(
                "Change a waiting job's priority",
                {
                    **_ok("Job"),
                    **job_errors,
                    "400": _error("malformed JSON"),
                    "409": _error("the job is completed: it will not run again"),
                    "422": _error("a bad priority"),
                },
                tag="jobs",
                parameters=[JOB_ID],
                requestBody={
                    "required": True,
                    "content": {JSON: {"schema": _ref("PriorityRequest")}},
                },
            )
        },
        f"{PREFIX}/queue/status": {
            "get": _op("Queue counts and workers", _ok("QueueStatus"), tag="queue")
        },
        f"{PREFIX}/queue/health": {"get": _op("Health with alerts", _ok("Health"), tag="queue")},
        f"{PREFIX}/queue/pause": {
            "post": _op("Stop starting jobs", _ok("QueueStatus"), tag="queue")
        },
        f"{PREFIX}/queue/resume": {
            "post": _op("Start jobs again", _ok("QueueStatus"), tag="queue")
        },
        f"{PREFIX}/statistics": {
            "get": _op(
                "Weekly summary, daily throughput, timings", _ok("Statistics"), tag="monitor"
            )
        },
        f"{PREFIX}/monitor/summary": {
            "get": _op("Health, queue and statistics in one", _ok("Summary"), tag="monitor")
        },
        f"{PREFIX}/search": {
            "get": _op(
                "Search the knowledge base",
                {
                    **_ok("SearchResult"),
                    "422": _error("a bad query or filter"),
                    "503": _error("no knowledge base (custom pipeline)"),
                },
                tag="search",
                parameters=[
                    _query(
                        "q",
                        {"type": "string", "maxLength": 1000},
                        'words, "phrases", prefix*, a OR b, -word, title:word',
                    ),
                    _query("file_type", {"type": "string", "maxLength": 64}),
                    _query("category", {"type": "string", "maxLength": 64}),
                    _query("language", {"type": "string", "maxLength": 64}),
                    _query("date_from", DATE, "ISO date (or date and time)"),
                    _query("date_to", DATE, "ISO date (or date and time)"),
                    _query("limit", {"type": "integer", "minimum": 1, "maximum": 500}),
                    _query("offset", {"type": "integer", "minimum": 0, "maximum": 100_000}),
                ],
            )
        },
        f"{PREFIX}/stream/progress": {
            "get": _op(
                "Progress events (Server-Sent Events); reconnect with Last-Event-ID",
                {
                    "200": {
                        "description": "an endless event stream",
                        "content": {"text/event-stream": {"schema": {"type": "string"}}},
                    },
                    "404": _error("a job_id or batch_id that no job has"),
                },
                tag="stream",
                parameters=[
                    _query("job_id", {"type": "string"}, "job ids, comma-separated"),
                    _query("batch_id", {"type": "string"}, "batch ids, comma-separated"),
                    {
                        "name": "Last-Event-ID",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string"},
                    },
                ],
            )
        },
        "/openapi.json": {
            "get": _op(
                "This document",
                {
                    "200": {
                        "description": "OpenAPI 3.0",
                        "content": {JSON: {"schema": {"type": "object"}}},
                    }
                },
                tag="meta",
            )
        },
    }


def openapi_document(server_url: str | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {
        "openapi": "3.0.3",
        "info": {
            "title": "DocProc local API",
            "version": __version__,
            "description": "Submit documents to DocProc's background queue and watch them. "
            "Every request needs 'Authorization: Bearer <token>' "
            "(see `docproc token`).",
        },
        "paths": _paths(),
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
    }
    if server_url:
        document["servers"] = [{"url": server_url}]
    return document
