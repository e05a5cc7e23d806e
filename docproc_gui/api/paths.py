"""Which files a client may name: only those inside the folders the user allowed.

The default is the user's home folder; ``api_allowed_paths`` (settings, config file) and
``docproc serve --allow-path DIR`` add more. Paths are compared after resolving symbolic
links and ``..``, so a link inside an allowed folder that points outside it is refused.
Runs on an executor thread (it touches the disk).
"""

from __future__ import annotations

import os
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
        if not self.contains(real):
            raise ApiError(
                403,
                "path_not_allowed",
                f"{raw} is outside the folders DocProc may read; allow its folder "
                "in the settings or with `docproc serve --allow-path DIR`",
                field,
            )
        return real
