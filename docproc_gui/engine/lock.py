"""One engine per data folder: a lock file that a second engine finds taken.

Two engines on one database would each "recover" the other's running jobs at start and
run them twice. The lock is an OS file lock (``filelock``), released by the kernel when
the process dies, so a crash never leaves a stale lock behind.
"""

from __future__ import annotations

import os
from pathlib import Path

from filelock import FileLock, Timeout


class EngineBusyError(RuntimeError):
    """Another DocProc engine already works on this data folder."""


class EngineLock:
    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "engine.lock"
        self._lock = FileLock(str(self.path))
        self._owner_file = Path(data_dir) / "engine.pid"

    def acquire(self) -> EngineLock:
        try:
            self._lock.acquire(timeout=0)
        except Timeout:
            owner = self.owner()
            raise EngineBusyError(
                f"another DocProc engine{f' (pid {owner})' if owner else ''} is using "
                f"{self.path.parent}; submit to it with `docproc submit`, or stop it first"
            ) from None
        self._owner_file.write_text(str(os.getpid()), encoding="ascii")
        return self

    def owner(self) -> int | None:
        try:
            return int(self._owner_file.read_text(encoding="ascii").strip())
        except (OSError, ValueError):
            return None

    def release(self) -> None:
        if self._lock.is_locked:
            self._owner_file.unlink(missing_ok=True)
            self._lock.release()
