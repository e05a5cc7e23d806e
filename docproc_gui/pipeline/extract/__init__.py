"""Extractors, one module per format family, behind one entry point: :func:`extract_file`.

Every extractor takes the path and :class:`ExtractOptions` and returns an
:class:`Extraction`, or raises one of the categorised errors of :mod:`docproc_gui.domain`.
"""

from __future__ import annotations

import zipfile
import zlib

from lxml import etree

from docproc_gui.domain import CorruptDocumentError, DocProcError, UnsupportedFormatError
from docproc_gui.pipeline.detect import Detection
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions
from docproc_gui.pipeline.extract.epub import extract_epub
from docproc_gui.pipeline.extract.html import extract_html
from docproc_gui.pipeline.extract.images import extract_image
from docproc_gui.pipeline.extract.odf import extract_odf
from docproc_gui.pipeline.extract.office import extract_docx, extract_pptx
from docproc_gui.pipeline.extract.pdf import extract_pdf
from docproc_gui.pipeline.extract.sheets import extract_sheets
from docproc_gui.pipeline.extract.text import extract_text

__all__ = ["ExtractOptions", "Extraction", "extract_file"]

# Library errors that mean "this file is damaged" whatever the format.
_DAMAGE = (zipfile.BadZipFile, zlib.error, EOFError, etree.LxmlError, UnicodeError, KeyError)


def extract_file(path: str, detection: Detection, options: ExtractOptions) -> Extraction:
    """Extract text and metadata from ``path`` according to its detected type."""
    kind = detection.detected_type
    try:
        if kind == "pdf":
            return extract_pdf(path, options)
        if kind == "docx":
            return extract_docx(path, options)
        if kind == "pptx":
            return extract_pptx(path, options)
        if kind in ("xlsx", "xls"):
            return extract_sheets(path, options, kind)
        if kind in ("odt", "ods", "odp"):
            return extract_odf(path, options, kind)
        if kind == "epub":
            return extract_epub(path, options)
        if kind == "html":
            return extract_html(path, options)
        if detection.family == "text":
            return extract_text(path, options, kind)
        if detection.family == "image":
            return extract_image(path, options)
    except DocProcError:
        raise
    except MemoryError:
        raise
    except _DAMAGE as error:
        raise CorruptDocumentError(f"damaged {kind.upper()} file: {error}") from None
    raise UnsupportedFormatError(f"no extractor for {kind}")
