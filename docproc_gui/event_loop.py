"""The asyncio loop on Qt's event loop: qasync, with batched callbacks and one epoll.

qasync runs every ``call_soon`` callback through its own zero-delay Qt timer (start the
timer, dispatch a timer event into Python, kill the timer), and every
``call_soon_threadsafe`` through a queued signal that then does the same. One HTTP request
takes a handful of such callbacks, so under load most of the loop's time went to timers,
not to the work (profiled with ``py-spy --gil`` under ``benchmarks/api_throughput.py``).

:class:`BatchingQEventLoop` keeps qasync for everything else (timers with a delay,
executors, running and stopping with the Qt application) and gives callbacks a ready
queue, as asyncio's own loops have: ``call_soon`` appends to it, and one zero-delay Qt
timer runs every callback that was ready when it fired, then, in rounds, the callbacks
those made ready, for up to :data:`BATCH_BUDGET_S`; what is left runs in the next batch,
after Qt has handled its own events (painting, input), so a busy server cannot starve the
window. (A request resumed by a thread's result takes three such rounds: the result
arrives, the future resolves, the handler's task resumes; each used to cost a Qt event
loop iteration of its own.) Callbacks from other threads (and signal handlers) go
into an inbox, and only the first of a burst posts a wake-up to the loop's thread.

Sockets: qasync gives every file descriptor a ``QSocketNotifier`` of its own, and each
readiness then costs a Qt activation, a signal into Python, disabling the notifier, a
zero-delay timer for the callback and enabling it again. Where the system has epoll, this
loop registers the descriptors in one epoll set instead, as asyncio's own loop does, and
Qt watches that set's single descriptor: one activation collects every ready socket and
runs their callbacks in the same batch. Elsewhere qasync's notifiers remain.

Measured with ``benchmarks/api_throughput.py --client ab --trivial``: 4,797 requests/s on
qasync's own loop, 6,234 with batched callbacks; batched callbacks then 4,035-4,243
against 4,485-5,037 with the epoll set (a slower day, interleaved runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import os
import select
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable
from typing import Any

import qasync
from PySide6.QtCore import QCoreApplication, QObject, QSocketNotifier, Qt, Signal

# How long one batch may keep running the callbacks that its own callbacks made ready
# (a future resolved, the task awaiting it resumed, its response written) before Qt
# gets its turn.
BATCH_BUDGET_S = 0.002


HAS_EPOLL = hasattr(select, "epoll")
_READ, _WRITE = 0, 1


class _FdWatch:
    """One descriptor in the epoll set: its reader and writer, and which of them is busy.

    The loop queues the watch's own dispatch handle, not the callback's. A side is busy
    from being queued until its callback has returned: a nested Qt loop (a modal dialog
    opened by a callback) that polls again meanwhile neither queues it twice nor runs it
    inside itself; it takes the descriptor out of the set until the callback returns, so
    that the unread data does not wake Qt over and over.
    """

    __slots__ = ("busy", "callbacks", "dispatch", "fd", "fileobj", "loop", "muted")

    def __init__(self, loop: BatchingQEventLoop, fd: int, fileobj: Any) -> None:
        self.loop = loop
        self.fd = fd
        self.fileobj = fileobj  # to find it again once closed (its fileno() is then -1)
        self.callbacks: list[asyncio.Handle | None] = [None, None]
        self.busy = [False, False]
        self.muted = False
        self.dispatch = (
            asyncio.Handle(self._run, (_READ,), loop),
            asyncio.Handle(self._run, (_WRITE,), loop),
        )

    def _run(self, side: int) -> None:
        handle = self.callbacks[side]
        try:
            if handle is not None and not handle._cancelled:
                handle._run()
        finally:
            self.busy[side] = False
            if self.muted and not any(self.busy):
                self.loop._unmute(self)

    def mask(self) -> int:
        reader, writer = self.callbacks
        return (select.EPOLLIN if reader is not None else 0) | (
            select.EPOLLOUT if writer is not None else 0
        )


_LOOPS_WITH_EPOLL: weakref.WeakSet[BatchingQEventLoop] = weakref.WeakSet()


def _forget_epoll_in_child() -> None:
    """A forked child shares the parent's epoll set: changing it would change the
    parent's. The child's loops leave it alone (their own copy of the descriptor is
    closed with them)."""
    for loop in list(_LOOPS_WITH_EPOLL):
        loop._epoll_shared = True


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_epoll_in_child)


class _Waker(QObject):
    """Carries a wake-up from any thread to the loop's thread (a queued connection)."""

    wake = Signal()


