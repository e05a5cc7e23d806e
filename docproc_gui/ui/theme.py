"""Light and dark palettes that follow the system, and the status colours of both.

Qt 6.5+ reports the system colour scheme (``QStyleHints.colorScheme``); the app uses the
Fusion style with a palette for that scheme and switches when the system does.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

from docproc_gui.ui.job_records import GROUP_OF_STATUS


@dataclass(frozen=True, slots=True)
class Colours:
    """Status colours (by status group) and a few accents for one scheme."""

    dark: bool
    groups: dict[str, str]
    track: str
    muted: str
    drop_border: str
    drop_fill: str

    def for_status(self, status: object) -> QColor:
        group = GROUP_OF_STATUS.get(status, "Queued")  # type: ignore[call-overload]
        return QColor(self.groups[group])


LIGHT = Colours(
    dark=False,
    groups={
        "Queued": "#7a869a",
        "Processing": "#2f7de1",
        "Retrying": "#d98b00",
        "Completed": "#2e9d5b",
        "Failed": "#d64545",
        "Cancelled": "#9a8c7a",
    },
    track="#e4e8ee",
    muted="#6b7280",
    drop_border="#9db7dc",
    drop_fill="#f3f7fd",
)
DARK = Colours(
    dark=True,
    groups={
        "Queued": "#8d99ad",
        "Processing": "#4c9bff",
        "Retrying": "#f0a52a",
        "Completed": "#43c07a",
        "Failed": "#ff6b6b",
        "Cancelled": "#b3a58f",
    },
    track="#3a3f48",
    muted="#9aa3af",
    drop_border="#4d6b94",
    drop_fill="#262c35",
)


def system_is_dark() -> bool:
    hints = QGuiApplication.styleHints()
    return hints.colorScheme() == Qt.ColorScheme.Dark


def current_colours() -> Colours:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return DARK if app.palette().color(QPalette.ColorRole.Window).lightness() < 128 else LIGHT
    return LIGHT


def dark_palette() -> QPalette:
    palette = QPalette()
    window, base, text = QColor("#23272e"), QColor("#1b1e23"), QColor("#e6e8eb")
    role = QPalette.ColorRole
    palette.setColor(role.Window, window)
    palette.setColor(role.WindowText, text)
    palette.setColor(role.Base, base)
    palette.setColor(role.AlternateBase, QColor("#22262c"))
    palette.setColor(role.ToolTipBase, QColor("#2b3038"))
    palette.setColor(role.ToolTipText, text)
    palette.setColor(role.Text, text)
    palette.setColor(role.Button, QColor("#2b3038"))
    palette.setColor(role.ButtonText, text)
    palette.setColor(role.BrightText, QColor("#ff6b6b"))
    palette.setColor(role.Highlight, QColor("#3d6fb6"))
    palette.setColor(role.HighlightedText, QColor("#ffffff"))
    palette.setColor(role.Link, QColor("#6fb1ff"))
    palette.setColor(role.PlaceholderText, QColor("#8a919c"))
    palette.setColor(role.Mid, QColor("#3a3f48"))
    palette.setColor(role.Midlight, QColor("#333841"))
    palette.setColor(role.Dark, QColor("#15171b"))
    disabled = QPalette.ColorGroup.Disabled
    for item in (role.Text, role.ButtonText, role.WindowText):
        palette.setColor(disabled, item, QColor("#6b717b"))
    return palette


def light_palette() -> QPalette:
    palette = QApplication.style().standardPalette()
    palette.setColor(QPalette.ColorRole.AlternateBase, QColor("#f5f7fa"))
    palette.setColor(QPalette.ColorRole.Highlight, QColor("#3d7bd9"))
    return palette


def apply_theme(app: QApplication, *, dark: bool | None = None) -> None:
    """Fusion with the palette of the system's scheme (or the one asked for)."""
    app.setStyle("Fusion")
    use_dark = system_is_dark() if dark is None else dark
    app.setPalette(dark_palette() if use_dark else light_palette())


def follow_system(app: QApplication) -> None:
    """Switch palettes when the system's colour scheme changes."""
    QGuiApplication.styleHints().colorSchemeChanged.connect(lambda _scheme: apply_theme(app))
