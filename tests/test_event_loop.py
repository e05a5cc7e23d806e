"""BatchingQEventLoop keeps asyncio's promises while running callbacks in batches.

Order, cancellation, exceptions, other threads, timers with a delay, fairness with Qt's
own events, and sockets (its epoll set, and qasync's notifiers where there is no epoll):
the loop must behave as asyncio documents, only cheaper.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
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


def test_aiohttp_serves_on_it(io_loop: BatchingQEventLoop) -> None:
    """The real use: an HTTP server and a client on the same batching loop."""
    loop = io_loop
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


# ---------------------------------------------------------------- sockets (epoll or qasync)


@pytest.fixture(params=["epoll", "qt-notifiers"])
def io_loop(qapp: Any, request: pytest.FixtureRequest) -> Iterator[BatchingQEventLoop]:
    """The loop as the app makes it (one epoll set) and qasync's notifiers (no epoll)."""
    loop = BatchingQEventLoop(qapp, use_epoll=request.param == "epoll")
    asyncio.set_event_loop(loop)
    yield loop
    if not loop.is_closed():
        loop.close()
    asyncio.set_event_loop(None)


@pytest.fixture
def pair() -> Iterator[tuple[socket.socket, socket.socket]]:
    ours, theirs = socket.socketpair()
    ours.setblocking(False)
    yield ours, theirs
    ours.close()
    theirs.close()


def read_all(sock: socket.socket) -> bytes:
    try:
        return sock.recv(65536)
    except BlockingIOError:
        return b"<nothing to read>"


async def settle(loop: BatchingQEventLoop, seconds: float = 0.05) -> None:
    await asyncio.sleep(seconds)


def test_a_reader_gets_each_message_until_it_is_removed(
    io_loop: BatchingQEventLoop, pair: tuple[socket.socket, socket.socket]
) -> None:
    ours, theirs = pair
    received: list[bytes] = []

    async def main() -> tuple[bool, bool]:
        io_loop.add_reader(ours, lambda: received.append(read_all(ours)))
        for message in (b"one", b"two", b"three"):
            theirs.send(message)
            while len(received) < [b"one", b"two", b"three"].index(message) + 1:
                await asyncio.sleep(0.001)
        removed = io_loop.remove_reader(ours)
        theirs.send(b"after")
        await settle(io_loop)
        return removed, io_loop.remove_reader(ours)

    removed, removed_again = io_loop.run_until_complete(asyncio.wait_for(main(), 10))
    assert received == [b"one", b"two", b"three"]
    assert (removed, removed_again) == (True, False)
    assert ours.recv(10) == b"after"  # left for whoever reads next


def test_a_second_reader_replaces_the_first(
    io_loop: BatchingQEventLoop, pair: tuple[socket.socket, socket.socket]
) -> None:
    ours, theirs = pair
    seen: list[str] = []

    async def main() -> None:
        io_loop.add_reader(ours, lambda: seen.append("first"))
        io_loop.add_reader(ours, lambda: seen.append(f"second {read_all(ours)!r}"))
        theirs.send(b"x")
        while not seen:
            await asyncio.sleep(0.001)
        await settle(io_loop)
        io_loop.remove_reader(ours)

    io_loop.run_until_complete(asyncio.wait_for(main(), 10))
    assert seen == ["second b'x'"]


def test_a_writer_and_a_reader_share_a_socket(
    io_loop: BatchingQEventLoop, pair: tuple[socket.socket, socket.socket]
) -> None:
    ours, theirs = pair
    writes: list[int] = []
    received: list[bytes] = []

    def write() -> None:
        writes.append(ours.send(b"ping"))
        if len(writes) == 3:
            io_loop.remove_writer(ours)

    async def main() -> None:
        io_loop.add_reader(ours, lambda: received.append(read_all(ours)))
        io_loop.add_writer(ours, write)
        while len(writes) < 3:
            await asyncio.sleep(0.001)
        theirs.send(b"pong")
        while not received:
            await asyncio.sleep(0.001)
        await settle(io_loop)
        io_loop.remove_reader(ours)

    io_loop.run_until_complete(asyncio.wait_for(main(), 10))
    assert writes == [4, 4, 4]  # the writer stopped when it removed itself
    assert theirs.recv(100) == b"ping" * 3
    assert received == [b"pong"]


def test_the_peer_hanging_up_wakes_the_reader(
    io_loop: BatchingQEventLoop, pair: tuple[socket.socket, socket.socket]
) -> None:
    ours, theirs = pair
    received: list[bytes] = []

    def on_readable() -> None:
        received.append(read_all(ours))
        io_loop.remove_reader(ours)

    async def main() -> None:
        io_loop.add_reader(ours, on_readable)
        theirs.close()
        while not received:
            await asyncio.sleep(0.001)

    io_loop.run_until_complete(asyncio.wait_for(main(), 10))
    assert received == [b""]  # end of stream


def test_a_descriptor_closed_while_watched_and_its_number_reused_works(
    io_loop: BatchingQEventLoop,
) -> None:
    """A careless caller closes a socket without removing its reader; the next socket
    that gets the same descriptor number must still be watched."""
    first, first_peer = socket.socketpair()
    second, second_peer = socket.socketpair()
    number = first.fileno()
    seen: list[bytes] = []
    try:

        async def main() -> None:
            io_loop.add_reader(number, lambda: None)
            await settle(io_loop, 0.01)
            first.close()
            os.dup2(second.fileno(), number)  # the number now names the second socket
            os.set_blocking(number, False)
            io_loop.add_reader(number, lambda: seen.append(os.read(number, 100)))
            second_peer.send(b"reused")
            while not seen:
                await asyncio.sleep(0.001)
            io_loop.remove_reader(number)

        io_loop.run_until_complete(asyncio.wait_for(main(), 10))
    finally:
        os.close(number)
        for sock in (first_peer, second, second_peer):
            sock.close()
    assert seen == [b"reused"]


