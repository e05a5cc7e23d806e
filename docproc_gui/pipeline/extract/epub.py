"""EPUB books: ``META-INF/container.xml`` → the OPF package → spine order → XHTML text.

Real-world EPUBs are often off-standard; this reader accepts a package nested one folder
deep without ``mimetype`` (as Debian Edu ships its manuals), a missing container file
(it then takes the first ``.opf``), and, as a last resort, every (X)HTML file in name order.
Each such fallback is recorded as a note.
"""

from __future__ import annotations

import posixpath
from urllib.parse import unquote

from docproc_gui.domain import CorruptDocumentError
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions, clean_meta, tidy
from docproc_gui.pipeline.extract.container import Container, open_container
from docproc_gui.pipeline.extract.html import apply_html_metadata, decode_html, html_to_text
from docproc_gui.pipeline.extract.xml import DC, apply_core_properties, first_text, parse
from docproc_gui.pipeline.limits import TextBuffer

OPF = "{http://www.idpf.org/2007/opf}"
CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_HTML_TYPES = ("application/xhtml+xml", "text/html")


def extract_epub(path: str, options: ExtractOptions) -> Extraction:
    result = Extraction(unit="chapter")
    with open_container(path, options.limits) as container:
        for reason in container.reasons:
            result.mark_partial(reason)
        chapters = _chapters(container, result)
        if not chapters:
            if container.partial:
                result.mark_partial("no chapter survived the damage")
                return result
            raise CorruptDocumentError("EPUB without any readable chapter")
        buffer = TextBuffer(options.limits.max_text_chars)
        missing = 0
        for name in chapters:
            data = container.read(name)
            if data is None:
                missing += 1
                continue
            text, tree = html_to_text(decode_html(data))
            if result.title is None:
                apply_html_metadata(tree, result)
                result.author = result.author or None
            if not buffer.add(tidy(text) + "\n\f"):
                break
        if missing:
            result.mark_partial(f"{missing} of {len(chapters)} chapters are missing or damaged")
        result.pages = len(chapters) - missing
        result.text = buffer.text("")
        result.truncated = buffer.truncated
    return result


def _chapters(container: Container, result: Extraction) -> list[str]:
    opf_path = _find_package(container, result)
    root = parse(container.read(opf_path)) if opf_path else None
    if root is None:
        pages = sorted(
            name for name in container.names if name.lower().endswith((".xhtml", ".html", ".htm"))
        )
        if pages:
            result.reasons.append("EPUB package document missing; read every HTML file in order")
        return pages
    apply_core_properties(root, result)
    result.title = clean_meta(first_text(root, f"{DC}title")) or result.title
    base = posixpath.dirname(opf_path or "")
    manifest = {
        item.get("id"): item
        for item in root.iter(f"{OPF}item")
        if item.get("id") and item.get("href")
    }
    chapters: list[str] = []
    for itemref in root.iter(f"{OPF}itemref"):
        item = manifest.get(itemref.get("idref"))
        if item is None or (item.get("media-type") or "") not in _HTML_TYPES:
            continue
        href = unquote(item.get("href", "").split("#", 1)[0])
        chapters.append(posixpath.normpath(posixpath.join(base, href)))
    if not chapters:  # a package without a spine: take the HTML items of the manifest
        chapters = [
            posixpath.normpath(posixpath.join(base, unquote(item.get("href", ""))))
            for item in manifest.values()
            if (item.get("media-type") or "") in _HTML_TYPES
        ]
    return chapters


def _find_package(container: Container, result: Extraction) -> str | None:
    if "META-INF/container.xml" in container.names:
        prefix = ""
        container_name = "META-INF/container.xml"
    else:
        nested = [name for name in container.names if name.endswith("/META-INF/container.xml")]
        container_name = nested[0] if nested else ""
        prefix = container_name[: -len("META-INF/container.xml")]
        if nested:
            result.reasons.append(f"non-standard EPUB: the book is nested in folder {prefix!r}")
    if container_name:
        root = parse(container.read(container_name))
        if root is not None:
            for rootfile in root.iter(f"{CONTAINER}rootfile"):
                full_path = rootfile.get("full-path")
                if full_path and prefix + full_path in container.names:
                    return prefix + full_path
    packages = sorted(name for name in container.names if name.endswith(".opf"))
    if packages:
        result.reasons.append("EPUB container file missing or wrong; used the first .opf found")
        return packages[0]
    return None
