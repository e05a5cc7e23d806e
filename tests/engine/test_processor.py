"""BackgroundProcessor on a real QThreadPool, real SQLite and real child processes."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from docproc_gui.config import Settings
from docproc_gui.domain import (
    DocumentNotFoundError,
    ErrorCategory,
    Pipeline,
    ProcessingProgress,
    QueueFullError,
)
from docproc_gui.domain import (
    ProcessingPriority as P,
)
from docproc_gui.domain import (
    ProcessingStatus as S,
)
from docproc_gui.engine import BackgroundProcessor, EngineBusyError, create_background_processor
from docproc_gui.pipeline import build_noop_pipeline
from tests.engine import steps

MakeProcessor = Callable[..., BackgroundProcessor]


@pytest.fixture
def make_processor(settings: Settings, qapp: Any) -> Iterator[MakeProcessor]:
    made: list[BackgroundProcessor] = []

    def make(pipeline: Pipeline | None = None, **changes: Any) -> BackgroundProcessor:
        processor = create_background_processor(
            settings.replace(**changes), pipeline=pipeline or build_noop_pipeline()
        )
        made.append(processor)
        return processor

    yield make
    for processor in made:
        processor.shutdown(wait=False, timeout=5)


def _wait_terminal(processor: BackgroundProcessor, job_id: str, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = processor.get_job(job_id)
        if job.status.is_terminal:
            return job
        time.sleep(0.02)
    raise AssertionError(f"job {job_id} did not finish: {processor.get_job(job_id)}")


def _counted_claims(processor: BackgroundProcessor) -> list[int]:
    """From now on, the number of jobs each of the processor's claims took."""
    claims: list[int] = []
    real_claim = processor.store.claim

    def counting_claim(limit: int, worker: str = "") -> Any:
        claimed = real_claim(limit, worker)
        claims.append(len(claimed))
        return claimed

    processor.store.claim = counting_claim  # type: ignore[method-assign]
    return claims


def _gather_for(monkeypatch: pytest.MonkeyPatch, seconds: float) -> None:
    from docproc_gui.engine import processor as processor_module

    monkeypatch.setattr(processor_module, "CLAIM_GATHER_S", seconds)


def test_a_batch_runs_through_every_step_and_reports_it(
    make_processor: MakeProcessor, sample_files: list[Path], qtbot: Any
) -> None:
    processor = make_processor()
    seen: list[ProcessingProgress] = []
    processor.register_progress_callback(seen.append)
    result = processor.process_batch_sync(sample_files, P.HIGH, timeout=30)
    assert (result.total_jobs, result.successful, result.failed) == (5, 5, 0)
    assert all(job.status is S.COMPLETED and job.progress == 1.0 for job in result.jobs)
    processor.hub.drain()
    one = result.jobs[0].job_id
    statuses = [p.status for p in seen if p.job_id == one]
    assert statuses == [
        S.QUEUED,
        S.PROCESSING,
        S.CLASSIFYING,
        S.EXTRACTING,
        S.INTEGRATING,
        S.QUALITY_CHECK,
        S.COMPLETED,
    ]
    final = processor.get_job_progress(one)
    assert final.steps_completed == ["classify", "extract", "integrate", "quality"]
    assert final.estimated_time_remaining == 0.0


def test_signals_reach_the_gui_thread_coalesced(
    make_processor: MakeProcessor, sample_files: list[Path], qtbot: Any
) -> None:
    processor = make_processor()
    flushed: list[int] = []
    processor.signals.events_flushed.connect(lambda events: flushed.append(len(events)))
    with qtbot.waitSignals([processor.signals.finished] * 1, timeout=10_000):
        job_id = processor.submit_job(sample_files[0])
    qtbot.waitUntil(lambda: processor.get_job(job_id).status is S.COMPLETED, timeout=10_000)
    with qtbot.waitSignal(processor.signals.finished, timeout=10_000) as blocker:
        processor.submit_batch(sample_files[1:])
    assert blocker.args and isinstance(blocker.args[0], str)
    # Many events per flush, not one signal per change.
    qtbot.waitUntil(lambda: sum(flushed) >= 7 * 5, timeout=10_000)
    assert len(flushed) < sum(flushed)


