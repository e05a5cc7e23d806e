"""The API's access control: the token file, the Bearer check and per-client rate limits.

The token is generated at first run and kept in ``<data dir>/api-token`` with mode 0600
(readable by the user only); the app's settings dialog and ``docproc token`` show it.
Repeated wrong tokens from one client lock that client out for a while (429), so a token
cannot be guessed at full speed; a request without a token is no guess, gets its 401 and
counts for nothing (else a health check or a browser tab without the token would lock
out every client on the same address, the user's own scripts included). An optional
request rate limit per client (requests a minute) protects the engine from a runaway
script. Clients are told apart by address.
"""

from __future__ import annotations

import contextlib
import hmac
import os
import secrets
import stat
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from aiohttp import web
from aiohttp.typedefs import Middleware

from docproc_gui.api.errors import ApiError, Handler

TOKEN_FILE_NAME = "api-token"  # noqa: S105 - a file name, not a secret
TOKEN_BYTES = 32
# Failed-auth lockout: this many wrong tokens within the window lock the client out.
MAX_AUTH_FAILURES = 10
AUTH_FAILURE_WINDOW_S = 60.0
AUTH_LOCKOUT_S = 60.0
MAX_TRACKED_CLIENTS = 10_000


def token_path(data_dir: Path) -> Path:
    return Path(data_dir) / TOKEN_FILE_NAME


def read_token(data_dir: Path) -> str | None:
    """The stored token, or None when none was generated yet."""
    try:
        token = token_path(data_dir).read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    return token or None


def load_or_create_token(data_dir: Path) -> str:
    """The data folder's token, generated (mode 0600) when there is none yet."""
    path = token_path(data_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = read_token(data_dir)
    if existing is not None:
        _restrict(path)
        return existing
    token = secrets.token_urlsafe(TOKEN_BYTES)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return read_token(data_dir) or load_or_create_token(data_dir)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token


def _restrict(path: Path) -> None:
    """Tighten a token file that someone made readable by others."""
    with contextlib.suppress(OSError):
        if stat.S_IMODE(path.stat().st_mode) & 0o077:
            path.chmod(0o600)


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


@dataclass(slots=True)
class _Failures:
    times: deque[float] = field(default_factory=deque)
    locked_until: float = 0.0


class AuthFailureLimiter:
    """Counts wrong tokens per client and locks a client out after too many."""

    def __init__(
        self,
        max_failures: int = MAX_AUTH_FAILURES,
        window_s: float = AUTH_FAILURE_WINDOW_S,
        lockout_s: float = AUTH_LOCKOUT_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_failures = max_failures
        self.window_s = window_s
        self.lockout_s = lockout_s
        self.clock = clock
        self._clients: dict[str, _Failures] = {}

    def locked_for(self, client: str) -> float:
        """Seconds the client must still wait (0 when it may try)."""
        entry = self._clients.get(client)
        if entry is None:
            return 0.0
        return max(0.0, entry.locked_until - self.clock())

    def record_failure(self, client: str) -> None:
        now = self.clock()
        if len(self._clients) >= MAX_TRACKED_CLIENTS and client not in self._clients:
            self._clients.clear()  # a flood of addresses: forget rather than grow
        entry = self._clients.setdefault(client, _Failures())
        entry.times.append(now)
        while entry.times and entry.times[0] < now - self.window_s:
            entry.times.popleft()
        if len(entry.times) >= self.max_failures:
            entry.locked_until = now + self.lockout_s
            entry.times.clear()


class RequestRateLimiter:
    """A token bucket per client: ``per_minute`` requests a minute, bursts up to 1/10 of it."""

    def __init__(self, per_minute: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.per_minute = per_minute
        self.rate = per_minute / 60.0
        self.capacity = max(1.0, per_minute / 10.0)
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}

    @property
    def unlimited(self) -> bool:
        return self.per_minute <= 0

    def wait_time(self, client: str) -> float:
        """Take one request's permit; return 0 when allowed, else seconds to wait."""
        if self.unlimited:
            return 0.0
        now = self.clock()
        if len(self._buckets) >= MAX_TRACKED_CLIENTS and client not in self._buckets:
            self._buckets.clear()
        tokens, updated = self._buckets.get(client, (self.capacity, now))
        tokens = min(self.capacity, tokens + (now - updated) * self.rate)
        if tokens >= 1.0:
            self._buckets[client] = (tokens - 1.0, now)
            return 0.0
        self._buckets[client] = (tokens, now)
        return (1.0 - tokens) / self.rate


def client_key(request: web.Request) -> str:
    return request.remote or "unknown"


class TokenHolder:
    """The token the server expects; replaceable while it runs (a regenerated token)."""

    def __init__(self, token: str) -> None:
        self.expected = token.encode("ascii")

    def replace(self, token: str) -> None:
        self.expected = token.encode("ascii")


def make_auth_middleware(
    holder: TokenHolder, failures: AuthFailureLimiter, rate: RequestRateLimiter
) -> Middleware:
    """A middleware that lets a request through only with the right Bearer token."""

    @web.middleware
    async def auth_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        client = client_key(request)
        wait = failures.locked_for(client)
        if wait > 0:
            raise ApiError(
                429,
                "too_many_auth_failures",
                "too many wrong tokens from this client; wait and try again",
                "Authorization",
                {"Retry-After": str(int(wait) + 1)},
            )
        given = bearer_token(request)
        if given is None or not hmac.compare_digest(
            given.encode("utf-8", "replace"), holder.expected
        ):
            if given is not None:
                failures.record_failure(client)
            reason = "missing" if given is None else "wrong"
            raise ApiError(
                401,
                "unauthorized",
                f"{reason} token; send 'Authorization: Bearer <token>' (see `docproc token`)",
                "Authorization",
                {"WWW-Authenticate": 'Bearer realm="docproc"'},
            )
        wait = rate.wait_time(client)
        if wait > 0:
            raise ApiError(
                429,
                "rate_limited",
                "too many requests from this client",
                None,
                {"Retry-After": str(int(wait) + 1)},
            )
        return await handler(request)

    return auth_middleware
