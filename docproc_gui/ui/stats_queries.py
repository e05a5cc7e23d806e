"""Statistics the engine's snapshot does not carry yet: durations and breakdowns.

Read-only SQL on the store's reader engine plus the knowledge base's facets; runs on a
pool thread. (A small adapter: the engine owner has been asked to fold these into
``QueueStatistics``.)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DURATION_SAMPLE = 1000


@dataclass(slots=True)
class Breakdown:
    durations: list[float] = field(default_factory=list)
    by_type: dict[str, dict[str, int]] = field(default_factory=dict)  # type -> status -> n
    by_category: dict[str, int] = field(default_factory=dict)


def load_breakdown(processor: Any) -> Breakdown:
    """Runs on a pool thread."""
    breakdown = Breakdown()
    engine = processor.store.database.read_engine
    with engine.connect() as connection:
        breakdown.durations = [
            float(row[0])
            for row in connection.exec_driver_sql(
                "SELECT completed_at - started_at FROM jobs INDEXED BY ix_jobs_completed_at "
                "WHERE completed_at IS NOT NULL AND status = 'COMPLETED' "
                "ORDER BY completed_at DESC LIMIT ?",
                (DURATION_SAMPLE,),
            )
            if row[0] is not None
        ]
        for file_type, status, number in connection.exec_driver_sql(
            "SELECT file_type, status, count(*) FROM jobs GROUP BY file_type, status"
        ):
            breakdown.by_type.setdefault(file_type or "?", {})[status] = int(number)
    knowledge = processor.knowledge
    if knowledge is not None:
        breakdown.by_category = dict(knowledge.facets().get("category", {}))
    return breakdown