def test_a_reader_that_runs_a_nested_qt_loop_is_neither_repeated_nor_reentered(
    pair: tuple[socket.socket, socket.socket], qapp: Any
) -> None:
    """A modal dialog inside a reader callback, before it read: the nested loop must not
    run the reader again inside itself, nor spin on the data that is still unread."""
    loop = BatchingQEventLoop(qapp)
    asyncio.set_event_loop(loop)
    ours, theirs = pair
    other, other_peer = socket.socketpair()
    other.setblocking(False)
    calls: list[str] = []
    depth = [0]
    wakes = [0]  # how often Qt reported the epoll set readable

    def count_wake() -> None:
        wakes[0] += 1

    assert loop._epoll_notifier is not None
    loop._epoll_notifier.activated.connect(count_wake)

    def modal_reader() -> None:
        depth[0] += 1
        calls.append(f"modal at depth {depth[0]}")
        if len(calls) == 1:
            inner = QEventLoop()
            QTimer.singleShot(100, inner.quit)
            inner.exec()
        read_all(ours)
        depth[0] -= 1

    async def main() -> int:
        loop.add_reader(ours, modal_reader)
        loop.add_reader(other, lambda: calls.append(f"other {read_all(other)!r}"))
        theirs.send(b"a")
        other_peer.send(b"b")
        while len(calls) < 2 or depth[0]:
            await asyncio.sleep(0.005)
        theirs.send(b"again")
        while calls.count("modal at depth 1") < 2:
            await asyncio.sleep(0.001)
        return wakes[0]

    try:
        wakes_seen = loop.run_until_complete(asyncio.wait_for(main(), 10))
    finally:
        loop.close()
        asyncio.set_event_loop(None)
        other.close()
        other_peer.close()
    assert calls.count("modal at depth 1") == 2, calls  # once per message
    assert "modal at depth 2" not in calls
    assert calls.count("other b'b'") == 1, calls
    assert wakes_seen < 30, "Qt was woken over and over by the modal reader's unread data"


@pytest.mark.parametrize("use_epoll", [True, False], ids=["epoll", "qt-notifiers"])
def test_closing_the_loop_leaves_no_descriptor_open(qapp: Any, use_epoll: bool) -> None:
    before = set(os.listdir("/proc/self/fd"))
    loop = BatchingQEventLoop(qapp, use_epoll=use_epoll)
    loop.close()
    assert set(os.listdir("/proc/self/fd")) <= before


def test_removing_the_reader_of_a_socket_closed_already_works(
    io_loop: BatchingQEventLoop,
) -> None:
    """anyio closes a socket first and removes its reader after; the next socket given
    that descriptor number must not inherit the old reader."""
    first, first_peer = socket.socketpair()
    stale: list[str] = []
    io_loop.add_reader(first, lambda: stale.append("stale"))
    number = first.fileno()
    first.close()
    assert io_loop.remove_reader(first) is True
    second, second_peer = socket.socketpair()
    second.setblocking(False)
    try:
        assert second.fileno() == number  # the lowest free number, as before

        async def main() -> None:
            written = io_loop.create_future()
            io_loop.add_writer(second, lambda: written.done() or written.set_result(None))
            await written
            io_loop.remove_writer(second)
            second_peer.send(b"for the new owner")
            await settle(io_loop)

        io_loop.run_until_complete(asyncio.wait_for(main(), 10))
    finally:
        for sock in (first_peer, second, second_peer):
            sock.close()
    assert stale == []


def test_a_descriptor_epoll_cannot_watch_is_refused_and_left_out(
    io_loop: BatchingQEventLoop, tmp_path: Any
) -> None:
    if not io_loop._epoll:
        pytest.skip("qasync's notifiers accept regular files")
    path = tmp_path / "plain.txt"
    path.write_text("a regular file")
    with open(path) as handle:
        with pytest.raises(PermissionError):
            io_loop.add_reader(handle.fileno(), lambda: None)
        assert io_loop.remove_reader(handle.fileno()) is False


def test_a_forked_child_leaves_the_parents_sockets_watched(
    loop: BatchingQEventLoop, pair: tuple[socket.socket, socket.socket]
) -> None:
    """The epoll set is shared across fork: a child removing a reader must not remove it
    for the parent."""
    ours, theirs = pair
    received: list[bytes] = []
    loop.add_reader(ours, lambda: received.append(read_all(ours)))
    child = os.fork()
    if child == 0:  # the child: change the watch, then leave at once
        try:
            loop.remove_reader(ours)
        finally:
            os._exit(0)
    os.waitpid(child, 0)

    async def main() -> None:
        theirs.send(b"after the fork")
        while not received:
            await asyncio.sleep(0.001)

    loop.run_until_complete(asyncio.wait_for(main(), 5))
    assert received == [b"after the fork"]


def test_closing_twice_is_harmless(qapp: Any, recwarn: pytest.WarningsRecorder) -> None:
    loop = BatchingQEventLoop(qapp)
    loop.close()
    loop.close()
    assert [str(warning.message) for warning in recwarn] == []