def test_a_failing_callback_is_logged_and_never_stops_the_work(
    make_processor: MakeProcessor, sample_files: list[Path], caplog: Any
) -> None:
    processor = make_processor()

    def broken(progress: ProcessingProgress) -> None:
        raise RuntimeError("callback bug")

    processor.register_progress_callback(broken)
    result = processor.process_batch_sync(sample_files, timeout=30)
    assert result.successful == 5
    assert "callback bug" in caplog.text


def test_transient_errors_are_retried_with_backoff_and_others_fail_at_once(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.misbehaving_pipeline(), max_retries=3)
    files = {}
    for name in ["flaky-2.txt", "flaky-9.txt", "encrypted.pdf", "buggy.txt", "fine.txt"]:
        files[name] = tmp_path / name
        files[name].write_text("x")
    result = processor.process_batch_sync(list(files.values()), timeout=30)
    by_name = {Path(job.file_path).name: job for job in result.jobs}
    assert by_name["flaky-2.txt"].status is S.COMPLETED
    assert by_name["flaky-2.txt"].attempts == 3
    assert by_name["flaky-9.txt"].status is S.FAILED
    assert by_name["flaky-9.txt"].attempts == 4  # first try + max_retries
    assert by_name["flaky-9.txt"].error_category is ErrorCategory.TRANSIENT
    assert by_name["encrypted.pdf"].attempts == 1
    assert by_name["encrypted.pdf"].error_category is ErrorCategory.ENCRYPTED
    assert by_name["buggy.txt"].error_category is ErrorCategory.INTERNAL
    assert "ZeroDivisionError" in (by_name["buggy.txt"].error_message or "")
    assert by_name["fine.txt"].status is S.COMPLETED
    kinds = [event["kind"] for event in processor.store.events(by_name["flaky-2.txt"].job_id)]
    assert kinds.count("retry_scheduled") == 2


def test_a_file_deleted_after_submission_fails_as_not_found(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.misbehaving_pipeline())
    path = tmp_path / "missing.txt"
    path.write_text("soon gone")
    processor.pause()
    job_id = processor.submit_job(path)
    path.unlink()
    processor.resume()
    job = _wait_terminal(processor, job_id)
    assert job.error_category is ErrorCategory.NOT_FOUND


def test_bad_submissions_are_refused_and_queue_nothing(
    make_processor: MakeProcessor, tmp_path: Path, sample_files: list[Path]
) -> None:
    processor = make_processor(max_queue_size=2)
    processor.pause()
    with pytest.raises(DocumentNotFoundError):
        processor.submit_job(tmp_path / "nope.pdf")
    with pytest.raises(DocumentNotFoundError):
        processor.submit_batch([sample_files[0], tmp_path / "nope.pdf"])
    with pytest.raises(QueueFullError):
        processor.submit_batch(sample_files[:3])
    assert processor.store.count() == 0


def test_cancelling_a_running_sandboxed_job_kills_its_child_promptly(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.sleeping_pipeline())
    slow = tmp_path / "slow.txt"
    slow.write_text("60")
    job_id = processor.submit_job(slow)
    pid_file = Path(str(slow) + ".pid")
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    child = psutil.Process(int(pid_file.read_text()))
    started = time.monotonic()
    assert processor.cancel_job(job_id)
    job = _wait_terminal(processor, job_id, timeout=10)
    assert time.monotonic() - started < 5
    assert job.status is S.CANCELLED
    child.wait(timeout=5)  # the child is gone, not left sleeping
    assert not child.is_running()


