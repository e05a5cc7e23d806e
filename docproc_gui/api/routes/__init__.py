"""The API's routes, one module per topic; :func:`add_routes` registers them all."""

from __future__ import annotations

from aiohttp import web

from docproc_gui.api.routes import jobs, meta, monitor, queue, search, stream, submit


def add_routes(app: web.Application) -> None:
    for module in (submit, jobs, queue, monitor, search, stream, meta):
        app.router.add_routes(module.routes)
