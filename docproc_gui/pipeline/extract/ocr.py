"""Optical character recognition through the ``tesseract`` command, when it is installed.

The command (Debian package ``tesseract-ocr``) is run as a child process with a timeout and
one thread (``OMP_THREAD_LIMIT=1``: the engine already runs one sandbox per core). When it
is missing, :func:`tesseract_path` returns None and callers mark the document "needs OCR"
instead of pretending it is empty.
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
from functools import lru_cache
from typing import TYPE_CHECKING

from docproc_gui.domain import StepTimeoutError

if TYPE_CHECKING:
    from PIL.Image import Image

# Tesseract is slow on huge scans and gains nothing above ~300 dpi for A4.
MAX_OCR_PIXELS = 3500 * 3500
MIN_OCR_SIDE = 1200


@lru_cache(maxsize=1)
def tesseract_path() -> str | None:
    """The tesseract executable, or None when it is not installed (or disabled by env)."""
    if os.environ.get("DOCPROC_DISABLE_OCR"):
        return None
    return shutil.which("tesseract")


def ocr_image(image: Image, languages: str = "eng", timeout: float = 60.0) -> str:
    """Recognise the text of a Pillow image; raise :class:`StepTimeoutError` past ``timeout``."""
    executable = tesseract_path()
    if executable is None:
        raise RuntimeError("tesseract is not installed")
    if image.mode not in ("L", "1"):
        image = image.convert("L")  # CMYK, palette, alpha: tesseract binarises grey best
    pixels = image.width * image.height
    longest = max(image.width, image.height)
    if 0 < longest < MIN_OCR_SIDE:
        # Tesseract wants glyphs ~20-30 px high: blow small images (icons, thumbnails) up.
        scale = MIN_OCR_SIDE / longest
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    elif pixels > MAX_OCR_PIXELS:
        scale = (MAX_OCR_PIXELS / pixels) ** 0.5
        image = image.resize((max(1, int(image.width * scale)), max(1, int(image.height * scale))))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        completed = subprocess.run(
            [executable, "stdin", "stdout", "-l", languages],
            input=buffer.getvalue(),
            capture_output=True,
            timeout=timeout,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise StepTimeoutError(f"OCR took longer than {timeout:.0f} s") from None
    if completed.returncode != 0:
        message = completed.stderr.decode("utf-8", "replace").strip().splitlines()
        raise RuntimeError(f"tesseract failed: {message[-1] if message else completed.returncode}")
    return completed.stdout.decode("utf-8", "replace")
