"""The real type comes from the content; the claimed type is recorded next to it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docproc_gui.domain import (
    DocumentNotFoundError,
    EmptyDocumentError,
    ErrorCategory,
    UnsupportedFormatError,
)
from docproc_gui.pipeline import classify_file
from docproc_gui.pipeline.detect import detect_file
from tests.pipeline.builders import (
    write_docx,
    write_epub,
    write_gzip,
    write_odt,
    write_pdf,
    write_png,
    write_pptx,
    write_xlsx,
)


@pytest.mark.parametrize(
    ("writer", "name", "expected"),
    [
        (lambda p: write_pdf(p, ["hello"]), "a.pdf", "pdf"),
        (lambda p: write_docx(p, ["hello"]), "a.docx", "docx"),
        (lambda p: write_pptx(p, ["hello"]), "a.pptx", "pptx"),
        (lambda p: write_xlsx(p, [["a", 1]]), "a.xlsx", "xlsx"),
        (lambda p: write_odt(p, ["hello"]), "a.odt", "odt"),
        (lambda p: write_epub(p, ["hello"]), "a.epub", "epub"),
        (lambda p: write_png(p), "a.png", "png"),
    ],
)
def test_detects_each_format(tmp_path: Path, writer, name: str, expected: str) -> None:
    path = writer(tmp_path / name)
    detection = detect_file(str(path))
    assert detection.detected_type == expected
    assert not detection.mismatch


def test_docx_renamed_pdf_is_docx(tmp_path: Path) -> None:
    path = write_docx(tmp_path / "report.pdf", ["hello"])
    detection = detect_file(str(path))
    assert (detection.detected_type, detection.claimed_type) == ("docx", "pdf")
    assert detection.mismatch


def test_png_renamed_pdf_is_an_image(tmp_path: Path) -> None:
    detection = detect_file(str(write_png(tmp_path / "scan.pdf")))
    assert (detection.detected_type, detection.family, detection.mismatch) == ("png", "image", True)


def test_text_and_html_by_content(tmp_path: Path) -> None:
    (tmp_path / "notes.pdf").write_text("Just some plain notes.\n", encoding="utf-8")
    (tmp_path / "page.docx").write_text("<!DOCTYPE html><html><body>x</body></html>")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    assert detect_file(str(tmp_path / "notes.pdf")).detected_type == "txt"
    assert detect_file(str(tmp_path / "page.docx")).detected_type == "html"
    csv = detect_file(str(tmp_path / "data.csv"))
    assert (csv.detected_type, csv.mismatch) == ("csv", False)


def test_gzip_is_unsupported_and_says_what_it_is(tmp_path: Path) -> None:
    path = write_gzip(tmp_path / "doc.pdf", b"%PDF-1.4 compressed away")
    with pytest.raises(UnsupportedFormatError) as caught:
        detect_file(str(path))
    assert caught.value.category is ErrorCategory.UNSUPPORTED
    assert "gzip" in str(caught.value).lower() and "claimed pdf" in str(caught.value)


def test_random_bytes_are_unsupported(tmp_path: Path) -> None:
    path = tmp_path / "noise.docx"
    path.write_bytes(os.urandom(4096) + b"\x00" * 16)
    with pytest.raises(UnsupportedFormatError):
        detect_file(str(path))


def test_zero_bytes_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "blank.pdf"
    path.write_bytes(b"")
    with pytest.raises(EmptyDocumentError) as caught:
        classify_file(str(path))
    assert caught.value.category is ErrorCategory.EMPTY


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(DocumentNotFoundError):
        classify_file(str(tmp_path / "gone.pdf"))


def test_plain_zip_is_unsupported(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "stuff.docx", "w") as archive:
        archive.writestr("readme.txt", "not an office file")
    with pytest.raises(UnsupportedFormatError):
        detect_file(str(tmp_path / "stuff.docx"))
