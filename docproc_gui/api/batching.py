"""Group commit at the API: concurrent single submissions go to the engine together.

Every request that arrives while a group is being committed waits for the next group, so
under load one thread hop, one transaction and one fsync serve many requests, and when
requests come one at a time each is sent at once (no added delay). The work function runs
on the API's thread pool and returns, per item, its result or the exception to raise in
that item's request.
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
    """Runs ``work(items)`` for groups of items, one group at a time (loop thread only)."""

    def __init__(
        self,
        executor: Executor,
        work: Callable[[list[Item]], list[Result | BaseException]],
        max_group: int = MAX_GROUP,
    ) -> None:
        self.executor = executor
        self.work = work
        self.max_group = max_group
        self.groups = 0
        self.items = 0
        self._pending: list[tuple[Item, asyncio.Future[Result]]] = []
        self._busy = False
        self._task: asyncio.Task[None] | None = None

    async def submit(self, item: Item) -> Result:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._pending.append((item, future))
        if not self._busy:
            self._busy = True
            self._task = loop.create_task(self._drain())
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
            self._busy = False
