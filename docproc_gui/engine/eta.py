"""ETA from measured durations, per file type and size (no constants).

After every finished job the estimator learns, per file type, an exponentially weighted
average of the processing time and of the file size. A new job's expected duration is
that average scaled by its size relative to the average size (clamped, since time does
not grow linearly with size for small files). Until a type has history, the average
over all types stands in; until anything has finished, there is no estimate (None).
"""

from __future__ import annotations

import threading

SMOOTHING = 0.2
MIN_SCALE, MAX_SCALE = 0.25, 8.0


class EtaEstimator:
    """Online estimate of how long a job of a given type and size takes.

    Learning takes a lock; reading does not: each type's average is an immutable tuple
    replaced whole, so a reader sees an old or a new one, never half of each.
    """

    def __init__(self) -> None:
        self._by_type: dict[str, tuple[float, float]] = {}  # type -> (duration, size)
        self._overall: tuple[float, float] | None = None
        self._lock = threading.Lock()

    def learn(self, file_type: str, size: int | None, duration: float) -> None:
        if duration < 0:
            return
        size_value = float(size or 0)
        with self._lock:
            self._by_type[file_type] = _smoothed(self._by_type.get(file_type), duration, size_value)
            self._overall = _smoothed(self._overall, duration, size_value)

    def expected_duration(self, file_type: str, size: int | None) -> float | None:
        average = self._by_type.get(file_type) or self._overall
        if average is None:
            return None
        duration, typical_size = average
        if size and typical_size > 0:
            return duration * min(MAX_SCALE, max(MIN_SCALE, size / typical_size))
        return duration

    def remaining(
        self, file_type: str, size: int | None, progress: float, elapsed: float | None
    ) -> float | None:
        """Seconds left for a running job at ``progress`` after ``elapsed`` seconds."""
        expected = self.expected_duration(file_type, size)
        if expected is None:
            return None
        by_progress = expected * (1.0 - progress) if progress < 1.0 else 0.0
        if elapsed is None:
            return by_progress
        # Whichever says longer: the share of work left, or the expected time not yet
        # spent (a step that reports no progress still counts down).
        return max(by_progress, expected - elapsed, 0.0)


def _smoothed(
    average: tuple[float, float] | None, duration: float, size: float
) -> tuple[float, float]:
    if average is None:
        return (duration, size)
    return (
        average[0] + SMOOTHING * (duration - average[0]),
        average[1] + SMOOTHING * (size - average[1]),
    )
