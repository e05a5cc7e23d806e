"""``docproc serve``: the engine and the API without a window.

Runs under a ``QCoreApplication`` with a qasync loop (the engine's signal bridge needs a
Qt event loop; the API needs asyncio: qasync is both). SIGINT and SIGTERM stop it
cleanly: the server closes its streams, running jobs get a few seconds to finish and the
rest go back to the queue with their attempt not counted, so nothing is lost.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import signal
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

from docproc_gui.api.server import ApiServer
from docproc_gui.config import Settings

log = logging.getLogger(__name__)
SHUTDOWN_GRACE_S = 5.0


def run_headless(
    settings: Settings,
    *,
    extra_allowed_paths: Iterable[str | Path] = (),
    on_ready: Callable[[ApiServer], None] | None = None,
) -> int:
    """Serve until SIGINT/SIGTERM; returns the exit code (raises EngineBusyError)."""
    from PySide6.QtCore import QCoreApplication

    from docproc_gui.engine import create_background_processor
    from docproc_gui.event_loop import BatchingQEventLoop

    app = QCoreApplication.instance() or QCoreApplication([sys.argv[0]])
    loop = BatchingQEventLoop(app)
    asyncio.set_event_loop(loop)
    processor = create_background_processor(settings)
    server = ApiServer(processor, settings, extra_allowed_paths=extra_allowed_paths)
    stopping = asyncio.Event()
    received: list[int] = []

    def request_stop(number: int) -> None:
        received.append(number)
        stopping.set()

    try:
        with loop:
            for number in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(number, request_stop, number)
            try:
                loop.run_until_complete(server.start())
                # Start-up objects (modules, the schema, Qt wrappers) live as long as the
                # process: keep them out of the collector's full passes, which would
                # otherwise stall the loop for tens of milliseconds.
                gc.collect()
                gc.freeze()
                if on_ready is not None:
                    on_ready(server)
                loop.run_until_complete(stopping.wait())
                log.info("stopping on signal %s", received[0] if received else "?")
            finally:
                loop.run_until_complete(server.stop())
                for number in (signal.SIGINT, signal.SIGTERM):
                    loop.remove_signal_handler(number)
    finally:
        processor.shutdown(wait=True, timeout=SHUTDOWN_GRACE_S)
        asyncio.set_event_loop(None)
    return 0
