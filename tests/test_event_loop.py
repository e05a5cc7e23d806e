"""BatchingQEventLoop keeps asyncio's promises while running callbacks in batches.

Order, cancellation, exceptions, other threads, timers with a delay, and fairness with
Qt's own events: the loop must behave as asyncio documents, only cheaper.
"""

from __future__ import annotations

import asyncio
import os
import signal
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from PySide6.QtCore import QEventLoop, QTimer

from docproc_gui.event_loop import BatchingQEventLoop


@pytest.fixture
def loop(qapp: Any) -> Iterator[BatchingQEventLoop]:
    loop = BatchingQEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    if not loop.is_closed():
        loop.close()
    asyncio.set_event_loop(None)


def test_callbacks_run_in_the_order_they_were_scheduled(loop: BatchingQEventLoop) -> None:
    seen: list[int] = []

    async def main() -> None:
        for number in range(100):
            loop.call_soon(seen.append, number)
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert seen == list(range(100))


def test_a_callback_scheduled_by_a_callback_runs_after_those_ready_before_it(
    loop: BatchingQEventLoop,
) -> None:
    seen: list[str] = []

    def first() -> None:
        seen.append("first")
        loop.call_soon(seen.append, "scheduled by first")

    async def main() -> None:
        loop.call_soon(first)
        loop.call_soon(seen.append, "second")
        for _ in range(3):
            await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert seen == ["first", "second", "scheduled by first"]


def test_a_short_chain_of_callbacks_runs_without_a_qt_iteration_between_links(
    loop: BatchingQEventLoop,
) -> None:
    """A resumed request (result, future, task) must not pay a Qt iteration per link."""
    seen: list[str] = []

    def link(number: int) -> None:
        seen.append(f"link {number}")
        if number < 3:
            loop.call_soon(link, number + 1)

    async def main() -> None:
        QTimer.singleShot(0, lambda: seen.append("qt"))
        loop.call_soon(link, 1)
        while "qt" not in seen:
            await asyncio.sleep(0.001)

    loop.run_until_complete(main())
    assert seen.index("link 3") < seen.index("qt")


def test_callbacks_made_ready_after_stop_wait_for_the_next_run(
    loop: BatchingQEventLoop,
) -> None:
    seen: list[int] = []

    def chain(number: int) -> None:
        seen.append(number)
        loop.call_soon(chain, number + 1)

    def stopper() -> None:
        loop.stop()
        loop.call_soon(chain, 0)

    loop.call_soon(stopper)
    loop.run_forever()
    assert seen == []  # as asyncio: stop() ends the loop after the callbacks ready then


def test_a_cancelled_handle_does_not_run(loop: BatchingQEventLoop) -> None:
    seen: list[str] = []

    async def main() -> None:
        handle = loop.call_soon(seen.append, "cancelled")
        loop.call_soon(seen.append, "kept")
        handle.cancel()
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert seen == ["kept"]


def test_an_exception_in_a_callback_goes_to_the_handler_and_the_batch_goes_on(
    loop: BatchingQEventLoop,
) -> None:
    errors: list[BaseException] = []
    seen: list[str] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context["exception"]))

    def broken() -> None:
        raise ValueError("broken callback")

    async def main() -> None:
        loop.call_soon(broken)
        loop.call_soon(seen.append, "after")
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert seen == ["after"]
    assert [str(error) for error in errors] == ["broken callback"]


def test_call_soon_threadsafe_from_many_threads_delivers_every_callback(
    loop: BatchingQEventLoop,
) -> None:
    threads, per_thread = 8, 500
    seen: list[tuple[int, int]] = []

    async def main() -> None:
        done = asyncio.Event()

        def record(item: tuple[int, int]) -> None:
            seen.append(item)
            if len(seen) == threads * per_thread:
                done.set()

        def produce(number: int) -> None:
            for index in range(per_thread):
                loop.call_soon_threadsafe(record, (number, index))

        workers = [threading.Thread(target=produce, args=(n,)) for n in range(threads)]
        for worker in workers:
            worker.start()
        await asyncio.wait_for(done.wait(), 10)
        for worker in workers:
            worker.join()

    loop.run_until_complete(main())
    assert len(seen) == threads * per_thread
    for number in range(threads):  # each thread's callbacks keep their order
        assert [i for n, i in seen if n == number] == list(range(per_thread))


