"""The Statistics tab: throughput, queue depth, outcomes, durations, types and categories.

pyqtgraph plot items are created once; each update only calls ``setData``/``setOpts``.
Queue depth is sampled from the monitor's snapshots (the store keeps no depth history);
the other series come from the statistics snapshot and, every few seconds while the tab
is visible, from :func:`~docproc_gui.ui.stats_queries.load_breakdown`.
"""

from __future__ import annotations

import os
from collections import deque
from typing import Any

os.environ.setdefault("PYQTGRAPH_QT_LIB", "PySide6")

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from docproc_gui.ui.monitor import Snapshot
from docproc_gui.ui.stats_queries import Breakdown, load_breakdown
from docproc_gui.ui.tasks import TaskRunner
from docproc_gui.ui.theme import current_colours

DEPTH_SAMPLES = 3600
BREAKDOWN_EVERY_MS = 5000
TOP_TYPES = 10
BINS = 20


def _iso_epoch(text: str) -> float:
    from datetime import datetime

    return datetime.fromisoformat(text).timestamp()


def _seconds(value: float | None) -> str:
    return "—" if value is None else f"{value:.2f} s"


class StatisticsView(QWidget):
    """Six small plots in a grid."""

    def __init__(self, processor: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statisticsView")
        self.processor = processor
        self.tasks = tasks
        self.updates = 0
        self._depth_t: deque[float] = deque(maxlen=DEPTH_SAMPLES)
        self._depth_wait: deque[float] = deque(maxlen=DEPTH_SAMPLES)
        self._depth_run: deque[float] = deque(maxlen=DEPTH_SAMPLES)
        self._loading = False
        colours = current_colours()
        c = colours.groups
        background = self.palette().color(QPalette.ColorRole.Base)
        foreground = self.palette().color(QPalette.ColorRole.Text)
        pg.setConfigOptions(antialias=True)

        def plot(title: str, date_axis: bool = False, **axes: str) -> pg.PlotWidget:
            items = {"bottom": pg.DateAxisItem(orientation="bottom")} if date_axis else {}
            widget = pg.PlotWidget(axisItems=items, background=background)
            widget.setTitle(title, color=foreground, size="10pt")
            widget.showGrid(x=True, y=True, alpha=0.15)
            widget.setMenuEnabled(False)
            widget.setMouseEnabled(x=False, y=False)
            widget.hideButtons()
            for side, label in axes.items():
                widget.setLabel(side, label, color=foreground)
            for side in ("left", "bottom"):
                axis = widget.getAxis(side)
                axis.setPen(pg.mkPen(QColor(colours.muted)))
                axis.setTextPen(pg.mkPen(foreground))
            widget.addLegend(offset=(-8, 8), labelTextColor=foreground)
            return widget

        self.throughput_plot = plot("Throughput (jobs/min, last hour)", True, left="jobs/min")
        self.completed_curve = self.throughput_plot.plot(
            [],
            [],
            name="completed",
            pen=pg.mkPen(c["Completed"], width=2),
            fillLevel=0,
            brush=QColor(c["Completed"]).lighter(170),
        )
        self.failed_curve = self.throughput_plot.plot(
            [], [], name="failed", pen=pg.mkPen(c["Failed"], width=2)
        )

        self.depth_plot = plot("Queue depth", True, left="jobs")
        self.waiting_curve = self.depth_plot.plot(
            [], [], name="waiting", pen=pg.mkPen(c["Queued"], width=2)
        )
        self.running_curve = self.depth_plot.plot(
            [], [], name="running", pen=pg.mkPen(c["Processing"], width=2)
        )

        self.outcome_plot = plot("Outcomes (all time)")
        self.outcome_bars = pg.BarGraphItem(
            x=np.arange(3),
            height=np.zeros(3),
            width=0.6,
            brushes=[QColor(c["Completed"]), QColor(c["Failed"]), QColor(c["Cancelled"])],
        )
        self.outcome_plot.addItem(self.outcome_bars)
        self.outcome_plot.getAxis("bottom").setTicks(
            [[(0, "completed"), (1, "failed"), (2, "cancelled")]]
        )

        self.duration_plot = plot("Processing time (last 1,000 jobs)", left="jobs", bottom="s")
        self.duration_bars = pg.BarGraphItem(
            x=np.zeros(0), height=np.zeros(0), width=1.0, brush=QColor(c["Processing"])
        )
        self.duration_plot.addItem(self.duration_bars)

        self.type_plot = plot("Jobs by file type")
        self.type_ok = pg.BarGraphItem(
            x=np.zeros(0),
            height=np.zeros(0),
            width=0.6,
            brush=QColor(c["Completed"]),
            name="completed",
        )
        self.type_bad = pg.BarGraphItem(
            x=np.zeros(0),
            y0=np.zeros(0),
            height=np.zeros(0),
            width=0.6,
            brush=QColor(c["Failed"]),
            name="failed",
        )
        self.type_plot.addItem(self.type_ok)
        self.type_plot.addItem(self.type_bad)

        self.category_plot = plot("Documents by category")
        self.category_bars = pg.BarGraphItem(
            x=np.zeros(0), height=np.zeros(0), width=0.6, brush=QColor("#8a5cd6")
        )
        self.category_plot.addItem(self.category_bars)

        self.summary = QLabel()
        self.summary.setObjectName("statisticsSummary")
        grid = QGridLayout()
        grid.setSpacing(8)
        for position, widget in enumerate(
            (
                self.throughput_plot,
                self.depth_plot,
                self.outcome_plot,
                self.duration_plot,
                self.type_plot,
                self.category_plot,
            )
        ):
            grid.addWidget(widget, position // 3, position % 3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(self.summary)
        layout.addLayout(grid, 1)
        self._breakdown_timer = QTimer(self)
        self._breakdown_timer.setInterval(BREAKDOWN_EVERY_MS)
        self._breakdown_timer.timeout.connect(self.load_breakdown)

    # ------------------------------------------------------------------ inputs

    def add_snapshot(self, snapshot: Snapshot) -> None:
        """Record the queue depth; redraw the snapshot plots when visible."""
        self._depth_t.append(snapshot.at)
        self._depth_wait.append(snapshot.waiting)
        self._depth_run.append(snapshot.running)
        if self.isVisible():
            self.show_snapshot(snapshot)

    def show_snapshot(self, snapshot: Snapshot) -> None:
        stats = snapshot.statistics
        minutes = stats.per_minute
        x = np.array([_iso_epoch(item["minute"]) for item in minutes], dtype=float)
        self.completed_curve.setData(x, np.array([m["completed"] for m in minutes], dtype=float))
        self.failed_curve.setData(x, np.array([m["failed"] for m in minutes], dtype=float))
        self.waiting_curve.setData(
            np.fromiter(self._depth_t, float), np.fromiter(self._depth_wait, float)
        )
        self.running_curve.setData(
            np.fromiter(self._depth_t, float), np.fromiter(self._depth_run, float)
        )
        counts = stats.counts
        outcome = [counts.get("COMPLETED", 0), counts.get("FAILED", 0), counts.get("CANCELLED", 0)]
        self.outcome_bars.setOpts(height=np.array(outcome, dtype=float))
        rate = "—" if stats.success_rate is None else f"{stats.success_rate:.1%}"
        recent = "—" if stats.recent_failure_rate is None else f"{stats.recent_failure_rate:.1%}"
        average = _seconds(stats.average_processing_time)
        p95 = _seconds(stats.p95_processing_time)
        self.summary.setText(
            f"<b>{stats.total_jobs:,}</b> jobs · success rate <b>{rate}</b> · failure rate "
            f"(last hour) <b>{recent}</b> · average time <b>{average}</b> · p95 <b>{p95}</b>"
        )
        self.updates += 1

    def load_breakdown(self) -> None:
        if self._loading or not self.isVisible():
            return
        self._loading = True
        processor = self.processor
        self.tasks.submit(
            lambda: load_breakdown(processor),
            self._breakdown_loaded,
            lambda _error: setattr(self, "_loading", False),
        )

    def show_breakdown(self, breakdown: Breakdown) -> None:
        durations = np.array(breakdown.durations, dtype=float)
        if durations.size:
            counts, edges = np.histogram(durations, bins=BINS)
            self.duration_bars.setOpts(
                x=(edges[:-1] + edges[1:]) / 2, height=counts, width=(edges[1] - edges[0]) * 0.9
            )
        types = sorted(breakdown.by_type.items(), key=lambda kv: -sum(kv[1].values()))[:TOP_TYPES]
        positions = np.arange(len(types), dtype=float)
        ok = np.array([t[1].get("COMPLETED", 0) for t in types], dtype=float)
        bad = np.array([t[1].get("FAILED", 0) for t in types], dtype=float)
        self.type_ok.setOpts(x=positions, height=ok)
        self.type_bad.setOpts(x=positions, y0=ok, height=bad)
        self.type_plot.getAxis("bottom").setTicks(
            [[(i, (name or "?").upper()) for i, (name, _) in enumerate(types)]]
        )
        categories = sorted(breakdown.by_category.items(), key=lambda kv: -kv[1])[:TOP_TYPES]
        self.category_bars.setOpts(
            x=np.arange(len(categories), dtype=float),
            height=np.array([n for _, n in categories], dtype=float),
        )
        self.category_plot.getAxis("bottom").setTicks(
            [[(i, name) for i, (name, _) in enumerate(categories)]]
        )

    # ------------------------------------------------------------------ visibility

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self._breakdown_timer.start()
        self.load_breakdown()

    def hideEvent(self, event: Any) -> None:
        super().hideEvent(event)
        self._breakdown_timer.stop()

    def _breakdown_loaded(self, breakdown: object) -> None:
        self._loading = False
        assert isinstance(breakdown, Breakdown)
        self.show_breakdown(breakdown)
