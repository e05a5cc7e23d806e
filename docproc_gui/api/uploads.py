"""Uploaded documents: streamed to ``<data dir>/uploads`` under a name of our own.

A part is written chunk by chunk (on an executor thread, so the event loop never waits
on the disk) to a ``.part`` file, hashed on the way, fsynced and only then renamed to
its final name: a crash, a client that hangs up, a file past the size limit (413) or a
full disk (507) leave nothing behind that could end up in the queue. The client's file
name is kept as metadata only; the stored name is random, with at most the extension
kept (so the queue's file-type hints still work), so no name can traverse folders.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import hashlib
import logging
import os
import re
import secrets
from concurrent.futures import Executor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiohttp import BodyPartReader

from docproc_gui.api.errors import ApiError

log = logging.getLogger(__name__)
UPLOADS_DIR_NAME = "uploads"
CHUNK_BYTES = 256 * 1024
MAX_FORM_FIELD_BYTES = 64 * 1024
_EXTENSION = re.compile(r"^\.[a-z0-9]{1,10}$")
_DISK_FULL = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG}


@dataclass(frozen=True, slots=True)
class StoredUpload:
    path: str
    size: int
    sha256: str
    filename: str  # the client's name, for display only

    def remove(self) -> None:
        with contextlib.suppress(OSError):
            os.unlink(self.path)


def display_name(filename: str | None) -> str:
    """The client's file name, reduced to a harmless base name for metadata."""
    base = os.path.basename((filename or "").replace("\\", "/")).strip()
    base = "".join(ch for ch in base if ch.isprintable())
    return base[:255] or "upload"


def safe_extension(filename: str | None) -> str:
    extension = os.path.splitext(display_name(filename))[1].lower()
    return extension if _EXTENSION.match(extension) else ""


def disk_full_error() -> ApiError:
    return ApiError(
        507,
        "storage_full",
        "the disk holding the DocProc data folder is full; nothing was stored",
        "file",
    )


class UploadStore:
    """Writes uploads into one folder with a size limit; see the module docstring."""

    def __init__(self, data_dir: Path, max_bytes: int, executor: Executor) -> None:
        self.folder = Path(data_dir) / UPLOADS_DIR_NAME
        self.max_bytes = max_bytes
        self.executor = executor

    def prepare(self) -> None:
        """Create the folder and sweep ``.part`` files an earlier crash left (startup)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        for leftover in self.folder.glob("*.part"):
            with contextlib.suppress(OSError):
                leftover.unlink()

    async def save(self, part: BodyPartReader, field: str = "file") -> StoredUpload:
        """Stream one multipart part to disk; raise ApiError 413/507 with nothing kept."""
        loop = asyncio.get_running_loop()
        filename = display_name(part.filename)
        final = self.folder / f"{secrets.token_hex(16)}{safe_extension(part.filename)}"
        temporary = final.with_name(final.name + ".part")
        hasher = hashlib.sha256()
        size = 0
        done = False
        try:
            handle = await loop.run_in_executor(self.executor, _Handle, temporary)
        except OSError as error:
            raise _io_error(error) from None
        try:
            while True:
                chunk = await part.read_chunk(CHUNK_BYTES)
                if not chunk:
                    break
                size += len(chunk)
                if size > self.max_bytes:
                    raise ApiError(
                        413,
                        "too_large",
                        f"the upload is larger than the limit of "
                        f"{self.max_bytes // (1024 * 1024)} MB",
                        field,
                    )
                await loop.run_in_executor(self.executor, handle.write, chunk, hasher)
            await loop.run_in_executor(self.executor, handle.finish, final)
            done = True
        except OSError as error:
            raise _io_error(error) from None
        finally:
            if not done:
                await loop.run_in_executor(self.executor, handle.discard)
        return StoredUpload(str(final), size, hasher.hexdigest(), filename)


def _io_error(error: OSError) -> ApiError:
    if error.errno in _DISK_FULL:
        return disk_full_error()
    log.error("cannot store an upload: %s", error)
    return ApiError(500, "internal", "cannot store the upload; see the DocProc log", "file")


# ---------------------------------------------------------------- on the executor thread


class _Handle:
    """A ``.part`` file being written; every method runs on an executor thread."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.descriptor: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, chunk: bytes, hasher: Any) -> None:
        assert self.descriptor is not None
        hasher.update(chunk)
        view = memoryview(chunk)
        while view:
            written = os.write(self.descriptor, view)
            view = view[written:]

    def finish(self, final: Path) -> None:
        """Make the data durable, then give the file its final name (atomic)."""
        assert self.descriptor is not None
        try:
            os.fsync(self.descriptor)
        finally:
            self._close()
        os.rename(self.path, final)

    def discard(self) -> None:
        self._close()
        with contextlib.suppress(OSError):
            self.path.unlink()

    def _close(self) -> None:
        descriptor, self.descriptor = self.descriptor, None
        if descriptor is not None:
            with contextlib.suppress(OSError):
                os.close(descriptor)
