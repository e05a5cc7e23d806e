"""Fixtures for the window tests: a real engine (no-op or document pipeline) on a temporary
data folder, and the real main window around it, offscreen."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from docproc_gui.config import Settings
from docproc_gui.domain import Pipeline, PipelineStep, ProcessingStatus, StepContext
from docproc_gui.engine import create_background_processor
from docproc_gui.pipeline.steps import build_noop_pipeline

# Harmless messages of the offscreen platform (no window manager, no tray host), for the
# tests in this folder only: pytest-qt's per-test ``qt_log_ignore`` marker.
OFFSCREEN_MESSAGES = (
    r"This plugin does not support raise\(\)",
    r"QObject::connect: No such signal QPlatformNativeInterface::systemTrayWindowChanged",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(*OFFSCREEN_MESSAGES))


class Gate:
    """A step that blocks until released: keeps jobs running for as long as a test needs."""

    def __init__(self) -> None:
        self.open = threading.Event()

    def step(self, context: StepContext) -> dict[str, Any]:
        while not self.open.wait(0.02):
            context.cancel.raise_if_cancelled()
        return {}


def gated_pipeline(gate: Gate) -> Pipeline:
    noop = build_noop_pipeline()
    steps = list(noop.steps)
    steps[1] = PipelineStep("extract", ProcessingStatus.EXTRACTING, 0.8, run=gate.step)
    return Pipeline("gated", tuple(steps))


@pytest.fixture
def gate() -> Iterator[Gate]:
    gate = Gate()
    yield gate
    gate.open.set()


@pytest.fixture
def make_processor(settings: Settings) -> Iterator[Callable[..., Any]]:
    made: list[Any] = []

    def make(pipeline: Pipeline | None = None, **changes: Any) -> Any:
        processor = create_background_processor(settings.replace(**changes), pipeline=pipeline)
        made.append(processor)
        return processor

    yield make
    for processor in made:
        processor.shutdown(wait=False, timeout=5)


@pytest.fixture
def config_path(tmp_path: Path) -> Path:
    return tmp_path / "config" / "config.toml"


@pytest.fixture
def make_window(qtbot: Any, config_path: Path) -> Iterator[Callable[..., Any]]:
    from docproc_gui.app import build_window

    windows: list[Any] = []

    def make(processor: Any, *, tray_available: bool = False) -> Any:
        window = build_window(processor, processor.settings, config_path=config_path,
                              tray_available=tray_available)
        window.monitor._timer.setInterval(100)
        # Not qtbot.addWidget: pytest-qt closes those before fixtures tear down, and closing
        # a window with running jobs asks (modally) whether to wait.
        window.show()
        window.start()
        windows.append(window)
        return window

    yield make
    for window in windows:
        window._quitting = True  # closing at teardown must not ask
        window.shut_down_views()
        window.close()
        window.deleteLater()


@pytest.fixture
def noop_window(make_processor: Callable[..., Any],
                make_window: Callable[..., Any]) -> Any:
    return make_window(make_processor(build_noop_pipeline()))
