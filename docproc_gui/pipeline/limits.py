"""Bounds on what one document may cost: file size, extracted text and unpacked containers.

A hostile or broken file must not make the pipeline read gigabytes, allocate without limit
or loop forever. :class:`Limits` collects the caps from the pipeline options; the helpers
here enforce them while reading (never trusting sizes that a file declares about itself).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from docproc_gui.domain import DocumentTooLargeError

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class Limits:
    """Caps for one document. Sizes in bytes unless the name says otherwise."""

    max_file_bytes: int = 512 * MB
    max_text_chars: int = 20_000_000
    # Zip containers (Office Open XML, ODF, EPUB): total unpacked bytes, ratio, entries.
    max_unpacked_bytes: int = 1024 * MB
    max_member_bytes: int = 256 * MB
    max_compression_ratio: float = 200.0
    max_zip_entries: int = 20_000
    # Scanned documents: OCR at most this many pages of one PDF.
    max_ocr_pages: int = 20

    @classmethod
    def from_options(cls, options: Mapping[str, Any] | None) -> Limits:
        """Read ``max_file_size_mb`` and ``max_text_chars`` (and the finer caps) from options."""
        options = options or {}
        defaults = cls()
        file_mb = float(options.get("max_file_size_mb") or defaults.max_file_bytes / MB)
        return cls(
            max_file_bytes=int(file_mb * MB),
            max_text_chars=int(options.get("max_text_chars") or defaults.max_text_chars),
            max_unpacked_bytes=int(
                options.get("max_unpacked_mb") or defaults.max_unpacked_bytes / MB
            )
            * MB,
            max_member_bytes=defaults.max_member_bytes,
            max_compression_ratio=float(
                options.get("max_compression_ratio") or defaults.max_compression_ratio
            ),
            max_zip_entries=int(options.get("max_zip_entries") or defaults.max_zip_entries),
            max_ocr_pages=int(options.get("max_ocr_pages") or defaults.max_ocr_pages),
        )


def check_file_size(path: str, limits: Limits) -> int:
    """Return the file's size; raise :class:`DocumentTooLargeError` above the limit."""
    size = os.stat(path).st_size
    if size > limits.max_file_bytes:
        raise DocumentTooLargeError(
            f"file is {size / MB:.1f} MB, the limit is {limits.max_file_bytes / MB:.0f} MB"
        )
    return size


def check_zip(archive: zipfile.ZipFile, limits: Limits) -> None:
    """Refuse a zip whose directory promises a bomb: too many entries, bytes or ratio.

    The declared sizes are only a first line of defence; :func:`read_member` also stops
    reading when a member inflates past what it declared or past the per-member cap.
    """
    infos = archive.infolist()
    if len(infos) > limits.max_zip_entries:
        raise DocumentTooLargeError(f"container has {len(infos)} entries (zip bomb guard)")
    unpacked = sum(info.file_size for info in infos)
    packed = sum(info.compress_size for info in infos)
    if unpacked > limits.max_unpacked_bytes:
        raise DocumentTooLargeError(f"container unpacks to {unpacked / MB:.0f} MB (zip bomb guard)")
    if unpacked > 10 * MB and packed and unpacked / packed > limits.max_compression_ratio:
        raise DocumentTooLargeError(
            f"container compression ratio {unpacked / packed:.0f}:1 (zip bomb guard)"
        )


def read_member(archive: zipfile.ZipFile, name: str | zipfile.ZipInfo, limits: Limits) -> bytes:
    """Read one zip member, stopping at the per-member cap whatever its header declares."""
    cap = limits.max_member_bytes
    with archive.open(name) as handle:
        data = handle.read(cap + 1)
    if len(data) > cap:
        raise DocumentTooLargeError(f"container member exceeds {cap // MB} MB (zip bomb guard)")
    return data


@dataclass(slots=True)
class TextBuffer:
    """Collects extracted text up to ``max_chars``; remembers whether it had to cut."""

    max_chars: int
    parts: list[str] = field(default_factory=list)
    length: int = 0
    truncated: bool = False

    @property
    def full(self) -> bool:
        return self.length >= self.max_chars

    def add(self, text: str) -> bool:
        """Append ``text`` (cut at the cap); return False once the buffer is full."""
        if not text:
            return not self.full
        room = self.max_chars - self.length
        if room <= 0:
            self.truncated = True
            return False
        if len(text) > room:
            text = text[:room]
            self.truncated = True
        self.parts.append(text)
        self.length += len(text)
        return not self.full

    def text(self, separator: str = "\n") -> str:
        return separator.join(self.parts)
