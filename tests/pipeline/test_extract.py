"""Every extractor on a generated document of its format, and every broken-file class."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from docproc_gui.domain import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EncryptedDocumentError,
    ErrorCategory,
)
from docproc_gui.pipeline import process_file
from tests.pipeline.builders import (
    LOREM,
    pdf_bytes,
    truncate,
    write_docx,
    write_encrypted_pdf,
    write_epub,
    write_ods,
    write_odt,
    write_pdf,
    write_png,
    write_pptx,
    write_xlsx,
    write_zip_bomb_docx,
)
from tests.pipeline.conftest import requires_tesseract

NO_OCR = {"ocr": False}


def test_pdf_text_pages_and_metadata(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "a.pdf", [LOREM * 3, "second page zebra"], title="Pump Report")
    doc = process_file(str(path), NO_OCR)
    assert doc["file_type"] == "pdf" and doc["pages"] == 2
    assert "zebra" in doc["text"] and "pumping station" in doc["text"]
    assert doc["title"] == "Pump Report" and doc["author"] == "DocProc"
    assert doc["created"].startswith("2024-01-31")
    assert doc["language"] == "en" and doc["words"] > 50


def test_pdf_encrypted_with_empty_user_password_is_read(tmp_path: Path) -> None:
    doc = process_file(str(write_encrypted_pdf(tmp_path / "open.pdf", "")), NO_OCR)
    assert "pumping station" in doc["text"]


def test_pdf_needing_a_password_is_encrypted(tmp_path: Path) -> None:
    path = write_encrypted_pdf(tmp_path / "locked.pdf", "secret")
    with pytest.raises(EncryptedDocumentError) as caught:
        process_file(str(path), NO_OCR)
    assert str(caught.value) == "encrypted: needs a password"
    assert caught.value.category is ErrorCategory.ENCRYPTED


def test_pdf_without_xref_is_repaired(tmp_path: Path) -> None:
    data = pdf_bytes(["repaired text survives"])
    # Like pdfminer's simple1-no-xref sample: objects and a trailer, no xref, no startxref.
    body = data[: data.index(b"xref")] + b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    (tmp_path / "noxref.pdf").write_bytes(body)
    doc = process_file(str(tmp_path / "noxref.pdf"), NO_OCR)
    assert "repaired text survives" in doc["text"]


def test_truncated_pdf_is_corrupt_or_partial(tmp_path: Path) -> None:
    source = write_pdf(tmp_path / "full.pdf", [LOREM] * 5)
    (tmp_path / "cut.pdf").write_bytes(source.read_bytes()[:300])
    try:
        doc = process_file(str(tmp_path / "cut.pdf"), NO_OCR)
    except CorruptDocumentError as error:
        assert error.category is ErrorCategory.CORRUPT
    else:
        assert doc["partial"] or doc["chars"] < len(LOREM)


def test_garbage_after_pdf_header_is_corrupt(tmp_path: Path) -> None:
    (tmp_path / "junk.pdf").write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 20)
    with pytest.raises(CorruptDocumentError):
        process_file(str(tmp_path / "junk.pdf"), NO_OCR)


def test_docx_text_tables_and_properties(tmp_path: Path) -> None:
    doc = process_file(str(write_docx(tmp_path / "a.docx", [LOREM, "Zebra crossing"])), NO_OCR)
    assert doc["file_type"] == "docx"
    assert "Zebra crossing" in doc["text"] and "cellalpha" in doc["text"]
    assert doc["title"] == "Test document" and doc["author"] == "Ada Lovelace"
    assert not doc["partial"]


def test_truncated_docx_gives_partial_text(tmp_path: Path) -> None:
    source = write_docx(tmp_path / "full.docx", [LOREM * 40])
    path = truncate(source, tmp_path / "cut.docx", 0.67)
    try:
        doc = process_file(str(path), NO_OCR)
    except CorruptDocumentError:
        return  # acceptable: "extract partial text, or fail cleanly"
    assert doc["partial"] and doc["notes"]


def test_docx_renamed_pdf_is_read_as_docx(tmp_path: Path) -> None:
    doc = process_file(str(write_docx(tmp_path / "x.pdf", ["renamed but readable"])), NO_OCR)
    assert (doc["file_type"], doc["claimed_type"]) == ("docx", "pdf")
    assert "renamed but readable" in doc["text"]


def test_pptx_slides(tmp_path: Path) -> None:
    doc = process_file(
        str(write_pptx(tmp_path / "a.pptx", ["First. alpha", "Second. beta"])), NO_OCR
    )
    assert doc["pages"] == 2 and doc["unit"] == "slide"
    assert "alpha" in doc["text"] and "beta" in doc["text"]
    assert doc["category"] == "presentation"


def test_xlsx_sheets(tmp_path: Path) -> None:
    rows = [["name", "amount"], ["widget", 3], ["gadget", 4.5]]
    doc = process_file(str(write_xlsx(tmp_path / "a.xlsx", rows)), NO_OCR)
    assert doc["pages"] == 2 and doc["unit"] == "sheet"
    assert "widget\t3" in doc["text"] and "4.5" in doc["text"]
    assert doc["category"] == "spreadsheet"


def test_xlsx_renamed_pptx_is_a_spreadsheet(tmp_path: Path) -> None:
    doc = process_file(str(write_xlsx(tmp_path / "a.pptx", [["x", 1]])), NO_OCR)
    assert doc["file_type"] == "xlsx" and "x\t1" in doc["text"]


def test_odt_and_ods(tmp_path: Path) -> None:
    odt = process_file(str(write_odt(tmp_path / "a.odt", ["Paragraph one", LOREM])), NO_OCR)
    assert odt["title"] == "ODF title" and odt["author"] == "Grace Hopper"
    assert "Paragraph one" in odt["text"] and odt["pages"] == 2
    ods = process_file(str(write_ods(tmp_path / "a.ods", ["apple", "pear"])), NO_OCR)
    assert ods["pages"] == 2 and "apple" in ods["text"]


def test_truncated_odt_is_partial_or_corrupt(tmp_path: Path) -> None:
    source = write_odt(tmp_path / "full.odt", [LOREM * 50])
    path = truncate(source, tmp_path / "cut.odt", 0.5)
    try:
        doc = process_file(str(path), NO_OCR)
    except CorruptDocumentError:
        return
    assert doc["partial"]


def test_epub_chapters_in_spine_order(tmp_path: Path) -> None:
    doc = process_file(
        str(write_epub(tmp_path / "b.epub", ["first words", "second words"])), NO_OCR
    )
    assert doc["title"] == "The Test Book" and doc["author"] == "Mary Shelley"
    assert doc["text"].index("first words") < doc["text"].index("second words")
    assert doc["pages"] == 2 and doc["category"] == "book"


def test_malformed_nested_epub_is_read_with_a_note(tmp_path: Path) -> None:
    doc = process_file(
        str(write_epub(tmp_path / "n.epub", ["nested body"], nested="book/")), NO_OCR
    )
    assert "nested body" in doc["text"] and any("nested" in note for note in doc["notes"])


def test_html_visible_text_and_metadata(tmp_path: Path) -> None:
    (tmp_path / "p.html").write_bytes(
        b'<html lang="de"><head><meta charset="iso-8859-1"><title>Gr\xfc\xdfe</title>'
        b'<meta name="author" content="Heinz"><style>.x{}</style></head>'
        b"<body><h1>\xdcberschrift</h1><p>Sch\xf6ne Gr\xfc\xdfe</p><script>var x;</script>"
        b"</body></html>"
    )
    doc = process_file(str(tmp_path / "p.html"), NO_OCR)
    assert doc["title"] == "Grüße" and doc["author"] == "Heinz"
    assert "Schöne Grüße" in doc["text"] and "var x" not in doc["text"]
    assert doc["language_hint"] == "de"


def test_text_in_legacy_encoding(tmp_path: Path) -> None:
    text = "Sehr geehrte Damen und Herren, die Rechnung über 300 € für März ist fällig. " * 5
    (tmp_path / "brief.txt").write_bytes(text.encode("cp1252"))
    doc = process_file(str(tmp_path / "brief.txt"), NO_OCR)
    assert "über" in doc["text"] and "€" in doc["text"]
    assert doc["language"] == "de"


def test_markdown_title_and_csv(tmp_path: Path) -> None:
    (tmp_path / "r.md").write_text("# Release notes\n\nSome text here.\n")
    assert process_file(str(tmp_path / "r.md"), NO_OCR)["title"] == "Release notes"
    (tmp_path / "d.csv").write_text("city,count\nOslo,3\nLima,4\n")
    doc = process_file(str(tmp_path / "d.csv"), NO_OCR)
    assert doc["extra"]["rows"] == 3 and doc["category"] == "spreadsheet"


def test_image_without_ocr_needs_ocr(tmp_path: Path) -> None:
    doc = process_file(str(write_png(tmp_path / "scan.pdf", "INVOICE 42")), NO_OCR)
    assert doc["file_type"] == "png" and doc["needs_ocr"] and doc["text"] == ""


def test_image_when_tesseract_is_absent(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DOCPROC_DISABLE_OCR", "1")
    doc = process_file(str(write_png(tmp_path / "scan.png", "HELLO")))
    assert doc["needs_ocr"] and "tesseract is not installed" in doc["notes"][0]


@requires_tesseract
def test_image_ocr_with_tesseract(tmp_path: Path) -> None:
    doc = process_file(str(write_png(tmp_path / "scan.png", "HELLO WORLD 2024")))
    assert not doc["needs_ocr"] and doc["ocr_pages"] == 1
    assert "HELLO" in doc["text"].upper()


def test_damaged_image_is_corrupt(tmp_path: Path) -> None:
    data = write_png(tmp_path / "ok.png", "x").read_bytes()
    (tmp_path / "bad.png").write_bytes(data[:60])
    with pytest.raises(CorruptDocumentError):
        process_file(str(tmp_path / "bad.png"), NO_OCR)


def test_file_size_limit(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "a.pdf", [LOREM])
    with pytest.raises(DocumentTooLargeError) as caught:
        process_file(str(path), {"max_file_size_mb": 0.0001})
    assert caught.value.category is ErrorCategory.TOO_LARGE


def test_text_cap_truncates(tmp_path: Path) -> None:
    (tmp_path / "long.txt").write_text(LOREM * 100)
    doc = process_file(str(tmp_path / "long.txt"), {"max_text_chars": 500})
    assert doc["chars"] == 500 and doc["truncated"]


def test_zip_bomb_is_refused(tmp_path: Path) -> None:
    path = write_zip_bomb_docx(tmp_path / "bomb.docx", unpacked_mb=40)
    assert path.stat().st_size < 200_000
    with pytest.raises(DocumentTooLargeError) as caught:
        process_file(str(path), {"max_unpacked_mb": 16})
    assert "zip bomb" in str(caught.value)


def test_zip_bomb_with_lying_sizes_stops_at_member_cap(tmp_path: Path) -> None:
    from docproc_gui.pipeline.limits import Limits, read_member

    path = write_zip_bomb_docx(tmp_path / "bomb.docx", unpacked_mb=8)
    with zipfile.ZipFile(path) as archive, pytest.raises(DocumentTooLargeError):
        read_member(archive, "word/document.xml", Limits(max_member_bytes=1024 * 1024))


def test_password_protected_odt_is_encrypted(tmp_path: Path) -> None:
    path = tmp_path / "secret.odt"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "META-INF/manifest.xml",
            '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:'
            'manifest:1.0"><manifest:file-entry manifest:full-path="content.xml">'
            "<manifest:encryption-data/></manifest:file-entry></manifest:manifest>",
        )
        archive.writestr("content.xml", b"\x8f\x12 encrypted bytes")
    with pytest.raises(EncryptedDocumentError):
        process_file(str(path), NO_OCR)
