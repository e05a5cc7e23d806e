"""Small real documents written by the tests themselves (no third-party files needed).

Each builder writes a genuine file of its format to ``path`` — PDF by hand, DOCX/PPTX with
python-docx/python-pptx, XLSX with xlsxwriter, ODF and EPUB as zip + XML by hand — so CI
without the dev corpus still exercises every extractor and every broken-file class.
"""

from __future__ import annotations

import gzip
import io
import textwrap
import zipfile
from pathlib import Path

LOREM = (
    "The quarterly maintenance report describes the installation of the new pumping "
    "station, the inspection results and the recommendations of the engineering team. "
)


def pdf_bytes(pages: list[str], *, title: str = "Test PDF", author: str = "DocProc") -> bytes:
    """A minimal valid PDF 1.4 with one Helvetica text line per page."""
    objects: list[bytes] = []
    page_ids = [3 + 2 * index for index in range(len(pages))]
    font_id = 3 + 2 * len(pages)
    info_id = font_id + 1
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{pid} 0 R" for pid in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode())
    for index, text in enumerate(pages):
        escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
        lines = textwrap.wrap(escaped, 90) or [""]
        ops = "BT /F1 10 Tf 50 750 Td 12 TL " + " ".join(f"({line}) '" for line in lines) + " ET"
        stream = ops.encode("latin-1")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 {font_id} 0 R >> >> "
            f"/Contents {page_ids[index] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    objects.append(
        f"<< /Title ({title}) /Author ({author}) /CreationDate (D:20240131120000Z) >>".encode()
    )
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(
        b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
        % (len(objects) + 1, info_id, xref)
    )
    return out.getvalue()


def write_pdf(path: Path, pages: list[str], **meta: str) -> Path:
    path.write_bytes(pdf_bytes(pages, **meta))
    return path


def write_encrypted_pdf(path: Path, user_password: str, text: str = LOREM) -> Path:
    """An RC4-encrypted PDF (pypdf); an empty user password opens without asking."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes([text]))))
    writer.encrypt(user_password=user_password, owner_password="owner", algorithm="RC4-128")
    with path.open("wb") as handle:
        writer.write(handle)
    return path


def write_docx(path: Path, paragraphs: list[str], *, title: str = "Test document") -> Path:
    import docx

    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = "Ada Lovelace"
    document.add_heading(title, level=1)
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text = "cellalpha"
    table.rows[0].cells[1].text = "cellbeta"
    document.save(str(path))
    return path


def write_pptx(path: Path, slides: list[str]) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for text in slides:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        slide.shapes.title.text = text.split(".")[0]
        slide.placeholders[1].text = text
    deck.save(str(path))
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path))
    for name in ("Data", "Summary"):
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                sheet.write(r, c, value)
    workbook.close()
    return path


def _odf_manifest(mimetype: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0"'
        ' manifest:version="1.2"><manifest:file-entry manifest:full-path="/"'
        f' manifest:media-type="{mimetype}"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )


ODF_NS = (
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
    'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
    'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
    'xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0" '
    'xmlns:dc="http://purl.org/dc/elements/1.1/" office:version="1.2"'
)


def write_odt(path: Path, paragraphs: list[str], *, title: str = "ODF title") -> Path:
    body = "".join(f"<text:p>{p}</text:p>" for p in paragraphs)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>'
        f"<office:body><office:text><text:h>{title}</text:h>{body}</office:text></office:body>"
        "</office:document-content>"
    )
    meta = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-meta {ODF_NS}><office:meta>'
        f"<dc:title>{title}</dc:title><dc:creator>Grace Hopper</dc:creator>"
        "<meta:creation-date>2023-05-01T10:00:00</meta:creation-date>"
        '<meta:document-statistic meta:page-count="2"/></office:meta></office:document-meta>'
    )
    _write_odf(path, "application/vnd.oasis.opendocument.text", content, meta)
    return path


def write_ods(path: Path, cells: list[str]) -> Path:
    row = "".join(
        f'<table:table-cell office:value-type="string"><text:p>{c}</text:p></table:table-cell>'
        for c in cells
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ODF_NS}>'
        "<office:body><office:spreadsheet>"
        f'<table:table table:name="One"><table:table-row>{row}</table:table-row></table:table>'
        '<table:table table:name="Two"/></office:spreadsheet></office:body>'
        "</office:document-content>"
    )
    _write_odf(path, "application/vnd.oasis.opendocument.spreadsheet", content, None)
    return path


def _write_odf(path: Path, mimetype: str, content: str, meta: str | None) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", _odf_manifest(mimetype))
        archive.writestr("content.xml", content)
        if meta:
            archive.writestr("meta.xml", meta)


def write_epub(path: Path, chapters: list[str], *, nested: str = "") -> Path:
    """An EPUB 2 book; ``nested`` puts it one folder deep without ``mimetype`` (malformed)."""
    manifest = "".join(
        f'<item id="c{i}" href="text/ch{i}.xhtml" media-type="application/xhtml+xml"/>'
        for i in range(len(chapters))
    )
    spine = "".join(f'<itemref idref="c{i}"/>' for i in range(len(chapters)))
    opf = (
        '<?xml version="1.0"?><package xmlns="http://www.idpf.org/2007/opf" version="2.0">'
        '<metadata xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>The Test Book</dc:title>'
        "<dc:creator>Mary Shelley</dc:creator><dc:language>en</dc:language>"
        "<dc:date>2020-02-02</dc:date></metadata>"
        f"<manifest>{manifest}</manifest><spine>{spine}</spine></package>"
    )
    container = (
        '<?xml version="1.0"?><container version="1.0" '
        'xmlns="urn:oasis:names:tc:opendocument:xmlns:container"><rootfiles>'
        '<rootfile full-path="OEBPS/content.opf" media-type="application/oebps-package+xml"/>'
        "</rootfiles></container>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if not nested:
            archive.writestr(
                zipfile.ZipInfo("mimetype"),
                "application/epub+zip",
                compress_type=zipfile.ZIP_STORED,
            )
        archive.writestr(f"{nested}META-INF/container.xml", container)
        archive.writestr(f"{nested}OEBPS/content.opf", opf)
        for i, chapter in enumerate(chapters):
            archive.writestr(
                f"{nested}OEBPS/text/ch{i}.xhtml",
                '<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml"><head>'
                f"<title>Chapter {i + 1}</title></head><body><h1>Chapter {i + 1}</h1>"
                f"<p>{chapter}</p></body></html>",
            )
    return path


def write_png(path: Path, text: str | None = None) -> Path:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (900, 200), color=255)
    if text:
        draw = ImageDraw.Draw(image)
        draw.text((30, 60), text, fill=0, font=ImageFont.load_default(size=48))
    image.save(path, format="PNG")
    return path


def write_gzip(path: Path, payload: bytes) -> Path:
    path.write_bytes(gzip.compress(payload))
    return path


def write_zip_bomb_docx(path: Path, unpacked_mb: int) -> Path:
    """A DOCX whose document part inflates to ``unpacked_mb`` MB of spaces."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("word/document.xml", "w", force_zip64=True) as handle:
            block = b" " * (1024 * 1024)
            for _ in range(unpacked_mb):
                handle.write(block)
    return path


def truncate(source: Path, target: Path, fraction: float) -> Path:
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target
