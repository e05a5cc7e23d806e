"""HTML and XHTML pages with selectolax (the lexbor engine): visible text, title, author, lang.

Scripts, styles and templates are dropped; text nodes are joined by newlines so block
elements never glue words together. The charset comes from a BOM, the ``<meta charset>``
declaration, or detection.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser, LexborNode

from docproc_gui.pipeline.extract.base import (
    Extraction,
    ExtractOptions,
    clean_meta,
    iso_date,
    tidy,
)
from docproc_gui.pipeline.extract.text import decode_bytes
from docproc_gui.pipeline.limits import TextBuffer

_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?([A-Za-z0-9_\-:.]+)", re.IGNORECASE)
_DROP = ["script", "style", "noscript", "template", "svg"]


def decode_html(data: bytes) -> str:
    """Decode an HTML page: BOM, then the declared charset, then detection."""
    if not data.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        match = _META_CHARSET.search(data[:4096])
        if match:
            try:
                return data.decode(match.group(1).decode("ascii"), errors="replace")
            except LookupError:
                pass
    return decode_bytes(data)[0]


def html_to_text(markup: str) -> tuple[str, LexborHTMLParser]:
    """The visible text of an HTML document, and the parsed tree for metadata."""
    tree = LexborHTMLParser(markup)
    tree.strip_tags(_DROP)
    root: LexborNode | None = tree.body or tree.root
    text = root.text(separator="\n", strip=True) if root is not None else ""
    return text, tree


def extract_html(path: str, options: ExtractOptions) -> Extraction:
    limits = options.limits
    with open(path, "rb") as handle:
        data = handle.read(limits.max_text_chars * 4 + 4)
    text, tree = html_to_text(decode_html(data))
    buffer = TextBuffer(limits.max_text_chars)
    buffer.add(tidy(text))
    result = Extraction(unit="page", pages=1, text=buffer.text(""), truncated=buffer.truncated)
    apply_html_metadata(tree, result)
    return result


def apply_html_metadata(tree: LexborHTMLParser, result: Extraction) -> None:
    """Title, author, date and declared language from the ``<head>``."""
    title = tree.css_first("title")
    if title is not None:
        result.title = clean_meta(title.text(strip=True))
    if not result.title:
        heading = tree.css_first("h1")
        result.title = clean_meta(heading.text(strip=True)) if heading is not None else None
    for node in tree.css("meta[name]"):
        name = (node.attributes.get("name") or "").lower()
        content = node.attributes.get("content")
        if name in ("author", "dc.creator", "dcterms.creator"):
            result.author = result.author or clean_meta(content)
        elif name in ("date", "dc.date", "dcterms.created", "dcterms.date"):
            result.created = result.created or iso_date(content)
        elif name in ("dcterms.modified", "last-modified"):
            result.modified = result.modified or iso_date(content)
    html = tree.css_first("html")
    if html is not None:
        lang = html.attributes.get("lang") or html.attributes.get("xml:lang")
        if lang:
            result.language_hint = lang
