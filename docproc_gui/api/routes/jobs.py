"""One job or many: read, list with filters and pages, cancel, retry, re-prioritise."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from docproc_gui.api.context import ApiContext, context, json_response
from docproc_gui.api.discovery import PREFIX
from docproc_gui.api.errors import ApiError
from docproc_gui.api.schemas import (
    MAX_PAGE,
    job_id_param,
    parse_priority,
    query_int,
    query_statuses,
    read_json_object,
    unknown_fields,
)
from docproc_gui.domain import ProcessingStatus

routes = web.RouteTableDef()


@routes.get(f"{PREFIX}/jobs")
async def list_jobs(request: web.Request) -> web.Response:
    ctx = context(request)
    statuses = query_statuses(request)
    limit = query_int(request, "limit", 100, 1, MAX_PAGE)
    offset = query_int(request, "offset", 0, 0, 10**9)
    batch_id = request.query.get("batch_id") or None
    if batch_id is not None and (len(batch_id) > 64 or not batch_id.isalnum()):
        raise ApiError(422, "invalid_value", "batch_id is not a batch id", "batch_id")
    order = request.query.get("order", "newest")
    if order not in ("newest", "oldest"):
        raise ApiError(422, "invalid_value", "order must be newest or oldest", "order")
    page = await ctx.call(_page, ctx, statuses, limit, offset, batch_id, order == "newest")
    return json_response(page)


def _page(
    ctx: ApiContext,
    statuses: list[ProcessingStatus],
    limit: int,
    offset: int,
    batch_id: str | None,
    newest_first: bool,
) -> dict[str, Any]:
    store = ctx.processor.store
    jobs = store.list_jobs(
        statuses or None, limit=limit, offset=offset, batch_id=batch_id, newest_first=newest_first
    )
    # The store counts by status only; a batch's total is left out rather than guessed.
    total = None if batch_id else store.count(statuses or None)
    more = len(jobs) == limit and (total is None or offset + limit < total)
    return {
        "jobs": [job.to_dict() for job in jobs],
        "total": total,
        "limit": limit,
        "offset": offset,
        "next_offset": offset + len(jobs) if more else None,
    }


@routes.get(PREFIX + "/job/{job_id}")
async def get_job(request: web.Request) -> web.Response:
    ctx = context(request)
    job = await ctx.call(ctx.processor.get_job, job_id_param(request))
    return json_response(job.to_dict())


@routes.get(PREFIX + "/job/{job_id}/progress")
async def get_progress(request: web.Request) -> web.Response:
    ctx = context(request)
    progress = await ctx.call(ctx.processor.get_job_progress, job_id_param(request))
    return json_response(progress.to_dict())


@routes.delete(PREFIX + "/job/{job_id}")
async def cancel_job(request: web.Request) -> web.Response:
    ctx = context(request)
    job_id = job_id_param(request)
    cancelled, job = await ctx.call(_cancel, ctx, job_id)
    return json_response(
        {"job_id": job_id, "cancelled": cancelled, "status": job["status"], "job": job}
    )


def _cancel(ctx: ApiContext, job_id: str) -> tuple[bool, dict[str, Any]]:
    cancelled = ctx.processor.cancel_job(job_id)
    return cancelled, ctx.processor.get_job(job_id).to_dict()


@routes.post(PREFIX + "/job/{job_id}/retry")
async def retry_job(request: web.Request) -> web.Response:
    ctx = context(request)
    job = await ctx.call(ctx.processor.retry_job, job_id_param(request))
    return json_response(job.to_dict())


@routes.post(PREFIX + "/job/{job_id}/priority")
async def set_priority(request: web.Request) -> web.Response:
    ctx = context(request)
    job_id = job_id_param(request)
    body = await read_json_object(request)
    unknown_fields(body, {"priority"})
    if "priority" not in body:
        raise ApiError(422, "missing_field", "priority is required", "priority")
    priority = parse_priority(body["priority"])
    job = await ctx.call(ctx.processor.set_priority, job_id, priority)
    return json_response(job.to_dict())
