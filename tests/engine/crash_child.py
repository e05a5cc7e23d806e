"""A DocProc engine in a process of its own, for the crash test to kill with SIGKILL.

    python -m tests.engine.crash_child DATA_DIR [FILE ...]

Queues the files (if any), then processes the whole queue with a pipeline whose middle
step takes a few milliseconds and logs every run, until the queue is empty.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QCoreApplication

from docproc_gui.config import Settings
from docproc_gui.domain import Pipeline, PipelineStep, StepContext
from docproc_gui.domain import ProcessingStatus as S
from docproc_gui.engine import create_background_processor

LOG_LOCK = threading.Lock()


def main() -> int:
    data_dir = Path(sys.argv[1])
    files = sys.argv[2:]
    log = (data_dir / "runs.log").open("a", buffering=1)

    def work(context: StepContext) -> dict[str, Any]:
        with LOG_LOCK:
            log.write(f"{context.job_id} {os.getpid()}\n")
        time.sleep(0.004)
        return {"worked": True}

    def noop(context: StepContext) -> dict[str, Any]:
        return {}

    pipeline = Pipeline(
        "crash-test",
        (
            PipelineStep("classify", S.CLASSIFYING, 1, run=noop),
            PipelineStep("extract", S.EXTRACTING, 1, run=work),
            PipelineStep("integrate", S.INTEGRATING, 1, run=noop),
            PipelineStep("quality", S.QUALITY_CHECK, 1, run=noop),
        ),
    )
    _app = QCoreApplication([])
    processor = create_background_processor(
        Settings(data_dir=data_dir, max_workers=2, durable_commits=False), pipeline=pipeline
    )
    if files:
        processor.submit_batch(files)
    while True:
        status = processor.queue_status()
        if status["queued_jobs"] + status["processing_jobs"] == 0:
            break
        time.sleep(0.05)
    processor.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
