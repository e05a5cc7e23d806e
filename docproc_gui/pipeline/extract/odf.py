"""OpenDocument text, spreadsheets and presentations (ODT/ODS/ODP): zip + lxml.

``content.xml`` holds the body: paragraphs and headings (``text:p``/``text:h``) in text
documents, table cells and frames in spreadsheets and presentations all contain them, so
one walk reads every kind. ``meta.xml`` gives title, author, dates and page count.
"""

from __future__ import annotations

from docproc_gui.domain import CorruptDocumentError, EncryptedDocumentError
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions
from docproc_gui.pipeline.extract.container import open_container
from docproc_gui.pipeline.extract.xml import apply_core_properties, parse
from docproc_gui.pipeline.limits import TextBuffer

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_UNITS = {"odt": "page", "ods": "sheet", "odp": "slide"}


def extract_odf(path: str, options: ExtractOptions, detected_type: str) -> Extraction:
    result = Extraction(unit=_UNITS.get(detected_type, "page"))
    with open_container(path, options.limits) as container:
        for reason in container.reasons:
            result.mark_partial(reason)
        manifest = container.read("META-INF/manifest.xml") or b""
        if b"encryption-data" in manifest:
            raise EncryptedDocumentError("encrypted: needs a password")
        meta = parse(container.read("meta.xml"))
        apply_core_properties(meta, result)
        content = parse(container.read("content.xml"))
        if content is None:
            if not container.partial:
                raise CorruptDocumentError("OpenDocument file without a readable content.xml")
            result.mark_partial("content.xml was lost in the damaged part of the file")
            result.text = ""
            return result
    buffer = TextBuffer(options.limits.max_text_chars)
    for block in content.iter(f"{TEXT}p", f"{TEXT}h"):
        # itertext() includes nested spans, links and fields; s/tab/line-break are spacing.
        if not buffer.add("".join(block.itertext()) + "\n"):
            break
    if detected_type == "ods":
        result.pages = sum(1 for _ in content.iter(f"{TABLE}table"))
    elif detected_type == "odp":
        result.pages = sum(1 for _ in content.iter(f"{DRAW}page"))
    elif meta is not None:
        for statistic in meta.iter(f"{META}document-statistic"):
            pages = statistic.get(f"{META}page-count")
            if pages and pages.isdigit():
                result.pages = int(pages)
    result.text = buffer.text("")
    result.truncated = buffer.truncated
    return result
