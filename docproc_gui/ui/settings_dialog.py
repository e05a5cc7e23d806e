"""The settings dialog: engine limits, priority preferences, the REST server, desktop.

It edits a copy of :class:`~docproc_gui.config.Settings` and returns it; saving to the
config file and applying at run time is the caller's job (see
:mod:`docproc_gui.ui.settings_apply`).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from docproc_gui.config import Settings

TokenSource = Callable[[bool], str | None]  # regenerate? -> token


def parse_preferences(text: str) -> dict[str, float]:
    """``"pdf=60, docx=30"`` -> ``{"pdf": 60.0, "docx": 30.0}``; raises ValueError."""
    result: dict[str, float] = {}
    for part in text.replace(";", ",").split(","):
        if not part.strip():
            continue
        name, sep, value = part.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"write preferences as type=seconds, not {part.strip()!r}")
        result[name.strip().lower().lstrip(".")] = float(value)
    return result


def format_preferences(preferences: dict[str, float]) -> str:
    return ", ".join(f"{name}={value:g}" for name, value in sorted(preferences.items()))


def _spin(low: int, high: int, value: int, suffix: str = "") -> QSpinBox:
    box = QSpinBox()
    box.setRange(low, high)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setGroupSeparatorShown(True)
    return box


class SettingsDialog(QDialog):
    """Edits the settings; :meth:`result_settings` returns the edited copy."""

    def __init__(
        self,
        settings: Settings,
        token_source: TokenSource | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("settingsDialog")
        self.setWindowTitle("DocProc settings")
        self.settings = settings
        self.token_source = token_source
        self.workers = _spin(1, 256, settings.max_workers)
        self.workers.setObjectName("maxWorkers")
        self.queue_size = _spin(1, 10_000_000, settings.max_queue_size, " jobs")
        self.queue_size.setObjectName("maxQueueSize")
        self.timeout = QDoubleSpinBox()
        self.timeout.setObjectName("jobTimeout")
        self.timeout.setRange(1, 86_400)
        self.timeout.setDecimals(0)
        self.timeout.setSuffix(" s")
        self.timeout.setValue(settings.job_timeout)
        self.retries = _spin(0, 100, settings.max_retries)
        self.retries.setObjectName("maxRetries")
        self.aging = QDoubleSpinBox()
        self.aging.setRange(1, 86_400)
        self.aging.setDecimals(0)
        self.aging.setSuffix(" s per level")
        self.aging.setValue(settings.aging_seconds_per_level)
        self.preferences = QLineEdit(format_preferences(settings.type_preferences))
        self.preferences.setObjectName("typePreferences")
        self.preferences.setPlaceholderText("e.g. pdf=60, docx=30 (seconds earlier)")
        self.api_enabled = QCheckBox("Serve the local REST API")
        self.api_enabled.setObjectName("apiEnabled")
        self.api_enabled.setChecked(settings.api_enabled)
        self.api_port = _spin(0, 65535, settings.api_port)
        self.api_port.setObjectName("apiPort")
        self.api_port.setGroupSeparatorShown(False)
        self.token = QLineEdit()
        self.token.setObjectName("apiToken")
        self.token.setReadOnly(True)
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        self.token.setPlaceholderText("generated when the server first starts")
        show = QPushButton("Show")
        show.setCheckable(True)
        show.toggled.connect(
            lambda on: self.token.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        copy = QPushButton("Copy")
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(self.token.text()))
        renew = QPushButton("New token")
        renew.setToolTip("Replace the token; clients need the new one (the server restarts)")
        renew.clicked.connect(lambda: self._load_token(regenerate=True))
        for button in (copy, renew):
            button.setEnabled(token_source is not None)
        self.notifications = QCheckBox("Notify when a batch completes or a job fails")
        self.notifications.setObjectName("notifications")
        self.notifications.setChecked(settings.notifications)
        self.close_to_tray = QCheckBox("Keep running in the tray when the window is closed")
        self.close_to_tray.setObjectName("closeToTray")
        self.close_to_tray.setChecked(settings.close_to_tray)
        self.error = QLabel()
        self.error.setStyleSheet("color: #d64545")

        engine = QFormLayout()
        engine.addRow("Workers", self.workers)
        engine.addRow("Queue size", self.queue_size)
        engine.addRow("Job timeout", self.timeout)
        engine.addRow("Retries", self.retries)
        priority = QFormLayout()
        priority.addRow("Aging", self.aging)
        priority.addRow("Type preferences", self.preferences)
        token_row = QHBoxLayout()
        token_row.addWidget(self.token, 1)
        for button in (show, copy, renew):
            token_row.addWidget(button)
        api = QFormLayout()
        api.addRow(self.api_enabled)
        api.addRow("Port", self.api_port)
        api.addRow("Token", token_row)
        desktop = QVBoxLayout()
        desktop.addWidget(self.notifications)
        desktop.addWidget(self.close_to_tray)
        layout = QVBoxLayout(self)
        for title, inner in (
            ("Engine", engine),
            ("Priorities", priority),
            ("REST server", api),
            ("Desktop", desktop),
        ):
            group = QGroupBox(title)
            group.setLayout(inner)
            layout.addWidget(group)
        layout.addWidget(self.error)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._load_token(regenerate=False)

    def _load_token(self, *, regenerate: bool) -> None:
        if self.token_source is None:
            return
        try:
            self.token.setText(self.token_source(regenerate) or "")
        except OSError as error:
            self.error.setText(f"Cannot read the API token: {error}")

    def result_settings(self) -> Settings:
        """The edited settings; raises ValueError for an unreadable preference list."""
        return self.settings.replace(
            max_workers=self.workers.value(),
            max_queue_size=self.queue_size.value(),
            job_timeout=float(self.timeout.value()),
            max_retries=self.retries.value(),
            aging_seconds_per_level=float(self.aging.value()),
            type_preferences=parse_preferences(self.preferences.text()),
            api_enabled=self.api_enabled.isChecked(),
            api_port=self.api_port.value(),
            notifications=self.notifications.isChecked(),
            close_to_tray=self.close_to_tray.isChecked(),
        )

    def accept(self) -> None:
        try:
            self.result_settings()
        except ValueError as error:
            self.error.setText(str(error))
            return
        super().accept()
