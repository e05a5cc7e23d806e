"""The job table's model: one row per job, fed incrementally from engine events.

Performance is the point of this module (10,000 live jobs and 100,000 history rows):

- :meth:`JobTableModel.apply_events` takes one coalesced flush of the signal bridge.
  New jobs become rows with *one* ``beginInsertRows`` per flush; changed jobs are found
  through a ``job_id -> position`` dict and reported with *one* ``dataChanged`` over the
  span they cover (the view repaints only what is visible). Nothing is rebuilt per event.
- History is paged in lazily (``canFetchMore``/``fetchMore``); the pages are read off the
  GUI thread by a :class:`~docproc_gui.ui.history_loader.HistoryLoader`.
- Filtering and sorting live here rather than in a ``QSortFilterProxyModel``: a proxy
  calls back into Python for every comparison (seconds for 100,000 rows), while one
  ``sorted()`` with a key function takes tens of milliseconds. Positions use an offset
  scheme so rows can be added at both ends without renumbering the others.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
)

from docproc_gui.domain import ProcessingStatus
from docproc_gui.engine.events import JobEvent
from docproc_gui.ui.formatting import (
    format_seconds,
    format_size,
    format_time,
    priority_name,
    status_text,
)
from docproc_gui.ui.gc_policy import GcPolicy
from docproc_gui.ui.job_records import JobRecord

Index = QModelIndex | QPersistentModelIndex
JOB_ID_ROLE = Qt.ItemDataRole.UserRole + 1
RECORD_ROLE = Qt.ItemDataRole.UserRole + 2
PROGRESS_ROLE = Qt.ItemDataRole.UserRole + 3
STATUS_ORDER = {status: position for position, status in enumerate(ProcessingStatus)}
MAX_REMOVE_RUNS = 64  # more separate runs than this: one reset is cheaper than many signals
RESORT_INTERVAL_MS = 2000
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
NO_FLAGS = Qt.ItemFlag.NoItemFlags


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    title: str
    sort_key: Callable[[JobRecord], Any]
    align_right: bool = False


def _none_last(value: float | None) -> float:
    return float("inf") if value is None else value


COLUMNS: tuple[Column, ...] = (
    Column("name", "Name", lambda r: r.name.casefold()),
    Column("type", "Type", lambda r: r.file_type),
    Column("status", "Status", lambda r: STATUS_ORDER[r.status]),
    Column("priority", "Priority", lambda r: r.priority),
    Column("progress", "Progress", lambda r: r.progress),
    Column("step", "Step", lambda r: r.step),
    Column("eta", "ETA", lambda r: _none_last(r.eta_seconds), True),
    Column("size", "Size", lambda r: r.size or 0, True),
    Column("attempts", "Attempts", lambda r: r.attempts, True),
    Column("submitted", "Submitted", lambda r: r.submitted_at or 0.0),
    Column("duration", "Duration", lambda r: _none_last(r.duration), True),
    Column("quality", "Quality", lambda r: -1.0 if r.quality is None else r.quality, True),
)
COLUMN_KEYS = tuple(column.key for column in COLUMNS)
PROGRESS_COLUMN = COLUMN_KEYS.index("progress")
NAME_COLUMN = COLUMN_KEYS.index("name")


@dataclass(frozen=True, slots=True)
class JobFilter:
    """Which jobs the table shows: status groups, one file type, a text in name/path."""

    groups: frozenset[str] | None = None
    file_type: str | None = None
    text: str = ""

    @property
    def active(self) -> bool:
        return self.groups is not None or bool(self.file_type) or bool(self.text)

    def accepts(self, record: JobRecord) -> bool:
        if self.groups is not None and record.group not in self.groups:
            return False
        if self.file_type and record.file_type != self.file_type:
            return False
        if self.text:
            needle = self.text.casefold()
            return needle in record.name.casefold() or needle in record.file_path.casefold()
        return True


_SUPERSEDED_KINDS = frozenset({"step", "progress"})


class JobTableModel(QAbstractTableModel):
    """Rows of :class:`JobRecord`, filtered and sorted, fed from ``events_flushed``."""

    records_changed = Signal(set)  # job ids whose record changed in the last flush
    types_changed = Signal(dict)  # file type -> number of loaded jobs
    fetch_requested = Signal()  # the view wants older history (connected to the loader)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: dict[str, JobRecord] = {}
        # Display order lives in _rows; with _reverse, display row r is _rows[-1 - r].
        self._rows: list[JobRecord] = []
        self._pos: dict[str, int] = {}  # job_id -> absolute position; index = pos - _first
        self._first = 0
        self._reverse = True  # natural order: newest on top
        self._filter = JobFilter()
        self._sort_column = -1
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._order_stale = False
        self._next_seq = 0
        self._types: Counter[str] = Counter()
        self._history_done = False
        self._fetching = False
        self.gc_policy = GcPolicy()  # records live long: freeze them out of full collections
        self._resort_timer = QTimer(self)
        self._resort_timer.setInterval(RESORT_INTERVAL_MS)
        self._resort_timer.timeout.connect(self._resort_if_stale)

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt signature
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return COLUMNS[section].title
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        # Called for every painted cell: a precomputed constant, no enum arithmetic.
        return ROW_FLAGS if index.isValid() else NO_FLAGS

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record = self.record_at(index.row())
        key = COLUMN_KEYS[index.column()]
        if role == Qt.ItemDataRole.DisplayRole:
            return display_text(record, key)
        if role == PROGRESS_ROLE:
            return record.progress
        if role == JOB_ID_ROLE:
            return record.job_id
        if role == RECORD_ROLE:
            return record
        if role == Qt.ItemDataRole.ToolTipRole:
            if key == "name":
                return record.file_path
            if key == "status" and record.message:
                category = record.error_category.value if record.error_category else ""
                return f"{category}: {record.message}" if category else record.message
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMNS[index.column()].align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column (-1: arrival order, newest first). Keeps the selection."""
        self._sort_column = column
        self._sort_order = order
        self._reorder(relayout=True)
        if column >= 0:
            self._resort_timer.start()
        else:
            self._resort_timer.stop()

    def canFetchMore(self, parent: Index) -> bool:
        return not parent.isValid() and not self._history_done and not self._fetching

    def fetchMore(self, parent: Index) -> None:
        if self.canFetchMore(parent):
            self._fetching = True
            self.fetch_requested.emit()

    # ------------------------------------------------------------------ access

    def record_at(self, row: int) -> JobRecord:
        return self._rows[-1 - row] if self._reverse else self._rows[row]

    def record(self, job_id: str) -> JobRecord | None:
        return self._records.get(job_id)

    def row_of(self, job_id: str) -> int:
        """The display row of a job, or -1 when it is not shown."""
        position = self._pos.get(job_id)
        if position is None:
            return -1
        index = position - self._first
        return len(self._rows) - 1 - index if self._reverse else index

    def job_ids(self, rows: Iterable[int]) -> list[str]:
        return [self.record_at(row).job_id for row in rows]

    @property
    def loaded_count(self) -> int:
        return len(self._records)

    @property
    def history_done(self) -> bool:
        return self._history_done

    @property
    def job_filter(self) -> JobFilter:
        return self._filter

    def file_types(self) -> dict[str, int]:
        return dict(self._types)

    # ------------------------------------------------------------------ feeding

    def apply_events(self, events: Sequence[JobEvent]) -> None:
        """Apply one flush of engine events: one insert block, one change span.

        A step or progress report followed by a later event of the same job in the same
        flush is skipped: it only sets what the later one sets again. With a fast pipeline
        most of a flush is such reports (a four-step job makes seven events), and this
        loop runs on the GUI thread.
        """
        fresh: list[JobRecord] = []
        changed: set[str] = set()
        records = self._records
        last = {event.change.job_id: index for index, event in enumerate(events)}
        for index, event in enumerate(events):
            if event.kind in _SUPERSEDED_KINDS and last[event.change.job_id] != index:
                continue
            record = records.get(event.job_id)
            if record is None:
                record = JobRecord.from_event(event)
                record.seq = self._take_seq()
                records[record.job_id] = record
                fresh.append(record)
            else:
                record.apply(event)
                if event.kind == "retried":
                    record.progress = 0.0  # the store reports the progress of before the retry
                changed.add(record.job_id)
        self._count_types(fresh)
        self._add_live(fresh)
        if changed:
            self._update(changed)
            self.records_changed.emit(changed)

    def add_history(self, page: Sequence[JobRecord], *, done: bool) -> None:
        """Append a page of older jobs (read off the GUI thread) below what is shown."""
        self._fetching = False
        self._history_done = done
        fresh = []
        for record in page:
            if record.job_id in self._records:
                continue  # already known from a live event
            record.seq = -self._take_seq()  # older than anything live
            self._records[record.job_id] = record
            fresh.append(record)
        self._count_types(fresh)
        shown = [record for record in fresh if self._filter.accepts(record)]
        if not shown:
            return
        if self._sort_column >= 0:
            self._order_stale = True
        count = len(shown)
        if self._reverse:  # display end = storage front
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + count - 1)
            shown.reverse()  # oldest first in storage
            self._first -= count
            for offset, record in enumerate(shown):
                self._pos[record.job_id] = self._first + offset
            self._rows[0:0] = shown
        else:
            start = len(self._rows)
            self.beginInsertRows(QModelIndex(), start, start + count - 1)
            self._append_storage(shown)
        self.endInsertRows()

    def forget(self, job_ids: Iterable[str]) -> None:
        """Drop jobs removed from the history."""
        gone = [job_id for job_id in job_ids if self._records.pop(job_id, None) is not None]
        if gone:
            self._remove_shown(gone)

    def set_filter(self, job_filter: JobFilter) -> None:
        if job_filter == self._filter:
            return
        self._filter = job_filter
        self._reorder(relayout=False)

    def set_history_done(self, done: bool) -> None:
        self._history_done = done
        self._fetching = False

    # ------------------------------------------------------------------ internals

    def _take_seq(self) -> int:
        self._next_seq += 1
        return self._next_seq

    def _count_types(self, fresh: list[JobRecord]) -> None:
        if not fresh:
            return
        self.gc_policy.added(len(fresh))
        self._types.update(record.file_type for record in fresh)
        self.types_changed.emit(dict(self._types))  # a handful of types: cheap to redraw

    def _append_storage(self, records: list[JobRecord]) -> None:
        base = self._first + len(self._rows)
        for offset, record in enumerate(records):
            self._pos[record.job_id] = base + offset
        self._rows.extend(records)

    def _add_live(self, fresh: list[JobRecord]) -> None:
        accepts = self._filter.accepts
        shown = [record for record in fresh if accepts(record)] if self._filter.active else fresh
        if not shown:
            return
        count = len(shown)
        # Live jobs go to storage end: the top of the table in natural (newest first) order.
        start = 0 if self._reverse else len(self._rows)
        self.beginInsertRows(QModelIndex(), start, start + count - 1)
        self._append_storage(shown)
        self.endInsertRows()
        if self._sort_column >= 0:
            self._order_stale = True

    def _update(self, changed: set[str]) -> None:
        shown_rows: list[int] = []
        hidden: list[str] = []
        entering: list[JobRecord] = []
        accepts = self._filter.accepts
        check = self._filter.active
        for job_id in changed:
            row = self.row_of(job_id)
            record = self._records[job_id]
            if row < 0:
                if check and accepts(record):
                    entering.append(record)
                continue
            if check and not accepts(record):
                hidden.append(job_id)
            else:
                shown_rows.append(row)
        if shown_rows:
            # One span: the view repaints only the visible part of it.
            self.dataChanged.emit(
                self.index(min(shown_rows), 0), self.index(max(shown_rows), len(COLUMNS) - 1)
            )
            if self._sort_column >= 0:
                self._order_stale = True
        if hidden:
            self._remove_shown(hidden)
        if entering:
            entering.sort(key=lambda record: record.seq)
            self._add_live(entering)

    def _remove_shown(self, job_ids: list[str]) -> None:
        rows = sorted({row for job_id in job_ids if (row := self.row_of(job_id)) >= 0})
        if not rows:
            return
        runs: list[tuple[int, int]] = []
        for row in rows:
            if runs and runs[-1][1] == row - 1:
                runs[-1] = (runs[-1][0], row)
            else:
                runs.append((row, row))
        if len(runs) > MAX_REMOVE_RUNS:
            self._reorder(relayout=False)
            return
        for first, last in reversed(runs):
            self.beginRemoveRows(QModelIndex(), first, last)
            for row in range(last, first - 1, -1):
                index = len(self._rows) - 1 - row if self._reverse else row
                record = self._rows.pop(index)
                self._pos.pop(record.job_id, None)
            self._renumber()
            self.endRemoveRows()

    def _renumber(self) -> None:
        self._first = 0
        self._pos = {record.job_id: position for position, record in enumerate(self._rows)}

    def _ordered(self) -> list[JobRecord]:
        """Storage order for the current filter and sort (off the event path)."""
        accepts = self._filter.accepts
        records = self._records.values()
        chosen = [r for r in records if accepts(r)] if self._filter.active else list(records)
        if self._sort_column < 0:
            self._reverse = True
            chosen.sort(key=lambda record: record.seq)
        else:
            key = COLUMNS[self._sort_column].sort_key
            self._reverse = False
            chosen.sort(
                key=lambda record: (key(record), -record.seq),
                reverse=self._sort_order == Qt.SortOrder.DescendingOrder,
            )
        return chosen

    def _reorder(self, *, relayout: bool) -> None:
        """Recompute the shown rows. ``relayout`` keeps selections (row set unchanged)."""
        self._order_stale = False
        if relayout:  # the shown set equals what the filter accepts: only the order moves
            self.layoutAboutToBeChanged.emit()
            persistent = self.persistentIndexList()
            ids = [(self.record_at(i.row()).job_id, i.column()) for i in persistent]
            self._rows = self._ordered()
            self._renumber()
            moved = [self.index(self.row_of(job_id), column) for job_id, column in ids]
            self.changePersistentIndexList(persistent, moved)
            self.layoutChanged.emit()
            return
        self.beginResetModel()
        self._rows = self._ordered()
        self._renumber()
        self.endResetModel()

    def _resort_if_stale(self) -> None:
        if self._order_stale and self._sort_column >= 0:
            self._reorder(relayout=True)


def display_text(record: JobRecord, key: str) -> str:
    """The text a cell shows (shared by ``data()`` and the painting delegate)."""
    if key == "name":
        return record.name
    if key == "type":
        return record.file_type.upper()
    if key == "status":
        return status_text(record.status.value)
    if key == "priority":
        return priority_name(record.priority)
    if key == "progress":
        return f"{record.progress:.0%}"
    if key == "step":
        return record.step
    if key == "eta":
        eta = record.eta_seconds
        return format_seconds(eta) if eta else ""
    if key == "size":
        return format_size(record.size)
    if key == "attempts":
        return str(record.attempts) if record.attempts else ""
    if key == "submitted":
        return format_time(record.submitted_at)
    if key == "duration":
        return format_seconds(record.duration)
    if key == "quality":
        return "" if record.quality is None else f"{record.quality:.2f}"
    return ""
