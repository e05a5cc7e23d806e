"""Effective priority: the order in which waiting jobs are claimed.

Every waiting job carries a *virtual deadline* ``sort_key`` (seconds since the epoch);
the queue hands out the smallest key first, ties broken by submission order (FIFO)::

    sort_key = enqueued_at
             + priority_level   * aging_seconds_per_level      # CRITICAL 0 ... BACKGROUND 4
             + failures         * failure_penalty_seconds      # each failed attempt
             - (retry_boost_seconds if this is a retry else 0)
             - type_preferences.get(file_type, 0)              # user-preferred types earlier
             + min(size_mb * size_penalty_seconds_per_mb, size_penalty_max_seconds)

Why a deadline and not a priority number: a BACKGROUND job submitted at ``t`` has the key
``t + 4 * aging``; every job submitted after ``t + 4 * aging + retry_boost + max(type
preference)`` gets a larger key, whatever its priority. So however steady the stream of
CRITICAL work, the BACKGROUND job waits at most for the finite set of jobs with smaller
keys: age promotes it, nothing starves. The key is fixed at enqueue time, so a single
partial index orders the queue and claiming costs O(log n), independent of history.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from docproc_gui.config import Settings
from docproc_gui.domain import ProcessingPriority

MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class PriorityPolicy:
    """The tunables of the formula above (taken from :class:`Settings`)."""

    aging_seconds_per_level: float = 300.0
    failure_penalty_seconds: float = 60.0
    retry_boost_seconds: float = 120.0
    size_penalty_seconds_per_mb: float = 0.5
    size_penalty_max_seconds: float = 600.0
    type_preferences: dict[str, float] = field(default_factory=dict)
    retry_backoff_base: float = 2.0
    retry_backoff_max: float = 300.0

    @classmethod
    def from_settings(cls, settings: Settings) -> PriorityPolicy:
        return cls(
            aging_seconds_per_level=settings.aging_seconds_per_level,
            failure_penalty_seconds=settings.failure_penalty_seconds,
            retry_boost_seconds=settings.retry_boost_seconds,
            size_penalty_seconds_per_mb=settings.size_penalty_seconds_per_mb,
            size_penalty_max_seconds=settings.size_penalty_max_seconds,
            type_preferences=dict(settings.type_preferences),
            retry_backoff_base=settings.retry_backoff_base,
            retry_backoff_max=settings.retry_backoff_max,
        )

    def sort_key(
        self,
        enqueued_at: float,
        priority: ProcessingPriority | int,
        *,
        failures: int = 0,
        is_retry: bool = False,
        file_type: str = "",
        file_size: int | None = None,
    ) -> float:
        """The virtual deadline of a job (see the module docstring)."""
        key = enqueued_at + int(priority) * self.aging_seconds_per_level
        key += failures * self.failure_penalty_seconds
        if is_retry:
            key -= self.retry_boost_seconds
        key -= self.type_preferences.get(file_type, 0.0)
        if file_size:
            key += min(
                file_size / MB * self.size_penalty_seconds_per_mb, self.size_penalty_max_seconds
            )
        return key

    @property
    def max_head_start(self) -> float:
        """The most any job can be moved ahead of its enqueue time by boosts."""
        preferred = max([0.0, *self.type_preferences.values()])
        return self.retry_boost_seconds + preferred

    def retry_delay(self, retry_number: int, *, jitter: float = 0.1) -> float:
        """Exponential backoff before retry ``retry_number`` (1-based), capped, ±10 % jitter."""
        delay = min(self.retry_backoff_base * 2 ** max(0, retry_number - 1), self.retry_backoff_max)
        if jitter:
            delay *= 1.0 + random.uniform(-jitter, jitter)  # noqa: S311 - not cryptographic
        return delay
