"""Applying edited settings to a running engine, and saying what needs a restart.

The engine can change its worker bound live (``set_max_workers``). The queue size is
read by the store at submission time, so it is updated on the store. Everything else
(timeouts, retries, priority policy) is read when the engine starts: the dialog tells
the person so.
"""

from __future__ import annotations

from typing import Any

from docproc_gui.config import Settings

LIVE = {"max_workers", "max_queue_size", "notifications", "close_to_tray", "api_enabled",
        "api_port"}
ON_RESTART = {"job_timeout", "max_retries", "aging_seconds_per_level", "type_preferences"}


def changed_fields(old: Settings, new: Settings) -> set[str]:
    return {name for name in LIVE | ON_RESTART if getattr(old, name) != getattr(new, name)}


def apply_settings(processor: Any, old: Settings, new: Settings) -> list[str]:
    """Apply what can be applied now; returns the fields that wait for a restart."""
    changed = changed_fields(old, new)
    if "max_workers" in changed:
        processor.set_max_workers(new.max_workers)
    if "max_queue_size" in changed:
        # The store checks this bound on every submission (engine API request pending).
        processor.store.max_queue_size = new.max_queue_size
        processor.settings = processor.settings.replace(max_queue_size=new.max_queue_size)
    return sorted(changed & ON_RESTART)
