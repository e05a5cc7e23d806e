"""Small text formatters shared by the table, the details panel and the status bar."""

from __future__ import annotations

import time

from docproc_gui.domain import ProcessingPriority


def format_size(size: int | None) -> str:
    if size is None:
        return ""
    value = float(size)
    for unit in ("B", "KB", "MB", "GB"):
        if value < 1024 or unit == "GB":
            return f"{value:.0f} {unit}" if unit == "B" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"  # pragma: no cover - unreachable


def format_seconds(seconds: float | None) -> str:
    """``35 ms``, ``0.4 s``, ``12 s``, ``3 min 05 s``, ``2 h 10 min``; empty for None."""
    if seconds is None:
        return ""
    if seconds < 0.0995:  # what would show as "0.0 s" or "0.1 s"
        return f"{max(seconds, 0.0) * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.1f} s"
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {secs:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def format_time(epoch: float | None, *, now: float | None = None) -> str:
    """Time of day for today, date and time otherwise."""
    if epoch is None:
        return ""
    local = time.localtime(epoch)
    today = time.localtime(now if now is not None else time.time())
    if local[:3] == today[:3]:
        return time.strftime("%H:%M:%S", local)
    return time.strftime("%Y-%m-%d %H:%M", local)


def priority_name(priority: int) -> str:
    try:
        return ProcessingPriority(priority).name.capitalize()
    except ValueError:
        return str(priority)


def status_text(status: str) -> str:
    return status.replace("_", " ").capitalize()
