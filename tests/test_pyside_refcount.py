"""Regression guard for PySide6 6.12.0 on Python 3.11: void Qt calls must not eat `None`.

6.12.0 drops one reference to ``None`` per call of almost any Qt method that returns
nothing; on 3.11 (where None is not immortal) the process aborts with
``Fatal Python error: none_dealloc`` after a few thousand calls. pyproject pins PySide6
below 6.12; these tests fail if a future bump brings the bug back.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any

import pytest
from PySide6.QtCore import QObject, QTimer

CALLS = 1000


def test_void_qt_calls_leave_the_refcount_of_none_alone(qapp: Any) -> None:
    holder = QObject()
    timer = QTimer()
    before = sys.getrefcount(None)
    for index in range(CALLS):
        holder.setObjectName(f"holder-{index % 3}")
        timer.start(1000)
        timer.stop()
        holder.blockSignals(False)
    after = sys.getrefcount(None)
    # A leaking build loses about 4 * CALLS references here; a clean one stays within noise.
    assert abs(after - before) < 50, f"None lost {before - after} references"


@pytest.mark.slow
def test_a_qasync_loop_survives_a_million_iterations(qapp: Any) -> None:
    import qasync

    loop = qasync.QEventLoop(qapp)
    iterations = 1_000_000

    async def spin() -> int:
        count = 0
        for _ in range(iterations):
            await asyncio.sleep(0)
            count += 1
        return count

    try:
        before = sys.getrefcount(None)
        assert loop.run_until_complete(spin()) == iterations
        assert abs(sys.getrefcount(None) - before) < 1000
    finally:
        loop.close()
