"""ApiServer: the aiohttp application on the running asyncio loop (qasync in the app).

The GUI creates it inside its qasync loop when ``settings.api_enabled``; ``docproc serve``
creates it headless. :meth:`ApiServer.start` binds ``api_host:api_port`` (port 0 picks a
free one), loads or creates the token, and writes the discovery file so that the
``docproc`` client finds the server. Binding anywhere but loopback is allowed (the token
is always required) but logged as a warning, loudly.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from aiohttp import web

from docproc_gui.api.auth import (
    AuthFailureLimiter,
    RequestRateLimiter,
    TokenHolder,
    load_or_create_token,
    make_auth_middleware,
    token_path,
)
from docproc_gui.api.batching import SubmitBatcher
from docproc_gui.api.context import CONTEXT, ApiContext
from docproc_gui.api.discovery import make_url, remove_endpoint, write_endpoint
from docproc_gui.api.errors import error_middleware
from docproc_gui.api.paths import AllowedFolders
from docproc_gui.api.routes import add_routes
from docproc_gui.api.routes.submit import submit_singles
from docproc_gui.api.sse import HEARTBEAT_S, EventBroker
from docproc_gui.api.uploads import UploadStore
from docproc_gui.config import Settings
from docproc_gui.engine.processor import BackgroundProcessor

log = logging.getLogger(__name__)
API_THREADS = 4
# Two groups of single submissions at once: while one waits for its commit, the next one
# checks its paths and builds its jobs (+25 % submits/s in benchmarks/api_throughput.py).
SUBMIT_GROUPS_IN_FLIGHT = 2
MAX_JSON_BODY = 8 * 1024 * 1024
SHUTDOWN_TIMEOUT_S = 5.0


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class ApiServer:
    """The local REST API + SSE stream of one :class:`BackgroundProcessor`."""

    def __init__(
        self,
        processor: BackgroundProcessor,
        settings: Settings,
        *,
        extra_allowed_paths: Iterable[str | Path] = (),
        heartbeat_s: float = HEARTBEAT_S,
        auth_failures: AuthFailureLimiter | None = None,
        write_discovery: bool = True,
    ) -> None:
        self.processor = processor
        self.settings = settings
        self.allowed = AllowedFolders([*settings.api_allowed_paths, *extra_allowed_paths])
        self.heartbeat_s = heartbeat_s
        self.auth_failures = auth_failures or AuthFailureLimiter()
        self.write_discovery = write_discovery
        self.token = ""
        self._token_holder = TokenHolder("")
        self.port = 0
        self.host = settings.api_host
        self._runner: web.AppRunner | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._broker: EventBroker | None = None

    @property
    def url(self) -> str:
        return make_url(self.host, self.port)

    @property
    def running(self) -> bool:
        return self._runner is not None

    def build_app(self, loop: asyncio.AbstractEventLoop) -> web.Application:
        self._executor = ThreadPoolExecutor(API_THREADS, thread_name_prefix="docproc-api")
        self._broker = EventBroker(loop)
        self._broker.attach(self.processor.subscribe)
        data_dir = Path(self.settings.data_dir)
        uploads = UploadStore(
            data_dir, int(self.settings.api_max_upload_mb * 1024 * 1024), self._executor
        )
        uploads.prepare()
        app = web.Application(
            middlewares=[
                error_middleware,
                make_auth_middleware(
                    self._token_holder,
                    self.auth_failures,
                    RequestRateLimiter(self.settings.api_rate_limit_per_min),
                ),
            ],
            client_max_size=MAX_JSON_BODY,
        )
        context = ApiContext(
            processor=self.processor,
            settings=self.settings,
            executor=self._executor,
            broker=self._broker,
            allowed=self.allowed,
            uploads=uploads,
            heartbeat_s=self.heartbeat_s,
        )
        context.batcher = SubmitBatcher(
            self._executor, partial(submit_singles, context), max_in_flight=SUBMIT_GROUPS_IN_FLIGHT
        )
        app[CONTEXT] = context
        add_routes(app)
        return app

    async def start(self) -> None:
        """Bind and serve; returns once the server accepts connections."""
        if self._runner is not None:
            return
        loop = asyncio.get_running_loop()
        data_dir = Path(self.settings.data_dir)
        self.reload_token()
        if not is_loopback(self.host):
            log.warning(
                "!!! The DocProc API listens on %s, reachable from other machines. Anyone "
                "with the token in %s can submit files and read the queue. !!!",
                self.host or "all interfaces",
                token_path(data_dir),
            )
        app = self.build_app(loop)
        runner = web.AppRunner(
            app, access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_TIMEOUT_S
        )
        await runner.setup()
        site = web.TCPSite(runner, self.host, self.settings.api_port)
        try:
            await site.start()
        except BaseException:
            await self._cleanup(runner)
            raise
        self._runner = runner
        self.port = int(runner.addresses[0][1])
        if self.write_discovery:
            write_endpoint(data_dir, self.host, self.port, token_path(data_dir))
        log.info("DocProc API listening on %s", self.url)

    def reload_token(self) -> str:
        """Read the data folder's token again (after the settings dialog made a new one);
        from now on only the new token is accepted. Creates one when there is none."""
        self.token = load_or_create_token(Path(self.settings.data_dir))
        self._token_holder.replace(self.token)
        return self.token

    async def stop(self) -> None:
        """Close every stream, stop listening and remove the discovery file."""
        runner, self._runner = self._runner, None
        if runner is None:
            return
        if self.write_discovery:
            remove_endpoint(Path(self.settings.data_dir), self.port)
        await self._cleanup(runner)

    async def _cleanup(self, runner: web.AppRunner) -> None:
        if self._broker is not None:
            self._broker.close()
        await runner.cleanup()
        if self._executor is not None:
            self._executor.shutdown(wait=True)
