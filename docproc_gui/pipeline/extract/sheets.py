"""Spreadsheets (XLSX/XLSM and legacy BIFF8 XLS) with python-calamine (Rust, fast, bounded).

Cells are written row by row, tab-separated, one sheet after another. The workbook is
opened from a file object so calamine sniffs the real format (an ``.xls`` renamed
``.xlsx`` still opens). A truncated XLSX that calamine refuses is salvaged: the shared
strings and inline cell text are read from whatever the zip still holds.
"""

from __future__ import annotations

import datetime as dt

from python_calamine import CalamineError, CalamineWorkbook, PasswordError, ZipError

from docproc_gui.domain import CorruptDocumentError, EncryptedDocumentError
from docproc_gui.pipeline.extract.base import Extraction, ExtractOptions
from docproc_gui.pipeline.extract.container import open_container
from docproc_gui.pipeline.extract.xml import apply_core_properties, parse
from docproc_gui.pipeline.limits import TextBuffer

_READ_ERRORS = (CalamineError, ZipError, ValueError, OSError)


def extract_sheets(path: str, options: ExtractOptions, detected_type: str) -> Extraction:
    result = Extraction(unit="sheet")
    buffer = TextBuffer(options.limits.max_text_chars)
    try:
        with open(path, "rb") as handle:
            workbook = CalamineWorkbook.from_filelike(handle)
            names = list(workbook.sheet_names)
            result.pages = len(names)
            for name in names:
                if not _sheet_text(workbook, name, buffer):
                    break
    except PasswordError:
        raise EncryptedDocumentError("encrypted: needs a password") from None
    except _READ_ERRORS as error:
        if detected_type != "xlsx":
            raise CorruptDocumentError(f"damaged spreadsheet: {error}") from None
        return _salvage_xlsx(path, options, str(error))
    if detected_type == "xlsx":
        try:
            with open_container(path, options.limits) as container:
                apply_core_properties(parse(container.read("docProps/core.xml")), result)
        except CorruptDocumentError:  # pragma: no cover - calamine read it, zipfile did not
            pass
    result.text = buffer.text("")
    result.truncated = buffer.truncated
    return result


def _sheet_text(workbook: CalamineWorkbook, name: str, buffer: TextBuffer) -> bool:
    try:
        sheet = workbook.get_sheet_by_name(name)
    except _READ_ERRORS:
        return buffer.add(f"# {name}\n")
    if not buffer.add(f"# {name}\n"):
        return False
    lines: list[str] = []
    size = 0
    for row in sheet.iter_rows():
        cells = [_cell(value) for value in row]
        line = "\t".join(cells).rstrip("\t")
        if line:
            lines.append(line)
            size += len(line) + 1
        if size > 65536:  # hand over in chunks so the cap is checked as we go
            if not buffer.add("\n".join(lines) + "\n"):
                return False
            lines, size = [], 0
    return buffer.add("\n".join(lines) + "\n\f") if lines else buffer.add("\f")


def _cell(value: object) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    return str(value)


def _salvage_xlsx(path: str, options: ExtractOptions, why: str) -> Extraction:
    result = Extraction(unit="sheet")
    buffer = TextBuffer(options.limits.max_text_chars)
    with open_container(path, options.limits) as container:
        for reason in container.reasons:
            result.mark_partial(reason)
        result.mark_partial(f"spreadsheet reader failed ({why}); recovered the cell text only")
        apply_core_properties(parse(container.read("docProps/core.xml")), result)
        parts = [
            "xl/sharedStrings.xml",
            *sorted(name for name in container.names if name.startswith("xl/worksheets/sheet")),
        ]
        result.pages = sum(1 for name in parts if name.startswith("xl/worksheets/"))
        for name in parts:
            root = parse(container.read(name))
            if root is None:
                continue
            texts = [
                element.text
                for element in root.iter()
                if isinstance(element.tag, str) and element.tag.endswith("}t") and element.text
            ]
            if not buffer.add("\n".join(texts) + "\n"):
                break
    result.text = buffer.text("")
    result.truncated = buffer.truncated
    return result