class BatchingQEventLoop(qasync.QEventLoop):
    """A qasync loop whose ready callbacks run in batches (see the module's docstring)."""

    def __init__(
        self, app: QCoreApplication | None = None, *, use_epoll: bool = HAS_EPOLL, **kwargs: Any
    ) -> None:
        self._ready: deque[asyncio.Handle] = deque()
        self._batch_scheduled = False
        self._inbox: deque[asyncio.Handle] = deque()
        self._wake_posted = False
        self._owner = threading.get_ident()
        # Before qasync's __init__: asyncio registers its self-pipe in there.
        self._watches: dict[int, _FdWatch] = {}
        self._epoll = select.epoll() if use_epoll else None
        self._epoll_shared = False  # set in a forked child: see _forget_epoll_in_child
        self._epoll_notifier: QSocketNotifier | None = None
        super().__init__(app, **kwargs)
        self._waker = _Waker()
        self._waker.wake.connect(self._take_inbox, Qt.ConnectionType.QueuedConnection)
        if self._epoll is not None:
            _LOOPS_WITH_EPOLL.add(self)
            self._epoll_notifier = QSocketNotifier(self._epoll.fileno(), QSocketNotifier.Type.Read)
            self._epoll_notifier.activated.connect(self._on_epoll_ready)

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
        self._run_ready()

    def _run_ready(self) -> None:
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

    # ------------------------------------------------------------------ file descriptors
    # asyncio's selector loop calls these for every socket, its self-pipe included.

    def _add_reader(self, fd: Any, callback: Callable[..., object], *args: Any) -> Any:
        if self._epoll is None:
            return super()._add_reader(fd, callback, *args)
        return self._watch(fd, _READ, callback, args)

    def _add_writer(self, fd: Any, callback: Callable[..., object], *args: Any) -> Any:
        if self._epoll is None:
            return super()._add_writer(fd, callback, *args)
        return self._watch(fd, _WRITE, callback, args)

    def _remove_reader(self, fd: Any) -> bool:
        if self._epoll is None:
            return bool(super()._remove_reader(fd))
        return self._unwatch(fd, _READ)

    def _remove_writer(self, fd: Any) -> bool:
        if self._epoll is None:
            return bool(super()._remove_writer(fd))
        return self._unwatch(fd, _WRITE)

    def _watch(
        self, fd: Any, side: int, callback: Callable[..., object], args: tuple[Any, ...]
    ) -> asyncio.Handle:
        self._check_closed()
        assert self._epoll is not None
        fileobj, fd = fd, qasync._fileno(fd)
        handle = asyncio.Handle(callback, args, self, None)
        watch = self._watches.get(fd)
        fresh = watch is None
        if watch is None:
            watch = self._watches[fd] = _FdWatch(self, fd, fileobj)
        previous = watch.callbacks[side]
        watch.callbacks[side] = handle
        if not watch.muted:
            try:
                self._set_mask(fd, watch.mask())
            except OSError:  # epoll refuses it (a regular file): as asyncio, raise
                watch.callbacks[side] = previous
                if fresh:
                    del self._watches[fd]
                raise
        if previous is not None:
            previous.cancel()
        return handle

    def _unwatch(self, fd: Any, side: int) -> bool:
        if self.is_closed():
            return False
        assert self._epoll is not None
        watch = self._find_watch(fd)
        handle = watch.callbacks[side] if watch is not None else None
        if watch is None or handle is None:
            return False
        watch.callbacks[side] = None
        mask = watch.mask()
        if not mask:
            del self._watches[watch.fd]
        if not watch.muted and not self._epoll_shared:
            # OSError: the descriptor was closed first, and epoll forgot it already.
            with contextlib.suppress(OSError):
                if mask:
                    self._epoll.modify(watch.fd, mask)
                else:
                    self._epoll.unregister(watch.fd)
        handle.cancel()
        return True

    def _find_watch(self, fileobj: Any) -> _FdWatch | None:
        """The watch of a descriptor or file object; a closed socket (whose fileno() is
        -1 now) is found by the object itself, as asyncio's selectors do."""
        try:
            fd = qasync._fileno(fileobj)
        except ValueError:
            fd = -1
        if fd >= 0:
            return self._watches.get(fd)
        for watch in self._watches.values():
            if watch.fileobj is fileobj:
                return watch
        return None

    def _set_mask(self, fd: int, mask: int) -> None:
        assert self._epoll is not None
        if self._epoll_shared:
            return
        try:
            self._epoll.modify(fd, mask)
        except FileNotFoundError:  # new here, or closed and its number reused since
            self._epoll.register(fd, mask)

    def _mute(self, watch: _FdWatch) -> None:
        assert self._epoll is not None
        watch.muted = True
        if not self._epoll_shared:
            with contextlib.suppress(OSError):
                self._epoll.unregister(watch.fd)

    def _unmute(self, watch: _FdWatch) -> None:
        watch.muted = False
        if self._watches.get(watch.fd) is watch and not self.is_closed():
            with contextlib.suppress(OSError):  # closed by its own callback meanwhile
                self._set_mask(watch.fd, watch.mask())

    def _on_epoll_ready(self) -> None:
        assert self._epoll is not None
        try:
            events = self._epoll.poll(0)
        except (InterruptedError, ValueError):  # ValueError: closed meanwhile
            return
        ready, watches = self._ready, self._watches
        for fd, mask in events:
            watch = watches.get(fd)
            if watch is None:
                continue
            reader, writer = watch.callbacks
            # As asyncio's selectors: an error or hang-up wakes the reader and the writer.
            wake_reader = reader is not None and mask & ~select.EPOLLOUT
            wake_writer = writer is not None and mask & ~select.EPOLLIN
            busy = watch.busy
            if (wake_reader and busy[_READ]) or (wake_writer and busy[_WRITE]):
                self._mute(watch)  # a nested Qt loop; see _FdWatch
                continue
            if wake_reader:
                busy[_READ] = True
                ready.append(watch.dispatch[_READ])
            if wake_writer:
                busy[_WRITE] = True
                ready.append(watch.dispatch[_WRITE])
        # Now rather than in a later batch: epoll is level-triggered, so until these
        # callbacks have read (or written) Qt would report the same readiness again.
        self._run_ready()

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
        if self.is_closed():
            return
        super().close()
        self._ready.clear()
        if self._epoll_notifier is not None:
            self._epoll_notifier.setEnabled(False)
            self._epoll_notifier.activated.disconnect(self._on_epoll_ready)
        if self._epoll is not None:
            self._watches.clear()
            self._epoll.close()
        with contextlib.suppress(RuntimeError, TypeError):  # already disconnected
            self._waker.wake.disconnect(self._take_inbox)
