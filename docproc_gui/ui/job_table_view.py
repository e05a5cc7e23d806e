"""The job table view: fixed row heights, sortable header, progress delegate, context menu.

Painting is the view's hot path: while work runs the model reports changes about ten times
a second, and Qt repaints the visible part of the changed span. Going cell by cell through
the delegate costs two calls from C++ into Python per cell (``flags()`` and ``paint()``)
plus several Qt calls each; every one of them releases and re-takes the GIL, which busy
worker threads hold, so one paint of 25 rows x 12 columns took 40-90 ms under load.
:meth:`JobTableView.paintEvent` therefore paints whole rows itself: each visible row is
drawn once into a pixmap (by the same :class:`JobCellDelegate` code) and re-used for as
long as what the row shows is unchanged, so a repaint is one ``drawPixmap`` per row plus
the rows whose text, bar, selection or stripe actually changed.

When many rows change at once (a flush that inserts hundreds of jobs above the visible
ones), rendering all of them took 20-35 ms of the GUI thread under load. A paint
therefore renders changed rows only until they took :data:`PAINT_BUDGET_S` (and always
at least one, so every paint moves on); the others show what they showed before (or,
for rows never drawn, their stripe and file name) and a repaint :data:`CATCH_UP_MS`
later goes on with them, again within the budget.
"""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QPainter, QPaintEvent, QPixmap
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.job_table_model import COLUMN_KEYS, JobTableModel, display_text
from docproc_gui.ui.progress_delegate import JobCellDelegate

WIDTHS = {
    "name": 260,
    "type": 56,
    "status": 100,
    "priority": 76,
    "progress": 110,
    "step": 80,
    "eta": 64,
    "size": 76,
    "attempts": 64,
    "submitted": 80,
    "duration": 70,
    "quality": 60,
}
ROW_CACHE_LIMIT = 400  # cached row pixmaps (a few screens); beyond it, keep the visible ones
PAINT_BUDGET_S = 0.006  # one paint stops rendering changed rows after this much of it
CATCH_UP_MS = 30  # then the rest are rendered by a repaint this much later
NAME_COLUMN = COLUMN_KEYS.index("name")


