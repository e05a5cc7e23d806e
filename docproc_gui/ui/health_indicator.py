"""The status bar's health light: healthy / degraded / unhealthy, alerts in the tooltip."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QWidget

from docproc_gui.ui.icons import icon


def alerts_tooltip(report: Any) -> str:
    if not report.alerts:
        return "No alerts: the queue is healthy."
    lines = [f"• [{alert.level}] {alert.message}" for alert in report.alerts]
    return "Alerts:\n" + "\n".join(lines)


class HealthIndicator(QWidget):
    """A coloured dot and the health status; hover for the alerts."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("healthIndicator")
        self.status = "healthy"
        self._dot = QLabel()
        self._text = QLabel("Healthy")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 0, 4, 0)
        layout.setSpacing(4)
        layout.addWidget(self._dot)
        layout.addWidget(self._text)
        self._show("healthy")
        self.setToolTip("Waiting for the first health check…")
        self.setCursor(Qt.CursorShape.WhatsThisCursor)

    def set_report(self, report: Any) -> None:
        self._show(report.status)
        self.setToolTip(alerts_tooltip(report))

    def _show(self, status: str) -> None:
        self.status = status
        self._dot.setPixmap(icon(f"health-{status}").pixmap(14, 14))
        self._text.setText(status.capitalize())