def test_a_runaway_step_is_killed_at_the_job_timeout(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.sleeping_pipeline(), job_timeout=1.0, max_retries=0)
    slow = tmp_path / "slow.txt"
    slow.write_text("60")
    started = time.monotonic()
    job = _wait_terminal(processor, processor.submit_job(slow), timeout=20)
    assert time.monotonic() - started < 10
    assert job.error_category is ErrorCategory.TIMEOUT
    assert "timeout" in (job.error_message or "")


def test_memory_hog_is_stopped_by_the_memory_limit(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.hog_pipeline(), memory_limit_mb=512)
    path = tmp_path / "bomb.txt"
    path.write_text("x")
    job = _wait_terminal(processor, processor.submit_job(path), timeout=30)
    assert job.status is S.FAILED
    assert job.error_category is ErrorCategory.TOO_LARGE
    assert "512 MB" in (job.error_message or "")


def test_a_crashing_child_fails_the_job_not_the_app(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.crash_pipeline())
    path = tmp_path / "hostile.pdf"
    path.write_text("x")
    job = _wait_terminal(processor, processor.submit_job(path), timeout=30)
    assert job.error_category is ErrorCategory.CORRUPT
    assert "crashed" in (job.error_message or "")
    fine = tmp_path / "fine.pdf"
    fine.write_text("0")
    # The pool replaced the dead child; the next job runs.
    processor.pipeline = steps.sleeping_pipeline()
    processor.runner.pipeline = processor.pipeline
    assert _wait_terminal(processor, processor.submit_job(fine)).status is S.COMPLETED


def test_pause_holds_the_queue_and_resume_drains_it(
    make_processor: MakeProcessor, sample_files: list[Path], qtbot: Any
) -> None:
    processor = make_processor()
    with qtbot.waitSignal(processor.signals.paused_changed, timeout=2000) as paused:
        processor.pause()
    assert paused.args == [True]
    ids = processor.submit_batch(sample_files)
    time.sleep(0.3)  # give a wrongly running pool the chance to take something
    assert {processor.get_job(job_id).status for job_id in ids} == {S.QUEUED}
    processor.resume()
    for job_id in ids:
        assert _wait_terminal(processor, job_id).status is S.COMPLETED


def test_shutdown_puts_unfinished_jobs_back_without_counting_the_attempt(
    make_processor: MakeProcessor, settings: Settings, tmp_path: Path
) -> None:
    processor = make_processor(steps.sleeping_pipeline())
    files = []
    for index in range(3):
        path = tmp_path / f"slow-{index}.txt"
        path.write_text("30")
        files.append(path)
    ids = processor.submit_batch(files)
    pid_file = Path(str(files[0]) + ".pid")
    deadline = time.monotonic() + 30
    while not pid_file.exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    started = time.monotonic()
    processor.shutdown(wait=False)
    assert time.monotonic() - started < 15

    again = create_background_processor(
        settings.replace(), pipeline=build_noop_pipeline(), start=False
    )
    try:
        jobs = [again.get_job(job_id) for job_id in ids]
        assert {job.status for job in jobs} == {S.QUEUED}
        assert {job.attempts for job in jobs} == {0}
        again.start()
        assert {_wait_terminal(again, job_id).status for job_id in ids} == {S.COMPLETED}
    finally:
        again.shutdown()


def test_a_second_engine_on_the_same_folder_is_refused(
    make_processor: MakeProcessor, settings: Settings
) -> None:
    make_processor()
    with pytest.raises(EngineBusyError, match=f"pid {os.getpid()}"):
        create_background_processor(settings, pipeline=build_noop_pipeline())


