"""The job table view: fixed row heights, sortable header, progress delegate, context menu."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QPoint, Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QMenu, QTableView, QWidget

from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.job_table_model import COLUMN_KEYS, JobTableModel
from docproc_gui.ui.progress_delegate import JobCellDelegate

WIDTHS = {"name": 260, "type": 56, "status": 100, "priority": 76, "progress": 110, "step": 80,
          "eta": 64, "size": 76, "attempts": 64, "submitted": 80, "duration": 70, "quality": 60}


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

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self.cells.refresh_colours(self.palette())

    def selected_records(self) -> list[JobRecord]:
        rows = sorted({index.row() for index in self.selectionModel().selectedRows()})
        return [self.job_model.record_at(row) for row in rows]

    def select_job(self, job_id: str) -> bool:
        row = self.job_model.row_of(job_id)
        if row < 0:
            return False
        index = self.job_model.index(row, 0)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            | QItemSelectionModel.SelectionFlag.Rows)
        self.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)
        return True

    def _current(self, row: int) -> None:
        self.current_job_changed.emit(self.job_model.record_at(row).job_id if row >= 0 else None)

    def _sort(self, column: int, order: Qt.SortOrder) -> None:
        self.job_model.sort(column, order)

    def _context_menu(self, point: QPoint) -> None:
        if self.menu is not None and self.job_model.rowCount():
            self.menu.popup(self.viewport().mapToGlobal(point))