def test_a_signal_handler_may_schedule_callbacks(loop: BatchingQEventLoop) -> None:
    """The app's SIGTERM handler calls call_soon_threadsafe on the loop's own thread, at
    any point of whatever the loop was doing: it must neither deadlock nor be lost."""
    seen: list[int] = []
    sent = iter(range(1000))

    def on_signal(*_: Any) -> None:
        loop.call_soon_threadsafe(seen.append, next(sent))

    previous = signal.signal(signal.SIGUSR1, on_signal)

    async def main() -> None:
        for _ in range(200):
            loop.call_soon_threadsafe(lambda: None)  # the inbox is busy meanwhile
            os.kill(os.getpid(), signal.SIGUSR1)
            await asyncio.sleep(0)
        while len(seen) < 200:
            await asyncio.sleep(0.001)

    try:
        loop.run_until_complete(asyncio.wait_for(main(), 10))
    finally:
        signal.signal(signal.SIGUSR1, previous)
    assert seen == list(range(200))


def test_a_callback_running_a_nested_qt_loop_loses_and_repeats_nothing(
    loop: BatchingQEventLoop,
) -> None:
    """A modal dialog inside a callback runs Qt's loop, and with it later batches."""
    seen: list[str] = []
    errors: list[object] = []
    loop.set_exception_handler(lambda _loop, context: errors.append(context["message"]))

    def modal() -> None:
        seen.append("a")
        loop.call_soon(seen.append, "d")
        inner = QEventLoop()
        QTimer.singleShot(50, inner.quit)
        inner.exec()
        seen.append("a-done")

    async def main() -> None:
        loop.call_soon(modal)
        loop.call_soon(seen.append, "b")
        loop.call_soon(seen.append, "c")
        for _ in range(5):
            await asyncio.sleep(0.01)

    loop.run_until_complete(main())
    assert errors == []
    assert sorted(seen) == ["a", "a-done", "b", "c", "d"]
    assert seen.index("b") < seen.index("c") < seen.index("d")


def test_call_soon_threadsafe_on_the_loops_thread_keeps_fifo_with_call_soon(
    loop: BatchingQEventLoop,
) -> None:
    seen: list[str] = []

    async def main() -> None:
        loop.call_soon_threadsafe(seen.append, "first")
        loop.call_soon(seen.append, "second")
        await asyncio.sleep(0)
        await asyncio.sleep(0)

    loop.run_until_complete(main())
    assert seen == ["first", "second"]


def test_executor_results_come_back_to_the_loop(loop: BatchingQEventLoop) -> None:
    async def main() -> list[int]:
        return list(
            await asyncio.gather(*(loop.run_in_executor(None, pow, n, 2) for n in range(50)))
        )

    assert loop.run_until_complete(main()) == [n * n for n in range(50)]


def test_delayed_callbacks_wait_their_delay(loop: BatchingQEventLoop) -> None:
    async def main() -> float:
        started = time.monotonic()
        fired = loop.create_future()
        loop.call_later(0.05, fired.set_result, None)
        await fired
        return time.monotonic() - started

    assert loop.run_until_complete(main()) >= 0.045


def test_qt_events_are_handled_between_batches_of_a_busy_loop(
    loop: BatchingQEventLoop,
) -> None:
    """A loop that always has ready callbacks must still let Qt deliver its timers."""
    ticks: list[float] = []
    timer = QTimer()
    timer.setInterval(0)
    timer.timeout.connect(lambda: ticks.append(time.monotonic()))

    async def busy() -> int:
        timer.start()
        spins = 0
        deadline = time.monotonic() + 0.3
        while time.monotonic() < deadline:
            await asyncio.sleep(0)  # one ready callback after another
            spins += 1
        timer.stop()
        return spins

    spins = loop.run_until_complete(busy())
    assert spins > 100
    assert len(ticks) > 10, "Qt's own timer starved behind the asyncio callbacks"


def test_call_soon_on_a_closed_loop_raises(qapp: Any) -> None:
    loop = BatchingQEventLoop(qapp)
    loop.close()
    with pytest.raises(RuntimeError, match="closed"):
        loop.call_soon(print)
    loop.call_soon_threadsafe(print)  # another thread racing the close: no error, no run


def test_aiohttp_serves_on_it(loop: BatchingQEventLoop) -> None:
    """The real use: an HTTP server and a client on the same batching loop."""
    import aiohttp
    from aiohttp import web

    async def hello(request: web.Request) -> web.Response:
        return web.json_response({"echo": await request.json()})

    async def main() -> list[Any]:
        app = web.Application()
        app.router.add_post("/echo", hello)
        runner = web.AppRunner(app, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = runner.addresses[0][1]
        try:
            async with aiohttp.ClientSession() as session:

                async def one(number: int) -> Any:
                    async with session.post(
                        f"http://127.0.0.1:{port}/echo", json={"n": number}
                    ) as reply:
                        return (await reply.json())["echo"]["n"]

                return list(await asyncio.gather(*(one(n) for n in range(40))))
        finally:
            await runner.cleanup()

    assert loop.run_until_complete(main()) == list(range(40))
