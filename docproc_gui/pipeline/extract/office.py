"""Word (DOCX) and PowerPoint (PPTX) documents: zip + lxml over the Office Open XML parts.

The XML is read directly rather than through python-docx / python-pptx: the same code then
handles intact files and containers salvaged from truncated ones (see
:mod:`~docproc_gui.pipeline.extract.container`), both Transitional and Strict namespaces,
and runs several times faster because no object model is built.
"""

from __future__ import annotations

import re

from lxml import etree

from docproc_gui.domain import CorruptDocumentError
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions
from docproc_gui.pipeline.extract.container import Container, open_container
from docproc_gui.pipeline.extract.xml import apply_core_properties, parse
from docproc_gui.pipeline.limits import TextBuffer

_W = (
    "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}",
    "{http://purl.oclc.org/ooxml/wordprocessingml/main}",
)
_A = (
    "{http://schemas.openxmlformats.org/drawingml/2006/main}",
    "{http://purl.oclc.org/ooxml/drawingml/main}",
)
_WORD_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
_SLIDE = re.compile(r"ppt/slides/slide(\d+)\.xml$")
_NOTES = re.compile(r"ppt/notesSlides/notesSlide(\d+)\.xml$")


def extract_docx(path: str, options: ExtractOptions) -> Extraction:
    result = Extraction(unit="page")
    with open_container(path, options.limits) as container:
        _common(container, result)
        buffer = TextBuffer(options.limits.max_text_chars)
        parts = [name for name in _WORD_PARTS if name in container.names]
        if "word/document.xml" not in parts:
            _missing(container, result, "word/document.xml")
        for name in parts:
            root = parse(container.read(name))
            if root is not None and not _paragraph_text(root, _W, buffer):
                break
        app = parse(container.read("docProps/app.xml"))
        result.pages = _app_count(app, "Pages") or 0
        result.text = buffer.text("")
        result.truncated = buffer.truncated
    return result


def extract_pptx(path: str, options: ExtractOptions) -> Extraction:
    result = Extraction(unit="slide")
    with open_container(path, options.limits) as container:
        _common(container, result)
        buffer = TextBuffer(options.limits.max_text_chars)
        slides = sorted(
            (int(match.group(1)), name) for name in container.names if (match := _SLIDE.match(name))
        )
        notes = {
            int(match.group(1)): name for name in container.names if (match := _NOTES.match(name))
        }
        if not slides:
            _missing(container, result, "ppt/slides/")
        for number, name in slides:
            root = parse(container.read(name))
            if root is not None and not _paragraph_text(root, _A, buffer):
                break
            note = notes.get(number)
            note_root = parse(container.read(note)) if note else None
            if note_root is not None and not _paragraph_text(note_root, _A, buffer):
                break
            buffer.add("\f")
        result.pages = len(slides)
        app = parse(container.read("docProps/app.xml"))
        declared = _app_count(app, "Slides")
        if declared and declared > len(slides):
            result.mark_partial(f"{declared - len(slides)} of {declared} slides are missing")
            result.pages = declared
        result.text = buffer.text("")
        result.truncated = buffer.truncated
    return result


def _common(container: Container, result: Extraction) -> None:
    apply_core_properties(parse(container.read("docProps/core.xml")), result)
    if container.partial:
        for reason in container.reasons:
            result.mark_partial(reason)


def _missing(container: Container, result: Extraction, part: str) -> None:
    if container.partial:
        result.mark_partial(f"{part} was lost in the damaged part of the file")
        return
    raise CorruptDocumentError(f"Office document without its main part {part}")


def _paragraph_text(root: etree._Element, namespaces: tuple[str, ...], buffer: TextBuffer) -> bool:
    """Append the text of ``root``'s paragraphs (``p``/``t``/``tab``/``br``); False when full."""
    tags: list[str] = []
    for ns in namespaces:
        tags += [f"{ns}p", f"{ns}t", f"{ns}tab", f"{ns}br"]
    pieces: list[str] = []
    for element in root.iter(*tags):
        name = element.tag[element.tag.rfind("}") + 1 :]
        if name == "t":
            if element.text:
                pieces.append(element.text)
        elif name == "p":
            pieces.append("\n")
        elif name == "tab":
            pieces.append("\t")
        else:
            pieces.append("\n")
    pieces.append("\n")
    return buffer.add("".join(pieces))


def _app_count(root: etree._Element | None, name: str) -> int | None:
    if root is None:
        return None
    for element in root.iter():
        tag = element.tag
        if isinstance(tag, str) and tag.endswith("}" + name) and element.text:
            try:
                return int(element.text.strip())
            except ValueError:
                return None
    return None
