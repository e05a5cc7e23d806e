"""Every broken file of the dev corpus ends as a categorised error or a partial/complete
result — never a crash (any other exception) and never a hang (pytest-timeout)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from docproc_gui.domain import DocProcError, ErrorCategory
from docproc_gui.pipeline import process_file

CORPUS = Path(os.environ.get("DOCPROC_CORPUS") or "/tmp/devcorpus")
BROKEN = CORPUS / "broken"
pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not BROKEN.is_dir(), reason="dev corpus not built (see shared/corpus)"),
]

# What each class must end as: error categories allowed, or "ok" for a (partial) result.
EXPECTED = {
    "enc-userpw": {ErrorCategory.ENCRYPTED},
    "enc-nopw": {"ok"},
    "zero": {ErrorCategory.EMPTY},
    "truncated": {"ok", ErrorCategory.CORRUPT},
    "malformed": {"ok", ErrorCategory.CORRUPT},
    "wrongext": {"ok", ErrorCategory.UNSUPPORTED},
    "legacy": {"ok", ErrorCategory.UNSUPPORTED},
}


def _files() -> list[Path]:
    return sorted(BROKEN.iterdir()) if BROKEN.is_dir() else []


@pytest.mark.timeout(60)
@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_broken_file_ends_cleanly(path: Path) -> None:
    kind = path.name.split("__", 1)[0]
    try:
        doc = process_file(str(path), {"ocr": False})
    except DocProcError as error:
        assert error.category in EXPECTED[kind], f"{path.name}: {error.category} {error}"
        return
    assert "ok" in EXPECTED[kind], f"{path.name} should have failed"
    if kind == "truncated":
        assert doc["partial"], f"{path.name}: a truncated file read fully?"
    if path.name == "wrongext__gzipped-pdf-as.pdf":
        pytest.fail("a gzipped PDF must be unsupported")
