"""Painting the job table's cells: a slim progress bar, and every other cell by hand.

The table repaints about ten times a second while work runs. Going through
``QStyledItemDelegate`` asks the model for seven roles per cell (3,000 calls from C++
into Python for one screenful), and every such call must take the GIL from the busy
worker threads. :class:`JobCellDelegate` instead reads the row's record once per cell,
straight from the model, and draws background, text and bar itself.
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetrics, QPainter, QPalette
from PySide6.QtWidgets import QStyle, QStyledItemDelegate, QStyleOptionViewItem, QWidget

from docproc_gui.domain import ProcessingStatus
from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.job_table_model import (
    COLUMN_KEYS,
    COLUMNS,
    JobTableModel,
    display_text,
)
from docproc_gui.ui.theme import Colours, current_colours

LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
ELIDE_COLUMNS = frozenset({"name", "step"})
SELECTED = QStyle.StateFlag.State_Selected


def paint_progress(
    painter: QPainter,
    rect: QRect,
    fraction: float,
    fill: QColor,
    colours: Colours,
    text_colour: QColor,
) -> None:
    """A rounded bar with the percentage on it."""
    bar = QRectF(rect).adjusted(4, 5, -4, -5)
    painter.save()
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(QColor(colours.track))
    painter.drawRoundedRect(bar, 3, 3)
    if fraction > 0:
        done = QRectF(bar)
        done.setWidth(max(bar.height(), bar.width() * min(fraction, 1.0)))
        painter.setBrush(fill)
        painter.drawRoundedRect(done, 3, 3)
    painter.setPen(QColor("#ffffff") if fraction >= 0.5 else text_colour)
    painter.drawText(bar, Qt.AlignmentFlag.AlignCenter, f"{fraction:.0%}")
    painter.restore()


class JobCellDelegate(QStyledItemDelegate):
    """Paints every cell of the job table from its :class:`JobRecord`."""

    def __init__(self, model: JobTableModel, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self.alignments = [RIGHT if column.align_right else LEFT for column in COLUMNS]
        self.refresh_colours(parent.palette() if parent is not None else QPalette())

    def refresh_colours(self, palette: QPalette) -> None:
        """Look colours up once (per palette), not per painted cell."""
        role = QPalette.ColorRole
        self.colours = current_colours()
        self.highlight = palette.color(role.Highlight)
        self.highlighted_text = palette.color(role.HighlightedText)
        self.alternate = palette.color(role.AlternateBase)
        self.base = palette.color(role.Base)
        self.text = palette.color(role.Text)
        self.status_colours = {
            status: self.colours.for_status(status) for status in ProcessingStatus
        }

    def row_background(self, row: int, selected: bool) -> QColor:
        """The colour under a whole row: highlight, or the stripe of odd and even rows."""
        if selected:
            return self.highlight
        return self.alternate if row % 2 else self.base

    def paint(
        self,
        painter: QPainter,
        option: QStyleOptionViewItem,
        index: QModelIndex | QPersistentModelIndex,
    ) -> None:
        row = index.row()
        selected = bool(option.state & SELECTED)
        rect = option.rect
        if selected:
            painter.fillRect(rect, self.highlight)
        elif row % 2:
            painter.fillRect(rect, self.alternate)
        self.paint_content(
            painter, rect, self.model.record_at(row), index.column(), selected, option.fontMetrics
        )

    def paint_content(
        self,
        painter: QPainter,
        rect: QRect,
        record: JobRecord,
        column: int,
        selected: bool,
        metrics: QFontMetrics,
    ) -> None:
        """A cell's text or bar over a background already filled."""
        text_colour = self.highlighted_text if selected else self.text
        key = COLUMN_KEYS[column]
        if key == "progress":
            paint_progress(
                painter,
                rect,
                record.progress,
                self.status_colours[record.status],
                self.colours,
                text_colour,
            )
            return
        if key == "status" and not selected:
            text_colour = self.status_colours[record.status]
        text = display_text(record, key)
        if not text:
            return
        area = rect.adjusted(6, 0, -6, 0)
        if key in ELIDE_COLUMNS:
            mode = Qt.TextElideMode.ElideMiddle if key == "name" else Qt.TextElideMode.ElideRight
            text = metrics.elidedText(text, mode, area.width())
        painter.setPen(text_colour)
        painter.drawText(area, self.alignments[column], text)


# The name the first version of this module exported.
ProgressDelegate = JobCellDelegate
