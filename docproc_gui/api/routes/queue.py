"""The queue as a whole: its status and health, pause and resume."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from docproc_gui.api.context import ApiContext, context, json_response
from docproc_gui.api.discovery import PREFIX

routes = web.RouteTableDef()


@routes.get(f"{PREFIX}/queue/status")
async def queue_status(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(await ctx.call(ctx.processor.queue_status))


@routes.get(f"{PREFIX}/queue/health")
async def queue_health(request: web.Request) -> web.Response:
    ctx = context(request)
    report = await ctx.call(ctx.processor.health)
    return json_response(report.to_dict())


@routes.post(f"{PREFIX}/queue/pause")
async def pause(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(await ctx.call(_switch, ctx, True))


@routes.post(f"{PREFIX}/queue/resume")
async def resume(request: web.Request) -> web.Response:
    ctx = context(request)
    return json_response(await ctx.call(_switch, ctx, False))


def _switch(ctx: ApiContext, paused: bool) -> dict[str, Any]:
    if paused:
        ctx.processor.pause()
    else:
        ctx.processor.resume()
    return ctx.processor.queue_status()
