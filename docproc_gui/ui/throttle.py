"""Throttle: call a slot at most every so often with the latest arguments.

Some widgets repaint synchronously when told a new value (``QProgressBar.setValue``
repaints at once when its text changes, about 10 ms under load). Progress that arrives
faster than a person can read it goes through a throttle: the first call runs at once,
later ones within the interval are merged, and the last one always runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QTimer


class Throttle(QObject):
    """Calls ``slot`` with the latest arguments, at most once per ``interval_ms``."""

    def __init__(
        self, slot: Callable[..., None], interval_ms: int, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._slot = slot
        self._latest: tuple[Any, ...] | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._release)

    def call(self, *args: Any) -> None:
        """Connect signals to this bound method: it runs in this object's thread."""
        if self._timer.isActive():
            self._latest = args  # merged: the timer delivers the latest
            return
        self._slot(*args)
        self._timer.start()

    def cancel(self) -> None:
        """Drop a pending call (what it would show is no longer wanted)."""
        self._latest = None
        self._timer.stop()

    def _release(self) -> None:
        args, self._latest = self._latest, None
        if args is not None:
            self._slot(*args)
            self._timer.start()