class JobTableView(QTableView):
    """Shows a :class:`JobTableModel`; emits the selected job (or None)."""

    current_job_changed = Signal(object)  # str | None
    selection_changed = Signal()

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("jobTable")
        self.job_model = model
        self.menu: QMenu | None = None
        self.setModel(model)
        self.cells = JobCellDelegate(model, self)
        self.setItemDelegate(self.cells)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.setSortingEnabled(False)  # the model starts in arrival order (newest first)
        self.setAlternatingRowColors(True)
        self.setShowGrid(False)
        self.setWordWrap(False)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        vertical = self.verticalHeader()
        vertical.setVisible(False)
        vertical.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        vertical.setDefaultSectionSize(24)
        header = self.horizontalHeader()
        header.setSectionsClickable(True)
        header.setSortIndicatorShown(True)
        header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        header.setHighlightSections(False)
        header.setDefaultAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter)
        header.setStretchLastSection(True)
        for column, key in enumerate(COLUMN_KEYS):
            self.setColumnWidth(column, WIDTHS.get(key, 80))
        header.sortIndicatorChanged.connect(self._sort)
        self.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.customContextMenuRequested.connect(self._context_menu)
        selection = self.selectionModel()
        selection.currentRowChanged.connect(lambda current, _old: self._current(current.row()))
        selection.selectionChanged.connect(lambda *_: self.selection_changed.emit())
        # Row pixmaps: job id -> (what the row showed, its pixmap); the section layout.
        self._row_cache: dict[str, tuple[tuple[object, ...], QPixmap]] = {}
        self._sections: list[tuple[int, int, int]] | None = None  # (column, x, width)
        self._catch_up = QTimer(self)
        self._catch_up.setSingleShot(True)
        self._catch_up.setInterval(CATCH_UP_MS)
        self._catch_up.timeout.connect(self.viewport().update)
        header.sectionResized.connect(self._layout_changed)
        header.sectionMoved.connect(self._layout_changed)
        header.sectionCountChanged.connect(self._layout_changed)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.cells.refresh_colours(self.palette())
            self._layout_changed()
        elif event.type() == QEvent.Type.FontChange:
            self._layout_changed()

    # ------------------------------------------------------------------ painting

    def _layout_changed(self, *_args: object) -> None:
        self._sections = None
        self._row_cache.clear()

    def _section_layout(self) -> list[tuple[int, int, int]]:
        if self._sections is None:
            header = self.horizontalHeader()
            sections = []
            for visual in range(header.count()):
                column = header.logicalIndex(visual)
                if not header.isSectionHidden(column):
                    sections.append(
                        (column, header.sectionPosition(column), header.sectionSize(column))
                    )
            self._sections = sections
        return self._sections

    def paintEvent(self, event: QPaintEvent) -> None:
        model = self.job_model
        rows = model.rowCount()
        area = event.rect()
        first = self.rowAt(area.top())
        if rows == 0 or first < 0:
            return
        last = self.rowAt(area.bottom())
        if last < 0:
            last = rows - 1
        height = self.verticalHeader().defaultSectionSize()
        y = self.rowViewportPosition(first)
        x = -self.horizontalHeader().offset()
        # Row ranges of the selection, once per paint: isRowSelected asks the model for
        # the flags of every column of the row, a call into Python each.
        ranges = self.selectionModel().selection()
        selection = [(ranges.at(i).top(), ranges.at(i).bottom()) for i in range(ranges.size())]
        cache = self._row_cache
        used: dict[str, tuple[tuple[object, ...], QPixmap]] = {}
        spent = 0.0  # rendering time only: drawing cached rows does not count
        rendered = 0
        behind = False
        painter = QPainter(self.viewport())
        for row in range(first, last + 1):
            record = model.record_at(row)
            selected = any(top <= row <= bottom for top, bottom in selection)
            key = (
                selected,
                row & 1,
                height,
                record.status,
                round(record.progress, 3),
                *[display_text(record, column) for column in COLUMN_KEYS],
            )
            entry = cache.get(record.job_id)
            if entry is None or entry[0] != key:
                if not rendered or spent < PAINT_BUDGET_S:  # every paint moves on
                    started = time.perf_counter()
                    entry = (key, self._render_row(record, row, selected, height))
                    spent += time.perf_counter() - started
                    rendered += 1
                else:
                    behind = True
                    if entry is None:  # never drawn: its stripe and name for now
                        self._sketch_row(painter, x, y, record, row, selected, height)
                        y += height
                        continue
            used[record.job_id] = entry
            painter.drawPixmap(x, y, entry[1])
            y += height
        painter.end()
        if len(cache) + len(used) > ROW_CACHE_LIMIT:
            cache.clear()
        cache.update(used)
        if behind and not self._catch_up.isActive():
            self._catch_up.start()

    def _sketch_row(
        self,
        painter: QPainter,
        x: int,
        y: int,
        record: JobRecord,
        row: int,
        selected: bool,
        height: int,
    ) -> None:
        """A row not rendered yet: its background and file name (a few Qt calls)."""
        cells = self.cells
        width = self.horizontalHeader().length()
        painter.fillRect(QRect(x, y, width, height), cells.row_background(row, selected))
        for column, left, size in self._section_layout():
            if column == NAME_COLUMN:
                cells.paint_content(
                    painter,
                    QRect(x + left, y, size, height),
                    record,
                    column,
                    selected,
                    self.fontMetrics(),
                )

    def _render_row(self, record: JobRecord, row: int, selected: bool, height: int) -> QPixmap:
        cells = self.cells
        sections = self._section_layout()
        width = max(1, self.horizontalHeader().length())
        ratio = self.devicePixelRatioF()
        pixmap = QPixmap(round(width * ratio), round(height * ratio))
        pixmap.setDevicePixelRatio(ratio)
        pixmap.fill(cells.row_background(row, selected))
        painter = QPainter(pixmap)
        painter.setFont(self.font())
        metrics = self.fontMetrics()
        for column, left, size in sections:
            cells.paint_content(
                painter, QRect(left, 0, size, height), record, column, selected, metrics
            )
        painter.end()
        return pixmap

    def selected_records(self) -> list[JobRecord]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        return [self.job_model.record_at(row) for row in rows]

    def select_job(self, job_id: str) -> bool:
        row = self.job_model.row_of(job_id)
        if row < 0:
            return False
        index = self.job_model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _current(self, row: int) -> None:
        self.current_job_changed.emit(self.job_model.record_at(row).job_id if row >= 0 else None)

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.job_model.sort(column, order)

    def _context_menu(self, point: QPoint) -> None:
        if self.menu is not None and self.job_model.rowCount():
            self.menu.popup(self.viewport().mapToGlobal(point))
