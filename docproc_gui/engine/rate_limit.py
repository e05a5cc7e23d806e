"""An optional throughput limit (jobs per minute) as a token bucket. Thread-safe.

Small enough that a dependency would cost more than it saves; it only paces claims.
"""

from __future__ import annotations

import threading
import time


class ThroughputLimiter:
    """Hands out at most ``per_minute`` permits a minute, in bursts of up to one second's worth."""

    def __init__(self, per_minute: float) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._capacity = max(1.0, self._rate)
        self._tokens = self._capacity
        self._updated = time.monotonic()
        self._lock = threading.Lock()

    @property
    def unlimited(self) -> bool:
        return self.per_minute <= 0

    def delay(self) -> float:
        """Take a permit; return how long the caller must wait before using it."""
        if self.unlimited:
            return 0.0
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self._capacity, self._tokens + (now - self._updated) * self._rate)
            self._updated = now
            self._tokens -= 1.0
            return 0.0 if self._tokens >= 0 else -self._tokens / self._rate
