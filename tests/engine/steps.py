"""Pipelines of real steps that behave badly on purpose, for the engine tests.

Sandboxed functions live at module level so the spawned children can import them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from docproc_gui.domain import (
    EncryptedDocumentError,
    Pipeline,
    PipelineStep,
    SandboxCall,
    StepContext,
    TransientError,
)
from docproc_gui.domain import (
    ProcessingStatus as S,
)


def noop(context: StepContext) -> dict[str, Any]:
    return {}


def sleep_in_child(
    file_path: str, options: Mapping[str, Any], outputs: Mapping[str, Any]
) -> dict[str, Any]:
    """Record this child's pid next to the file, then sleep as long as the file says."""
    Path(file_path + ".pid").write_text(str(os.getpid()))
    time.sleep(float(Path(file_path).read_text() or "0"))
    return {"slept": True}


def hog_memory(
    file_path: str, options: Mapping[str, Any], outputs: Mapping[str, Any]
) -> dict[str, Any]:
    blocks = [bytearray(64 * 1024 * 1024) for _ in range(64)]  # 4 GiB
    return {"size": sum(len(block) for block in blocks)}


def crash_child(
    file_path: str, options: Mapping[str, Any], outputs: Mapping[str, Any]
) -> dict[str, Any]:
    os.abort()


def by_file_name(context: StepContext) -> dict[str, Any]:
    """Fail the way the file's name says: flaky-N fails N times, then succeeds."""
    name = Path(context.file_path).name
    if name.startswith("encrypted"):
        raise EncryptedDocumentError("encrypted: needs a password")
    if name.startswith("flaky"):
        counter = Path(context.file_path + ".count")
        failures = int(counter.read_text()) if counter.exists() else 0
        if failures < int(name.split("-")[1].split(".")[0]):
            counter.write_text(str(failures + 1))
            raise TransientError("the disk was busy")
    if name.startswith("buggy"):
        raise ZeroDivisionError("division by zero")
    if name.startswith("missing"):
        Path(context.file_path).read_bytes()
    return {"name": name}


def report_halfway(context: StepContext) -> dict[str, Any]:
    context.report(0.5, "half way")
    return {"reported": True}


def four_steps(middle: PipelineStep) -> Pipeline:
    return Pipeline(
        "test",
        (
            PipelineStep("classify", S.CLASSIFYING, 1, run=noop),
            middle,
            PipelineStep("integrate", S.INTEGRATING, 1, run=noop),
            PipelineStep("quality", S.QUALITY_CHECK, 1, run=noop),
        ),
    )


def sleeping_pipeline() -> Pipeline:
    return four_steps(
        PipelineStep("extract", S.EXTRACTING, 5, sandboxed=SandboxCall(sleep_in_child))
    )


def hog_pipeline() -> Pipeline:
    return four_steps(PipelineStep("extract", S.EXTRACTING, 5, sandboxed=SandboxCall(hog_memory)))


def crash_pipeline() -> Pipeline:
    return four_steps(PipelineStep("extract", S.EXTRACTING, 5, sandboxed=SandboxCall(crash_child)))


def misbehaving_pipeline() -> Pipeline:
    return four_steps(PipelineStep("extract", S.EXTRACTING, 5, run=by_file_name))


def reporting_pipeline() -> Pipeline:
    return four_steps(PipelineStep("extract", S.EXTRACTING, 5, run=report_halfway))
