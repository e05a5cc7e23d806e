"""The job table: progress reaches it, context menu actions act on the engine, filters."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from docproc_gui.domain import ProcessingPriority, ProcessingStatus
from docproc_gui.ui.job_table_model import COLUMN_KEYS, PROGRESS_ROLE
from tests.ui.conftest import Gate, gated_pipeline
from tests.ui.helpers import make_files, menu_action, status_of

S = ProcessingStatus


def cell(window: Any, job_id: str, key: str, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
    row = window.model.row_of(job_id)
    assert row >= 0, "job not shown"
    return window.model.index(row, COLUMN_KEYS.index(key)).data(role)


def queue(window: Any, qtbot: Any, paths: list[Path]) -> list[str]:
    with qtbot.waitSignal(window.submitter.finished, timeout=10_000):
        window.add_paths([str(p) for p in paths])
    ids = [job.job_id for job in window.processor.store.list_jobs(limit=1000, newest_first=False)]
    qtbot.waitUntil(lambda: all(window.model.row_of(i) >= 0 for i in ids), timeout=10_000)
    return ids


def test_progress_and_steps_reach_the_table(make_processor: Any, make_window: Any, gate: Gate,
                                            tmp_path: Path, qtbot: Any) -> None:
    window = make_window(make_processor(gated_pipeline(gate), max_workers=1))
    [job_id] = queue(window, qtbot, make_files(tmp_path / "d", ["one.txt"]))

    # Held in the gated extract step: the table shows the stage and partial progress.
    qtbot.waitUntil(lambda: cell(window, job_id, "status") == "Extracting", timeout=10_000)
    assert cell(window, job_id, "step") == "extract"
    assert 0.0 < cell(window, job_id, "progress", PROGRESS_ROLE) < 1.0
    assert cell(window, job_id, "attempts") == "1"

    gate.open.set()
    qtbot.waitUntil(lambda: cell(window, job_id, "status") == "Completed", timeout=10_000)
    assert cell(window, job_id, "progress", PROGRESS_ROLE) == 1.0
    assert cell(window, job_id, "duration") != ""


def test_context_menu_cancel_retry_priority_and_move_act_on_the_engine(
    make_processor: Any, make_window: Any, gate: Gate, tmp_path: Path, qtbot: Any
) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    ids = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt", "b.txt", "c.txt"]))
    qtbot.waitUntil(lambda: processor.active_workers == 1, timeout=10_000)
    waiting = [i for i in ids if status_of(processor, i) == "QUEUED"]
    assert len(waiting) == 2
    menu = window.table.menu

    window.table.select_job(waiting[1])
    menu_action(menu, "Move to top").trigger()
    qtbot.waitUntil(lambda: processor.store.waiting_order(1) == [waiting[1]], timeout=10_000)

    menu_action(menu, "Critical").trigger()
    qtbot.waitUntil(lambda: processor.get_job(waiting[1]).priority is ProcessingPriority.CRITICAL,
                    timeout=10_000)
    qtbot.waitUntil(lambda: cell(window, waiting[1], "priority") == "Critical", timeout=10_000)

    menu_action(menu, "Cancel").trigger()
    qtbot.waitUntil(lambda: status_of(processor, waiting[1]) == "CANCELLED", timeout=10_000)
    qtbot.waitUntil(lambda: cell(window, waiting[1], "status") == "Cancelled", timeout=10_000)

    window.actions_.update_enabled()
    assert menu_action(menu, "Retry").isEnabled()
    menu_action(menu, "Retry").trigger()
    qtbot.waitUntil(lambda: status_of(processor, waiting[1]) == "QUEUED", timeout=10_000)
    qtbot.waitUntil(lambda: cell(window, waiting[1], "status") == "Queued", timeout=10_000)


def test_move_up_and_down_from_the_menu(
    make_processor: Any, make_window: Any, gate: Gate, tmp_path: Path, qtbot: Any
) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    ids = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt", "b.txt", "c.txt", "d.txt"]))
    qtbot.waitUntil(lambda: processor.active_workers == 1, timeout=10_000)
    first, second, third = processor.store.waiting_order()
    menu = window.table.menu

    window.table.select_job(third)
    menu_action(menu, "Move up").trigger()
    qtbot.waitUntil(lambda: processor.store.waiting_order() == [first, third, second],
                    timeout=10_000)
    window.table.select_job(first)
    menu_action(menu, "Move down").trigger()
    qtbot.waitUntil(lambda: processor.store.waiting_order() == [third, first, second],
                    timeout=10_000)
    assert set(ids) >= {first, second, third}
    gate.open.set()


def test_cancelling_a_running_job_from_the_menu(make_processor: Any, make_window: Any,
                                                gate: Gate, tmp_path: Path, qtbot: Any) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    [job_id] = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt"]))
    qtbot.waitUntil(lambda: cell(window, job_id, "status") == "Extracting", timeout=10_000)
    window.table.select_job(job_id)
    menu_action(window.table.menu, "Cancel").trigger()
    qtbot.waitUntil(lambda: status_of(processor, job_id) == "CANCELLED", timeout=10_000)


def test_remove_from_history_drops_the_row(noop_window: Any, tmp_path: Path, qtbot: Any) -> None:
    window = noop_window
    ids = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt", "b.txt"]))
    qtbot.waitUntil(lambda: all(cell(window, i, "status") == "Completed" for i in ids),
                    timeout=10_000)
    window.table.select_job(ids[0])
    window.actions_.update_enabled()
    with qtbot.waitSignal(window.actions_.removed, timeout=10_000):
        menu_action(window.table.menu, "Remove from history").trigger()
    assert window.model.row_of(ids[0]) == -1
    assert [job.job_id for job in window.processor.store.list_jobs()] == [ids[1]]


def test_status_filter_shows_live_counts_and_filters(make_processor: Any, make_window: Any,
                                                     gate: Gate, tmp_path: Path,
                                                     qtbot: Any) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    ids = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt", "b.txt", "c.txt"]))
    side = window.status_filter
    qtbot.waitUntil(lambda: side.status_count("Processing") == 1
                    and side.status_count("Queued") == 2, timeout=10_000)
    side.select_group("Queued")
    qtbot.waitUntil(lambda: window.model.rowCount() == 2, timeout=10_000)
    assert {window.model.record_at(r).status for r in range(2)} == {S.QUEUED}

    gate.open.set()  # everything completes: the Queued view empties as jobs leave it
    qtbot.waitUntil(lambda: window.model.rowCount() == 0, timeout=10_000)
    side.select_group("Completed")
    qtbot.waitUntil(lambda: window.model.rowCount() == 3, timeout=10_000)
    qtbot.waitUntil(lambda: side.status_count("Completed") == 3, timeout=10_000)
    window.controls.filter_box.setText("b.t")
    qtbot.waitUntil(lambda: window.model.rowCount() == 1, timeout=10_000)
    assert window.model.record_at(0).job_id == ids[1]


def test_sorting_keeps_the_selection(noop_window: Any, tmp_path: Path, qtbot: Any) -> None:
    window = noop_window
    ids = queue(window, qtbot, make_files(tmp_path / "d", ["b.txt", "c.txt", "a.txt"]))
    qtbot.waitUntil(lambda: all(cell(window, i, "status") == "Completed" for i in ids),
                    timeout=10_000)
    window.table.select_job(ids[1])  # c.txt
    window.table.horizontalHeader().setSortIndicator(COLUMN_KEYS.index("name"),
                                                     Qt.SortOrder.AscendingOrder)
    names = [window.model.record_at(r).name for r in range(3)]
    assert names == ["a.txt", "b.txt", "c.txt"]
    assert [r.job_id for r in window.table.selected_records()] == [ids[1]]


def test_details_panel_shows_steps_and_attempts(noop_window: Any, tmp_path: Path,
                                                qtbot: Any) -> None:
    window = noop_window
    [job_id] = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt"]))
    qtbot.waitUntil(lambda: cell(window, job_id, "status") == "Completed", timeout=10_000)
    panel = window.findChild(type(window.details), "detailsPanel")
    with qtbot.waitSignal(panel.loaded, timeout=10_000):
        window.table.select_job(job_id)
    steps = panel.steps.toPlainText()
    for name in ("classify", "extract", "integrate", "quality"):
        assert name in steps
    assert "Attempts" in panel.overview.toPlainText()


def test_the_selected_row_is_painted_highlighted(noop_window: Any, tmp_path: Path,
                                                 qtbot: Any) -> None:
    window = noop_window
    ids = queue(window, qtbot, make_files(tmp_path / "d", ["a.txt", "b.txt", "c.txt"]))
    qtbot.waitUntil(lambda: all(cell(window, i, "status") == "Completed" for i in ids),
                    timeout=10_000)
    table = window.table
    table.resize(900, 400)
    table.select_job(ids[1])
    image = table.viewport().grab().toImage()
    highlight = table.cells.highlight.rgb()

    def left_edge(job_id: str) -> int:
        row = window.model.row_of(job_id)
        y = table.rowViewportPosition(row) + table.verticalHeader().defaultSectionSize() // 2
        return image.pixel(1, y)

    assert left_edge(ids[1]) == highlight
    assert left_edge(ids[0]) != highlight and left_edge(ids[2]) != highlight


class SlowClock:
    """Stands in for a module's clock: every reading is ``step`` seconds after the last."""

    def __init__(self, step: float = 0.002) -> None:
        self.now = 0.0
        self.step = step

    def perf_counter(self) -> float:
        self.now += self.step
        return self.now


