"""What every extractor returns, and small helpers they share (dates, whitespace).

An :class:`Extraction` is the raw result of reading one file: text plus metadata, and
whether it is partial (recovered from damage) or needs OCR. Extractors run in the sandboxed
child process; nothing here touches the database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from docproc_gui.pipeline.limits import Limits


@dataclass(slots=True)
class Extraction:
    """Text and metadata of one document, as read by an extractor."""

    text: str = ""
    title: str | None = None
    author: str | None = None
    created: str | None = None  # ISO 8601
    modified: str | None = None  # ISO 8601
    pages: int = 0  # pages, sheets or slides, see ``unit``
    unit: str = "page"  # "page", "sheet", "slide", "chapter", "image"
    language_hint: str | None = None  # a language the document declares about itself
    partial: bool = False
    truncated: bool = False  # the text hit ``max_text_chars``
    needs_ocr: bool = False
    ocr_pages: int = 0
    reasons: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    def mark_partial(self, reason: str) -> None:
        self.partial = True
        if reason not in self.reasons:
            self.reasons.append(reason)


@dataclass(frozen=True, slots=True)
class ExtractOptions:
    """What an extractor may use: the limits and the OCR switches."""

    limits: Limits = field(default_factory=Limits)
    ocr: bool = True
    ocr_languages: str = "eng"
    ocr_timeout: float = 60.0


_PDF_DATE = re.compile(
    r"D?:?(\d{4})(\d{2})?(\d{2})?(\d{2})?(\d{2})?(\d{2})?\s*(?:([Zz+\-])(\d{2})?'?(\d{2})?'?)?"
)


def iso_date(value: object) -> str | None:
    """Normalise a date from document metadata (ISO 8601 or PDF ``D:...``) to ISO 8601."""
    if value is None:
        return None
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.isoformat()
    text = str(value).strip()
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
        return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).isoformat()
    except ValueError:
        pass
    match = _PDF_DATE.match(text)
    if not match:
        return None
    year, month, day, hour, minute, second = (
        int(part or default)
        for part, default in zip(match.groups()[:6], ("0", "1", "1", "0", "0", "0"), strict=True)
    )
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError:
        return None
    sign, offset_hours, offset_minutes = match.groups()[6:]
    if sign in ("+", "-") and offset_hours:
        from datetime import timedelta, timezone

        delta = timedelta(hours=int(offset_hours), minutes=int(offset_minutes or 0))
        moment = moment.replace(tzinfo=timezone(delta if sign == "+" else -delta))
    return moment.isoformat()


_SPACES = re.compile(r"[ \t\r\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\n\s*\n\s*\n+")


def tidy(text: str) -> str:
    """Collapse runs of spaces and blank lines; keep paragraph breaks."""
    text = _SPACES.sub(" ", text)
    return _BLANK_LINES.sub("\n\n", text).strip()


def clean_meta(value: object) -> str | None:
    """A metadata string stripped of NULs and whitespace; None when empty."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text[:500] or None
