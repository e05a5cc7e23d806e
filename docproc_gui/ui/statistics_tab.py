"""The Statistics tab's holder: builds the charts the first time the tab is shown.

pyqtgraph (with numpy) takes about half a second to import, a third of the window's
start-up budget, for a tab many sessions never open. Until then the holder keeps the
queue-depth samples the charts need, and hands them over when it builds them.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QVBoxLayout, QWidget

from docproc_gui.ui.monitor import Snapshot
from docproc_gui.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from docproc_gui.ui.statistics_view import StatisticsView

KEPT_SAMPLES = 3600  # as many as the depth chart shows


class StatisticsTab(QWidget):
    def __init__(self, processor: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statisticsTab")
        self.processor = processor
        self.tasks = tasks
        self.view: StatisticsView | None = None
        self._samples: deque[Snapshot] = deque(maxlen=KEPT_SAMPLES)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)

    def ensure_view(self) -> StatisticsView:
        if self.view is None:
            from docproc_gui.ui.statistics_view import StatisticsView

            self.view = StatisticsView(self.processor, self.tasks, self)
            self._layout.addWidget(self.view)
            for snapshot in self._samples:
                self.view.add_snapshot(snapshot)
            self._samples.clear()
        return self.view

    def add_snapshot(self, snapshot: Snapshot) -> None:
        if self.view is None:
            self._samples.append(snapshot)
        else:
            self.view.add_snapshot(snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        self.ensure_view().show_snapshot(snapshot)

    def showEvent(self, event: QShowEvent) -> None:
        self.ensure_view()
        super().showEvent(event)
