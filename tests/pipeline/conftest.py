"""Fixtures for the pipeline tests: a folder of generated documents, and an OCR switch."""

from __future__ import annotations

import shutil

import pytest

from docproc_gui.pipeline.extract.ocr import tesseract_path

requires_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract-ocr is not installed"
)


@pytest.fixture(autouse=True)
def _fresh_tesseract_lookup() -> None:
    # Tests switch OCR off through the environment; never keep a stale answer.
    tesseract_path.cache_clear()