def test_progress_inside_a_step_and_eta_from_measured_durations(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor(steps.reporting_pipeline())
    seen: list[ProcessingProgress] = []
    processor.register_progress_callback(seen.append)
    processor.process_batch_sync(sample_files[:3], timeout=30)
    processor.hub.drain()
    halfway = [p for p in seen if p.message == "half way"]
    assert halfway and all(abs(p.progress - (1 + 2.5) / 8) < 1e-9 for p in halfway)
    assert processor.hub.eta.expected_duration("txt", 100) is not None
    later = [p for p in seen if p.job_id == seen[-1].job_id and p.status.is_running]
    assert any(p.estimated_time_remaining is not None for p in later)


def test_cancel_and_retry_a_waiting_job(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor()
    processor.pause()
    job_id = processor.submit_job(sample_files[0])
    assert processor.cancel_job(job_id)
    assert processor.get_job(job_id).status is S.CANCELLED
    assert not processor.cancel_job(job_id)
    processor.retry_job(job_id)
    processor.resume()
    assert _wait_terminal(processor, job_id).status is S.COMPLETED


def test_throughput_limit_paces_the_jobs(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor(throughput_limit_per_min=120)  # 2 per second
    started = time.monotonic()
    result = processor.process_batch_sync(sample_files, timeout=30)
    assert result.successful == 5
    # A burst of 2, then 2 per second for the other 3.
    assert time.monotonic() - started >= 1.2


def test_the_pool_grows_with_the_backlog_within_its_bounds(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.sleeping_pipeline(), max_workers=2, sandbox_processes=2)
    files = []
    for index in range(4):
        path = tmp_path / f"s{index}.txt"
        path.write_text("0.5")
        files.append(path)
    peak = 0
    done = threading.Event()

    def watch() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, processor.active_workers)
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    processor.process_batch_sync(files, timeout=30)
    done.set()
    watcher.join()
    assert peak == 2
    assert processor.active_workers == 0


def test_health_reports_failures_and_a_full_queue(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.misbehaving_pipeline(), max_queue_size=10)
    assert processor.health().status == "healthy"
    files = []
    for index in range(6):
        path = tmp_path / f"encrypted-{index}.pdf"
        path.write_text("x")
        files.append(path)
    processor.process_batch_sync(files, timeout=30)
    processor.pause()
    waiting = []
    for index in range(10):
        path = tmp_path / f"w{index}.txt"
        path.write_text("x")
        waiting.append(path)
    processor.submit_batch(waiting)
    report = processor.statistics(fresh=True) and processor.health()
    assert report.status == "unhealthy"
    codes = {alert.code for alert in report.alerts}
    assert {"failure_rate", "queue_full"} <= codes
    assert report.to_dict()["failed_jobs"] == 6
    assert report.to_dict()["queued_jobs"] == 10


def test_a_resumed_job_skips_the_steps_whose_output_was_saved(
    settings: Settings, tmp_path: Path, qapp: Any
) -> None:
    from docproc_gui.domain import PipelineStep, StepContext
    from docproc_gui.store import Database, JobStore

    document = tmp_path / "book.pdf"
    document.write_text("x")
    database = Database(settings.database_path)
    store = JobStore(database, settings)
    store.submit(str(document))
    claimed = store.claim(1)[0]
    store.record_step(claimed, S.CLASSIFYING, "classify", 0.0, [])
    store.record_step(
        claimed,
        S.EXTRACTING,
        "extract",
        0.2,
        ["classify"],
        checkpoint=("classify", {"pages": 300}),
    )
    store.close()  # the app dies while extracting
    database.dispose()

    def classify_again(context: StepContext) -> dict[str, Any]:
        raise AssertionError("classify ran again")

    def extract(context: StepContext) -> dict[str, Any]:
        return {"pages_seen": context.outputs["classify"]["pages"]}

    pipeline = Pipeline(
        "resume",
        (
            PipelineStep("classify", S.CLASSIFYING, 1, run=classify_again),
            PipelineStep("extract", S.EXTRACTING, 1, run=extract),
        ),
    )
    processor = create_background_processor(settings, pipeline=pipeline)
    try:
        job = _wait_terminal(processor, claimed.job.job_id)
        assert job.status is S.COMPLETED, job.error_message
        assert job.result == {"pages_seen": 300}
        assert job.attempts == 2
    finally:
        processor.shutdown()


def test_settings_apply_while_running(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor(max_queue_size=2, max_workers=1)
    processor.pause()
    with pytest.raises(QueueFullError):
        processor.submit_batch(sample_files[:3])
    restart = processor.apply_settings(
        processor.settings.replace(max_queue_size=10, max_workers=3, memory_limit_mb=999)
    )
    assert restart == ["memory_limit_mb"]
    assert processor.pool.maxThreadCount() == 3
    ids = processor.submit_batch(sample_files[:3])
    assert len(ids) == 3


def test_move_a_waiting_job_up_and_down(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor()
    processor.pause()
    first, second, third = processor.submit_batch(sample_files[:3])
    processor.move_job_by_one(third, up=True)
    assert processor.store.waiting_order() == [first, third, second]
    processor.move_job_by_one(first, up=False)
    assert processor.store.waiting_order() == [third, first, second]
    processor.move_job_by_one(third, up=True)  # already first: nothing changes
    assert processor.store.waiting_order() == [third, first, second]


def test_workers_spend_no_transaction_on_a_queue_they_emptied(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor()
    claims = _counted_claims(processor)
    for path in sample_files[:5]:  # one at a time: each time the workers run dry
        job_id = processor.submit_job(path)
        assert _wait_terminal(processor, job_id).status is S.COMPLETED
    assert len(claims) == 5
    assert all(claims)  # no claim came back empty


def test_jobs_submitted_while_workers_run_dry_all_complete(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(max_workers=4)
    document = tmp_path / "small.txt"
    document.write_text("tiny")
    job_ids: list[str] = []
    lock = threading.Lock()

    def submitter() -> None:
        for _ in range(150):
            jobs = processor.submit_batch([document] * (1 + len(job_ids) % 3))
            with lock:
                job_ids.extend(jobs)

    threads = [threading.Thread(target=submitter) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    deadline = time.monotonic() + 30
    while processor.store.counts()["COMPLETED"] < len(job_ids) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert processor.store.counts()["COMPLETED"] == len(job_ids) > 600


def test_failures_for_good_share_commits(make_processor: MakeProcessor, tmp_path: Path) -> None:
    processor = make_processor(steps.misbehaving_pipeline(), max_workers=2)
    document = tmp_path / "encrypted.pdf"
    document.write_text("x")
    processor.pause()
    job_ids = processor.submit_batch([document] * 300)
    commits = processor.store.writer.commits
    processor.resume()
    deadline = time.monotonic() + 30
    while processor.store.counts()["FAILED"] < 300 and time.monotonic() < deadline:
        time.sleep(0.02)
    assert processor.store.counts()["FAILED"] == len(job_ids)
    # Nobody waits for a permanent failure's commit, so hundreds share a few commits.
    assert processor.store.writer.commits - commits < 100


def test_a_failure_the_store_cannot_record_does_not_stop_the_worker(
    make_processor: MakeProcessor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3
    from concurrent.futures import Future

    processor = make_processor(steps.misbehaving_pipeline(), max_workers=1)
    real_fail = processor.store.fail
    broken: list[str] = []

    def fail_once_unrecorded(claimed: Any, *args: Any, **kwargs: Any) -> Any:
        if not broken:  # the first failure meets a locked database
            broken.append(claimed.job.job_id)
            future: Future[Any] = Future()
            future.set_exception(sqlite3.OperationalError("database is locked"))
            return future
        return real_fail(claimed, *args, **kwargs)

    monkeypatch.setattr(processor.store, "fail", fail_once_unrecorded)
    flaky = tmp_path / "flaky-1.txt"
    flaky.write_text("x")
    fine = [tmp_path / f"fine-{index}.txt" for index in range(3)]
    for path in fine:
        path.write_text("x")
    processor.pause()
    flaky_id = processor.submit_job(flaky)
    fine_ids = processor.submit_batch(fine)
    processor.resume()
    for job_id in fine_ids:
        assert _wait_terminal(processor, job_id).status is S.COMPLETED
    assert broken == [flaky_id]


def test_submit_many_checks_paths_unless_the_caller_did(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    from docproc_gui.store import Submission

    processor = make_processor()
    processor.pause()
    with pytest.raises(DocumentNotFoundError):
        processor.submit_many([Submission(str(tmp_path / "absent.pdf"), file_size=10)])
    assert processor.store.count() == 0
    [job] = processor.submit_many(
        [Submission(str(tmp_path / "resolved.pdf"), file_size=10)], prechecked=True
    )
    assert job.file_size == 10


def test_work_that_trickles_in_reuses_the_idle_worker_loop(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor(max_workers=2)
    starts: list[int] = []
    real_start = processor.pool.start

    def counting_start(runnable: Any) -> None:
        starts.append(1)
        real_start(runnable)

    processor.pool.start = counting_start  # type: ignore[method-assign]
    for path in sample_files * 4:  # 20 jobs, one at a time, each awaited
        job_id = processor.submit_job(path)
        assert _wait_terminal(processor, job_id).status is S.COMPLETED
    assert len(starts) <= 4  # not one loop start per job

    deadline = time.monotonic() + 5
    while processor._loops and time.monotonic() < deadline:
        time.sleep(0.01)
    assert processor._loops == 0  # idle loops end once nothing arrives


def test_pause_and_shutdown_end_idle_worker_loops_at_once(
    make_processor: MakeProcessor, sample_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    from docproc_gui.engine import processor as processor_module

    monkeypatch.setattr(processor_module, "IDLE_LINGER_S", 30.0)
    processor = make_processor(max_workers=2)
    job_id = processor.submit_job(sample_files[0])
    assert _wait_terminal(processor, job_id).status is S.COMPLETED
    assert processor._loops >= 1  # lingering for more work
    processor.pause()
    deadline = time.monotonic() + 5
    while processor._loops and time.monotonic() < deadline:
        time.sleep(0.01)
    assert processor._loops == 0
    processor.resume()
    job_id = processor.submit_job(sample_files[1])
    assert _wait_terminal(processor, job_id).status is S.COMPLETED
    started = time.monotonic()
    processor.shutdown(wait=True, timeout=20)
    assert time.monotonic() - started < 5


def test_a_retry_comes_due_for_a_loop_waiting_idle(
    make_processor: MakeProcessor, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from docproc_gui.engine import processor as processor_module

    monkeypatch.setattr(processor_module, "IDLE_LINGER_S", 30.0)
    processor = make_processor(steps.misbehaving_pipeline(), max_workers=1)
    flaky = tmp_path / "flaky-1.txt"  # fails once (transient), then succeeds
    flaky.write_text("x")
    started = time.monotonic()
    job = _wait_terminal(processor, processor.submit_job(flaky), timeout=20)
    assert job.status is S.COMPLETED and job.attempts == 2
    assert time.monotonic() - started < 10  # not after the 30 s the idle loop waits


def test_a_paced_worker_does_not_start_a_job_once_paused(
    make_processor: MakeProcessor, sample_files: list[Path]
) -> None:
    processor = make_processor(throughput_limit_per_min=60, max_workers=1)  # one a second
    processor.pause()
    job_ids = processor.submit_batch(sample_files[:3])
    processor.resume()
    _wait_terminal(processor, job_ids[0])
    processor.pause()  # the loop now sleeps out its pacing delay for the second job
    time.sleep(2.0)
    assert [processor.get_job(i).status for i in job_ids[1:]] == [S.QUEUED, S.QUEUED]


def test_a_small_file_does_not_wait_behind_a_long_one(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(steps.sleeping_pipeline(), max_workers=2, sandbox_processes=2)
    long_file, small_file = tmp_path / "long.txt", tmp_path / "small.txt"
    long_file.write_text("30")  # its step sleeps 30 s
    small_file.write_text("0")
    long_id = processor.submit_job(long_file)
    deadline = time.monotonic() + 20
    while processor.active_workers == 0 and time.monotonic() < deadline:
        time.sleep(0.02)
    small = _wait_terminal(processor, processor.submit_job(small_file), timeout=20)
    assert small.status is S.COMPLETED
    assert processor.get_job(long_id).status.is_running  # the second worker took it


def test_work_arriving_in_groups_is_claimed_in_groups(
    make_processor: MakeProcessor, tmp_path: Path
) -> None:
    processor = make_processor(max_workers=2)
    document = tmp_path / "small.txt"
    document.write_text("tiny")
    warm_up = processor.submit_batch([document] * 60)  # the engine learns jobs are short
    assert _wait_terminal(processor, warm_up[-1]).status is S.COMPLETED
    claims = _counted_claims(processor)
    job_ids = []
    for _ in range(20):  # three every 3 ms: the workers keep up with each group
        job_ids.extend(processor.submit_batch([document] * 3))
        time.sleep(0.003)
    for job_id in job_ids:
        assert _wait_terminal(processor, job_id).status is S.COMPLETED
    assert sum(claims) == 60
    assert len(claims) <= 12  # not a claim (and a transaction) per group


def test_one_document_at_a_time_is_never_kept_waiting(
    make_processor: MakeProcessor, sample_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A client that submits one document and waits for it before the next."""
    _gather_for(monkeypatch, 30.0)
    processor = make_processor(max_workers=2)
    for path in sample_files * 2:  # each claim takes a single job: nothing to gather
        job_id = processor.submit_job(path)
        assert _wait_terminal(processor, job_id, timeout=10).status is S.COMPLETED


def test_a_resume_while_a_loop_gives_up_gathering_leaves_no_job_behind(
    make_processor: MakeProcessor, sample_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _gather_for(monkeypatch, 1.0)
    processor = make_processor(max_workers=1)
    first = processor.submit_batch(sample_files * 8)  # claims of many: the next gathers
    assert _wait_terminal(processor, first[-1]).status is S.COMPLETED
    late = processor.submit_job(sample_files[0])
    time.sleep(0.1)  # the loop gathers for the rest of its second
    assert processor.get_job(late).status is S.QUEUED
    processor.pause()
    real_idle = processor._idle

    def resumed_at_once() -> bool:  # the user resumes in that instant
        if processor.is_paused:
            processor.resume()
        return real_idle()

    processor._idle = resumed_at_once  # type: ignore[method-assign]
    assert _wait_terminal(processor, late, timeout=10).status is S.COMPLETED


def test_a_lone_job_starts_at_once_and_gathering_gives_way_to_pause_and_shutdown(
    make_processor: MakeProcessor, sample_files: list[Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    _gather_for(monkeypatch, 30.0)
    processor = make_processor(max_workers=2)
    first = processor.submit_job(sample_files[0])  # nothing claimed before: no gathering
    assert _wait_terminal(processor, first, timeout=10).status is S.COMPLETED
    group = processor.submit_batch(sample_files[1:3])  # one job claimed last: no gathering
    assert _wait_terminal(processor, group[-1], timeout=10).status is S.COMPLETED
    second = processor.submit_job(sample_files[3])  # after a claim that took two: gathers
    time.sleep(0.3)
    assert processor.get_job(second).status is S.QUEUED
    started = time.monotonic()
    processor.pause()
    processor.resume()
    assert time.monotonic() - started < 1.0  # pausing does not wait for the gathering
    started = time.monotonic()
    processor.shutdown(wait=True, timeout=20)
    assert time.monotonic() - started < 5
    reopened = make_processor(max_workers=2)
    assert _wait_terminal(reopened, second, timeout=10).status is S.COMPLETED  # kept
