"""The desktop app's composition root and the ``docproc-gui`` entry point.

Builds, in order: settings, the single-instance check (a second launch hands its files to
the first and exits), the Qt application and palette, the engine, the window, and the
REST API on the same event loop through qasync. Quitting goes through the window's quit
flow; then the API stops, the views stop reading and the engine shuts down (running jobs
finished or put back in the queue, never lost).
"""

from __future__ import annotations

import argparse
import gc
import logging
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from docproc_gui.config import Settings, SettingsError, load_settings

log = logging.getLogger(__name__)
APP_NAME = "DocProc"


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="docproc-gui", description="DocProc desktop window")
    parser.add_argument("files", nargs="*", help="files or folders to queue")
    parser.add_argument("--data-dir", type=Path, help="data folder (queue and knowledge base)")
    parser.add_argument("--config", type=Path, help="settings file (default: user config)")
    parser.add_argument("--minimized", action="store_true", help="start hidden in the tray")
    return parser.parse_args(argv)


def api_token(data_dir: Path, regenerate: bool) -> str | None:
    """The REST API's token (made on first use; ``regenerate`` replaces it)."""
    from docproc_gui.api.auth import load_or_create_token, token_path

    if regenerate:
        token_path(data_dir).unlink(missing_ok=True)
    return load_or_create_token(data_dir)


class ApiController:
    """Starts, restarts and stops the REST server as the settings say (on the qasync loop)."""

    def __init__(self, processor: Any, settings: Settings) -> None:
        self.processor = processor
        self.settings = settings
        self.server: Any = None

    async def apply(self, settings: Settings) -> None:
        changed = (settings.api_port, settings.api_host) != (
            self.settings.api_port,
            self.settings.api_host,
        )
        self.settings = settings
        if self.server is not None and (changed or not settings.api_enabled):
            await self.stop()
        if settings.api_enabled and self.server is None:
            await self.start()

    async def start(self) -> None:
        try:
            from docproc_gui.api.server import ApiServer
        except ImportError as error:  # the API is optional
            log.warning("the REST API is not available: %s", error)
            return
        server = ApiServer(self.processor, self.settings)
        try:
            await server.start()
        except OSError as error:
            log.error("could not start the REST API on port %s: %s", self.settings.api_port, error)
            return
        self.server = server

    async def stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()


def build_window(
    processor: Any,
    settings: Settings,
    *,
    config_path: Path | None = None,
    tray_available: bool | None = None,
) -> Any:
    """The main window around ``processor`` (shared by main, tests and tools)."""
    from docproc_gui.ui.main_window import MainWindow

    return MainWindow(
        processor,
        settings,
        config_path=config_path,
        token_source=lambda regenerate: api_token(settings.data_dir, regenerate),
        tray_available=tray_available,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the desktop app; returns the exit code."""
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else "docproc-gui"])
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setDesktopFileName("docproc")
    app.setQuitOnLastWindowClosed(False)
    try:
        flags = {"data_dir": args.data_dir} if args.data_dir else None
        settings = load_settings(flags, config_path=args.config)
    except SettingsError as error:
        QMessageBox.critical(None, APP_NAME, str(error))
        return 2

    from docproc_gui.ui.single_instance import SingleInstance, forward_to_running, server_name

    name = server_name(settings.data_dir)
    if forward_to_running(name, args.files):
        log.info("handed %d path(s) to the running DocProc", len(args.files))
        return 0

    import asyncio

    from docproc_gui.engine import EngineBusyError, create_background_processor
    from docproc_gui.event_loop import BatchingQEventLoop
    from docproc_gui.ui.icons import app_icon
    from docproc_gui.ui.theme import apply_theme, follow_system

    apply_theme(app)
    follow_system(app)
    app.setWindowIcon(app_icon())
    instance = SingleInstance(name)
    instance.listen()
    try:
        processor = create_background_processor(settings)
    except EngineBusyError as error:
        QMessageBox.critical(None, APP_NAME, f"Another DocProc uses this data folder:\n{error}")
        return 1

    window = build_window(processor, settings, config_path=args.config)
    loop = BatchingQEventLoop(app)
    asyncio.set_event_loop(loop)
    api = ApiController(processor, settings)

    def token_source(regenerate: bool) -> str | None:
        token = api_token(settings.data_dir, regenerate)
        if regenerate and api.server is not None:
            api.server.reload_token()  # the old token stops working at once
        return token

    window.token_source = token_source
    finished = asyncio.Event()
    background: set[asyncio.Task[None]] = set()

    def spawn(coroutine: Any) -> None:
        task = loop.create_task(coroutine)
        background.add(task)
        task.add_done_callback(background.discard)

    async def quit_app(wait: bool) -> None:
        await api.stop()
        window.shut_down_views()
        processor.shutdown(wait=wait, timeout=30.0)
        instance.close()
        finished.set()

    def files_received(files: list[str]) -> None:
        window.add_paths(files)
        window.bring_to_front()

    def on_terminate(signum: int, _frame: Any) -> None:
        # SIGTERM (logout, `kill`) or Ctrl+C in a terminal: stop now, keep the jobs queued.
        log.info("signal %d: stopping, unfinished jobs stay queued", signum)
        loop.call_soon_threadsafe(lambda: spawn(quit_app(False)))

    signal.signal(signal.SIGTERM, on_terminate)
    signal.signal(signal.SIGINT, on_terminate)
    # Python runs signal handlers only between its own bytecodes; while Qt waits in C++
    # nothing would run them, so a light timer lets the interpreter look now and then.
    signal_check = QTimer()
    signal_check.start(250)
    signal_check.timeout.connect(lambda: None)

    instance.files_received.connect(files_received)
    window.settings_changed.connect(lambda new: spawn(api.apply(new)))
    window.quit_ready.connect(lambda wait: spawn(quit_app(wait)))

    async def run() -> None:
        if settings.api_enabled:
            await api.start()
        await finished.wait()

    if not (args.minimized and window.tray.icon is not None):
        window.show()
    window.start()
    if args.files:
        window.add_paths(args.files)
    # What start-up built (modules, Qt wrappers, settings) lives as long as the app: move
    # it out of the collector's sight, as `docproc serve` does, so that later full
    # collections (which hold the GIL, whichever thread triggers them) stay short.
    # See docproc_gui/ui/gc_policy.py for the window's policy for its job records.
    gc.collect()
    gc.freeze()
    with loop:
        loop.run_until_complete(run())
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
