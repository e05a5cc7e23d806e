"""The real type of a file, from its content: magic bytes and a look inside containers.

The extension only says what the file *claims* to be. A DOCX renamed ``.pdf`` is a DOCX,
a PNG renamed ``.pdf`` is an image, a gzipped PDF is a gzip archive (unsupported). Both
the claimed and the detected type are recorded so the user can see the mismatch.

Zip containers are told apart by their member names (``word/`` → DOCX, ``mimetype`` →
ODF/EPUB, ...); OLE2 compound files by their stream names (``Workbook`` → XLS). Types we
do not handle are named with :mod:`puremagic`, a maintained signature database, so the
error says *what* the file is ("gzip archive"), not just that it is unsupported.
"""

from __future__ import annotations

import os
import zipfile
from dataclasses import asdict, dataclass
from typing import Any

import puremagic

from docproc_gui.domain import (
    DocumentNotFoundError,
    EmptyDocumentError,
    EncryptedDocumentError,
    TransientError,
    UnsupportedFormatError,
)

HEAD_BYTES = 8192
OLE_SCAN_BYTES = 2 * 1024 * 1024

# Detected type -> (family, MIME type). The family picks the extractor.
TYPES: dict[str, tuple[str, str]] = {
    "pdf": ("pdf", "application/pdf"),
    "docx": ("ooxml", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"),
    "xlsx": ("sheet", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "pptx": ("ooxml", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    "xls": ("sheet", "application/vnd.ms-excel"),
    "odt": ("odf", "application/vnd.oasis.opendocument.text"),
    "ods": ("odf", "application/vnd.oasis.opendocument.spreadsheet"),
    "odp": ("odf", "application/vnd.oasis.opendocument.presentation"),
    "epub": ("epub", "application/epub+zip"),
    "html": ("html", "text/html"),
    "txt": ("text", "text/plain"),
    "md": ("text", "text/markdown"),
    "rst": ("text", "text/x-rst"),
    "csv": ("text", "text/csv"),
    "png": ("image", "image/png"),
    "jpeg": ("image", "image/jpeg"),
    "gif": ("image", "image/gif"),
    "tiff": ("image", "image/tiff"),
    "bmp": ("image", "image/bmp"),
    "webp": ("image", "image/webp"),
}

_EXTENSION_ALIASES = {
    "htm": "html",
    "xhtml": "html",
    "jpg": "jpeg",
    "tif": "tiff",
    "markdown": "md",
    "text": "txt",
    "xlsm": "xlsx",
    "tsv": "csv",
}
_TEXT_SUBTYPES = {"md", "rst", "csv", "txt"}
_ODF_MIMETYPES = {
    "application/vnd.oasis.opendocument.text": "odt",
    "application/vnd.oasis.opendocument.text-template": "odt",
    "application/vnd.oasis.opendocument.spreadsheet": "ods",
    "application/vnd.oasis.opendocument.spreadsheet-template": "ods",
    "application/vnd.oasis.opendocument.presentation": "odp",
    "application/vnd.oasis.opendocument.presentation-template": "odp",
    "application/epub+zip": "epub",
}


@dataclass(frozen=True, slots=True)
class Detection:
    """What a file is: ``detected_type`` (a key of :data:`TYPES`) and what it claimed."""

    detected_type: str
    family: str
    mime: str
    claimed_type: str
    size: int

    @property
    def mismatch(self) -> bool:
        """True when the extension names another type than the content."""
        claimed = _EXTENSION_ALIASES.get(self.claimed_type, self.claimed_type)
        if self.family == "text" and claimed in _TEXT_SUBTYPES:
            return False
        return bool(claimed) and claimed != self.detected_type

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["mismatch"] = self.mismatch
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Detection:
        return cls(
            detected_type=data["detected_type"],
            family=data["family"],
            mime=data["mime"],
            claimed_type=data["claimed_type"],
            size=int(data["size"]),
        )


def claimed_type(path: str) -> str:
    """The type the file name claims: its lower-case extension without the dot."""
    return os.path.splitext(path)[1].lstrip(".").lower()


def detect_file(path: str) -> Detection:
    """Detect the type of the file at ``path`` from its content.

    Raises :class:`DocumentNotFoundError`, :class:`EmptyDocumentError` or
    :class:`UnsupportedFormatError` (naming the claimed and the detected type).
    """
    claimed = claimed_type(path)
    try:
        size = os.stat(path).st_size
        if not os.path.isfile(path):
            raise DocumentNotFoundError(f"not a regular file: {path}")
        if size == 0:
            raise EmptyDocumentError(f"the file is empty (0 bytes, claimed {claimed or '?'})")
        with open(path, "rb") as handle:
            head = handle.read(HEAD_BYTES)
    except FileNotFoundError:
        raise DocumentNotFoundError(f"file not found: {path}") from None
    except PermissionError as error:
        raise DocumentNotFoundError(f"cannot read {path}: {error.strerror}") from None
    except BlockingIOError as error:  # pragma: no cover - e.g. a locked file on a share
        raise TransientError(f"cannot read {path} now: {error}") from None
    detected = sniff(head, path, claimed)
    family, mime = TYPES[detected]
    return Detection(detected, family, mime, claimed, size)


def sniff(head: bytes, path: str, claimed: str) -> str:
    """Name the type of a file from its first bytes (and a look inside containers)."""
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _sniff_zip(path, head)
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"BM") and len(head) > 26 and head[14] in (12, 40, 52, 56, 108, 124):
        return "bmp"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return _sniff_ole(path, claimed)
    if _looks_like_text(head):
        lowered = stripped[:1024].lower()
        if lowered.startswith((b"<!doctype html", b"<html")) or (
            lowered.startswith((b"<?xml", b"<!--", b"<!doctype")) and b"<html" in head.lower()
        ):
            return "html"
        alias = _EXTENSION_ALIASES.get(claimed, claimed)
        if alias in _TEXT_SUBTYPES:
            return alias
        if alias == "html" and b"<" in head:
            return "html"
        return "txt"
    raise UnsupportedFormatError(_unsupported_message(head, claimed))


def _sniff_zip(path: str, head: bytes) -> str:
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
            mimetype = ""
            if "mimetype" in names:
                with archive.open("mimetype") as handle:
                    mimetype = handle.read(200).decode("ascii", "replace").strip()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        # Truncated: no central directory. Judge by the local headers we can see.
        names = _local_header_names(path)
        mimetype = ""
        if head[30:38] == b"mimetype":
            start = 30 + 8 + int.from_bytes(head[28:30], "little")
            mimetype = head[start : start + 80].split(b"PK", 1)[0].decode("ascii", "replace")
    return _type_from_zip_names(names, mimetype.strip())


def _type_from_zip_names(names: list[str], mimetype: str) -> str:
    for prefix, kind in _ODF_MIMETYPES.items():
        if mimetype.startswith(prefix):
            return kind
    if any(name.startswith("word/") for name in names):
        return "docx"
    if any(name.startswith("xl/") for name in names):
        return "xlsx"
    if any(name.startswith("ppt/") for name in names):
        return "pptx"
    if any(name.endswith("META-INF/container.xml") or name.endswith(".opf") for name in names):
        return "epub"  # includes EPUBs nested one folder deep, without ``mimetype``
    if "content.xml" in names and "meta.xml" in names:
        return "odt"
    raise UnsupportedFormatError("zip archive that is no Office, ODF or EPUB document")


def _local_header_names(path: str) -> list[str]:
    """Member names from the local file headers of a zip without a central directory."""
    with open(path, "rb") as handle:
        data = handle.read(OLE_SCAN_BYTES)
    names: list[str] = []
    position = data.find(b"PK\x03\x04")
    while position != -1 and len(names) < 200:
        name_length = int.from_bytes(data[position + 26 : position + 28], "little")
        names.append(data[position + 30 : position + 30 + name_length].decode("utf-8", "replace"))
        position = data.find(b"PK\x03\x04", position + 30)
    return names


def _sniff_ole(path: str, claimed: str) -> str:
    with open(path, "rb") as handle:
        data = handle.read(OLE_SCAN_BYTES)
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return "xls"
    if "WordDocument".encode("utf-16-le") in data:
        raise UnsupportedFormatError(
            f"legacy Word 97-2003 document (.doc), claimed {claimed or '?'}: not supported"
        )
    if "PowerPoint Document".encode("utf-16-le") in data:
        raise UnsupportedFormatError(
            f"legacy PowerPoint 97-2003 file (.ppt), claimed {claimed or '?'}: not supported"
        )
    if "EncryptedPackage".encode("utf-16-le") in data:
        raise EncryptedDocumentError("encrypted: needs a password")
    raise UnsupportedFormatError(f"OLE2 compound file, claimed {claimed or '?'}: not supported")


def _looks_like_text(head: bytes) -> bool:
    """True for bytes that decode as text: no NULs (unless UTF-16 with a BOM), few controls."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    if b"\x00" in head:
        return False
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    if controls > len(head) * 0.01:
        return False
    try:
        head.decode("utf-8")
        return True
    except UnicodeDecodeError as error:
        if error.start >= len(head) - 4:  # cut in the middle of a character
            return True
    # Not UTF-8: accept a legacy 8-bit text when most bytes are printable ASCII.
    printable = sum(1 for byte in head if 32 <= byte < 127 or byte in (9, 10, 13))
    return printable > len(head) * 0.7


def _unsupported_message(head: bytes, claimed: str) -> str:
    name = "unknown binary data"
    try:
        matches = puremagic.magic_string(head)
    except (puremagic.PureError, ValueError):
        matches = []
    if matches:
        best = matches[0]
        name = f"{best.name} ({best.mime_type or best.extension})"
    return f"unsupported file type: detected {name}, claimed {claimed or '?'}"
