"""The sandbox: heavy or risky steps run in child processes with a timeout and memory cap.

Built on pebble's ``ProcessPool`` with the ``spawn`` start method (forking a process that
already runs Qt and worker threads can deadlock the child). Each child caps its address
space with ``RLIMIT_AS`` so a hostile document raises ``MemoryError`` (or dies) instead
of taking the machine's memory; a step that runs past the job timeout, or whose job is
cancelled, has its child killed. Errors come back categorised.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
from collections.abc import Callable
from concurrent.futures import CancelledError
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pebble import ProcessExpired, ProcessPool

from docproc_gui.domain import (
    CancelToken,
    CorruptDocumentError,
    DocProcError,
    DocumentTooLargeError,
    ErrorCategory,
    JobCancelledError,
    StepTimeoutError,
)

log = logging.getLogger(__name__)
POLL_SECONDS = 0.05
TASKS_PER_CHILD = 500  # recycle children now and then: bounds slow leaks in C libraries


def _limit_child(memory_limit_mb: int) -> None:
    """Runs in each child before its first task."""
    try:
        import resource

        if memory_limit_mb > 0:
            limit = memory_limit_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):  # pragma: no cover - non-POSIX
        log.warning("could not set the memory limit in the sandbox")
    # The parent handles Ctrl+C; children just stop when told to.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    with contextlib.suppress(OSError):
        os.nice(5)


class Sandbox:
    """A pool of child processes that run module-level functions under limits."""

    def __init__(self, processes: int, memory_limit_mb: int, timeout: float) -> None:
        self.processes = max(1, processes)
        self.memory_limit_mb = memory_limit_mb
        self.timeout = timeout
        self._pool: ProcessPool | None = None

    @property
    def pool(self) -> ProcessPool:
        if self._pool is None:
            # Imported here: pebble brings asyncio and ssl, ~0.1 s of every start.
            from pebble import ProcessPool

            self._pool = ProcessPool(
                max_workers=self.processes,
                max_tasks=TASKS_PER_CHILD,
                initializer=_limit_child,
                initargs=(self.memory_limit_mb,),
                context=multiprocessing.get_context("spawn"),
            )
        return self._pool

    def warm_up(self) -> None:
        """Start the children now (spawning costs a moment) instead of at the first job."""
        futures = [self.pool.schedule(os.getpid) for _ in range(self.processes)]
        for future in futures:
            future.result(timeout=60)

    def run(
        self,
        function: Callable[..., dict[str, Any]],
        args: tuple[Any, ...],
        *,
        cancel: CancelToken | None = None,
        timeout: float | None = None,
    ) -> dict[str, Any]:
        """Run ``function(*args)`` in a child; raise a categorised :class:`DocProcError`.

        Blocks the calling (worker) thread, waking every 50 ms to honour ``cancel``.
        """
        limit = self.timeout if timeout is None else timeout
        future = self.pool.schedule(function, args=args, timeout=limit)
        while True:
            try:
                return future.result(timeout=POLL_SECONDS)
            except FutureTimeout as error:
                if future.done():  # pebble's own timeout fired and killed the child
                    raise StepTimeoutError(
                        f"the step ran longer than the job timeout ({limit:g} s) and was stopped"
                    ) from error
                if cancel is not None and cancel.cancelled:
                    future.cancel()  # pebble kills the child that runs it
                    raise JobCancelledError("cancelled by the user") from None
            except CancelledError:
                raise JobCancelledError("cancelled by the user") from None
            except DocProcError:
                raise
            except Exception as error:  # noqa: BLE001 - what the child raised, or how it died
                raise _categorised(error, self.memory_limit_mb) from None

    def close(self, *, kill: bool = False) -> None:
        if self._pool is None:
            return
        if kill:
            self._pool.stop()
        else:
            self._pool.close()
        self._pool.join(timeout=10)
        self._pool = None


def _categorised(error: Exception, memory_limit_mb: int) -> DocProcError:
    from pebble import ProcessExpired

    if isinstance(error, ProcessExpired):
        return _expired(error, memory_limit_mb)
    if isinstance(error, MemoryError):
        return DocumentTooLargeError(
            f"processing needed more than the {memory_limit_mb} MB memory limit"
        )
    return DocProcError(f"{type(error).__name__}: {error}", category=ErrorCategory.INTERNAL)


def _expired(error: ProcessExpired, memory_limit_mb: int) -> DocProcError:
    code = error.exitcode
    if code == -signal.SIGKILL:
        return DocumentTooLargeError(
            f"the processing child was killed (probably over the {memory_limit_mb} MB memory limit)"
        )
    reason = f"signal {-code}" if code is not None and code < 0 else f"exit code {code}"
    return CorruptDocumentError(
        f"the processing child crashed ({reason}); the file is likely damaged"
    )
