"""Which files a client may name: only those inside the folders the user allowed.

The default is the user's home folder; ``api_allowed_paths`` (settings, config file) and
``docproc serve --allow-path DIR`` add more. Paths are compared after resolving symbolic
links and ``..``, so a link inside an allowed folder that points outside it is refused.
Runs on an executor thread (it touches the disk).

On Linux an existing file is resolved by the kernel: opened with ``O_PATH`` (no read
access needed, nothing read), its real path read back from ``/proc/self/fd``, its size
from ``fstat``; four system calls instead of ``realpath``'s ``lstat`` per path component
and the Python around them, which was most of a submission's cost on the API's thread.
Anything else (a missing file, no ``/proc``) takes ``os.path.realpath`` as before.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path

from docproc_gui.api.errors import ApiError


class AllowedFolders:
    """The resolved roots a ``file_path`` must lie in."""

    def __init__(self, folders: Iterable[str | os.PathLike[str]], *, include_home: bool = True):
        roots = [Path.home()] if include_home else []
        roots.extend(Path(os.path.expanduser(os.fspath(folder))) for folder in folders)
        self.roots = tuple(dict.fromkeys(os.path.realpath(root) for root in roots))

    def __repr__(self) -> str:
        return f"AllowedFolders({list(self.roots)!r})"

    def contains(self, real_path: str) -> bool:
        for root in self.roots:
            if real_path == root or real_path.startswith(root.rstrip(os.sep) + os.sep):
                return True
        return False

    def check_file(self, raw: str, field: str) -> tuple[str, int]:
        """The real absolute path and the size of the file ``raw`` names; ApiError when
        the path is relative, not allowed (403 first: nothing is told about files outside
        the allowed folders), missing or a folder."""
        resolved = _resolve_existing(raw) if os.path.isabs(raw) else None
        if resolved is None:
            real = self.check(raw, field)
            try:
                info = os.stat(real)
            except OSError:
                raise ApiError(422, "file_not_found", f"file not found: {raw}", field) from None
        else:
            real, info = resolved
            self._refuse_outside(real, raw, field)
        if stat.S_ISDIR(info.st_mode):
            raise ApiError(
                422, "unsupported", f"{raw} is a folder; submit the files inside it", field
            )
        return real, info.st_size

    def check(self, raw: str, field: str) -> str:
        """The real absolute path of ``raw``; ApiError when it is relative or not allowed."""
        if not os.path.isabs(raw):
            raise ApiError(
                422,
                "invalid_path",
                f"{field} must be an absolute path (the server has no working folder of yours)",
                field,
            )
        try:
            real = os.path.realpath(raw)
        except (OSError, ValueError) as error:
            raise ApiError(422, "invalid_path", f"{field}: {error}", field) from None
        self._refuse_outside(real, raw, field)
        return real

    def _refuse_outside(self, real: str, raw: str, field: str) -> None:
        if not self.contains(real):
            raise ApiError(
                403,
                "path_not_allowed",
                f"{raw} is outside the folders DocProc may read; allow its folder "
                "in the settings or with `docproc serve --allow-path DIR`",
                field,
            )


def _resolve_existing(raw: str) -> tuple[str, os.stat_result] | None:
    """The kernel's real path and the stat of an existing file; None when it cannot say."""
    try:
        fd = os.open(raw, os.O_PATH | os.O_CLOEXEC)
    except (OSError, ValueError, AttributeError):  # missing, NUL in the name, not Linux
        return None
    try:
        real = os.readlink(f"/proc/self/fd/{fd}")
        info = os.fstat(fd)
    except OSError:  # no /proc
        return None
    finally:
        os.close(fd)
    if not real.startswith("/") or real.endswith(" (deleted)"):
        return None  # not a path of this mount namespace, or gone meanwhile
    return real, info
