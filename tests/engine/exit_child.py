"""A script that uses the engine and ends without shutting it down, for test_exit.py.

    python -m tests.engine.exit_child running|idle|orphan|fork DATA_DIR FILE ...

``running``: queues the first half of the files (waiting for that commit), hands the
second half to ``submit_batch_async`` without waiting, and returns from ``main`` while
jobs run. ``idle``: without a QCoreApplication, queues every file and returns as soon
as the queue is empty, while the workers still wait a moment for more work. ``orphan``:
like ``idle``, after deleting a Qt parent of the processor (and so its Qt side).
``fork``: like ``idle``, then forks; the child ends at once (running the exit hooks it
inherited), and the parent prints how long the child took before it ends too.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any

import shiboken6
from PySide6.QtCore import QCoreApplication, QObject

from docproc_gui.config import Settings
from docproc_gui.domain import Pipeline, PipelineStep, StepContext
from docproc_gui.domain import ProcessingStatus as S
from docproc_gui.engine import create_background_processor

# The processor stays referenced until the interpreter ends, as a script's global would.
KEEP: list[object] = []


def main() -> int:
    mode, data_dir, files = sys.argv[1], Path(sys.argv[2]), sys.argv[3:]

    def work(context: StepContext) -> dict[str, Any]:
        time.sleep(0.02 if mode == "running" else 0)
        return {}

    pipeline = Pipeline("exit-test", (PipelineStep("extract", S.EXTRACTING, 1, run=work),))
    # "idle" runs without a Qt application object, as a plain script may.
    _app = QCoreApplication([]) if mode not in ("idle", "fork") else None
    parent = QObject() if mode == "orphan" else None
    processor = create_background_processor(
        Settings(data_dir=data_dir, max_workers=2), pipeline=pipeline, parent=parent
    )
    deadline = time.monotonic() + 30
    if mode == "running":
        half = len(files) // 2
        processor.submit_batch(files[:half])
        while processor.queue_status()["processing_jobs"] == 0 and time.monotonic() < deadline:
            time.sleep(0.005)
        processor.submit_batch_async(files[half:])
    else:
        processor.submit_batch(files)
        while time.monotonic() < deadline:
            status = processor.queue_status()
            if status["queued_jobs"] + status["processing_jobs"] == 0:
                break
            time.sleep(0.005)
    KEEP.append(processor)
    if parent is not None:
        shiboken6.delete(parent)
    if mode == "fork":
        started = time.monotonic()
        child = os.fork()
        if child == 0:
            return 0  # the child ends normally: the exit hooks run
        os.waitpid(child, 0)
        print(f"child ended after {time.monotonic() - started:.2f} s")
    return 0  # no shutdown


if __name__ == "__main__":
    sys.exit(main())
