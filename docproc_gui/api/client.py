"""A small asyncio client of the local API, used by the ``docproc`` command line.

:func:`locate` finds the running server of a data folder (its discovery file and token
file); :class:`ApiClient` wraps the endpoints; :class:`EventStream` reads the SSE progress
stream and reconnects with ``Last-Event-ID`` when the connection drops.
"""

from __future__ import annotations

import asyncio
import json
import os
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import quote

import aiohttp
from yarl import URL

from docproc_gui.api.auth import read_token
from docproc_gui.api.discovery import PREFIX, read_endpoint

REQUEST_TIMEOUT_S = 60.0
STREAM_READ_TIMEOUT_S = 90.0  # several heartbeats: the server is gone
RECONNECTS = 5


class ApiUnavailableError(Exception):
    """No running DocProc API could be reached."""


class ApiRequestError(Exception):
    """The API answered with an error body."""

    def __init__(self, status: int, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.field = field

    def __str__(self) -> str:
        where = f" ({self.field})" if self.field else ""
        return f"{self.message}{where} [HTTP {self.status}]"


def locate(data_dir: Path) -> tuple[str, str]:
    """The URL and token of the API serving ``data_dir``; ApiUnavailableError when none runs."""
    endpoint = read_endpoint(data_dir)
    if endpoint is None or not endpoint.alive:
        raise ApiUnavailableError(
            f"DocProc is not running for {data_dir}: start `docproc serve`, or enable the "
            "API in the app's settings"
        )
    token = None
    try:
        token = Path(endpoint.token_file).read_text(encoding="ascii").strip() or None
    except OSError:
        token = read_token(data_dir)
    if token is None:
        raise ApiUnavailableError(f"cannot read the API token of {data_dir}")
    return endpoint.url, token


def segment(value: str) -> str:
    """``value`` (a job id as the user typed it, say) as one percent-encoded path segment.

    Every ``/``, ``?``, ``#`` and ``%`` is escaped, and ``.``/``..`` too (URL libraries
    resolve those as "this"/"parent" folder), so whatever is typed names one resource
    and cannot reach another endpoint.
    """
    quoted = quote(value, safe="")
    return quoted.replace(".", "%2E") if quoted in (".", "..") else quoted


@dataclass(frozen=True, slots=True)
class SseEvent:
    id: str | None
    event: str
    data: Any


async def iter_sse(content: aiohttp.StreamReader) -> AsyncIterator[SseEvent]:
    """Parse a ``text/event-stream`` body into events (comments and retry lines skipped)."""
    event_id: str | None = None
    kind = "message"
    data: list[str] = []
    async for raw in content:
        line = raw.decode("utf-8").rstrip("\r\n")
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    value: Any = json.loads(text)
                except ValueError:
                    value = text
                yield SseEvent(event_id, kind, value)
            kind, data = "message", []
            continue
        if line.startswith(":"):
            continue
        name, _, value_text = line.partition(":")
        value_text = value_text[1:] if value_text.startswith(" ") else value_text
        if name == "id":
            event_id = value_text
        elif name == "event":
            kind = value_text
        elif name == "data":
            data.append(value_text)


class ApiClient:
    """The API's endpoints as coroutines; errors raise :class:`ApiRequestError`."""

    def __init__(self, url: str, token: str, *, timeout: float = REQUEST_TIMEOUT_S) -> None:
        self.url = url.rstrip("/")
        self.token = token
        self.timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> ApiClient:
        url, token = locate(data_dir)
        return cls(url, token)

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            self._session = aiohttp.ClientSession(
                headers={"Authorization": f"Bearer {self.token}"},
                timeout=aiohttp.ClientTimeout(total=self.timeout),
            )
        return self._session

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def __aenter__(self) -> ApiClient:
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        await self.close()

    async def request(self, method: str, path: str, **kwargs: Any) -> Any:
        """``method`` on ``path``, which is sent as is: escape what it contains with
        :func:`segment`. The decoded JSON body; ApiRequestError for an error answer."""
        url = URL(self.url + path, encoded=True)  # no re-quoting, no ".." resolved
        try:
            async with self.session.request(method, url, **kwargs) as response:
                text = await response.text()
                status = response.status
        except (TimeoutError, aiohttp.ClientConnectionError) as error:
            raise ApiUnavailableError(f"cannot reach DocProc at {self.url}: {error}") from None
        try:
            body = json.loads(text) if text else None
        except ValueError:
            body = None
        if status >= 400:
            if isinstance(body, dict) and "error" in body:
                raise ApiRequestError(
                    status, str(body["error"]), str(body.get("message")), body.get("field")
                )
            raise ApiRequestError(status, "http_error", text[:200] or f"HTTP {status}")
        return body

    # ------------------------------------------------------------- endpoints

    async def submit(
        self,
        file_path: str,
        priority: str | int = "NORMAL",
        metadata: Mapping[str, Any] | None = None,
        *,
        dedupe: bool = False,
        idempotency_key: str | None = None,
    ) -> dict[str, Any]:
        body = {
            "file_path": os.path.abspath(file_path),
            "priority": priority,
            "metadata": dict(metadata or {}),
            "dedupe": dedupe,
        }
        headers = {"Idempotency-Key": idempotency_key} if idempotency_key else None
        result: dict[str, Any] = await self.request(
            "POST", f"{PREFIX}/submit", json=body, headers=headers
        )
        return result

    async def submit_batch(
        self,
        file_paths: Iterable[str],
        priority: str | int = "NORMAL",
        metadata: Mapping[str, Any] | None = None,
        *,
        dedupe: bool = False,
    ) -> dict[str, Any]:
        body = {
            "file_paths": [os.path.abspath(path) for path in file_paths],
            "priority": priority,
            "metadata": dict(metadata or {}),
            "dedupe": dedupe,
        }
        result: dict[str, Any] = await self.request("POST", f"{PREFIX}/submit-batch", json=body)
        return result

    async def upload(
        self, file_paths: list[str], priority: str | int = "NORMAL", *, dedupe: bool = False
    ) -> dict[str, Any]:
        """Send the files' bytes (for a server that cannot read them by path).

        A file that cannot be opened raises its OSError before anything is sent.
        """
        form = aiohttp.FormData(default_to_multipart=True)
        handles: list[Any] = []
        try:
            for path in file_paths:
                handles.append(open(path, "rb"))  # noqa: SIM115 - closed below
                form.add_field(
                    "file",
                    handles[-1],
                    filename=os.path.basename(path),
                    content_type="application/octet-stream",
                )
            form.add_field("priority", str(priority))
            form.add_field("dedupe", "true" if dedupe else "false")
            endpoint = "submit" if len(file_paths) == 1 else "submit-batch"
            result: dict[str, Any] = await self.request("POST", f"{PREFIX}/{endpoint}", data=form)
        finally:
            for handle in handles:
                handle.close()
        return result

    async def job(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("GET", f"{PREFIX}/job/{segment(job_id)}")
        return result

    async def jobs(
        self,
        *,
        statuses: Iterable[str] = (),
        batch_id: str | None = None,
        limit: int = 100,
        offset: int = 0,
    ) -> dict[str, Any]:
        params: dict[str, str] = {"limit": str(limit), "offset": str(offset)}
        if statuses:
            params["status"] = ",".join(statuses)
        if batch_id:
            params["batch_id"] = batch_id
        result: dict[str, Any] = await self.request("GET", f"{PREFIX}/jobs", params=params)
        return result

    async def batch_jobs(self, batch_id: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        offset: int | None = 0
        while offset is not None:
            page = await self.jobs(batch_id=batch_id, limit=1000, offset=offset)
            found.extend(page["jobs"])
            offset = page["next_offset"]
        return found

    async def cancel(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("DELETE", f"{PREFIX}/job/{segment(job_id)}")
        return result

    async def retry(self, job_id: str) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("POST", f"{PREFIX}/job/{segment(job_id)}/retry")
        return result

    async def pause(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("POST", f"{PREFIX}/queue/pause")
        return result

    async def resume(self) -> dict[str, Any]:
        result: dict[str, Any] = await self.request("POST", f"{PREFIX}/queue/resume")
        return result

    async def get(self, path: str, **params: Any) -> Any:
        """GET ``PREFIX/path`` (a fixed path: escape user values with :func:`segment`)."""
        query = {key: str(value) for key, value in params.items() if value is not None}
        return await self.request("GET", f"{PREFIX}/{path}", params=query)

    def stream(self, job_ids: Iterable[str] = (), batch_ids: Iterable[str] = ()) -> EventStream:
        return EventStream(self, list(job_ids), list(batch_ids))


class EventStream:
    """The progress stream of some jobs or batches; reconnects with Last-Event-ID.

    Use as ``async with client.stream(...) as events``; once entered, the server has the
    subscription, so nothing that happens afterwards is missed. A ``reset`` event (the
    server could not replay) is passed on: the caller refetches what it shows.
    """

    def __init__(self, client: ApiClient, job_ids: list[str], batch_ids: list[str]) -> None:
        self.client = client
        self.job_ids = job_ids
        self.batch_ids = batch_ids
        self.last_id: str | None = None
        self._response: aiohttp.ClientResponse | None = None
        self._events: AsyncIterator[SseEvent] | None = None

    async def _connect(self) -> None:
        params = {}
        if self.job_ids:
            params["job_id"] = ",".join(self.job_ids)
        if self.batch_ids:
            params["batch_id"] = ",".join(self.batch_ids)
        headers = {"Last-Event-ID": self.last_id} if self.last_id else {}
        try:
            response = await self.client.session.get(
                f"{self.client.url}{PREFIX}/stream/progress",
                params=params,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=None, sock_read=STREAM_READ_TIMEOUT_S),
            )
        except (TimeoutError, aiohttp.ClientConnectionError) as error:
            raise ApiUnavailableError(
                f"cannot reach DocProc at {self.client.url}: {error}"
            ) from None
        if response.status != 200:
            text = await response.text()
            response.release()
            raise ApiRequestError(response.status, "stream", text[:200])
        self._response = response
        self._events = iter_sse(response.content)

    async def __aenter__(self) -> EventStream:
        await self._connect()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._response is not None:
            self._response.close()
            self._response = None

    async def next(self) -> SseEvent:
        """The next event; reconnects (a few times) when the connection drops."""
        failures = 0
        while True:
            assert self._events is not None
            try:
                event = await self._events.__anext__()
            except (TimeoutError, StopAsyncIteration, aiohttp.ClientError):
                failures += 1
                if failures > RECONNECTS:
                    raise ApiUnavailableError(
                        "the progress stream ended and did not come back"
                    ) from None
                if self._response is not None:
                    self._response.close()
                await asyncio.sleep(min(2.0**failures * 0.1, 3.0))
                try:
                    await self._connect()
                except ApiUnavailableError:
                    continue
                continue
            if event.id is not None:
                self.last_id = event.id
            return event


TERMINAL = frozenset({"COMPLETED", "FAILED", "CANCELLED"})
MAX_FILTER_IDS = 100  # beyond this the URL grows too long: filter on our side
ProgressCallback = Callable[[dict[str, tuple[str, float]]], None]


async def watch_jobs(
    client: ApiClient,
    job_ids: list[str],
    batch_id: str | None = None,
    on_change: ProgressCallback | None = None,
) -> list[dict[str, Any]]:
    """Follow jobs on the progress stream until every one has finished; their final state.

    ``on_change`` gets ``{job_id: (status, progress)}`` after every change. The stream is
    opened before the current states are fetched, so no change falls in between.
    """
    wanted = set(job_ids)
    states: dict[str, tuple[str, float]] = {}
    if batch_id is not None:
        stream = client.stream(batch_ids=[batch_id])
    elif len(job_ids) <= MAX_FILTER_IDS:
        stream = client.stream(job_ids=job_ids)
    else:
        stream = client.stream()

    async def fetch() -> list[dict[str, Any]]:
        if batch_id is not None:
            return await client.batch_jobs(batch_id)
        return [await client.job(job_id) for job_id in job_ids]

    async def refresh() -> None:
        for job in await fetch():
            if job["job_id"] in wanted:
                states[job["job_id"]] = (job["status"], float(job["progress"]))

    def notify() -> None:
        if on_change is not None:
            on_change(dict(states))

    async with stream as events:
        await refresh()
        notify()
        while any(states.get(job_id, ("", 0.0))[0] not in TERMINAL for job_id in wanted):
            event = await events.next()
            if event.event == "reset":
                await refresh()
            elif event.event == "progress" and isinstance(event.data, dict):
                job_id = event.data.get("job_id")
                if job_id in wanted:
                    states[job_id] = (str(event.data["status"]), float(event.data["progress"]))
            else:
                continue
            notify()
    final = {job["job_id"]: job for job in await fetch()}
    return [final[job_id] for job_id in job_ids if job_id in final]
