"""Throttle: the first call at once, the latest of a burst once later, nothing after cancel."""

from __future__ import annotations

import threading
from typing import Any

from PySide6.QtCore import QObject, Signal

from docproc_gui.ui.throttle import Throttle


def test_a_burst_gives_the_first_at_once_and_the_latest_once(qtbot: Any) -> None:
    seen: list[tuple[int, int]] = []
    throttle = Throttle(lambda queued, found: seen.append((queued, found)), 50)
    throttle.call(1, 10)
    assert seen == [(1, 10)]
    for queued in range(2, 6):
        throttle.call(queued, 10)
    assert seen == [(1, 10)]  # merged while the interval runs
    qtbot.waitUntil(lambda: len(seen) == 2, timeout=2_000)
    assert seen == [(1, 10), (5, 10)]
    qtbot.wait(120)  # nothing more is pending
    assert seen == [(1, 10), (5, 10)]


def test_cancel_drops_the_pending_call(qtbot: Any) -> None:
    seen: list[int] = []
    throttle = Throttle(seen.append, 30)
    throttle.call(1)
    throttle.call(2)
    throttle.cancel()
    qtbot.wait(100)
    assert seen == [1]
    throttle.call(3)  # after a cancel the next call runs at once
    assert seen == [1, 3]


class Emitter(QObject):
    progressed = Signal(int, int)


def test_signals_from_a_worker_thread_arrive_on_the_throttles_thread(qtbot: Any) -> None:
    threads: list[threading.Thread] = []
    throttle = Throttle(lambda *_: threads.append(threading.current_thread()), 20)
    emitter = Emitter()
    emitter.progressed.connect(throttle.call)
    worker = threading.Thread(target=lambda: emitter.progressed.emit(1, 2))
    worker.start()
    worker.join()
    qtbot.waitUntil(lambda: bool(threads), timeout=2_000)
    assert threads == [threading.main_thread()]
