"""``GET /api/background/stream/progress``: the progress stream as Server-Sent Events.

Filters: ``job_id`` and ``batch_id`` (repeatable or comma-separated; an event matching
either passes); an id that no job has is a 404, not a stream that stays silent.
``Last-Event-ID`` (header, or ``last_event_id`` in the query for clients that cannot set
headers) replays what was missed. A comment line every ``heartbeat_s`` keeps proxies and
idle-timeouts from closing a quiet stream.
"""

from __future__ import annotations

from aiohttp import web

from docproc_gui.api.context import ApiContext, context
from docproc_gui.api.discovery import PREFIX
from docproc_gui.api.errors import ApiError
from docproc_gui.api.schemas import query_list
from docproc_gui.api.sse import HEARTBEAT_FRAME, RETRY_MS

routes = web.RouteTableDef()


@routes.get(f"{PREFIX}/stream/progress")
async def progress_stream(request: web.Request) -> web.StreamResponse:
    ctx = context(request)
    broker = ctx.broker
    last_id = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    job_ids, batch_ids = query_list(request, "job_id"), query_list(request, "batch_id")
    if job_ids or batch_ids:
        await _check_known(ctx, job_ids, batch_ids)
    subscription, first = broker.subscribe(job_ids, batch_ids, last_id)
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache",
            "X-Accel-Buffering": "no",
        }
    )
    try:
        await response.prepare(request)
        await response.write(
            f"retry: {RETRY_MS}\n: connected {broker.last_id}\n\n".encode() + b"".join(first)
        )
        while not subscription.closed:
            batch = await subscription.next_batch(ctx.heartbeat_s)
            if batch is None:
                await response.write(HEARTBEAT_FRAME)
            elif batch:
                await response.write(b"".join(broker.frame(event) for event in batch))
    except (ConnectionResetError, ConnectionError):
        pass  # the client went away
    finally:
        broker.unsubscribe(subscription)
    return response


async def _check_known(ctx: ApiContext, job_ids: list[str], batch_ids: list[str]) -> None:
    for name, values in (("job_id", job_ids), ("batch_id", batch_ids)):
        for value in values:
            if len(value) > 64 or not value.isalnum():
                raise ApiError(
                    404, f"{name[:-3]}_not_found", f"no {name[:-3]} with id {value!r}", name
                )
    unknown = await ctx.call(ctx.processor.store.unknown_ids, job_ids, batch_ids)
    if unknown:
        name = "job_id" if unknown[0] in job_ids else "batch_id"
        raise ApiError(
            404, f"{name[:-3]}_not_found", f"no {name[:-3]} with id {unknown[0]!r}", name
        )
