"""Applying edited settings to a running engine, and saying what needs a restart.

The engine takes workers, queue size, timeouts, retries, priority policy and pipeline
options at once (``BackgroundProcessor.apply_settings``) and names what only a restart
changes (data folder, sandbox size, memory limit); the dialog tells the person so.
"""

from __future__ import annotations

from typing import Any

from docproc_gui.config import Settings


def apply_settings(processor: Any, old: Settings, new: Settings) -> list[str]:
    """Apply what can be applied now; returns the fields that wait for a restart."""
    if old == new:
        return []
    return list(processor.apply_settings(new))
