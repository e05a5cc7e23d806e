"""The document pipeline as the engine runs it: four steps, their statuses and weights.

=========  ==============  ==========  =================================================
step       status          where       what
=========  ==============  ==========  =================================================
classify   CLASSIFYING     in-process  real type from the content, size limit (cheap)
extract    EXTRACTING      sandbox     text, metadata, language, category, signals
integrate  INTEGRATING     in-process  knowledge base: index, duplicates, links, verdict
quality    QUALITY_CHECK   in-process  score + reasons, flag for review; the job result
=========  ==============  ==========  =================================================

Classify stays in-process because it reads a few KB: a round trip to a child process
would cost more than the work, and missing/empty/unsupported files fail before any child
is involved. Extract is the one sandboxed call per document (hard timeout and memory limit
in the engine). Its output carries the full text, so it is not checkpointed (re-extracting
is cheap, storing megabytes of text per job in the checkpoint table is not); integrate is
idempotent per path, so a resumed job simply redoes extract and integrate.

The quality verdict needs to know whether the document is a duplicate, which integration
decides; it is computed by the same rules in both steps but *stored* by integrate, in the
document's own transaction (one commit per document, and never a document without its
score). The QUALITY_CHECK step builds the job result and only writes when its verdict
differs (a job resumed after a crash between the two steps, or a changed threshold).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from docproc_gui.domain import (
    Pipeline,
    PipelineStep,
    ProcessingStatus,
    SandboxCall,
    StepContext,
    TransientError,
)
from docproc_gui.pipeline.quality import QualityReport, assess

if TYPE_CHECKING:
    from docproc_gui.store.knowledge import KnowledgeBase

DEFAULT_QUALITY_THRESHOLD = 0.5


def build_document_pipeline(
    knowledge: KnowledgeBase, options: Mapping[str, Any] | None = None
) -> Pipeline:
    """The real pipeline, writing into ``knowledge``.

    ``options`` are defaults merged under the per-job options the engine passes
    (``max_file_size_mb``, ``max_text_chars``, ``quality_threshold``, ``category_rules``,
    ``ocr``, ``ocr_languages``).
    """
    defaults = dict(options or {})

    def merged(context: StepContext) -> dict[str, Any]:
        return {**defaults, **dict(context.options)}

    def classify(context: StepContext) -> dict[str, Any]:
        from docproc_gui.pipeline.document import classify_file  # heavy: on first use

        return classify_file(context.file_path, merged(context))

    def integrate(context: StepContext) -> dict[str, Any]:
        extracted = context.outputs.get("extract")
        if not extracted or "file_hash" not in extracted:
            raise TransientError("integrate ran without the extract step's output")
        context.cancel.raise_if_cancelled()
        threshold = float(merged(context).get("quality_threshold", DEFAULT_QUALITY_THRESHOLD))
        # Everything the quality check needs, without the text (this output is checkpointed).
        summary = {key: value for key, value in extracted.items() if key not in ("text", "terms")}

        def verdict(stored: Mapping[str, Any]) -> tuple[float, list[str], bool]:
            report = quality_report({**summary, **stored}, threshold)
            return report.score, report.reasons, report.needs_review

        # The verdict is stored in the same transaction as the document (see QUALITY_CHECK).
        stored = knowledge.integrate(extracted, context.job_id, context.file_path, assess=verdict)
        return {**summary, **stored}

    def quality(context: StepContext) -> dict[str, Any]:
        integrated = context.outputs.get("integrate") or {}
        if "document_id" not in integrated:
            raise TransientError("quality ran without the integrate step's output")
        threshold = float(merged(context).get("quality_threshold", DEFAULT_QUALITY_THRESHOLD))
        result = job_result(integrated, threshold)
        stored = integrated.get("quality") or {}
        if (stored.get("score"), stored.get("reasons")) != (
            result["quality_score"],
            result["quality_reasons"],
        ):
            # Resumed from an older checkpoint, or the threshold changed: store the verdict.
            knowledge.record_quality(
                int(integrated["document_id"]),
                result["quality_score"],
                result["quality_reasons"],
                result["needs_review"],
            )
        return result

    return Pipeline(
        name="documents",
        steps=(
            PipelineStep("classify", ProcessingStatus.CLASSIFYING, 0.05, run=classify),
            PipelineStep(
                "extract",
                ProcessingStatus.EXTRACTING,
                0.8,
                sandboxed=SandboxCall(extract_document),
                checkpoint=False,
            ),
            PipelineStep("integrate", ProcessingStatus.INTEGRATING, 0.1, run=integrate),
            PipelineStep("quality", ProcessingStatus.QUALITY_CHECK, 0.05, run=quality),
        ),
    )


def extract_document(
    file_path: str, options: Mapping[str, Any], outputs: Mapping[str, dict[str, Any]]
) -> dict[str, Any]:
    """The sandboxed EXTRACT call: :func:`docproc_gui.pipeline.document.extract_document`.

    A module-level (picklable) forwarder, so that building the pipeline does not import
    the extractors and the language model (about 0.5 s at the window's start-up); the
    child process imports them on its first call, as it did before.
    """
    from docproc_gui.pipeline.document import extract_document as extract

    return extract(file_path, options, outputs)


def quality_report(integrated: Mapping[str, Any], threshold: float) -> QualityReport:
    """The quality verdict on an integrated document (duplicates known)."""
    return assess(
        signals=dict(integrated.get("signals") or {}),
        pages=int(integrated.get("pages") or 0),
        unit=str(integrated.get("unit") or "page"),
        detected_type=str(integrated.get("file_type") or ""),
        needs_ocr=bool(integrated.get("needs_ocr")),
        partial=bool(integrated.get("partial")),
        truncated=bool(integrated.get("truncated")),
        language_confidence=float(integrated.get("language_confidence") or 0.0),
        duplicate_of=integrated.get("duplicate_of"),
        near_duplicate_of=integrated.get("near_duplicate_of"),
        threshold=threshold,
    )


def job_result(integrated: Mapping[str, Any], threshold: float) -> dict[str, Any]:
    """The job's ``result``: what the document is, what was stored, and its quality."""
    report = quality_report(integrated, threshold)
    return {
        "document_id": integrated["document_id"],
        "title": integrated.get("title"),
        "file_type": integrated.get("file_type"),
        "claimed_type": integrated.get("claimed_type"),
        "category": integrated.get("category"),
        "category_confidence": integrated.get("category_confidence"),
        "language": integrated.get("language"),
        "language_confidence": integrated.get("language_confidence"),
        "pages": integrated.get("pages"),
        "unit": integrated.get("unit"),
        "words": integrated.get("words"),
        "quality_score": report.score,
        "quality_reasons": report.reasons,
        "needs_review": report.needs_review,
        "needs_ocr": bool(integrated.get("needs_ocr")),
        "partial": bool(integrated.get("partial")),
        "notes": list(integrated.get("notes") or []),
        "duplicate_of": integrated.get("duplicate_of"),
        "near_duplicate_of": integrated.get("near_duplicate_of"),
        "related": [item["document_id"] for item in integrated.get("related") or []],
        "replaced": bool(integrated.get("replaced")),
    }


def _noop(_context: StepContext) -> dict[str, Any]:
    return {}


def build_noop_pipeline() -> Pipeline:
    """Four in-process steps that do nothing, with the real names and statuses (tests)."""
    return Pipeline(
        name="noop",
        steps=(
            PipelineStep("classify", ProcessingStatus.CLASSIFYING, 0.05, run=_noop),
            PipelineStep("extract", ProcessingStatus.EXTRACTING, 0.8, run=_noop),
            PipelineStep("integrate", ProcessingStatus.INTEGRATING, 0.1, run=_noop),
            PipelineStep("quality", ProcessingStatus.QUALITY_CHECK, 0.05, run=_noop),
        ),
    )
