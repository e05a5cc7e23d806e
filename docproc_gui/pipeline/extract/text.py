"""Plain text, Markdown, reStructuredText and CSV, with charset detection for legacy encodings.

UTF-8 (with or without BOM) and UTF-16 with a BOM are decoded directly; anything else goes
through charset-normalizer on a sample, so a Latin-1 or Shift-JIS file reads as text rather
than as replacement characters.
"""

from __future__ import annotations

import codecs
import re

from charset_normalizer import from_bytes

from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions
from docproc_gui.pipeline.limits import TextBuffer

SAMPLE_BYTES = 64 * 1024
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_MD_HEADING = re.compile(r"^#{1,3}\s+(.+?)\s*#*\s*$", re.MULTILINE)
_RST_UNDERLINE = re.compile(r"^([^\n]{3,200})\n([=\-~^\"'`#*+]{3,})\s*$", re.MULTILINE)


def decode_bytes(data: bytes) -> tuple[str, str]:
    """Decode ``data`` to text; return (text, encoding)."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, errors="replace"), encoding
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as error:
        if error.start > len(data) - 4 and len(data) > 4:  # cut inside the last character
            return data.decode("utf-8", errors="replace"), "utf-8"
    best = from_bytes(data[:SAMPLE_BYTES]).best()
    encoding = best.encoding if best is not None else "cp1252"
    try:
        return data.decode(encoding, errors="replace"), encoding
    except LookupError:  # pragma: no cover - a codec Python does not know
        return data.decode("cp1252", errors="replace"), "cp1252"


def extract_text(path: str, options: ExtractOptions, detected_type: str) -> Extraction:
    limits = options.limits
    with open(path, "rb") as handle:
        # Text rarely needs more than 4 bytes per character; do not read past the cap.
        data = handle.read(limits.max_text_chars * 4 + 4)
    text, encoding = decode_bytes(data)
    buffer = TextBuffer(limits.max_text_chars)
    buffer.add(text.replace("\r\n", "\n"))
    result = Extraction(unit="page", pages=1, text=buffer.text(""), truncated=buffer.truncated)
    result.extra["encoding"] = encoding
    result.title = _title(result.text, detected_type)
    if detected_type == "csv":
        result.extra["rows"] = result.text.count("\n") + (0 if result.text.endswith("\n") else 1)
    return result


def _title(text: str, detected_type: str) -> str | None:
    head = text[:4000]
    if detected_type == "md":
        match = _MD_HEADING.search(head)
        if match:
            return match.group(1).strip()[:200]
    if detected_type in ("rst", "txt", "md"):
        match = _RST_UNDERLINE.search(head)
        if match and len(match.group(2).strip()) >= len(match.group(1).strip()) * 0.7:
            return match.group(1).strip()[:200]
    if detected_type == "csv":
        return None
    for line in head.splitlines():
        line = line.strip(" \t#=*-")
        if line:
            return line[:200] if len(line) <= 200 else None
    return None
