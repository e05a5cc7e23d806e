"""The breakdowns the statistics tab plots: recent durations, jobs by type and category.

All of it comes from the engine's statistics snapshot (one cached query set a second);
this module only picks out what the charts need. Runs on a pool thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(slots=True)
class Breakdown:
    durations: list[float] = field(default_factory=list)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # type -> status -> n
    by_category: dict[str, int] = field(default_factory=dict)


def load_breakdown(processor: Any) -> Breakdown:
    """Runs on a pool thread."""
    stats = processor.statistics()
    return Breakdown(
        durations=list(stats.recent_durations),
        by_type={kind: dict(counts) for kind, counts in stats.by_type.items()},
        by_category=dict(stats.by_category),
    )
