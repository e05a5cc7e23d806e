"""A safe, forgiving XML parser for document parts, and Dublin Core / OOXML core metadata.

The parser never resolves entities or fetches anything (no XXE, no billion laughs) and
recovers what it can from broken or cut-off XML, so a truncated part still yields text.
"""

from __future__ import annotations

from lxml import etree

from docproc_gui.pipeline.extract.base import Extraction, clean_meta, iso_date

PARSER = etree.XMLParser(
    recover=True, resolve_entities=False, no_network=True, huge_tree=False, remove_comments=True
)

DC = "{http://purl.org/dc/elements/1.1/}"
DCTERMS = "{http://purl.org/dc/terms/}"


def parse(data: bytes | None) -> etree._Element | None:
    """Parse an XML part; None when nothing usable is in it."""
    if not data:
        return None
    try:
        return etree.fromstring(data, PARSER)
    except etree.XMLSyntaxError:
        return None


def local_name(element: etree._Element) -> str:
    tag = element.tag
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def first_text(root: etree._Element, *names: str) -> str | None:
    """The text of the first element with one of the (namespaced) ``names``."""
    for element in root.iter(*names):
        if element.text and element.text.strip():
            return element.text.strip()
    return None


def apply_core_properties(root: etree._Element | None, result: Extraction) -> None:
    """Fill title, author and dates from OOXML ``core.xml`` or an ODF ``meta.xml``."""
    if root is None:
        return
    meta = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
    result.title = result.title or clean_meta(first_text(root, f"{DC}title"))
    result.author = result.author or clean_meta(
        first_text(root, f"{DC}creator", f"{meta}initial-creator")
    )
    result.created = result.created or iso_date(
        first_text(root, f"{DCTERMS}created", f"{meta}creation-date")
    )
    result.modified = result.modified or iso_date(
        first_text(root, f"{DCTERMS}modified", f"{DC}date")
    )
    language = first_text(root, f"{DC}language")
    if language:
        result.language_hint = language
