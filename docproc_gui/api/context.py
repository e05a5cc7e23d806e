"""What every handler needs, in one object stored on the aiohttp application.

Engine calls go through :meth:`ApiContext.call`, which runs them on the API's own thread
pool: submitting commits to SQLite (and may fsync), statistics and search run queries,
and none of that may stall the Qt event loop the server shares with the window.
"""

from __future__ import annotations

import asyncio
import functools
import json
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, TypeVar

from aiohttp import web

from docproc_gui.api.paths import AllowedFolders
from docproc_gui.api.sse import EventBroker
from docproc_gui.api.uploads import UploadStore
from docproc_gui.config import Settings
from docproc_gui.engine.processor import BackgroundProcessor

T = TypeVar("T")


@dataclass(slots=True)
class ApiContext:
    processor: BackgroundProcessor
    settings: Settings
    executor: ThreadPoolExecutor
    broker: EventBroker
    allowed: AllowedFolders
    uploads: UploadStore
    heartbeat_s: float
    batcher: Any = None  # SubmitBatcher of single submissions (set by the server)

    async def call(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a (blocking) engine call on the API's thread pool and await its result."""
        loop = asyncio.get_running_loop()
        if kwargs:
            return await loop.run_in_executor(
                self.executor, functools.partial(function, *args, **kwargs)
            )
        return await loop.run_in_executor(self.executor, function, *args)


CONTEXT = web.AppKey("docproc_context", ApiContext)


def context(request: web.Request) -> ApiContext:
    return request.app[CONTEXT]


def _dumps(value: Any) -> str:
    text = json.dumps(value, default=str, ensure_ascii=False)
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate stored before submits refused them
            return json.dumps(value, default=str)  # ASCII with \\u escapes: still readable
    return text


def json_response(
    data: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(data, status=status, headers=headers, dumps=_dumps)
