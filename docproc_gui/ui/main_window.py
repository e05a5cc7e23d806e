"""The main window: builds the parts and wires their signals. It computes nothing itself.

Layout (qBittorrent-like): toolbar with queue actions, priority and filter; a status/type
filter column; the job table under the drop zone, with the details panel below it; the
Statistics and Knowledge tabs; a status bar with live figures and the health light.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QFileDialog,
    QLabel,
    QMainWindow,
    QMessageBox,
    QProgressBar,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from docproc_gui.config import Settings, save_settings
from docproc_gui.discovery import SUPPORTED_EXTENSIONS
from docproc_gui.ui.batch_tracker import BatchTracker
from docproc_gui.ui.details_panel import DetailsPanel
from docproc_gui.ui.drop_zone import DropFilter, DropZone
from docproc_gui.ui.health_indicator import HealthIndicator
from docproc_gui.ui.icons import app_icon, icon
from docproc_gui.ui.job_actions import JobActions
from docproc_gui.ui.job_feed import JobFeed
from docproc_gui.ui.job_table_model import JobTableModel
from docproc_gui.ui.job_table_view import JobTableView
from docproc_gui.ui.knowledge_view import KnowledgeView
from docproc_gui.ui.monitor import Monitor, Snapshot
from docproc_gui.ui.notification_bar import NotificationBar
from docproc_gui.ui.queue_controls import QueueControls, QueueStatus
from docproc_gui.ui.quit_flow import QuitChoice, QuitDialog, QuitFlow
from docproc_gui.ui.settings_apply import apply_settings
from docproc_gui.ui.settings_dialog import SettingsDialog, TokenSource
from docproc_gui.ui.statistics_tab import StatisticsTab
from docproc_gui.ui.status_filter import StatusFilter
from docproc_gui.ui.submitter import SubmitReport, Submitter
from docproc_gui.ui.tasks import TaskRunner
from docproc_gui.ui.throttle import Throttle
from docproc_gui.ui.tray import TrayController

FILE_FILTER = "Documents ({});;All files (*)".format(
    " ".join(f"*.{ext}" for ext in sorted(SUPPORTED_EXTENSIONS))
)


class MainWindow(QMainWindow):
    """The DocProc window around one BackgroundProcessor."""

    settings_changed = Signal(object)  # Settings, after saving
    quit_ready = Signal(bool)  # the engine may shut down now (wait?)

    def __init__(
        self,
        processor: Any,
        settings: Settings,
        *,
        config_path: Path | None = None,
        token_source: TokenSource | None = None,
        tray_available: bool | None = None,
        monitor_interval_ms: int = 1000,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("DocProc")
        self.setWindowIcon(app_icon())
        self.processor = processor
        self.settings = settings
        self.config_path = config_path
        self.token_source = token_source
        self.tasks = TaskRunner(threads=3, parent=self)

        # Parts
        self.model = JobTableModel(self)
        self.table = JobTableView(self.model)
        self.feed = JobFeed(processor, self.model, self.tasks, self)
        self.monitor = Monitor(processor, self.tasks, monitor_interval_ms, self)
        self.submitter = Submitter(processor, self)
        self.batches = BatchTracker()
        self.actions_ = JobActions(processor, self.tasks, self.table.selected_records, self.table)
        self.table.menu = self.actions_.build_menu(self.table)
        self.controls = QueueControls(self.actions_, self)
        self.status_filter = StatusFilter()
        self.drop_zone = DropZone()
        self.notifications = NotificationBar()
        self.details = DetailsPanel(processor, self.tasks)
        self.statistics = StatisticsTab(processor, self.tasks)
        self.knowledge = KnowledgeView(processor, self.tasks)
        self.health = HealthIndicator()
        self.queue_status = QueueStatus()
        self.queuing = QProgressBar()
        self.queuing.setObjectName("queuingProgress")
        self.queuing.setMaximumWidth(180)
        self.queuing.setRange(0, 0)
        self.queuing.hide()
        self.quit_flow = QuitFlow(processor, self)
        self.tray = TrayController(self, available=tray_available)
        self.tray.enabled = settings.notifications
        self.drop_filter = DropFilter(self)
        self._quitting = False

        self._lay_out()
        self._build_menus()
        self._wire()
        self.controls.set_paused(processor.is_paused)
        self.tray.set_paused(processor.is_paused)
        self.resize(1280, 800)

    # ------------------------------------------------------------------ layout

    def _lay_out(self) -> None:
        self.addToolBar(self.controls)
        jobs = QWidget()
        column = QVBoxLayout(jobs)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(6)
        column.addWidget(self.notifications)
        column.addWidget(self.drop_zone)
        column.addWidget(self.table, 1)
        vertical = QSplitter(Qt.Orientation.Vertical)
        vertical.addWidget(jobs)
        vertical.addWidget(self.details)
        vertical.setStretchFactor(0, 3)
        vertical.setStretchFactor(1, 1)
        vertical.setSizes([520, 220])
        horizontal = QSplitter(Qt.Orientation.Horizontal)
        horizontal.addWidget(self.status_filter)
        horizontal.addWidget(vertical)
        horizontal.setStretchFactor(1, 1)
        horizontal.setSizes([170, 1100])
        self.tabs = QTabWidget()
        self.tabs.setObjectName("mainTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(horizontal, icon("status-all"), "Jobs")
        self.tabs.addTab(self.statistics, icon("status-processing"), "Statistics")
        self.tabs.addTab(self.knowledge, icon("search"), "Knowledge")
        holder = QWidget()
        outer = QVBoxLayout(holder)
        outer.setContentsMargins(6, 4, 6, 0)
        outer.addWidget(self.tabs)
        self.setCentralWidget(holder)
        bar = self.statusBar()
        self.message = QLabel()
        bar.addWidget(self.message, 1)
        bar.addPermanentWidget(self.queuing)
        bar.addPermanentWidget(self.queue_status)
        bar.addPermanentWidget(self.health)
        self.setAcceptDrops(True)
        self.installEventFilter(self.drop_filter)

    def _build_menus(self) -> None:
        menus = self.menuBar()
        file_menu = menus.addMenu("&File")
        file_menu.addAction(self.controls.add_files)
        file_menu.addAction(self.controls.add_folder)
        file_menu.addSeparator()
        file_menu.addAction(self.controls.settings)
        file_menu.addSeparator()
        quit_action = file_menu.addAction("&Quit")
        quit_action.setShortcut("Ctrl+Q")
        quit_action.triggered.connect(self.request_quit)
        jobs_menu = menus.addMenu("&Jobs")
        for action in (self.actions_.cancel, self.actions_.retry):
            jobs_menu.addAction(action)
        jobs_menu.addMenu(self.actions_.priority_menu)
        for action in (
            self.actions_.move_top,
            self.actions_.move_up,
            self.actions_.move_down,
            self.actions_.move_bottom,
            self.actions_.open_file,
            self.actions_.show_folder,
            self.actions_.copy_path,
            self.actions_.remove,
        ):
            jobs_menu.addAction(action)
        help_menu = menus.addMenu("&Help")
        help_menu.addAction("About DocProc", self._about)

    # ------------------------------------------------------------------ wiring

    def _wire(self) -> None:
        signals = self.processor.signals
        signals.events_flushed.connect(self._events)
        signals.paused_changed.connect(self._paused_changed)
        self.model.records_changed.connect(self.details.refresh)
        self.model.types_changed.connect(self.status_filter.set_types)
        self.feed.load_failed.connect(self.show_message)
        self.monitor.updated.connect(self._snapshot)
        self.monitor.failed.connect(self.show_message)
        self.table.current_job_changed.connect(self.details.show_job)
        self.table.selection_changed.connect(self.actions_.update_enabled)
        self.model.modelReset.connect(self.actions_.update_enabled)
        self.actions_.message.connect(self.show_message)
        self.actions_.removed.connect(self.model.forget)
        self.status_filter.groups_changed.connect(lambda groups: self._filter(groups=groups))
        self.status_filter.type_changed.connect(lambda kind: self._filter(file_type=kind))
        self.controls.filter_changed.connect(lambda text: self._filter(text=text))
        self.controls.add_files_requested.connect(self.choose_files)
        self.controls.add_folder_requested.connect(self.choose_folder)
        self.controls.pause_toggled.connect(self.set_paused)
        self.controls.settings_requested.connect(self.open_settings)
        self.drop_zone.paths_dropped.connect(self.add_paths)
        self.drop_zone.add_files_requested.connect(self.choose_files)
        self.drop_zone.add_folder_requested.connect(self.choose_folder)
        self.drop_filter.paths_dropped.connect(self.add_paths)
        self.submitter.started.connect(self._queuing_started)
        # At most 5 updates a second: the bar repaints at once on every new value.
        self._queuing_throttle = Throttle(self._queuing_progressed, 200, self)
        self.submitter.progressed.connect(self._queuing_throttle.call)
        self.submitter.finished.connect(self._queuing_finished)
        self.details.document_requested.connect(self.show_document)
        self.notifications.job_requested.connect(self.show_job)
        self.tray.job_requested.connect(self.show_job)
        self.tray.fallback_notice.connect(self.notifications.show_notice)
        self.tray.show_hide_requested.connect(self.toggle_visible)
        self.tray.pause_requested.connect(self.set_paused)
        self.tray.quit_requested.connect(self.request_quit)
        self.quit_flow.ready.connect(self.quit_ready)
        self.quit_flow.waiting_for.connect(
            lambda n: self.show_message(f"Waiting for {n} running job(s) to finish…")
        )
        self.tabs.currentChanged.connect(self._tab_changed)

    def start(self) -> None:
        """Begin loading the table and polling the engine (after the window is built)."""
        self.feed.start()
        self.monitor.start()

    # ------------------------------------------------------------------ slots

    def _events(self, events: list[Any]) -> None:
        for notice in self.batches.feed(events):
            self.tray.notify(notice)

    def _snapshot(self, snapshot: Snapshot) -> None:
        self.status_filter.set_counts(snapshot.counts)
        self.health.set_report(snapshot.health)
        self.queue_status.set_snapshot(snapshot)
        self.tray.set_snapshot(snapshot)
        self.statistics.add_snapshot(snapshot)
        self.controls.set_paused(snapshot.paused)

    def _paused_changed(self, paused: bool) -> None:
        self.controls.set_paused(paused)
        self.tray.set_paused(paused)
        self.show_message("Processing paused" if paused else "Processing resumed")

    def _filter(self, **change: Any) -> None:
        self.model.set_filter(dataclasses.replace(self.model.job_filter, **change))

    def _tab_changed(self, index: int) -> None:
        if self.tabs.widget(index) is self.statistics and self.monitor.latest is not None:
            self.statistics.show_snapshot(self.monitor.latest)

    def _queuing_started(self, batch_id: str) -> None:
        self.batches.open_batch(batch_id)
        self.queuing.setRange(0, 0)
        self.queuing.setFormat("Queuing…")
        self.queuing.show()

    def _queuing_progressed(self, queued: int, found: int) -> None:
        self.queuing.setRange(0, max(found, 1))
        self.queuing.setValue(queued)
        self.queuing.setFormat(f"Queued {queued:,}")
        self.show_message(f"Queuing… {queued:,} of {found:,} found so far")

    def _queuing_finished(self, report: SubmitReport) -> None:
        self._queuing_throttle.cancel()  # a late "Queuing…" would hide the summary
        if not self.submitter.busy:
            self.queuing.hide()
        self.show_message(report.summary)
        if report.skipped or report.error:
            details = "\n".join(f"{path}: {why}" for path, why in report.skipped[:20])
            box = QMessageBox(
                QMessageBox.Icon.Warning,
                "Some files were not queued",
                report.summary,
                QMessageBox.StandardButton.Ok,
                self,
            )
            box.setObjectName("submitErrors")
            if details:
                box.setDetailedText(details)
            box.open()
        for notice in self.batches.close_batch(report.batch_id):
            self.tray.notify(notice)

    # ------------------------------------------------------------------ commands

    def add_paths(self, paths: list[str]) -> str | None:
        """Queue files and folders (expanded off the GUI thread) at the chosen priority."""
        if not paths:
            return None
        return self.submitter.submit(paths, self.controls.priority)

    def choose_files(self) -> None:
        files, _ = QFileDialog.getOpenFileNames(self, "Add documents", "", FILE_FILTER)
        self.add_paths(files)

    def choose_folder(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, "Add a folder of documents")
        if folder:
            self.add_paths([folder])

    def set_paused(self, paused: bool) -> None:
        (self.processor.pause if paused else self.processor.resume)()

    def show_message(self, text: str) -> None:
        self.message.setText(text)

    def show_job(self, job_id: str) -> None:
        """Bring the window up with the job selected (notification clicks)."""
        self.bring_to_front()
        self.tabs.setCurrentIndex(0)
        if not self.table.select_job(job_id):
            self.status_filter.select_group(None)
            self.table.select_job(job_id)
        self.details.show_job(job_id)

    def show_document(self, document_id: int) -> None:
        self.tabs.setCurrentWidget(self.knowledge)
        self.knowledge.open_document(document_id)

    def bring_to_front(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def toggle_visible(self) -> None:
        if self.isVisible():
            self.hide()
        else:
            self.bring_to_front()

    def open_settings(self) -> SettingsDialog:
        dialog = SettingsDialog(self.settings, self.token_source, self)
        dialog.accepted.connect(lambda: self.save_settings(dialog.result_settings()))
        dialog.open()
        return dialog

    def save_settings(self, new: Settings) -> None:
        old = self.settings
        try:
            save_settings(new, self.config_path)
        except OSError as error:
            self.show_message(f"Could not save the settings: {error}")
            return
        later = apply_settings(self.processor, old, new)
        self.settings = new
        self.tray.enabled = new.notifications
        text = "Settings saved"
        if later:
            text += f"; {', '.join(later)} take effect at the next start"
        self.show_message(text)
        self.settings_changed.emit(new)

    # ------------------------------------------------------------------ quitting

    def request_quit(self) -> None:
        """Quit, asking first when jobs are running."""
        if self.quit_flow.in_progress:
            return
        running = self.processor.active_workers
        if running:
            waiting = self.monitor.latest.waiting if self.monitor.latest else 0
            dialog = QuitDialog(running, waiting, self)
            dialog.exec()
            choice = dialog.choice()
        else:
            choice = QuitChoice.WAIT
        self._quitting = choice is not QuitChoice.CANCEL
        self.quit_flow.carry_out(choice)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._quitting:
            event.accept()
            return
        if self.settings.close_to_tray and self.tray.icon is not None:
            self.hide()
            event.ignore()
            return
        event.ignore()
        self.request_quit()

    def shut_down_views(self) -> None:
        """Stop timers and background readers before the engine goes away."""
        self.monitor.stop()
        self.submitter.stop()
        self.submitter.wait(10_000)
        self.tasks.close(10_000)
        self.tray.hide()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.drop_zone.refresh_style()

    def _about(self) -> None:
        from docproc_gui import __version__

        QMessageBox.about(
            self,
            "About DocProc",
            f"<b>DocProc</b> {__version__}<br/>Documents into a searchable, "
            "quality-checked knowledge base, in the background.",
        )
