"""The asyncio loop on Qt's event loop: qasync, with one Qt timer per batch of callbacks.

qasync runs every ``call_soon`` callback through its own zero-delay Qt timer (start the
timer, dispatch a timer event into Python, kill the timer), and every
``call_soon_threadsafe`` through a queued signal that then does the same. One HTTP request
takes a handful of such callbacks, so under load most of the loop's time went to timers,
not to the work (profiled with ``py-spy --gil`` under ``benchmarks/api_throughput.py``).

:class:`BatchingQEventLoop` keeps qasync for everything else (sockets, timers with a
delay, executors, running and stopping with the Qt application) and gives callbacks a
ready queue, as asyncio's own loops have: ``call_soon`` appends to it, and one zero-delay
Qt timer runs every callback that was ready when it fired, then, in rounds, the callbacks
those made ready, for up to :data:`BATCH_BUDGET_S`; what is left runs in the next batch,
after Qt has handled its own events (painting, input), so a busy server cannot starve the
window. (A request resumed by a thread's result takes three such rounds: the result
arrives, the future resolves, the handler's task resumes; each used to cost a Qt event
loop iteration of its own.) Callbacks from other threads (and signal handlers) go
into an inbox, and only the first of a burst posts a wake-up to the loop's thread.

Measured with ``benchmarks/api_throughput.py --client ab --trivial``: 4,797 requests/s on
qasync's own loop, 6,234 on this one.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QObject, Qt, Signal

# How long one batch may keep running the callbacks that its own callbacks made ready
# (a future resolved, the task awaiting it resumed, its response written) before Qt
# gets its turn.
BATCH_BUDGET_S = 0.002


class _Waker(QObject):
    """Carries a wake-up from any thread to the loop's thread (a queued connection)."""

    wake = Signal()


class BatchingQEventLoop(qasync.QEventLoop):
    """A qasync loop whose ready callbacks run in batches (see the module's docstring)."""

    def __init__(self, app: QCoreApplication | None = None, **kwargs: Any) -> None:
        self._ready: deque[asyncio.Handle] = deque()
        self._batch_scheduled = False
        self._inbox: deque[asyncio.Handle] = deque()
        self._wake_posted = False
        self._owner = threading.get_ident()
        super().__init__(app, **kwargs)
        self._waker = _Waker()
        self._waker.wake.connect(self._take_inbox, Qt.ConnectionType.QueuedConnection)

    # ------------------------------------------------------------------ this thread

    def call_soon(
        self,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        self._check_closed()
        if self._debug:
            self._check_callback(callback, "call_soon")
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready.append(handle)
        # Also while a batch runs: its next round would take the handle, but a callback
        # may yet enter a nested Qt loop (a modal dialog) that needs a batch of its own.
        if not self._batch_scheduled:
            self._schedule_batch()
        return handle

    def call_later(
        self,
        delay: float,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if delay <= 0:
            return self.call_soon(callback, *args, context=context)
        return super().call_later(delay, callback, *args, context=context)

    def _schedule_batch(self) -> None:
        self._batch_scheduled = True
        # qasync's own zero-delay timer, so that closing the loop stops it as before.
        self._timer.add_callback(asyncio.Handle(self._run_batch, (), self), 0)

    def _run_batch(self) -> None:
        self._batch_scheduled = False
        ready = self._ready
        deadline = time.perf_counter() + BATCH_BUDGET_S
        try:
            while ready:
                # One round: the callbacks ready now. "and ready": a callback that runs
                # a nested Qt event loop (a modal dialog) lets later batches take handles
                # that were counted here.
                left = len(ready)
                while left and ready:
                    left -= 1
                    handle = ready.popleft()
                    if not handle._cancelled:
                        handle._run()
                if time.perf_counter() >= deadline or not self.is_running():
                    break  # Qt's turn (or the loop was stopped); the rest runs next batch
        finally:  # whatever a callback raised, what is ready still runs
            if ready and not self._batch_scheduled and not self.is_closed():
                self._schedule_batch()

    # ------------------------------------------------------------------ other threads

    def call_soon_threadsafe(
        self,
        callback: Callable[..., object],
        *args: Any,
        context: contextvars.Context | None = None,
    ) -> asyncio.Handle:
        if threading.get_ident() == self._owner and not self.is_closed():
            # The loop's own thread (a signal handler, say): keep FIFO with call_soon.
            return self.call_soon(callback, *args, context=context)
        # No lock: deque.append is atomic, and the flag is cleared before the inbox is
        # emptied, so a handle is either taken by the running _take_inbox or followed by
        # a fresh wake-up (at worst one wake-up too many).
        handle = asyncio.Handle(callback, args, self, context=context)
        self._inbox.append(handle)
        if not self._wake_posted:
            self._wake_posted = True
            self._waker.wake.emit()
        return handle

    def _take_inbox(self) -> None:
        self._wake_posted = False
        inbox, ready = self._inbox, self._ready
        while inbox:
            ready.append(inbox.popleft())
        if self.is_closed():
            ready.clear()
            return
        if ready and not self._batch_scheduled:
            self._schedule_batch()

    def close(self) -> None:
        super().close()
        self._ready.clear()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self._waker.wake.disconnect(self._take_inbox)
