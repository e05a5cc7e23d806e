"""A real API server on a free loopback port, on a qasync loop, with a real client.

Tests are plain functions that drive the loop with ``api.run(coro)``: the server, the
engine's signal bridge and the aiohttp client all share the one Qt event loop, as in the
app. The default engine runs a tiny in-process pipeline; ``real_api`` runs the real
document pipeline.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import aiohttp
import pytest

from docproc_gui.api.auth import AuthFailureLimiter
from docproc_gui.api.server import ApiServer
from docproc_gui.config import Settings
from docproc_gui.domain import Pipeline, PipelineStep, ProcessingStatus, StepContext
from docproc_gui.engine import BackgroundProcessor, create_background_processor
from docproc_gui.event_loop import BatchingQEventLoop

T = TypeVar("T")


def _noop(context: StepContext) -> dict[str, Any]:
    if context.metadata.get("fail"):
        from docproc_gui.domain import CorruptDocumentError

        raise CorruptDocumentError("told to fail")
    context.report(0.5, "halfway")
    return {"ok": True}


def noop_pipeline() -> Pipeline:
    return Pipeline("noop", (PipelineStep("work", ProcessingStatus.EXTRACTING, run=_noop),))


@dataclass
class Reply:
    status: int
    headers: Any
    body: Any
    text: str


@dataclass
class Api:
    server: ApiServer
    processor: BackgroundProcessor
    loop: asyncio.AbstractEventLoop
    session: aiohttp.ClientSession
    docs: Path
    settings: Settings
    token: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return self.server.url

    def run(self, awaitable: Awaitable[T], timeout: float = 30.0) -> T:
        return self.loop.run_until_complete(asyncio.wait_for(awaitable, timeout))

    def auth(self, token: str | None = None) -> dict[str, str]:
        return {"Authorization": f"Bearer {token or self.token}"}

    async def acall(self, method: str, path: str, *, token: str | None = None,
                    headers: dict[str, str] | None = None, **kwargs: Any) -> Reply:
        all_headers = {**self.auth(token), **(headers or {})}
        async with self.session.request(method, self.url + path, headers=all_headers,
                                        **kwargs) as response:
            text = await response.text()
            try:
                body = json.loads(text)
            except ValueError:
                body = None
            return Reply(response.status, response.headers, body, text)

    def call(self, method: str, path: str, **kwargs: Any) -> Reply:
        return self.run(self.acall(method, path, **kwargs))

    def document(self, name: str = "doc.txt", text: str = "hello world\n") -> Path:
        path = self.docs / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    async def finished(self, job_ids: list[str]) -> dict[str, Any]:
        """Poll until every job is COMPLETED, FAILED or CANCELLED; their last state."""
        while True:
            jobs = {}
            for job_id in job_ids:
                reply = await self.acall("GET", f"/api/background/job/{job_id}")
                jobs[job_id] = reply.body
            if all(job["status"] in ("COMPLETED", "FAILED", "CANCELLED")
                   for job in jobs.values()):
                return jobs
            await asyncio.sleep(0.05)

    def wait_finished(self, job_ids: list[str], timeout: float = 30.0) -> dict[str, Any]:
        return self.run(self.finished(job_ids), timeout)


@pytest.fixture
def qloop(qapp: Any) -> Iterator[asyncio.AbstractEventLoop]:
    loop = BatchingQEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.run_until_complete(asyncio.sleep(0))
    loop.close()
    asyncio.set_event_loop(None)


def make_api(
    qloop: asyncio.AbstractEventLoop,
    tmp_path: Path,
    *,
    pipeline: Pipeline | None,
    settings_changes: dict[str, Any] | None = None,
    server_options: dict[str, Any] | None = None,
) -> Iterator[Api]:
    docs = tmp_path / "docs"
    docs.mkdir(exist_ok=True)
    settings = Settings(
        data_dir=tmp_path / "data", api_port=0, max_workers=2, sandbox_processes=1,
        durable_commits=False, **(settings_changes or {}),
    )
    processor = create_background_processor(settings, pipeline=pipeline)
    options: dict[str, Any] = {
        "extra_allowed_paths": [docs],
        "heartbeat_s": 0.5,
        "auth_failures": AuthFailureLimiter(max_failures=5, window_s=60, lockout_s=1.5),
    }
    options.update(server_options or {})
    server = ApiServer(processor, settings, **options)

    async def open_session() -> aiohttp.ClientSession:
        await server.start()
        return aiohttp.ClientSession()

    session = qloop.run_until_complete(open_session())
    api = Api(server, processor, qloop, session, docs, settings, token=server.token)
    try:
        yield api
    finally:
        qloop.run_until_complete(session.close())
        qloop.run_until_complete(server.stop())
        processor.shutdown(wait=False, timeout=5)


@pytest.fixture
def api(qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(qloop, tmp_path, pipeline=noop_pipeline())


@pytest.fixture
def real_api(qloop: asyncio.AbstractEventLoop, tmp_path: Path) -> Iterator[Api]:
    yield from make_api(qloop, tmp_path, pipeline=None)
