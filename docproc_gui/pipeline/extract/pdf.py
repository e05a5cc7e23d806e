"""PDF text and metadata with pypdfium2 (PDFium: fast, robust, BSD/Apache licensed).

Encrypted PDFs with an empty user password open as usual; ones that need a password raise
:class:`EncryptedDocumentError`. PDFium repairs many damaged files itself (a missing xref
table is rebuilt); what it cannot open is :class:`CorruptDocumentError`. Pages with almost
no text but with images are scanned pages: they are OCR'd when tesseract is installed
(up to ``Limits.max_ocr_pages``), otherwise the document is marked "needs OCR".
"""

from __future__ import annotations

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from docproc_gui.domain import CorruptDocumentError, EncryptedDocumentError
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions, clean_meta, iso_date
from docproc_gui.pipeline.extract.ocr import ocr_image, tesseract_path
from docproc_gui.pipeline.limits import TextBuffer

SCANNED_PAGE_CHARS = 16  # fewer characters than this on a page with an image: a scan
OCR_SCALE = 200 / 72  # render at 200 dpi


def extract_pdf(path: str, options: ExtractOptions) -> Extraction:
    """Read the text of every page (up to the text cap) and the document information."""
    try:
        document = pdfium.PdfDocument(path)
    except pdfium.PdfiumError as error:
        code = getattr(error, "err_code", None)
        if code == pdfium_c.FPDF_ERR_PASSWORD:
            raise EncryptedDocumentError("encrypted: needs a password") from None
        if code == pdfium_c.FPDF_ERR_SECURITY:
            raise EncryptedDocumentError("encrypted: unsupported security handler") from None
        raise CorruptDocumentError(f"damaged PDF that cannot be opened: {error}") from None
    try:
        return _read(document, options)
    finally:
        document.close()


def _read(document: pdfium.PdfDocument, options: ExtractOptions) -> Extraction:
    result = Extraction(unit="page")
    try:
        meta = document.get_metadata_dict(skip_empty=True)
    except pdfium.PdfiumError:  # pragma: no cover - damaged info dictionary
        meta = {}
    result.title = clean_meta(meta.get("Title"))
    result.author = clean_meta(meta.get("Author"))
    result.created = iso_date(meta.get("CreationDate"))
    result.modified = iso_date(meta.get("ModDate"))
    if meta.get("Subject"):
        result.extra["subject"] = clean_meta(meta["Subject"])
    if meta.get("Keywords"):
        result.extra["keywords"] = clean_meta(meta["Keywords"])
    result.pages = len(document)
    buffer = TextBuffer(options.limits.max_text_chars)
    scanned: list[int] = []
    failed_pages = 0
    for index in range(result.pages):
        try:
            page = document[index]
        except pdfium.PdfiumError:
            failed_pages += 1
            continue
        try:
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            textpage.close()
            if len(text.strip()) < SCANNED_PAGE_CHARS and _has_image(page):
                scanned.append(index)
            if not buffer.add(text):
                break
        except pdfium.PdfiumError:
            failed_pages += 1
        finally:
            page.close()
    if failed_pages:
        result.mark_partial(f"{failed_pages} of {result.pages} pages could not be read")
    if scanned:
        _ocr_pages(document, scanned, buffer, result, options)
    result.text = buffer.text("\n\f")
    result.truncated = buffer.truncated
    return result


def _has_image(page: pdfium.PdfPage) -> bool:
    for _ in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,), max_depth=2):
        return True
    return False


def _ocr_pages(
    document: pdfium.PdfDocument,
    pages: list[int],
    buffer: TextBuffer,
    result: Extraction,
    options: ExtractOptions,
) -> None:
    result.extra["scanned_pages"] = len(pages)
    if not options.ocr or tesseract_path() is None:
        result.needs_ocr = True
        result.reasons.append(
            f"{len(pages)} scanned page(s) without a text layer; tesseract is not installed"
            if options.ocr
            else f"{len(pages)} scanned page(s) without a text layer; OCR is switched off"
        )
        return
    budget = options.limits.max_ocr_pages
    for index in pages[:budget]:
        page = document[index]
        try:
            image = page.render(scale=OCR_SCALE, grayscale=True).to_pil()
        finally:
            page.close()
        text = ocr_image(image, options.ocr_languages, options.ocr_timeout)
        result.ocr_pages += 1
        if not buffer.add(text):
            break
    if len(pages) > budget:
        result.needs_ocr = True
        result.mark_partial(f"OCR stopped after {budget} of {len(pages)} scanned pages")
