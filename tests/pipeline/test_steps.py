"""The pipeline as the engine sees it: step names, statuses, sandboxing, the job result."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from docproc_gui.domain import (
    EmptyDocumentError,
    ProcessingStatus,
    StepContext,
)
from docproc_gui.pipeline import build_document_pipeline, build_noop_pipeline
from docproc_gui.store.database import Database
from docproc_gui.store.knowledge import KnowledgeBase
from tests.pipeline.builders import LOREM, write_docx, write_pdf

NAMES = ["classify", "extract", "integrate", "quality"]
STATUSES = [
    ProcessingStatus.CLASSIFYING,
    ProcessingStatus.EXTRACTING,
    ProcessingStatus.INTEGRATING,
    ProcessingStatus.QUALITY_CHECK,
]


@pytest.fixture
def knowledge(tmp_path: Path):
    database = Database(tmp_path / "db.sqlite3")
    kb = KnowledgeBase(database)
    yield kb
    kb.close()
    database.dispose()


def run_pipeline(pipeline, path: Path, options: dict | None = None, job_id: str = "j1") -> dict:
    """Run the steps in order like the engine does (sandboxed ones called directly)."""
    context = StepContext(
        job_id=job_id, file_path=str(path), metadata={}, outputs={}, options=options or {}
    )
    for step in pipeline.steps:
        if step.sandboxed is not None:
            output = step.sandboxed.function(str(path), context.options, dict(context.outputs))
        else:
            assert step.run is not None
            output = step.run(context)
        context.outputs[step.name] = output
    return context.outputs


def test_shape_of_the_document_pipeline(knowledge: KnowledgeBase) -> None:
    pipeline = build_document_pipeline(knowledge)
    assert [s.name for s in pipeline.steps] == NAMES
    assert [s.status for s in pipeline.steps] == STATUSES
    extract = pipeline.step("extract")
    assert extract.sandboxed is not None and not extract.checkpoint
    # The sandboxed function must survive pickling for a spawn-started child.
    assert pickle.loads(pickle.dumps(extract.sandboxed)).function is extract.sandboxed.function
    assert all(pipeline.step(name).run is not None for name in ("classify", "integrate", "quality"))


def test_noop_pipeline() -> None:
    pipeline = build_noop_pipeline()
    assert [s.name for s in pipeline.steps] == NAMES
    assert [s.status for s in pipeline.steps] == STATUSES
    outputs = run_pipeline(pipeline, Path("/nonexistent"))
    assert all(output == {} for output in outputs.values())


def test_full_run_gives_a_job_result(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    path = write_docx(tmp_path / "report.pdf", [LOREM * 5])
    result = run_pipeline(build_document_pipeline(knowledge), path)["quality"]
    assert result["file_type"] == "docx" and result["claimed_type"] == "pdf"
    assert result["language"] == "en" and result["category"] in ("report", "manual")
    assert 0.0 <= result["quality_score"] <= 1.0 and isinstance(result["quality_reasons"], list)
    assert result["duplicate_of"] is None and not result["needs_ocr"]
    stored = knowledge.get_document(result["document_id"])
    assert stored is not None and stored["quality_score"] == result["quality_score"]
    assert knowledge.search("pumping station")[0].document_id == result["document_id"]
    assert "text" not in result


def test_duplicate_run_is_linked_and_flagged(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    first = write_pdf(tmp_path / "a.pdf", [LOREM * 4])
    second = tmp_path / "copy.pdf"
    second.write_bytes(first.read_bytes())
    pipeline = build_document_pipeline(knowledge, {"quality_threshold": 0.95})
    one = run_pipeline(pipeline, first, job_id="a")["quality"]
    two = run_pipeline(pipeline, second, job_id="b")["quality"]
    assert two["duplicate_of"] == one["document_id"]
    assert any("duplicate" in reason for reason in two["quality_reasons"])
    assert two["needs_review"]


def test_classify_rejects_empty_files_in_process(knowledge: KnowledgeBase, tmp_path: Path) -> None:
    (tmp_path / "empty.pdf").write_bytes(b"")
    with pytest.raises(EmptyDocumentError):
        run_pipeline(build_document_pipeline(knowledge), tmp_path / "empty.pdf")


def test_pipeline_and_store_never_import_qt() -> None:
    code = (
        "import sys, docproc_gui.pipeline, docproc_gui.store.knowledge, "
        "docproc_gui.pipeline.extract;"
        "bad = [m for m in sys.modules if m.startswith(('PySide6', 'shiboken6', 'PyQt'))];"
        "assert not bad, bad"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
    root = Path(__file__).resolve().parents[2] / "docproc_gui"
    for source in [*(root / "pipeline").rglob("*.py"), root / "store" / "knowledge.py"]:
        assert "PySide6" not in source.read_text(encoding="utf-8"), source
