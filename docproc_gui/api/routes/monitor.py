"""Monitoring: statistics (weekly summary, daily throughput) and a one-call summary."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from docproc_gui.api.context import ApiContext, context, json_response
from docproc_gui.api.discovery import PREFIX

routes = web.RouteTableDef()


@routes.get(f"{PREFIX}/statistics")
async def statistics(request: web.Request) -> web.Response:
    ctx = context(request)
    stats = await ctx.call(ctx.processor.statistics)
    return json_response(stats.to_dict())


@routes.get(f"{PREFIX}/monitor/summary")
async def summary(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(await ctx.call(_summary, ctx))


def _summary(ctx: ApiContext) -> dict[str, Any]:
    processor = ctx.processor
    stats = processor.statistics()
    health = processor.health().to_dict()
    return {
        "status": health["status"],
        "health": health,
        "queue": processor.queue_status(),
        "success_rate": stats.success_rate,
        "average_processing_time": stats.average_processing_time,
        "p50_processing_time": stats.p50_processing_time,
        "p95_processing_time": stats.p95_processing_time,
        "recent_failure_rate": stats.recent_failure_rate,
        "weekly_summary": stats.weekly_summary,
        "daily_throughput": stats.daily_throughput,
        "per_minute": stats.per_minute,
        "stream_clients": len(ctx.broker.subscriptions),
    }
