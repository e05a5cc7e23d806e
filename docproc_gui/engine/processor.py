"""BackgroundProcessor: runs queued jobs on a QThreadPool and reports what happens.

Workers are long-lived loops on the pool: each claims the next job (in small batches,
atomically, through the store), runs it with the :class:`JobRunner`, and exits when the
queue has nothing due, so the pool grows with the backlog up to ``max_workers`` and
shrinks when it drains. Nothing here touches a widget: reports leave through the
:class:`EventHub` (plain callbacks) and the :class:`ProcessorSignals` bridge (Qt signals
on the GUI thread). Uses QtCore only.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import math
import os
import socket
import stat
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QThreadPool
from shiboken6 import isValid

from docproc_gui.config import Settings
from docproc_gui.domain import (
    BatchProcessingResult,
    CancelToken,
    DocumentNotFoundError,
    ErrorCategory,
    JobNotFoundError,
    Pipeline,
    ProcessingJob,
    ProcessingPriority,
    ProcessingProgress,
    ProcessingStatus,
    UnsupportedFormatError,
)
from docproc_gui.engine.events import EventHub, JobEvent, ProgressCallback
from docproc_gui.engine.health import HealthReport, assess_health, free_disk_mb
from docproc_gui.engine.rate_limit import ThroughputLimiter
from docproc_gui.engine.runner import JobInterruptedError, JobRunner
from docproc_gui.engine.sandbox import Sandbox
from docproc_gui.engine.signals import ProcessorSignals
from docproc_gui.store import ClaimedJob, JobStore, Submission
from docproc_gui.store.job_store import new_batch_id
from docproc_gui.store.statistics import QueueStatistics, collect_statistics

log = logging.getLogger(__name__)
S = ProcessingStatus
STATISTICS_TTL_S = 1.0
STUCK_GRACE_S = 30.0
# Claim about this much work at once: short jobs are claimed in batches (one commit for
# many), long ones one per idle worker (nothing sits claimed but unstarted for long).
CLAIM_HORIZON_S = 0.05
MAX_CLAIM_BATCH = 256
IDLE_LINGER_S = 0.05  # how long a worker loop with nothing to do waits for work
# A claim that took every due job, and more than one, means work arrives in groups
# faster than the workers come back for it (an API under load, a folder being copied in).
# The next claim then waits until this long after it, so that the arrivals are claimed
# (and their steps journaled) a group per transaction instead of one small group each.
# A claim that took a single job gathers nothing: a client that submits one document and
# waits for it before sending the next would only wait longer.
CLAIM_GATHER_S = 0.025


def _shutdown_at_exit(processor: BackgroundProcessor) -> Callable[[], None]:
    """What runs at interpreter exit for a processor nobody shut down (a script that just
    ends, an exception out of ``main``): :meth:`BackgroundProcessor.shutdown` without
    waiting for running jobs, which go back to the queue; what was queued for the writer
    is committed. Without it such a script kept working through the whole queue before
    it ended (the pool waits for its threads), and one that ended while the workers idled
    got Qt's reports of exceptions from the threads Python ended (tests/engine/test_exit.py)."""

    def hook() -> None:
        if os.getpid() != owner:  # a forked child ending: the engine is its parent's
            return
        alive = reference()
        # A processor whose Qt side was deleted (with its parent) took its pool with it.
        if alive is not None and isValid(alive):
            alive.shutdown(wait=False)

    # Registered while the processor lives: shutdown() or its collection removes the hook.
    reference = weakref.ref(processor, lambda _dead: atexit.unregister(hook))
    owner = os.getpid()
    atexit.register(hook)
    return hook


@dataclass(slots=True)
class _Running:
    claimed: ClaimedJob
    token: CancelToken
    started: float


