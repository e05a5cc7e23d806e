"""Quality check: a score in [0, 1] with the reasons, and whether a person should review.

Signals are measured on the text where the text is (the extraction child process, see
:func:`text_signals`); :func:`assess` combines them with what integration found (duplicates)
into the score. Every penalty has a reason a person can read; documents below the
``quality_threshold`` option are flagged for review rather than silently accepted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

NORMAL_CHARS_PER_PAGE = 200  # a text page has ~2,000; below 200 it is probably a scan
SHORT_WORDS = 20
_MOJIBAKE = re.compile("[\u00c3\u00c2][\u0080-\u00bf]")
_LETTER = re.compile(r"[^\W\d_]")
# C0 controls (not tab/newline/form feed/CR) and private-use characters: undecodable glyphs.
_GARBAGE = re.compile("[\x00-\x08\x0b\x0e-\x1f\ue000-\uf8ff\U000f0000-\U0010ffff]")
SAMPLE_CHARS = 30_000
LETTER_SAMPLE = 10_000


def text_signals(text: str, words: int | None = None) -> dict[str, Any]:
    """Cheap measurements of a text: size, words, replacement and garbage characters.

    Runs on every document, so it sticks to C-speed string methods and samples long texts.
    """
    if len(text) > SAMPLE_CHARS:
        sample = text[: SAMPLE_CHARS // 2] + text[-SAMPLE_CHARS // 2 :]
    else:
        sample = text
    size = len(sample) or 1
    letters = sample[:LETTER_SAMPLE]
    return {
        "chars": len(text),
        "words": len(text.split()) if words is None else words,
        # Estimated from the sample for long texts: only its order of magnitude matters.
        "non_space_chars": len(text)
        - round(sum(sample.count(space) for space in " \n\t\f\r") * len(text) / size),
        "replacement_ratio": round(sample.count("\ufffd") / size, 5),
        "garbage_ratio": round(len(_GARBAGE.findall(sample)) / size, 5),
        "mojibake_ratio": round(len(_MOJIBAKE.findall(sample)) / size, 5),
        "letter_ratio": round(len(_LETTER.findall(letters)) / (len(letters) or 1), 3),
    }


@dataclass(slots=True)
class QualityReport:
    score: float
    reasons: list[str] = field(default_factory=list)
    needs_review: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "reasons": list(self.reasons),
            "needs_review": self.needs_review,
        }


def assess(
    *,
    signals: dict[str, Any],
    pages: int,
    unit: str,
    detected_type: str,
    needs_ocr: bool,
    partial: bool,
    truncated: bool,
    language_confidence: float,
    duplicate_of: int | None = None,
    near_duplicate_of: int | None = None,
    threshold: float = 0.5,
) -> QualityReport:
    """Combine the signals into a score with reasons; below ``threshold`` needs review."""
    score = 1.0
    reasons: list[str] = []
    chars = int(signals.get("non_space_chars", signals.get("chars", 0)))
    words = int(signals.get("words", 0))

    def penalise(amount: float, reason: str) -> None:
        nonlocal score
        score -= amount
        reasons.append(reason)

    if chars == 0:
        if needs_ocr:
            penalise(0.9, "no text: needs OCR (scanned or image-only, no text layer read)")
        else:
            penalise(1.0, "no text extracted")
    else:
        if needs_ocr:
            penalise(0.4, "partly scanned: some pages need OCR")
        if unit == "page" and detected_type == "pdf" and pages > 0:
            per_page = chars / pages
            if per_page < NORMAL_CHARS_PER_PAGE:
                penalise(
                    0.4,
                    f"little text per page ({per_page:.0f} characters): likely scanned",
                )
        if words < SHORT_WORDS:
            penalise(0.3, f"very short ({words} words)")
        bad = float(signals.get("replacement_ratio", 0)) + float(signals.get("garbage_ratio", 0))
        bad += float(signals.get("mojibake_ratio", 0))
        if bad > 0.005:
            penalise(min(0.6, bad * 10), f"garbled text ({bad:.1%} unreadable characters)")
        if language_confidence < 0.5 and detected_type not in ("csv", "xlsx", "xls", "ods"):
            penalise(0.15, f"language unsure (confidence {language_confidence:.2f})")
    if partial:
        penalise(0.3, "extraction partial: recovered from a damaged file")
    if truncated:
        penalise(0.05, "text cut at the configured limit")
    if duplicate_of is not None:
        penalise(0.1, f"duplicate of document {duplicate_of}")
    elif near_duplicate_of is not None:
        penalise(0.05, f"same text as document {near_duplicate_of} (other file)")
    score = round(max(0.0, min(1.0, score)), 3)
    return QualityReport(score, reasons, score < threshold)
