"""The document pipeline: classify, extract, integrate, quality-check. No Qt, no threads.

Entry points:

- :func:`build_document_pipeline` — the four steps the engine runs for every job.
- :func:`build_noop_pipeline` — the same steps doing nothing (tests, benchmarks).
- :func:`process_file` — classify and extract one file directly (scripts, benchmarks).
- :func:`extract_document` — the sandboxed EXTRACT function (module-level, picklable).
"""

from __future__ import annotations

from docproc_gui.pipeline.document import classify_file, extract_document, process_file
from docproc_gui.pipeline.steps import build_document_pipeline, build_noop_pipeline, job_result

__all__ = [
    "build_document_pipeline",
    "build_noop_pipeline",
    "classify_file",
    "extract_document",
    "job_result",
    "process_file",
]
