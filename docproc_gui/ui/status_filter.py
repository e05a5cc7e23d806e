"""The side column: filter the job table by status group and file type, with live counts.

Status counts come from the store (the once-a-second snapshot), so they are true counts
even while the table has only paged in part of the history; type counts are those of the
jobs the table has loaded.
"""

from __future__ import annotations

from collections.abc import Mapping

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from docproc_gui.ui.icons import group_icon, icon
from docproc_gui.ui.job_records import STATUS_GROUPS

ALL = "All"
GROUP_ORDER = ("Queued", "Processing", "Retrying", "Completed", "Failed", "Cancelled")
ROLE = Qt.ItemDataRole.UserRole


def group_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """Per-status counts from the store folded into the window's status groups."""
    result = {group: 0 for group in GROUP_ORDER}
    for group, statuses in STATUS_GROUPS.items():
        result[group] = sum(int(counts.get(status.value, 0)) for status in statuses)
    return result


def _section_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setStyleSheet("font-weight: 600; letter-spacing: 1px; padding: 8px 4px 2px 4px;")
    return label


class StatusFilter(QWidget):
    """Two lists (status, type); choosing an entry filters the table."""

    groups_changed = Signal(object)  # frozenset[str] | None
    type_changed = Signal(object)  # str | None

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("statusFilter")
        self.status_list = QListWidget()
        self.status_list.setObjectName("statusList")
        self.type_list = QListWidget()
        self.type_list.setObjectName("typeList")
        for widget in (self.status_list, self.type_list):
            widget.setFrameShape(QListWidget.Shape.NoFrame)
            widget.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        item = QListWidgetItem(icon("status-all"), "All (0)")
        item.setData(ROLE, ALL)
        self.status_list.addItem(item)
        for group in GROUP_ORDER:
            item = QListWidgetItem(group_icon(group), f"{group} (0)")
            item.setData(ROLE, group)
            self.status_list.addItem(item)
        self.status_list.setCurrentRow(0)
        self._set_types({})
        self.type_list.setCurrentRow(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(_section_label("STATUS"))
        layout.addWidget(self.status_list, 3)
        layout.addWidget(_section_label("TYPES"))
        layout.addWidget(self.type_list, 2)
        self.status_list.currentItemChanged.connect(self._status_chosen)
        self.type_list.currentItemChanged.connect(self._type_chosen)

    # ------------------------------------------------------------------ inputs

    def set_counts(self, counts: Mapping[str, int]) -> None:
        """Show the store's per-status counts."""
        groups = group_counts(counts)
        total = sum(groups.values())
        for row in range(self.status_list.count()):
            item = self.status_list.item(row)
            key = item.data(ROLE)
            number = total if key == ALL else groups.get(key, 0)
            text = f"{key} ({number:,})"
            if item.text() != text:
                item.setText(text)

    def set_types(self, types: Mapping[str, int]) -> None:
        self._set_types(types)

    def select_group(self, group: str | None) -> None:
        """Choose a status group programmatically (None: all)."""
        wanted = group or ALL
        for row in range(self.status_list.count()):
            if self.status_list.item(row).data(ROLE) == wanted:
                self.status_list.setCurrentRow(row)
                return

    def status_count(self, group: str) -> int:
        for row in range(self.status_list.count()):
            item = self.status_list.item(row)
            if item.data(ROLE) == group:
                return int(item.text().rsplit("(", 1)[1].rstrip(")").replace(",", ""))
        raise KeyError(group)

    # ------------------------------------------------------------------ internals

    def _set_types(self, types: Mapping[str, int]) -> None:
        entries = [(ALL, sum(types.values())), *sorted(types.items())]
        items = [self.type_list.item(row) for row in range(self.type_list.count())]
        if [item.data(ROLE) for item in items] == [name for name, _number in entries]:
            # The same types: new counts only. This runs on every flush that adds jobs,
            # and rebuilding the list (icons included) cost ~2 ms of the GUI thread.
            for item, (name, number) in zip(items, entries, strict=True):
                text = self._type_text(name, number)
                if item.text() != text:
                    item.setText(text)
            return
        current = self.type_list.currentItem()
        chosen = current.data(ROLE) if current is not None else ALL
        self.type_list.blockSignals(True)
        self.type_list.clear()
        for name, number in entries:
            item = QListWidgetItem(
                icon("status-all" if name == ALL else "type"), self._type_text(name, number)
            )
            item.setData(ROLE, name)
            self.type_list.addItem(item)
            if name == chosen:
                self.type_list.setCurrentItem(item)
        self.type_list.blockSignals(False)

    @staticmethod
    def _type_text(name: str, number: int) -> str:
        label = name.upper() if name != ALL else ALL
        return f"{label or '(none)'} ({number:,})"

    def _status_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        key = item.data(ROLE) if item is not None else ALL
        self.groups_changed.emit(None if key == ALL else frozenset({key}))

    def _type_chosen(self, item: QListWidgetItem | None, _previous: object = None) -> None:
        key = item.data(ROLE) if item is not None else ALL
        self.type_changed.emit(None if key == ALL else key)
