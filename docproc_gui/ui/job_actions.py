"""Actions on the selected jobs: context menu, toolbar and keyboard shortcuts.

Every engine call runs off the GUI thread (they wait for a commit); failures — a job that
finished meanwhile, a full queue — come back as one readable message.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import QMenu, QWidget

from docproc_gui.domain import (
    InvalidTransitionError,
    JobNotFoundError,
    ProcessingPriority,
    ProcessingStatus,
)
from docproc_gui.ui.icons import icon
from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.tasks import TaskRunner

Selection = Callable[[], list[JobRecord]]


def _reveal(path: str) -> None:
    """Show the file in the system's file manager (its folder where selecting is not possible)."""
    if sys.platform == "darwin":
        subprocess.Popen(["open", "-R", path])
    elif sys.platform == "win32":
        subprocess.Popen(["explorer", "/select,", os.path.normpath(path)])
    else:
        QDesktopServices.openUrl(QUrl.fromLocalFile(os.path.dirname(path)))


class JobActions(QObject):
    """The job actions, enabled according to the selection."""

    message = Signal(str)  # a result or an error to show the person
    removed = Signal(list)  # job ids removed from the history

    def __init__(
        self, processor: Any, tasks: TaskRunner, selection: Selection, parent: QWidget
    ) -> None:
        super().__init__(parent)
        self.processor = processor
        self.tasks = tasks
        self.selection = selection
        self.cancel = self._action("Cancel", "cancel", "Del", self._cancel)
        self.retry = self._action("Retry", "retry", "Ctrl+R", self._retry)
        self.move_top = self._action("Move to top", "move-top", "Ctrl+Home", self._top)
        self.move_up = self._action("Move up", "move-up", "Ctrl+Up", self._up)
        self.move_down = self._action("Move down", "move-down", "Ctrl+Down", self._down)
        self.move_bottom = self._action("Move to bottom", "move-bottom", "Ctrl+End", self._bottom)
        self.open_file = self._action("Open file", "open", "Ctrl+Return", self._open)
        self.show_folder = self._action("Show in folder", "folder", "Ctrl+Shift+O", self._folder)
        self.copy_path = self._action(
            "Copy path", "copy", QKeySequence.StandardKey.Copy, self._copy
        )
        self.remove = self._action("Remove from history", "remove", "Shift+Del", self._remove)
        self.priority_menu = QMenu("Priority", parent)
        self.priority_menu.setIcon(icon("priority"))
        self.priority_actions: dict[ProcessingPriority, QAction] = {}
        for level in ProcessingPriority:
            action = self._action(
                level.name.capitalize(),
                None,
                f"Ctrl+{int(level) + 1}",
                lambda _=False, level=level: self._priority(level),
            )
            self.priority_menu.addAction(action)
            self.priority_actions[level] = action
        self.update_enabled()

    def _action(
        self, text: str, icon_name: str | None, shortcut: Any, slot: Callable[..., None]
    ) -> QAction:
        parent = self.parent()
        assert isinstance(parent, QWidget)
        action = QAction(icon(icon_name) if icon_name else icon("priority"), text, parent)
        action.setShortcut(QKeySequence(shortcut))
        action.setShortcutContext(action.shortcutContext().WidgetWithChildrenShortcut)
        action.triggered.connect(slot)
        parent.addAction(action)
        return action

    def all_actions(self) -> list[QAction]:
        return [
            self.cancel,
            self.retry,
            self.move_top,
            self.move_up,
            self.move_down,
            self.move_bottom,
            self.open_file,
            self.show_folder,
            self.copy_path,
            self.remove,
            *self.priority_actions.values(),
        ]

    def build_menu(self, parent: QWidget) -> QMenu:
        menu = QMenu(parent)
        menu.addAction(self.cancel)
        menu.addAction(self.retry)
        menu.addMenu(self.priority_menu)
        menu.addAction(self.move_top)
        menu.addAction(self.move_up)
        menu.addAction(self.move_down)
        menu.addAction(self.move_bottom)
        menu.addSeparator()
        menu.addAction(self.open_file)
        menu.addAction(self.show_folder)
        menu.addAction(self.copy_path)
        menu.addSeparator()
        menu.addAction(self.remove)
        return menu

    def update_enabled(self) -> None:
        records = self.selection()
        any_selected = bool(records)
        self.cancel.setEnabled(any(not r.status.is_terminal for r in records))
        self.retry.setEnabled(any(r.group in ("Failed", "Cancelled") for r in records))
        waiting = any(r.status.is_waiting for r in records)
        for action in (self.move_top, self.move_up, self.move_down, self.move_bottom):
            action.setEnabled(waiting)
        self.priority_menu.setEnabled(any_selected)
        for action in self.priority_actions.values():
            action.setEnabled(any_selected)
        single = len(records) == 1
        self.open_file.setEnabled(single)
        self.show_folder.setEnabled(single)
        self.copy_path.setEnabled(any_selected)
        self.remove.setEnabled(any(r.status.is_terminal for r in records))

    # ------------------------------------------------------------------ engine actions

    def _each(self, verb: str, call: Callable[[str], object], records: list[JobRecord]) -> None:
        ids = [record.job_id for record in records]
        if not ids:
            return

        def work() -> tuple[int, list[str]]:  # runs on a pool thread
            done, errors = 0, []
            for job_id in ids:
                try:
                    result = call(job_id)
                except (InvalidTransitionError, JobNotFoundError, ValueError) as error:
                    errors.append(str(error))
                except Exception as error:  # noqa: BLE001 - shown, never fatal
                    errors.append(getattr(error, "message", str(error)))
                else:
                    done += result is not False
            return done, errors

        def finished(result: tuple[int, list[str]]) -> None:
            done, errors = result
            text = f"{verb}: {done} of {len(ids)} job{'s' if len(ids) != 1 else ''}"
            if errors:
                more = f" (+{len(errors) - 1} more)" if len(errors) > 1 else ""
                text += f" — {errors[0]}{more}"
            self.message.emit(text)

        self.tasks.submit(
            work, finished, lambda error: self.message.emit(f"{verb} failed: {error}")
        )

    def _cancel(self) -> None:
        records = [r for r in self.selection() if not r.status.is_terminal]
        self._each("Cancelled", self.processor.cancel_job, records)

    def _retry(self) -> None:
        records = [r for r in self.selection() if r.group in ("Failed", "Cancelled")]
        self._each("Retried", self.processor.retry_job, records)

    def _priority(self, level: ProcessingPriority) -> None:
        self._each(
            f"Priority {level.name.lower()}",
            lambda job_id: self.processor.set_priority(job_id, level),
            [r for r in self.selection() if r.status is not ProcessingStatus.COMPLETED],
        )

    def _top(self) -> None:
        records = [r for r in self.selection() if r.status.is_waiting]
        # Moving to the top one after the other reverses them: go from the last up.
        self._each(
            "Moved to top",
            lambda job_id: self.processor.move_job(job_id, top=True),
            list(reversed(records)),
        )

    def _up(self) -> None:
        records = [r for r in self.selection() if r.status.is_waiting]
        self._each(
            "Moved up", lambda job_id: self.processor.move_job_by_one(job_id, up=True), records
        )

    def _down(self) -> None:
        records = [r for r in self.selection() if r.status.is_waiting]
        # Going down one after the other: start with the last so they keep their order.
        self._each(
            "Moved down",
            lambda job_id: self.processor.move_job_by_one(job_id, up=False),
            list(reversed(records)),
        )

    def _bottom(self) -> None:
        records = [r for r in self.selection() if r.status.is_waiting]
        self._each(
            "Moved to bottom", lambda job_id: self.processor.move_job(job_id, top=False), records
        )

    def _remove(self) -> None:
        ids = [r.job_id for r in self.selection() if r.status.is_terminal]
        if not ids:
            return
        processor = self.processor

        def finished(count: int) -> None:
            self.removed.emit(ids)
            self.message.emit(f"Removed {count} job{'s' if count != 1 else ''} from the history")

        self.tasks.submit(
            lambda: processor.remove_jobs(ids),
            finished,
            lambda error: self.message.emit(f"Remove failed: {error}"),
        )

    # ------------------------------------------------------------------ desktop actions

    def _open(self) -> None:
        records = self.selection()
        if records:
            QDesktopServices.openUrl(QUrl.fromLocalFile(records[0].file_path))

    def _folder(self) -> None:
        records = self.selection()
        if records:
            _reveal(records[0].file_path)

    def _copy(self) -> None:
        paths = [record.file_path for record in self.selection()]
        if paths:
            QGuiApplication.clipboard().setText("\n".join(paths))
