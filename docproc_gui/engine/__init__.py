"""The engine: BackgroundProcessor on a QThreadPool, signal bridge, sandbox, health.

Uses QtCore only; widgets live in the UI."""

from docproc_gui.engine.events import EventHub, JobEvent
from docproc_gui.engine.factory import create_background_processor, pipeline_options
from docproc_gui.engine.lock import EngineBusyError
from docproc_gui.engine.processor import BackgroundProcessor
from docproc_gui.engine.signals import ProcessorSignals

__all__ = [
    "BackgroundProcessor",
    "EngineBusyError",
    "EventHub",
    "JobEvent",
    "ProcessorSignals",
    "create_background_processor",
    "pipeline_options",
]
