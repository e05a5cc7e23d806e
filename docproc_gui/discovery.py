"""Turning what a person drops or names (files and folders) into the files to queue.

Folders are walked recursively; inside them only files with a supported extension are
taken (hidden files and folders are skipped). Files named explicitly are always taken:
the pipeline finds their real type from the content and reports what it cannot handle.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

SUPPORTED_EXTENSIONS = frozenset(
    {
        "pdf",
        "docx",
        "docm",
        "xlsx",
        "xlsm",
        "xls",
        "pptx",
        "pptm",
        "odt",
        "ods",
        "odp",
        "epub",
        "html",
        "htm",
        "xhtml",
        "txt",
        "text",
        "md",
        "markdown",
        "rst",
        "csv",
        "tsv",
        "png",
        "jpg",
        "jpeg",
        "tif",
        "tiff",
        "gif",
        "bmp",
        "webp",
    }
)


def is_supported(path: str) -> bool:
    return os.path.splitext(path)[1].lower().lstrip(".") in SUPPORTED_EXTENSIONS


def iter_files(paths: Iterable[str | os.PathLike[str]]) -> Iterator[str]:
    """Absolute paths of the files to queue, each once, in a stable order."""
    seen: set[str] = set()
    for raw in paths:
        path = os.path.abspath(os.path.expanduser(os.fspath(raw)))
        if os.path.isdir(path):
            for root, dirs, files in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    candidate = os.path.join(root, name)
                    if name.startswith(".") or not is_supported(name) or candidate in seen:
                        continue
                    seen.add(candidate)
                    yield candidate
        elif path not in seen:
            seen.add(path)
            yield path


def collect_files(paths: Iterable[str | os.PathLike[str]]) -> list[str]:
    return list(iter_files(paths))


def display_name(path: str) -> str:
    return Path(path).name
