"""``GET /openapi.json``: the machine-readable description of every endpoint."""

from __future__ import annotations

from aiohttp import web

from docproc_gui.api.context import json_response
from docproc_gui.api.openapi import openapi_document

routes = web.RouteTableDef()


@routes.get("/openapi.json")
async def openapi(request: web.Request) -> web.Response:
    return json_response(openapi_document(str(request.url.origin())))