class BackgroundProcessor(QObject):
    """The engine's facade: submit, watch, control and shut down background processing."""

    def __init__(
        self,
        settings: Settings,
        store: JobStore,
        pipeline: Pipeline,
        *,
        sandbox: Sandbox | None = None,
        hub: EventHub | None = None,
        pipeline_options: Mapping[str, Any] | None = None,
        on_close: Callable[[], None] | None = None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self.settings = settings
        self.store = store
        self.pipeline = pipeline
        self.sandbox = sandbox
        # The knowledge base the pipeline writes into, when it is the document pipeline
        # (set by the factory; None for custom pipelines). The UI and API search it.
        self.knowledge: Any = None
        self.hub = hub or EventHub()
        self._signals: ProcessorSignals | None = None
        store.set_listener(self.hub.publish_changes)
        self.runner = JobRunner(
            store, pipeline, sandbox, self.hub, pipeline_options, job_timeout=settings.job_timeout
        )
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(settings.max_workers)
        self.instance = f"{socket.gethostname()}:{os.getpid()}"
        self._on_close = on_close
        self._lock = threading.Lock()
        self._claim_lock = threading.Lock()
        self._buffer: deque[ClaimedJob] = deque()
        self._running: dict[str, _Running] = {}
        self._loops = 0
        self._idle_loops = 0  # loops waiting a moment for work before they end
        self._work_arrived = threading.Condition(self._lock)
        self._paused = False
        self._stopping = False
        self._closed = False
        self._stop_event = threading.Event()
        self._limiter = ThroughputLimiter(settings.throughput_limit_per_min)
        self._wake_timer: threading.Timer | None = None
        self._stats_cache: tuple[float, QueueStatistics] | None = None
        self._job_seconds = 1.0  # running average of how long one job takes
        self._took_all_at = -math.inf  # when a claim last took every due job (and >1)
        self._shutdown_lock = threading.RLock()  # one shutdown at a time; later ones wait
        self._exit_hook = _shutdown_at_exit(self)

    @property
    def signals(self) -> ProcessorSignals:
        """The Qt signal bridge, created on first use in the calling thread (the GUI's).

        Headless users (the CLI, benchmarks) never touch it, so no events pile up
        waiting for an event loop that does not run.
        """
        if self._signals is None:
            self._signals = ProcessorSignals()
            self._signals.moveToThread(self.thread())
            self._signals.setParent(self)
            self.hub.subscribe(self._signals.deliver)
        return self._signals

    # ------------------------------------------------------------------ life cycle

    def start(self) -> None:
        """Prune old history, recover jobs a crash left running, then start working."""
        pruned = self.store.prune_history()
        if pruned:
            log.info("removed %d finished job(s) older than the history retention", pruned)
        report = self.store.recover_interrupted()
        if report.requeued or report.failed:
            log.info(
                "recovered %d interrupted job(s), %d failed after too many interruptions",
                len(report.requeued),
                len(report.failed),
            )
        self._ensure_workers()

    def shutdown(self, wait: bool = True, timeout: float = 30.0) -> None:
        """Stop claiming; let running jobs finish up to ``timeout``; requeue the rest.

        With ``wait=False`` running jobs are interrupted at once (their children killed)
        and go back to the queue without the attempt counted. Nothing is lost either way.
        A second call, from any thread, waits for the first to finish.
        """
        with self._shutdown_lock:
            if self._closed:
                return
            self._shut_down(wait, timeout)
            atexit.unregister(self._exit_hook)  # only now: an interrupted shutdown ends at exit

    def _shut_down(self, wait: bool, timeout: float) -> None:
        self._stopping = True
        self._stop_event.set()
        with self._lock:
            self._work_arrived.notify_all()
        if self._wake_timer is not None:
            self._wake_timer.cancel()
        self._return_buffer("shutdown")
        if wait:
            self.pool.waitForDone(int(timeout * 1000))
        with self._lock:
            running = list(self._running.values())
        for item in running:
            item.token.cancel(CancelToken.SHUTDOWN)
        # Steps notice within 50 ms and kill their own children; the rest is forced.
        if running and not self.pool.waitForDone(2_000) and self.sandbox is not None:
            self.sandbox.close(kill=True)
        self.pool.waitForDone(10_000)
        if self.sandbox is not None:
            self.sandbox.close(kill=True)
        self.store.writer.flush()
        self.hub.drain()
        self._closed = True
        try:
            counts = self.store.counts()
            waiting = counts.get("QUEUED", 0) + counts.get("RETRYING", 0)
        except Exception:  # noqa: BLE001 - only for the log line below
            waiting = -1
        log.info(
            "engine stopped: %d running job(s) interrupted and queued again, %s waiting",
            len(running),
            waiting if waiting >= 0 else "?",
        )
        self.store.close()
        self.hub.close()
        if self._on_close is not None:
            self._on_close()

    @property
    def is_paused(self) -> bool:
        return self._paused

    @property
    def active_workers(self) -> int:
        with self._lock:
            return len(self._running)

    def pause(self) -> None:
        """Stop starting jobs; running ones finish. Claimed-but-unstarted go back."""
        if self._paused:
            return
        self._paused = True
        with self._lock:
            self._work_arrived.notify_all()
        self._return_buffer("paused")
        if self._signals is not None:
            self._signals.paused_changed.emit(True)

    def resume(self) -> None:
        if not self._paused:
            return
        self._paused = False
        if self._signals is not None:
            self._signals.paused_changed.emit(False)
        self._ensure_workers()

    def set_max_workers(self, count: int) -> None:
        """Change the worker bound at run time (the settings dialog does)."""
        self.apply_settings(self.settings.replace(max_workers=max(1, count)))

    def apply_settings(self, settings: Settings) -> list[str]:
        """Take new settings while running; returns the names that apply after a restart.

        Workers, queue size, timeouts, retries, throughput limit, priority policy, health
        thresholds and pipeline options apply at once (running jobs keep their timeout).
        """
        from docproc_gui.engine.factory import pipeline_options
        from docproc_gui.store.priority import PriorityPolicy

        restart = [
            name
            for name in ("data_dir", "sandbox_processes", "memory_limit_mb", "durable_commits")
            if getattr(settings, name) != getattr(self.settings, name)
        ]
        self.settings = settings
        self.store.settings = settings
        self.store.max_queue_size = settings.max_queue_size
        self.store.policy = PriorityPolicy.from_settings(settings)
        self.runner.job_timeout = settings.job_timeout
        self.runner.options.update(pipeline_options(settings))
        if self.sandbox is not None:
            self.sandbox.timeout = settings.job_timeout
        if settings.throughput_limit_per_min != self._limiter.per_minute:
            self._limiter = ThroughputLimiter(settings.throughput_limit_per_min)
        self.pool.setMaxThreadCount(max(1, settings.max_workers))
        self._stats_cache = None
        self._ensure_workers()
        return restart

    # ------------------------------------------------------------------ submitting

    def submit_job(
        self,
        file_path: str | os.PathLike[str],
        priority: ProcessingPriority | int | str = ProcessingPriority.NORMAL,
        metadata: Mapping[str, Any] | None = None,
        *,
        idempotency_key: str | None = None,
        max_retries: int | None = None,
    ) -> str:
        """Queue one file; returns its job id once the job is committed.

        Raises :class:`DocumentNotFoundError` for a missing file and
        :class:`~docproc_gui.domain.QueueFullError` when the queue is full.
        """
        path, size = _checked_file(file_path)
        item = Submission(
            path,
            ProcessingPriority.parse(priority),
            metadata or {},
            max_retries,
            idempotency_key,
            size,
        )
        job = self.store.submit_many([item])[0]
        self._ensure_workers()
        return job.job_id

    def submit_batch(
        self,
        file_paths: Iterable[str | os.PathLike[str]],
        priority: ProcessingPriority | int | str = ProcessingPriority.NORMAL,
        metadata: Mapping[str, Any] | None = None,
        *,
        batch_id: str | None = None,
    ) -> list[str]:
        """Queue many files in one transaction (all or none); returns their job ids."""
        jobs = self.store.submit_many(
            self._submissions(file_paths, priority, metadata), batch_id=batch_id or new_batch_id()
        )
        self._ensure_workers()
        return [job.job_id for job in jobs]

    def submit_many(
        self,
        submissions: Sequence[Submission],
        *,
        batch_id: str | None = None,
        prechecked: bool = False,
        new_ids: set[str] | None = None,
        whole_keys: bool = False,
    ) -> list[ProcessingJob]:
        """Queue prepared submissions (each with its own priority, metadata, idempotency
        key) in one transaction and wake the workers; jobs come back in input order
        (``new_ids`` and ``whole_keys``: see :meth:`JobStore.submit_many`).

        Paths are checked like :meth:`submit_job` does (absolute, existing files), unless
        the caller says it resolved every path to a real one and measured its size
        (``prechecked``: the API does, and a second stat per file was a tenth of its cost).
        """
        checked = []
        for item in submissions:
            if prechecked and item.file_size is not None:
                path, size = item.file_path, item.file_size
            else:
                path, size = _checked_file(item.file_path)
            checked.append(
                Submission(
                    path,
                    ProcessingPriority.parse(item.priority),
                    item.metadata,
                    item.max_retries,
                    item.idempotency_key,
                    size,
                )
            )
        jobs = self.store.submit_many(
            checked, batch_id=batch_id, new_ids=new_ids, whole_keys=whole_keys
        )
        self._ensure_workers()
        return jobs

    def submit_batch_async(
        self,
        file_paths: Iterable[str | os.PathLike[str]],
        priority: ProcessingPriority | int | str = ProcessingPriority.NORMAL,
        metadata: Mapping[str, Any] | None = None,
        *,
        batch_id: str | None = None,
    ) -> Future[list[ProcessingJob]]:
        """Like :meth:`submit_batch` but never waits for the disk (for the GUI thread)."""
        future = self.store.submit_many_async(
            self._submissions(file_paths, priority, metadata), batch_id=batch_id or new_batch_id()
        )
        future.add_done_callback(lambda _future: self._ensure_workers())
        return future

    def _submissions(
        self,
        file_paths: Iterable[str | os.PathLike[str]],
        priority: ProcessingPriority | int | str,
        metadata: Mapping[str, Any] | None,
    ) -> list[Submission]:
        level = ProcessingPriority.parse(priority)
        items = []
        for file_path in file_paths:
            path, size = _checked_file(file_path)
            items.append(Submission(path, level, metadata or {}, file_size=size))
        return items

    # ------------------------------------------------------------------ watching

    def get_job(self, job_id: str) -> ProcessingJob:
        return self.store.get(job_id)

    def get_job_progress(self, job_id: str) -> ProcessingProgress:
        job = self.store.get(job_id)
        eta: float | None = None
        if job.status.is_running:
            started = job.started_at.timestamp() if job.started_at else None
            elapsed = time.time() - started if started else None
            eta = self.hub.eta.remaining(job.file_type, job.file_size, job.progress, elapsed)
        elif job.status is S.COMPLETED:
            eta = 0.0
        steps = [step.name for step in self.pipeline.steps]
        if job.status is S.COMPLETED:
            completed = steps
        else:
            position = steps.index(job.current_step) if job.current_step in steps else 0
            completed = steps[:position] if job.status.is_running else []
        return ProcessingProgress(
            job_id=job.job_id,
            status=job.status,
            progress=job.progress,
            current_step=job.current_step,
            steps_completed=completed,
            estimated_time_remaining=eta,
            message=job.error_message,
            error_category=job.error_category,
        )

    def register_progress_callback(self, callback: ProgressCallback) -> Callable[[], None]:
        """Call ``callback(ProcessingProgress)`` for every change (on a background thread)."""
        return self.hub.add_progress_callback(callback)

    def subscribe(self, listener: Callable[[list[JobEvent]], None]) -> Callable[[], None]:
        return self.hub.subscribe(listener)

    def queue_status(self) -> dict[str, Any]:
        counts = self.store.counts()
        waiting = counts[S.QUEUED.value] + counts[S.RETRYING.value]
        running = sum(counts[status.value] for status in S if status.is_running)
        return {
            "paused": self._paused,
            "counts": counts,
            "queued_jobs": waiting,
            "processing_jobs": running,
            "active_workers": self.active_workers,
            "max_workers": self.settings.max_workers,
            "max_queue_size": self.settings.max_queue_size,
            "total_jobs": sum(counts.values()),
        }

    def statistics(self, *, fresh: bool = False) -> QueueStatistics:
        """A statistics snapshot, at most a second old (cheap to poll)."""
        cached = self._stats_cache
        now = time.monotonic()
        if cached is not None and not fresh and now - cached[0] < STATISTICS_TTL_S:
            return cached[1]
        stats = collect_statistics(
            self.store.database, window_seconds=self.settings.health_window_minutes * 60
        )
        if self.knowledge is not None:
            stats.by_category = dict(self.knowledge.facets().get("category", {}))
        self._stats_cache = (now, stats)
        return stats

    def health(self) -> HealthReport:
        now = time.monotonic()
        with self._lock:
            stuck = sum(
                1
                for item in self._running.values()
                if now - item.started > self.settings.job_timeout + STUCK_GRACE_S
            )
        return assess_health(
            self.statistics(),
            self.settings,
            disk_free_mb=free_disk_mb(self.settings.data_dir),
            stuck_jobs=stuck,
        )

    # ------------------------------------------------------------------ controlling

    def cancel_job(self, job_id: str) -> bool:
        """Cancel a waiting or running job; False when it had already finished."""
        status = self.store.cancel_waiting(job_id)
        if status.is_waiting:
            return True
        if status.is_terminal:
            return False
        with self._claim_lock:
            for claimed in list(self._buffer):
                if claimed.job.job_id == job_id:
                    self._buffer.remove(claimed)
                    self.store.fail(claimed, ErrorCategory.CANCELLED, "cancelled by the user")
                    return True
        with self._lock:
            running = self._running.get(job_id)
        if running is not None:
            running.token.cancel(CancelToken.USER)
            return True
        return status.is_running  # running in another process: it will not be ours to stop

    def retry_job(self, job_id: str) -> ProcessingJob:
        """Manually retry a failed or cancelled job."""
        job = self.store.retry(job_id)
        self._ensure_workers()
        return job

    def set_priority(self, job_id: str, priority: ProcessingPriority | int | str) -> ProcessingJob:
        return self.store.set_priority(job_id, ProcessingPriority.parse(priority))

    def move_job(self, job_id: str, *, top: bool) -> ProcessingJob:
        """Move a waiting job to the top (next to run) or the bottom of the queue."""
        return self.store.move_to_edge(job_id, top=top)

    def move_job_by_one(self, job_id: str, *, up: bool) -> ProcessingJob:
        """Swap a waiting job with its neighbour in the queue order."""
        return self.store.move_by_one(job_id, up=up)

    def remove_jobs(self, job_ids: Sequence[str]) -> int:
        return self.store.remove(job_ids)

    # ------------------------------------------------------------------ synchronous batch

    def process_batch_sync(
        self,
        file_paths: Sequence[str | os.PathLike[str]],
        priority: ProcessingPriority | int | str = ProcessingPriority.NORMAL,
        timeout: float | None = None,
        metadata: Mapping[str, Any] | None = None,
    ) -> BatchProcessingResult:
        """Submit ``file_paths`` and block until every job has finished.

        Jobs still unfinished after ``timeout`` seconds are cancelled and counted so.
        Blocks the calling thread: for scripts and tests, not for the GUI thread.
        """
        started = time.monotonic()
        batch_id = new_batch_id()
        finished: set[str] = set()
        all_done = threading.Event()
        expected: list[int] = []

        def listener(events: list[JobEvent]) -> None:
            for event in events:
                if event.change.batch_id == batch_id and event.status.is_terminal:
                    finished.add(event.job_id)
            if expected and len(finished) >= expected[0]:
                all_done.set()

        unsubscribe = self.hub.subscribe(listener)
        try:
            job_ids = self.submit_batch(file_paths, priority, metadata, batch_id=batch_id)
            expected.append(len(job_ids))
            if len(finished) >= len(job_ids):
                all_done.set()
            if not all_done.wait(timeout):
                for job_id in set(job_ids) - finished:
                    with contextlib.suppress(JobNotFoundError):
                        self.cancel_job(job_id)
                all_done.wait(10.0)
            self.hub.drain()
        finally:
            unsubscribe()
        jobs = self.store.list_jobs(
            batch_id=batch_id, limit=max(1, len(job_ids)), newest_first=False
        )
        return _batch_result(jobs, time.monotonic() - started)

    # ------------------------------------------------------------------ workers

    def _ensure_workers(self) -> None:
        """Wake idle worker loops and start more for the backlog, up to ``max_workers``
        (any thread)."""
        if self._paused or self._stopping:
            return
        with self._lock:
            backlog = self.store.waiting_estimate + len(self._buffer)
            # A loop running a job cannot take more until it is done: the backlog needs
            # loops of its own (a small file must not wait behind a long one).
            wanted = min(self.settings.max_workers, len(self._running) + max(backlog, 0))
            busy = self._loops - self._idle_loops
            if self._idle_loops and wanted > busy:
                self._work_arrived.notify(wanted - busy)
            to_start = wanted - self._loops
            self._loops += max(0, to_start)
        for _ in range(to_start):
            self.pool.start(self._worker_loop)

    def _worker_loop(self) -> None:
        """Runs on a pool thread: claim and run jobs until none is due and none arrives
        for :data:`IDLE_LINGER_S` (work that trickles in finds the loop still running,
        instead of starting a new one per submission)."""
        counted = True
        try:
            while not (self._paused or self._stopping):
                delay = self._limiter.delay()
                if delay and (self._stop_event.wait(delay) or self._paused):
                    break
                claimed = self._next_job()
                if claimed is None:
                    if self._idle():
                        continue
                    counted = False
                    break
                self._execute(claimed)
        except Exception:
            if self._closed:
                # A step outlived shutdown's waits and the store closed under it: its job
                # stays in its running status, and the next start puts it back in line.
                log.warning("a job outlived the shutdown; it runs again after the next start")
            else:
                log.exception("worker loop failed")
        finally:
            with self._lock:
                if counted:
                    self._loops -= 1
                spare = self._loops < self.settings.max_workers
            # A retry may come due while the other loops run long jobs: wake for it.
            if spare and not self._stopping:
                self._schedule_wake()

    def _idle(self) -> bool:
        """A loop found no job: wait for work, or until a retry left in the queue is due.
        True to look again; False when the loop ends (it is no longer counted)."""
        store = self.store
        with self._lock:
            if not store.queue_emptied:
                # A claim would find work: submitted while we looked (the store's note
                # is out of date then), a retry come due, or the loop gave up gathering
                # for a pause that a resume has already undone.
                return True
            if not (self._paused or self._stopping):  # (their notify may have come before)
                self._idle_loops += 1
                woken = self._work_arrived.wait(max(0.0, min(IDLE_LINGER_S, store.next_due_in())))
                self._idle_loops -= 1
                if woken or not store.queue_emptied:
                    return True
            self._loops -= 1
            return False

    def _next_job(self) -> ClaimedJob | None:
        while True:
            if not self._buffer and not self.store.queue_emptied and not self._gathered():
                return None  # paused or stopping while work gathered
            with self._claim_lock:
                if self._buffer:
                    return self._buffer.popleft()
                if self.store.queue_emptied:
                    return None  # spare the empty claim its transaction
                if self._gather_left() > 0:
                    continue  # another loop's claim just took every due job
                with self._lock:
                    loops = max(1, self._loops)
                per_loop = max(1, int(CLAIM_HORIZON_S / max(self._job_seconds, 1e-6)))
                batch = min(MAX_CLAIM_BATCH, loops * per_loop)
                if self._stopping:  # shutdown began since the check above: claim nothing
                    return None
                claimed = self.store.claim(batch, self.instance)
                if len(claimed) > 1 and self.store.last_claim_took_all:
                    self._took_all_at = time.monotonic()
                self._buffer.extend(claimed)
                return self._buffer.popleft() if self._buffer else None

    def _gather_left(self) -> float:
        return self._took_all_at + CLAIM_GATHER_S - time.monotonic()

    def _gathered(self) -> bool:
        """Let work gather until :data:`CLAIM_GATHER_S` after the last claim that took
        every due job, more than one (outside the claim lock: pausing does not wait).
        False when the engine paused or began to stop meanwhile."""
        while (wait := self._gather_left()) > 0:
            if self._stop_event.wait(wait):
                return False
        return not (self._paused or self._stopping)

    def _execute(self, claimed: ClaimedJob) -> None:
        token = CancelToken()
        job_id = claimed.job.job_id
        started = time.monotonic()
        with self._lock:
            self._running[job_id] = _Running(claimed, token, started)
        try:
            self.runner.run(claimed, token)
        except JobInterruptedError:
            self.store.requeue([claimed], "interrupted by shutdown")
        finally:
            with self._lock:
                del self._running[job_id]
            self._job_seconds += 0.1 * (time.monotonic() - started - self._job_seconds)

    def _return_buffer(self, reason: str) -> None:
        with self._claim_lock:
            unstarted = list(self._buffer)
            self._buffer.clear()
        self.store.requeue(unstarted, reason)

    def _schedule_wake(self) -> None:
        """When the queue holds retries waiting out their backoff, wake up for the first
        (any thread: loops that end call it). The last claim noted when that is; only
        when its note is out of date does this ask the database."""
        store = self.store
        if store.queue_emptied:
            wait = store.next_due_in()
        else:
            due = store.next_retry_at()
            wait = math.inf if due is None else due - time.time()
        if math.isinf(wait):
            return
        timer = threading.Timer(max(0.0, wait) + 0.01, self._ensure_workers)
        timer.daemon = True
        with self._lock:
            previous, self._wake_timer = self._wake_timer, timer
        if previous is not None:
            previous.cancel()
        timer.start()


def _checked_file(file_path: str | os.PathLike[str]) -> tuple[str, int]:
    """The absolute path and size of an existing file (cheap: one stat, no symlink walk)."""
    path = os.path.abspath(os.path.expanduser(os.fspath(file_path)))
    try:
        info = os.stat(path)
    except OSError:
        raise DocumentNotFoundError(f"file not found: {file_path}") from None
    if stat.S_ISDIR(info.st_mode):
        raise UnsupportedFormatError(f"{file_path} is a folder; submit the files inside it")
    return path, info.st_size


def _batch_result(jobs: list[ProcessingJob], elapsed: float) -> BatchProcessingResult:
    errors = [
        {
            "job_id": job.job_id,
            "file_path": job.file_path,
            "category": job.error_category.value if job.error_category else None,
            "message": job.error_message,
        }
        for job in jobs
        if job.status in (S.FAILED, S.CANCELLED)
    ]
    return BatchProcessingResult(
        total_jobs=len(jobs),
        successful=sum(job.status is S.COMPLETED for job in jobs),
        failed=sum(job.status is S.FAILED for job in jobs),
        cancelled=sum(job.status is S.CANCELLED for job in jobs),
        processing_time=elapsed,
        jobs=jobs,
        errors=errors,
    )
