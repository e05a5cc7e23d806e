"""Shutting the engine down from two threads at once, and the exit hook's life."""

from __future__ import annotations

import gc
import logging
import sqlite3
import threading
import time
import weakref
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QThreadPool

from docproc_gui.config import Settings
from docproc_gui.domain import Pipeline, PipelineStep, StepContext
from docproc_gui.domain import ProcessingStatus as S
from docproc_gui.engine import create_background_processor
from docproc_gui.pipeline import build_noop_pipeline


def test_a_second_shutdown_returns_only_when_the_first_has_finished(
    settings: Settings, qapp: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The exit hook may meet a shutdown running on another thread; it must not let the
    # interpreter end while the store is still closing.
    processor = create_background_processor(settings)
    path = tmp_path / "doc.txt"
    path.write_text("x")
    processor.submit_job(str(path))
    store_closed = threading.Event()
    close = processor.store.close

    def slow_close() -> None:
        time.sleep(0.3)
        close()
        store_closed.set()

    monkeypatch.setattr(processor.store, "close", slow_close)
    errors: list[BaseException] = []

    def stop() -> None:
        try:
            processor.shutdown(wait=False)
        except BaseException as error:  # the test reports it
            errors.append(error)

    first = threading.Thread(target=stop)
    first.start()
    time.sleep(0.1)  # the first is closing the store now
    stop()
    assert store_closed.is_set(), "the second shutdown returned before the first finished"
    first.join(10)
    assert errors == []
    with sqlite3.connect(settings.database_path) as connection:
        assert connection.execute("SELECT count(*) FROM jobs").fetchone()[0] == 1


def test_the_exit_hook_goes_with_a_processor_that_is_shut_down_or_collected(
    settings: Settings, qapp: Any, tmp_path: Path
) -> None:
    # atexit keeps what is registered alive; a hook that is gone was unregistered.
    processor = create_background_processor(settings, start=False)
    hook = weakref.ref(processor._exit_hook)
    processor.shutdown()
    del processor
    gc.collect()
    assert hook() is None, "shutdown left the exit hook registered"

    never_shut_down = create_background_processor(settings.replace(data_dir=tmp_path / "b"))
    hook = weakref.ref(never_shut_down._exit_hook)
    del never_shut_down
    gc.collect()
    assert hook() is None, "a collected processor left its exit hook registered"


def test_a_step_that_outlives_shutdown_is_left_for_the_next_start_without_a_traceback(
    settings: Settings,
    qapp: Any,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entered, release = threading.Event(), threading.Event()

    def stubborn(context: StepContext) -> dict[str, Any]:
        entered.set()
        release.wait(10)  # ignores cancellation
        return {}

    pipeline = Pipeline("stubborn", (PipelineStep("extract", S.EXTRACTING, 1, run=stubborn),))
    processor = create_background_processor(settings, pipeline=pipeline)
    path = tmp_path / "doc.txt"
    path.write_text("x")
    job_id = processor.submit_job(str(path))
    assert entered.wait(10)
    # Shutdown's waits for running steps (2 s, then 10 s) time out at once.
    monkeypatch.setattr(processor.pool, "waitForDone", lambda *_: False)
    processor.shutdown(wait=False)
    release.set()
    assert QThreadPool.waitForDone(processor.pool, 10_000)
    errors = [record for record in caplog.records if record.levelno >= logging.ERROR]
    assert errors == [], [record.getMessage() for record in errors]
    assert any("outlived the shutdown" in record.getMessage() for record in caplog.records)

    again = create_background_processor(settings, pipeline=build_noop_pipeline())
    try:
        deadline = time.monotonic() + 20
        while again.get_job(job_id).status is not S.COMPLETED:
            assert time.monotonic() < deadline, again.get_job(job_id)
            time.sleep(0.02)
    finally:
        again.shutdown()


class _LateClaimLock:
    """The engine's claim lock, entered 5 ms late by the pool's threads: as if a worker
    were preempted between its last look at the stop flag and its claim."""

    def __init__(self) -> None:
        self._lock = threading.Lock()

    def __enter__(self) -> _LateClaimLock:
        if threading.current_thread() is not threading.main_thread():
            time.sleep(0.005)
        self._lock.acquire()
        return self

    def __exit__(self, *_: object) -> None:
        self._lock.release()


def test_a_claim_racing_shutdown_leaves_no_job_marked_running(
    settings: Settings, qapp: Any, tmp_path: Path
) -> None:
    def work(context: StepContext) -> dict[str, Any]:
        time.sleep(0.002)
        return {}

    pipeline = Pipeline("short", (PipelineStep("extract", S.EXTRACTING, 1, run=work),))
    files = []
    for index in range(300):
        path = tmp_path / f"doc-{index}.txt"
        path.write_text("x")
        files.append(str(path))
    for attempt in range(8):
        data = tmp_path / f"data-{attempt}"
        processor = create_background_processor(
            settings.replace(data_dir=data, max_workers=2), pipeline=pipeline, start=False
        )
        processor._claim_lock = _LateClaimLock()  # type: ignore[assignment]
        processor.start()
        processor.submit_batch(files)
        time.sleep(0.05 + 0.03 * attempt)
        processor.shutdown(wait=False)
        with sqlite3.connect(data / "docproc.sqlite3") as connection:
            statuses = dict(
                connection.execute("SELECT status, count(*) FROM jobs GROUP BY status").fetchall()
            )
        assert set(statuses) <= {"QUEUED", "COMPLETED"}, f"attempt {attempt}: {statuses}"