def twenty_finished_rows(window: Any, tmp_path: Path, qtbot: Any) -> tuple[Any, list[str]]:
    """The table, 900 x 400, showing twenty completed jobs; and their ids."""
    names = [f"doc-{index:02d}.txt" for index in range(20)]
    ids = queue(window, qtbot, make_files(tmp_path / "d", names))
    qtbot.waitUntil(lambda: all(cell(window, i, "status") == "Completed" for i in ids),
                    timeout=10_000)
    window.table.resize(900, 400)
    return window.table, ids


def visible_ids(window: Any, ids: list[str]) -> list[str]:
    table, height = window.table, window.table.viewport().height()
    return [i for i in ids if 0 <= table.rowViewportPosition(window.model.row_of(i)) < height]


def test_a_paint_over_its_budget_finishes_the_rows_on_the_next(
    noop_window: Any, tmp_path: Path, qtbot: Any, monkeypatch: Any
) -> None:
    from docproc_gui.ui import job_table_view

    window = noop_window
    table, ids = twenty_finished_rows(window, tmp_path, qtbot)
    monkeypatch.setattr(job_table_view, "PAINT_BUDGET_S", 60.0)
    full = table.viewport().grab().toImage()  # every row rendered, however busy the machine

    table._row_cache.clear()  # as after a flush that changed every visible row
    monkeypatch.setattr(job_table_view, "PAINT_BUDGET_S", 0.006)
    monkeypatch.setattr(job_table_view, "time", SlowClock())  # 3 rows fit a budget
    first = table.viewport().grab().toImage()
    assert first != full  # some rows are only sketched (stripe and name) for now
    assert table._catch_up.isActive()
    visible = visible_ids(window, ids)
    assert len(visible) > 6

    def caught_up() -> bool:
        table.viewport().repaint()
        return all(i in table._row_cache for i in visible)

    with qtbot.waitSignal(table._catch_up.timeout, timeout=2_000):
        pass
    qtbot.waitUntil(caught_up, timeout=5_000)
    assert table.viewport().grab().toImage() == full


def test_every_paint_renders_at_least_one_waiting_row(
    noop_window: Any, tmp_path: Path, qtbot: Any, monkeypatch: Any
) -> None:
    from docproc_gui.ui import job_table_view

    window = noop_window
    table, ids = twenty_finished_rows(window, tmp_path, qtbot)
    table.viewport().repaint()
    table._row_cache.clear()
    monkeypatch.setattr(job_table_view, "time", SlowClock(0.05))  # one row uses the budget
    visible = visible_ids(window, ids)
    for painted in range(1, len(visible) + 1):
        table.viewport().repaint()
        assert sum(i in table._row_cache for i in visible) == painted
