"""Group commit at the API: concurrent single submissions go to the engine together.

Up to ``max_in_flight`` groups run at once; every request that arrives while they are
busy waits for the next group, so under load one thread hop, one transaction and one
fsync serve many requests, and when requests come one at a time each is sent at once (no
added delay). With two in flight, one group checks its files and builds its jobs while
the other waits for its commit. The work function runs on the API's thread pool and
returns, per item, its result or the exception to raise in that item's request.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Generic, TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
MAX_GROUP = 512


class SubmitBatcher(Generic[Item, Result]):
    """Runs ``work(items)`` for groups of items, ``max_in_flight`` at once (loop thread only)."""

    def __init__(
        self,
        executor: Executor,
        work: Callable[[list[Item]], list[Result | BaseException]],
        max_group: int = MAX_GROUP,
        max_in_flight: int = 1,
    ) -> None:
        self.executor = executor
        self.work = work
        self.max_group = max_group
        self.max_in_flight = max_in_flight
        self.groups = 0
        self.items = 0
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._in_flight = 0
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if self._in_flight < self.max_in_flight:
            self._in_flight += 1
            task = loop.create_task(self._drain())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return await future

    async def _drain(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._pending:
                group = self._pending[: self.max_group]
                del self._pending[: self.max_group]
                self.groups += 1
                self.items += len(group)
                try:
                    results = await loop.run_in_executor(
                        self.executor, self.work, [item for item, _ in group]
                    )
                except BaseException as error:  # noqa: BLE001 - every waiter hears of it
                    results = [error] * len(group)
                for (_, future), result in zip(group, results, strict=True):
                    if future.done():  # the client went away
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self._in_flight -= 1
