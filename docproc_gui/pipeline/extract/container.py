"""Zip containers (Office Open XML, ODF, EPUB) opened safely, and salvaged when truncated.

An intact zip is read through :mod:`zipfile` behind the zip-bomb guard. A zip cut short has
no central directory, so :mod:`zipfile` refuses it; then the local file headers are walked
from the start and every member is inflated as far as its bytes go. The caller gets what
could be recovered and a reason, and reports a *partial* extraction instead of failing.
"""

from __future__ import annotations

import zipfile
import zlib
from dataclasses import dataclass, field

from docproc_gui.domain import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
)
from docproc_gui.pipeline.limits import Limits, check_zip, read_member

LOCAL_HEADER = b"PK\x03\x04"


@dataclass(slots=True)
class Container:
    """The members of one zip document, read lazily (intact) or eagerly (salvaged)."""

    names: list[str]
    partial: bool = False
    reasons: list[str] = field(default_factory=list)
    _archive: zipfile.ZipFile | None = None
    _salvaged: dict[str, bytes] = field(default_factory=dict)
    _limits: Limits = field(default_factory=Limits)

    def read(self, name: str) -> bytes | None:
        """The bytes of member ``name`` (None if absent or unreadable)."""
        if self._archive is not None:
            try:
                return read_member(self._archive, name, self._limits)
            except KeyError:
                return None
            except (zipfile.BadZipFile, zlib.error, EOFError, OSError, NotImplementedError) as e:
                self.partial = True
                self.reasons.append(f"member {name} is damaged: {e}")
                return None
            except RuntimeError as error:  # zipfile: "File ... is encrypted"
                if "encrypted" in str(error):
                    raise EncryptedDocumentError("encrypted: needs a password") from None
                raise
        return self._salvaged.get(name)

    def close(self) -> None:
        if self._archive is not None:
            self._archive.close()

    def __enter__(self) -> Container:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()


def open_container(path: str, limits: Limits) -> Container:
    """Open the zip at ``path``; salvage its members when the central directory is missing."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, EOFError, OSError, ValueError):
        return _salvage(path, limits)
    try:
        check_zip(archive, limits)
    except DocumentTooLargeError:
        archive.close()
        raise
    return Container(names=archive.namelist(), _archive=archive, _limits=limits)


def _salvage(path: str, limits: Limits) -> Container:
    with open(path, "rb") as handle:
        data = handle.read(limits.max_file_bytes)
    members: dict[str, bytes] = {}
    reasons = ["zip container is truncated or damaged; recovered what its local headers hold"]
    total = 0
    position = data.find(LOCAL_HEADER)
    while position != -1 and len(members) < limits.max_zip_entries:
        header = data[position : position + 30]
        if len(header) < 30:
            break
        flags = int.from_bytes(header[6:8], "little")
        method = int.from_bytes(header[8:10], "little")
        packed = int.from_bytes(header[18:22], "little")
        name_length = int.from_bytes(header[26:28], "little")
        extra_length = int.from_bytes(header[28:30], "little")
        start = position + 30 + name_length + extra_length
        name = data[position + 30 : position + 30 + name_length].decode("utf-8", "replace")
        has_descriptor = bool(flags & 0x08) or packed == 0
        end = len(data) if has_descriptor else min(len(data), start + packed)
        body, complete = _inflate(data[start:end], method, limits.max_member_bytes)
        if body is not None:
            total += len(body)
            if total > limits.max_unpacked_bytes:
                raise DocumentTooLargeError("salvaged container unpacks too large (zip bomb guard)")
            members[name] = body
            if not complete:
                reasons.append(f"member {name} is cut short")
        next_from = start + (0 if has_descriptor else packed)
        position = data.find(LOCAL_HEADER, max(next_from, position + 4))
    if not members:
        raise CorruptDocumentError("damaged zip container: no member could be recovered")
    return Container(names=list(members), partial=True, reasons=reasons, _salvaged=members)


def _inflate(raw: bytes, method: int, cap: int) -> tuple[bytes | None, bool]:
    """Inflate one member's bytes as far as they go; return (bytes, complete)."""
    if method == 0:
        return raw, True
    if method != 8:
        return None, False
    inflater = zlib.decompressobj(-15)
    try:
        body = inflater.decompress(raw, cap + 1)
    except zlib.error:
        return None, False
    if len(body) > cap:
        raise DocumentTooLargeError("container member inflates too large (zip bomb guard)")
    return body, inflater.eof
