"""The document pipeline: classify, extract, integrate, quality-check. No Qt, no threads.

Entry points:

- :func:`build_document_pipeline` — the four steps the engine runs for every job.
- :func:`build_noop_pipeline` — the same steps doing nothing (tests, benchmarks).
- :func:`process_file` — classify and extract one file directly (scripts, benchmarks).
- :func:`extract_document` — the sandboxed EXTRACT function (module-level, picklable).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from docproc_gui.pipeline.steps import build_document_pipeline, build_noop_pipeline, job_result

if TYPE_CHECKING:
    from docproc_gui.pipeline.document import classify_file, extract_document, process_file

# ``document`` pulls in the extractors and the language model (about 0.5 s of imports):
# the window and the engine only need it once the first job runs, so it loads on first use.
_DOCUMENT_NAMES = frozenset({"classify_file", "extract_document", "process_file"})


def __getattr__(name: str) -> Any:
    if name in _DOCUMENT_NAMES:
        from docproc_gui.pipeline import document

        return getattr(document, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "build_document_pipeline",
    "build_noop_pipeline",
    "classify_file",
    "extract_document",
    "job_result",
    "process_file",
]
