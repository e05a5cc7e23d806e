"""Effective priority: no job waits forever, whatever stream of urgent work arrives."""

from __future__ import annotations

import heapq

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from docproc_gui.domain import ProcessingPriority as P
from docproc_gui.store.priority import PriorityPolicy


@hypothesis_settings(max_examples=150, deadline=None)
@given(
    victim_priority=st.sampled_from(list(P)),
    victim_size=st.integers(min_value=0, max_value=2_000_000_000),
    arrivals_per_tick=st.integers(min_value=1, max_value=5),
    stream_priority=st.sampled_from([P.CRITICAL, P.HIGH]),
    stream_sizes=st.lists(st.integers(0, 50_000_000), min_size=1, max_size=8),
    preferred=st.floats(min_value=0, max_value=600),
    aging=st.floats(min_value=1, max_value=600),
)
def test_a_job_is_served_within_its_bound_under_a_steady_stream_of_urgent_work(
    victim_priority: P,
    victim_size: int,
    arrivals_per_tick: int,
    stream_priority: P,
    stream_sizes: list[int],
    preferred: float,
    aging: float,
) -> None:
    """The server takes one job per second; more urgent jobs arrive faster than that,
    forever. The victim must still be served by the bound the formula promises."""
    policy = PriorityPolicy(aging_seconds_per_level=aging, type_preferences={"pdf": preferred})
    queue: list[tuple[float, int, str]] = []
    sequence = 0
    victim_key = policy.sort_key(0.0, victim_priority, file_type="txt", file_size=victim_size)
    heapq.heappush(queue, (victim_key, sequence, "victim"))
    # Every job arriving after this moment has a larger key than the victim.
    bound = victim_key + policy.max_head_start
    tick = 0
    while True:
        tick += 1
        for index in range(arrivals_per_tick):
            sequence += 1
            size = stream_sizes[(tick + index) % len(stream_sizes)]
            key = policy.sort_key(float(tick), stream_priority, file_type="pdf", file_size=size)
            heapq.heappush(queue, (key, sequence, "urgent"))
        _key, _seq, name = heapq.heappop(queue)
        if name == "victim":
            break
        # Jobs with keys below the victim's arrive only until `bound`, at most
        # `arrivals_per_tick` a second: the victim is served after at most that many.
        assert tick <= (bound + 1) * arrivals_per_tick + 1, "the victim starved"


def test_retries_are_boosted_and_failures_penalised() -> None:
    policy = PriorityPolicy()
    fresh = policy.sort_key(100.0, P.NORMAL)
    assert policy.sort_key(100.0, P.NORMAL, failures=2) > fresh
    assert policy.sort_key(100.0, P.NORMAL, is_retry=True) < fresh


def test_backoff_grows_exponentially_up_to_the_cap() -> None:
    policy = PriorityPolicy(retry_backoff_base=2.0, retry_backoff_max=30.0)
    delays = [policy.retry_delay(n, jitter=0) for n in range(1, 7)]
    assert delays == [2.0, 4.0, 8.0, 16.0, 30.0, 30.0]
