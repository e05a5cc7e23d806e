"""Classify and extract one file: the work of the CLASSIFY and EXTRACT stages as functions.

:func:`classify_file` is cheap (a stat and the first bytes) and runs in-process: it rejects
missing, empty, oversized and unsupported files before any child process is involved.
:func:`extract_document` is the heavy, risky part and runs in the engine's sandbox: it
reads the text and metadata, then, because the text is at hand there, also measures the
language, the category, the quality signals, the signature terms and the fingerprints.
Shipping those small results instead of re-reading the text in the parent keeps the
parent's worker threads free.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from typing import Any

from docproc_gui.pipeline.categorize import categorize, effective_rules
from docproc_gui.pipeline.detect import Detection, detect_file
from docproc_gui.pipeline.extract import ExtractOptions, extract_file
from docproc_gui.pipeline.language import detect_language
from docproc_gui.pipeline.limits import Limits, check_file_size
from docproc_gui.pipeline.quality import text_signals
from docproc_gui.pipeline.terms import signature_terms, text_fingerprint

HASH_CHUNK = 1024 * 1024


def classify_file(file_path: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Detect the real type of ``file_path`` and check its size (the CLASSIFY stage)."""
    detection = detect_file(file_path)
    check_file_size(file_path, Limits.from_options(options))
    return detection.to_dict()


def extract_options(options: Mapping[str, Any] | None) -> ExtractOptions:
    options = options or {}
    return ExtractOptions(
        limits=Limits.from_options(options),
        ocr=bool(options.get("ocr", True)),
        ocr_languages=str(options.get("ocr_languages") or "eng"),
        ocr_timeout=float(options.get("ocr_timeout") or 60.0),
    )


def extract_document(
    file_path: str,
    options: Mapping[str, Any],
    outputs: Mapping[str, dict[str, Any]],
) -> dict[str, Any]:
    """Extract text and metadata and measure it (the EXTRACT stage; runs in the sandbox).

    Returns a JSON-serialisable dict: ``text`` plus the document record the knowledge base
    stores (see :meth:`docproc_gui.store.knowledge.KnowledgeBase.integrate`).
    """
    classified = outputs.get("classify")
    detection = (
        Detection.from_dict(classified)
        if classified
        else Detection.from_dict(classify_file(file_path, options))
    )
    settings = extract_options(options)
    check_file_size(file_path, settings.limits)
    extraction = extract_file(file_path, detection, settings)
    text = extraction.text
    language = detect_language(text)
    category = categorize(
        text,
        title=extraction.title,
        detected_type=detection.detected_type,
        pages=extraction.pages,
        rules=effective_rules(options),
    )
    tokens = text.split()
    signals = text_signals(text, words=len(tokens))
    stat = os.stat(file_path)
    return {
        "text": text,
        "title": extraction.title or _title_from_path(file_path),
        "author": extraction.author,
        "created": extraction.created,
        "modified": extraction.modified,
        "file_mtime": stat.st_mtime,
        "size": stat.st_size,
        "file_type": detection.detected_type,
        "claimed_type": detection.claimed_type,
        "mime": detection.mime,
        "pages": extraction.pages,
        "unit": extraction.unit,
        "words": signals["words"],
        "chars": signals["chars"],
        "language": language.code,
        "language_confidence": language.confidence,
        "language_hint": extraction.language_hint,
        "category": category.category,
        "category_confidence": category.confidence,
        "category_evidence": category.evidence,
        "partial": extraction.partial,
        "truncated": extraction.truncated,
        "needs_ocr": extraction.needs_ocr,
        "ocr_pages": extraction.ocr_pages,
        "notes": extraction.reasons,
        "signals": signals,
        "extra": extraction.extra,
        "file_hash": file_sha256(file_path),
        "text_hash": text_fingerprint(text, tokens),
        "terms": signature_terms(text),
    }


def file_sha256(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _title_from_path(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


def process_file(file_path: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Classify and extract in one call (scripts, benchmarks and tests; no engine, no store)."""
    options = options or {}
    classified = classify_file(file_path, options)
    return extract_document(file_path, options, {"classify": classified})
