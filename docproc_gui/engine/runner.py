"""JobRunner: runs one claimed job through the pipeline's steps. Runs on a worker thread.

For each step it records the transition (status, progress, the previous step's output as
a checkpoint) through the store, then runs the step in-process or in the sandbox. A job
that resumes after a crash skips the steps whose output was saved. Whatever goes wrong
ends as a categorised failure in the store; nothing escapes to the worker loop.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

from docproc_gui.domain import (
    CancelToken,
    DocProcError,
    ErrorCategory,
    Pipeline,
    StepContext,
)
from docproc_gui.engine.events import EventHub
from docproc_gui.engine.sandbox import Sandbox
from docproc_gui.store import ClaimedJob, JobChange, JobStore

log = logging.getLogger(__name__)
RECORD_TIMEOUT_S = 60.0  # a store that cannot commit for this long is not waited for


class JobInterruptedError(Exception):
    """The engine is shutting down: leave the job for the next start (not a failure)."""


class JobRunner:
    """Runs jobs through a pipeline; one instance serves every worker thread."""

    def __init__(
        self,
        store: JobStore,
        pipeline: Pipeline,
        sandbox: Sandbox | None,
        hub: EventHub,
        options: Mapping[str, Any] | None = None,
        *,
        job_timeout: float = 300.0,
    ) -> None:
        self.store = store
        self.pipeline = pipeline
        self.sandbox = sandbox
        self.hub = hub
        self.options = dict(options or {})
        self.job_timeout = job_timeout

    def run(self, claimed: ClaimedJob, cancel: CancelToken) -> None:
        """Run every remaining step of ``claimed``; record completion or failure."""
        job = claimed.job
        outputs: dict[str, dict[str, Any]] = {}
        done: list[str] = []
        for step in self.pipeline.steps:
            if step.name in claimed.steps_completed:
                outputs[step.name] = claimed.checkpoints.get(step.name, {})
                done.append(step.name)
        total = self.pipeline.total_weight
        deadline = time.monotonic() + self.job_timeout
        pending_checkpoint: tuple[str, dict[str, Any]] | None = None
        try:
            for step in self.pipeline.steps:
                if step.name in done:
                    continue
                if cancel.interrupted:
                    raise JobInterruptedError
                cancel.raise_if_cancelled()
                base = sum(s.weight for s in self.pipeline.steps if s.name in done) / total
                self.store.record_step(
                    claimed, step.status, step.name, base, done, checkpoint=pending_checkpoint
                )
                pending_checkpoint = None
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise DocProcError(
                        f"the job ran longer than its timeout ({self.job_timeout:g} s)",
                        category=ErrorCategory.TIMEOUT,
                    )
                if step.run is not None:
                    context = StepContext(
                        job_id=job.job_id,
                        file_path=job.file_path,
                        metadata=job.metadata,
                        outputs=outputs,
                        options=self.options,
                        cancel=cancel,
                        report=self._reporter(
                            claimed, step.status, step.name, base, step.weight / total, done
                        ),
                    )
                    output = step.run(context)
                else:
                    assert step.sandboxed is not None
                    if self.sandbox is None:
                        raise DocProcError(
                            "no sandbox for a sandboxed step", category=ErrorCategory.INTERNAL
                        )
                    output = self.sandbox.run(
                        step.sandboxed.function,
                        (job.file_path, self.options, outputs),
                        cancel=cancel,
                        timeout=remaining,
                    )
                output = output or {}
                outputs[step.name] = output
                done = [*done, step.name]
                if step.checkpoint and output:
                    pending_checkpoint = (step.name, output)
            result = outputs[self.pipeline.steps[-1].name] if self.pipeline.steps else {}
            saved_any = bool(claimed.checkpoints) or any(
                step.checkpoint and outputs.get(step.name) for step in self.pipeline.steps[:-1]
            )
            self.store.complete(claimed, result, done, drop_checkpoints=saved_any)
        except JobInterruptedError:
            raise
        except Exception as error:
            # Whatever a shutdown did to the step (killed its child, say) is not the
            # document's fault: the job goes back to the queue.
            if cancel.interrupted:
                raise JobInterruptedError from error
            self._fail(claimed, error)

    def _fail(self, claimed: ClaimedJob, error: Exception) -> None:
        """Record ``error`` as the job's categorised failure.

        A failure that may be retried is committed before this returns: the retry is in
        the queue before the worker looks for more work (the engine does not look in a
        queue it emptied until something becomes claimable). Other failures share the
        next group commit.
        """
        if isinstance(error, DocProcError):
            category, message = error.category, error.message
        elif isinstance(error, MemoryError):
            category, message = ErrorCategory.TOO_LARGE, "ran out of memory"
        elif isinstance(error, OSError):
            category, message = _categorise_os_error(error)
        else:  # a step's bug fails the job, not the app
            log.error("unexpected error for %s", claimed.job.file_path, exc_info=error)
            category, message = ErrorCategory.INTERNAL, f"{type(error).__name__}: {error}"
        recorded = self.store.fail(claimed, category, message)
        if not category.retryable:
            return
        try:
            recorded.result(timeout=RECORD_TIMEOUT_S)
        except Exception:  # a full disk, say: the job stays claimed and recovery requeues it
            log.exception("could not record the failure of %s", claimed.job.file_path)

    def _reporter(
        self,
        claimed: ClaimedJob,
        status: Any,
        step: str,
        base: float,
        share: float,
        done: list[str],
    ) -> Any:
        job = claimed.job

        def report(fraction: float, message: str) -> None:
            self.hub.publish_progress(
                JobChange.of_job(
                    "progress",
                    job,
                    status,
                    time.time(),
                    progress=base + share * min(max(fraction, 0.0), 1.0),
                    step=step,
                    done=tuple(done),
                    message=message,
                )
            )

        return report


def _categorise_os_error(error: OSError) -> tuple[ErrorCategory, str]:
    import errno

    if error.errno in (errno.ENOENT, errno.ENOTDIR):
        return ErrorCategory.NOT_FOUND, f"file not found: {error.filename or error}"
    if error.errno == errno.ENOSPC:
        return ErrorCategory.STORAGE_FULL, "no space left on the device"
    if error.errno in (errno.EACCES, errno.EPERM):
        return (
            ErrorCategory.NOT_FOUND,
            f"cannot read the file (permission denied): {error.filename}",
        )
    return ErrorCategory.TRANSIENT, f"I/O error: {error}"
