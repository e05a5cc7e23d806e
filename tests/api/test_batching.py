"""SubmitBatcher: concurrent submissions share groups, groups overlap, errors stay apart."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from docproc_gui.api.batching import SubmitBatcher


@pytest.fixture
def executor() -> Any:
    with ThreadPoolExecutor(4) as pool:
        yield pool


def run(coroutine: Any) -> Any:
    return asyncio.run(asyncio.wait_for(coroutine, 10))


def test_requests_arriving_during_a_commit_share_the_next_group(executor: Any) -> None:
    release = threading.Event()
    groups: list[list[int]] = []

    def work(items: list[int]) -> list[int | BaseException]:
        groups.append(items)
        if len(groups) == 1:
            release.wait(5)  # the first group "commits" slowly
        return [item * 10 for item in items]

    async def main() -> list[int]:
        batcher = SubmitBatcher(executor, work)
        first = asyncio.ensure_future(batcher.submit(0))
        await asyncio.sleep(0.05)
        rest = [asyncio.ensure_future(batcher.submit(n)) for n in range(1, 21)]
        await asyncio.sleep(0.05)
        release.set()
        return [await first, *[await item for item in rest]]

    assert run(main()) == [n * 10 for n in range(21)]
    assert groups == [[0], list(range(1, 21))]


def test_two_groups_are_in_flight_at_once(executor: Any) -> None:
    both_running = threading.Barrier(2, timeout=5)  # breaks unless two groups overlap

    def work(items: list[str]) -> list[str | BaseException]:
        both_running.wait()
        return [item.upper() for item in items]

    async def main() -> list[str]:
        batcher = SubmitBatcher(executor, work, max_in_flight=2)
        first = asyncio.ensure_future(batcher.submit("a"))
        await asyncio.sleep(0.05)  # the first group is waiting at the barrier
        second = asyncio.ensure_future(batcher.submit("b"))
        return [await first, await second]

    assert run(main()) == ["A", "B"]


def test_one_at_a_time_when_asked(executor: Any) -> None:
    running = 0
    most = 0
    lock = threading.Lock()

    def work(items: list[int]) -> list[int | BaseException]:
        nonlocal running, most
        with lock:
            running += 1
            most = max(most, running)
        threading.Event().wait(0.01)
        with lock:
            running -= 1
        return items

    async def main() -> list[int]:
        batcher = SubmitBatcher(executor, work, max_in_flight=1)
        results = []
        for wave in range(5):
            results += await asyncio.gather(*(batcher.submit(wave * 10 + n) for n in range(3)))
        return results

    assert len(run(main())) == 15
    assert most == 1


def test_each_request_gets_its_own_error_and_a_broken_group_fails_all_of_it(
    executor: Any,
) -> None:
    def work(items: list[int]) -> list[int | BaseException]:
        if 99 in items:
            raise RuntimeError("the group failed")
        return [ValueError(f"bad {item}") if item % 2 else item for item in items]

    async def main() -> list[Any]:
        batcher = SubmitBatcher(executor, work)
        first = await asyncio.gather(*(batcher.submit(n) for n in range(4)),
                                     return_exceptions=True)
        broken = await asyncio.gather(batcher.submit(99), return_exceptions=True)
        return [*first, *broken]

    results = run(main())
    assert results[0] == 0 and results[2] == 2
    assert str(results[1]) == "bad 1" and str(results[3]) == "bad 3"
    assert isinstance(results[4], RuntimeError)


def test_a_client_that_went_away_does_not_disturb_the_others(executor: Any) -> None:
    release = threading.Event()

    def work(items: list[int]) -> list[int | BaseException]:
        release.wait(5)
        return items

    async def main() -> int:
        batcher = SubmitBatcher(executor, work)
        gone = asyncio.ensure_future(batcher.submit(1))
        kept = asyncio.ensure_future(batcher.submit(2))
        await asyncio.sleep(0.05)
        gone.cancel()
        release.set()
        return await kept

    assert run(main()) == 2
