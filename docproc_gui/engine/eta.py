"""ETA from measured durations, per file type and size (no constants).

After every finished job the estimator learns, per file type, an exponentially weighted
average of the processing time and of the file size. A new job's expected duration is
that average scaled by its size relative to the average size (clamped, since time does
not grow linearly with size for small files). Until a type has history, the average
over all types stands in; until anything has finished, there is no estimate (None).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

SMOOTHING = 0.2
MIN_SCALE, MAX_SCALE = 0.25, 8.0


@dataclass(slots=True)
class _Average:
    duration: float
    size: float
    samples: int = 1

    def update(self, duration: float, size: float) -> None:
        self.duration += SMOOTHING * (duration - self.duration)
        self.size += SMOOTHING * (size - self.size)
        self.samples += 1


class EtaEstimator:
    """Thread-safe online estimate of how long a job of a given type and size takes."""

    def __init__(self) -> None:
        self._by_type: dict[str, _Average] = {}
        self._overall: _Average | None = None
        self._lock = threading.Lock()

    def learn(self, file_type: str, size: int | None, duration: float) -> None:
        if duration < 0:
            return
        size_value = float(size or 0)
        with self._lock:
            average = self._by_type.get(file_type)
            if average is None:
                self._by_type[file_type] = _Average(duration, size_value)
            else:
                average.update(duration, size_value)
            if self._overall is None:
                self._overall = _Average(duration, size_value)
            else:
                self._overall.update(duration, size_value)

    def expected_duration(self, file_type: str, size: int | None) -> float | None:
        with self._lock:
            average = self._by_type.get(file_type) or self._overall
            if average is None:
                return None
            duration, typical_size = average.duration, average.size
        if size and typical_size > 0:
            scale = min(MAX_SCALE, max(MIN_SCALE, size / typical_size))
            return duration * scale
        return duration

    def remaining(
        self, file_type: str, size: int | None, progress: float, elapsed: float | None
    ) -> float | None:
        """Seconds left for a running job at ``progress`` after ``elapsed`` seconds."""
        expected = self.expected_duration(file_type, size)
        if expected is None:
            return None
        by_progress = expected * max(0.0, 1.0 - progress)
        if elapsed is None:
            return by_progress
        # A job that already ran longer than expected is not "0 s from done".
        return max(by_progress, (expected - elapsed), 0.0)
