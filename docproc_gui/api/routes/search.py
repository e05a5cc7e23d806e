"""Full-text search of the knowledge base (when the engine runs the document pipeline)."""

from __future__ import annotations

import re
import sqlite3
from datetime import datetime
from typing import Any

from aiohttp import web
from sqlalchemy.exc import DBAPIError

from docproc_gui.api.context import ApiContext, context, json_response
from docproc_gui.api.discovery import PREFIX
from docproc_gui.api.errors import ApiError
from docproc_gui.api.schemas import query_int

routes = web.RouteTableDef()
MAX_QUERY_CHARS = 1000


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")


def _iso_date(request: web.Request, name: str) -> str | None:
    raw = request.query.get(name)
    if raw is None:
        return None
    if not _DATE.match(raw):
        raise ApiError(422, "invalid_value", f"{name} must be an ISO date (2024-01-31)", name)
    try:
        datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise ApiError(
            422, "invalid_value", f"{name} must be an ISO date (2024-01-31)", name
        ) from None
    return raw


def _word(request: web.Request, name: str) -> str | None:
    value = request.query.get(name) or None
    if value is not None and (len(value) > 64 or not value.isprintable()):
        raise ApiError(422, "invalid_value", f"{name} is not a valid filter", name)
    return value


@routes.get(f"{PREFIX}/search")
async def search(request: web.Request) -> web.Response:
    ctx = context(request)
    query = request.query.get("q", "")
    if len(query) > MAX_QUERY_CHARS:
        raise ApiError(422, "invalid_value", f"q is longer than {MAX_QUERY_CHARS} characters", "q")
    filters = {
        "file_type": _word(request, "file_type"),
        "category": _word(request, "category"),
        "language": _word(request, "language"),
        "date_from": _iso_date(request, "date_from"),
        "date_to": _iso_date(request, "date_to"),
        "limit": query_int(request, "limit", 20, 1, 500),
        "offset": query_int(request, "offset", 0, 0, 100_000),
    }
    if ctx.processor.knowledge is None:
        raise ApiError(
            503, "search_unavailable", "this engine runs without a knowledge base (custom pipeline)"
        )
    hits = await ctx.call(_search, ctx, query, filters)
    return json_response(
        {
            "query": query,
            "hits": hits,
            "count": len(hits),
            "limit": filters["limit"],
            "offset": filters["offset"],
        }
    )


def _search(ctx: ApiContext, query: str, filters: dict[str, Any]) -> list[dict[str, Any]]:
    try:
        hits = ctx.processor.knowledge.search(query, **filters)
    except (sqlite3.OperationalError, DBAPIError) as error:
        raise ApiError(422, "invalid_query", f"cannot search for that: {error}", "q") from None
    return [hit.to_dict() for hit in hits]
