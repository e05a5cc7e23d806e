"""Running blocking calls off the GUI thread and getting the answer back on it.

One named hand-off (like Anki's ``taskman``): :meth:`TaskRunner.submit` runs a function
on a small private ``QThreadPool`` and calls ``on_done(result)`` or ``on_error(exc)`` on
the GUI thread. The QRunnable *holds* a QObject of signals created on the GUI thread, so
the result crosses threads as a queued signal. ``synchronous=True`` runs inline (tests).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

log = logging.getLogger(__name__)
Done = Callable[[Any], None]
Failed = Callable[[BaseException], None]


class Relay(QObject):
    """Lives on the GUI thread; the worker emits, the GUI thread receives."""

    done = Signal(object)
    failed = Signal(object)


class Task(QRunnable):
    def __init__(self, function: Callable[[], Any], relay: Relay) -> None:
        super().__init__()
        self._function = function
        self._relay = relay

    def run(self) -> None:
        """Runs on a pool thread."""
        try:
            result = self._function()
        except BaseException as error:  # noqa: BLE001 - handed to the GUI thread
            outcome, signal_name = error, "failed"
        else:
            outcome, signal_name = result, "done"
        try:
            getattr(self._relay, signal_name).emit(outcome)
        except RuntimeError:  # the receiver was deleted meanwhile (window closed)
            log.debug("background task finished after its receiver was deleted")


class TaskRunner(QObject):
    """Submit blocking work; receive its result on the GUI thread."""

    def __init__(
        self, threads: int = 2, *, synchronous: bool = False, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.synchronous = synchronous
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(threads)
        self._relays: set[Relay] = set()
        self.closed = False

    def submit(
        self,
        function: Callable[[], Any],
        on_done: Done | None = None,
        on_error: Failed | None = None,
    ) -> None:
        if self.synchronous:
            try:
                result = function()
            except Exception as error:  # noqa: BLE001 - same contract as the async path
                self._report(error, on_error)
            else:
                if on_done is not None:
                    on_done(result)
            return
        if self.closed:
            return
        relay = Relay(self)
        self._relays.add(relay)

        @Slot(object)
        def finished(result: object) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if self.closed:
                return
            if on_done is not None:
                on_done(result)

        @Slot(object)
        def failed(error: object) -> None:
            self._relays.discard(relay)
            relay.deleteLater()
            if self.closed:
                return
            assert isinstance(error, BaseException)
            self._report(error, on_error)

        relay.done.connect(finished)
        relay.failed.connect(failed)
        self.pool.start(Task(function, relay))

    @property
    def busy(self) -> bool:
        return bool(self._relays)

    def wait(self, timeout_ms: int = 30_000) -> bool:
        return self.pool.waitForDone(timeout_ms)

    def close(self, timeout_ms: int = 10_000) -> bool:
        """Take no more work, drop results not yet delivered, wait for running tasks."""
        self.closed = True
        return self.pool.waitForDone(timeout_ms)

    @staticmethod
    def _report(error: BaseException, on_error: Failed | None) -> None:
        if on_error is not None:
            on_error(error)
        else:
            log.error("background task failed", exc_info=error)
