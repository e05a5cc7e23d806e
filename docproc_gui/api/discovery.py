"""How a client finds the running API: ``<data dir>/api.json`` says where it listens.

The server writes the file (mode 0600, atomically) once it is bound, and removes it when
it stops; the token itself stays in its own file (:mod:`docproc_gui.api.auth`), which the
discovery file names. A file left by a process that died is recognised by its pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path

DISCOVERY_FILE_NAME = "api.json"
PREFIX = "/api/background"  # every endpoint's path starts here (server, client, schema)


@dataclass(frozen=True, slots=True)
class ApiEndpoint:
    """Where a running DocProc API listens, as its discovery file says."""

    url: str
    host: str
    port: int
    pid: int
    token_file: str
    started_at: float

    @property
    def alive(self) -> bool:
        """True while the process that wrote the file still runs."""
        if self.pid == os.getpid():
            return True
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:  # someone else's process has the pid: not ours
            return False
        return True


def discovery_path(data_dir: Path) -> Path:
    return Path(data_dir) / DISCOVERY_FILE_NAME


def client_host(host: str) -> str:
    """The address a local client should dial for a server bound to ``host``."""
    if host in ("", "0.0.0.0"):  # noqa: S104 - translating, not binding
        return "127.0.0.1"
    if host == "::":
        return "::1"
    return host


def make_url(host: str, port: int) -> str:
    host = client_host(host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def write_endpoint(data_dir: Path, host: str, port: int, token_file: Path) -> ApiEndpoint:
    endpoint = ApiEndpoint(
        make_url(host, port), host, port, os.getpid(), str(token_file), time.time()
    )
    path = discovery_path(data_dir)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(asdict(endpoint), handle)
    os.replace(temporary, path)
    return endpoint


def read_endpoint(data_dir: Path) -> ApiEndpoint | None:
    """The endpoint the data folder's discovery file names, or None (absent or unreadable)."""
    try:
        raw = json.loads(discovery_path(data_dir).read_text(encoding="utf-8"))
        return ApiEndpoint(
            url=str(raw["url"]),
            host=str(raw["host"]),
            port=int(raw["port"]),
            pid=int(raw["pid"]),
            token_file=str(raw["token_file"]),
            started_at=float(raw["started_at"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_endpoint(data_dir: Path, port: int) -> None:
    """Remove the discovery file if it still describes this process's server."""
    current = read_endpoint(data_dir)
    if current is not None and current.pid == os.getpid() and current.port == port:
        with contextlib.suppress(OSError):
            discovery_path(data_dir).unlink()
