"""Tray, notifications, settings, single-instance hand-off and quitting."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QSystemTrayIcon

from docproc_gui.config import load_settings
from docproc_gui.pipeline.steps import build_noop_pipeline
from docproc_gui.ui.single_instance import SingleInstance, forward_to_running, server_name
from tests.ui.conftest import Gate, gated_pipeline
from tests.ui.helpers import job_paths, make_files, status_of


def test_tray_menu_pauses_resumes_hides_and_quits(make_processor: Any, make_window: Any,
                                                  monkeypatch: pytest.MonkeyPatch,
                                                  qtbot: Any) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    processor = make_processor(build_noop_pipeline())
    window = make_window(processor, tray_available=None)  # asks Qt (patched) for a tray
    tray = window.tray
    assert tray.icon is not None

    tray.pause_action.trigger()
    assert processor.is_paused
    qtbot.waitUntil(lambda: tray.pause_action.text() == "Resume", timeout=5000)
    assert window.controls.pause_button.isChecked()
    tray.pause_action.trigger()
    assert not processor.is_paused

    tray.show_action.trigger()
    assert not window.isVisible()
    tray.show_action.trigger()
    assert window.isVisible()

    with qtbot.waitSignal(window.quit_ready, timeout=5000) as ready:
        tray.quit_action.trigger()  # nothing running: no question asked
    assert ready.args == [True]


def test_tray_tooltip_shows_live_counts(make_processor: Any, make_window: Any,
                                        monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                        qtbot: Any) -> None:
    monkeypatch.setattr(QSystemTrayIcon, "isSystemTrayAvailable", staticmethod(lambda: True))
    processor = make_processor(build_noop_pipeline())
    processor.pause()
    window = make_window(processor, tray_available=None)
    window.add_paths([str(p) for p in make_files(tmp_path / "d", ["a.txt", "b.txt"])])
    qtbot.waitUntil(lambda: "2 queued" in window.tray.icon.toolTip(), timeout=10_000)


def test_without_a_tray_a_finished_batch_is_announced_in_the_window(
    noop_window: Any, tmp_path: Path, qtbot: Any
) -> None:
    window = noop_window
    assert window.tray.icon is None
    window.add_paths([str(p) for p in make_files(tmp_path / "d", ["a.txt", "b.txt", "c.txt"])])
    bar = window.notifications
    qtbot.waitUntil(lambda: bar.isVisible() and bar.notice is not None, timeout=10_000)
    assert bar.notice.title == "Batch of 3 documents done"
    assert len(bar.history) == 1  # one summary, not one per file
    with qtbot.waitSignal(bar.job_requested, timeout=2000) as clicked:
        bar._link("show")
    window.show_job(clicked.args[0])
    assert [r.job_id for r in window.table.selected_records()] == [clicked.args[0]]


def test_settings_persist_and_apply(noop_window: Any, config_path: Path, qtbot: Any) -> None:
    window = noop_window
    dialog = window.open_settings()
    dialog.workers.setValue(3)
    dialog.retries.setValue(7)
    dialog.timeout.setValue(45)
    dialog.preferences.setText("pdf=60, docx=30")
    dialog.notifications.setChecked(False)
    dialog.close_to_tray.setChecked(True)
    with qtbot.waitSignal(window.settings_changed, timeout=5000):
        dialog.accept()
    saved = load_settings(config_path=config_path, environ={})
    assert (saved.max_workers, saved.max_retries, saved.job_timeout) == (3, 7, 45.0)
    assert saved.type_preferences == {"pdf": 60.0, "docx": 30.0}
    assert (saved.notifications, saved.close_to_tray) == (False, True)
    assert window.processor.settings.max_workers == 3  # applied without a restart
    assert window.processor.pool.maxThreadCount() == 3


def test_settings_refuse_an_unreadable_preference(noop_window: Any, config_path: Path) -> None:
    dialog = noop_window.open_settings()
    dialog.preferences.setText("pdf sixty")
    dialog.accept()
    assert dialog.isVisible() and "type=seconds" in dialog.error.text()
    assert not config_path.exists()
    dialog.reject()


def test_a_second_launch_hands_its_files_to_the_running_window(
    noop_window: Any, tmp_path: Path, qtbot: Any
) -> None:
    window = noop_window
    name = server_name(tmp_path / "some-data")
    assert not forward_to_running(name, ["x"])  # nobody listening yet
    instance = SingleInstance(name)
    assert instance.listen()
    instance.files_received.connect(window.add_paths)  # as the app wires it
    files = make_files(tmp_path / "d", ["from-file-manager.txt"])
    try:
        assert forward_to_running(name, [str(files[0])])
        qtbot.waitUntil(lambda: job_paths(window.processor) == {str(files[0])}, timeout=10_000)
    finally:
        instance.close()


def _answer_quit_dialog(window: Any, button: str) -> None:
    def answer() -> None:
        from docproc_gui.ui.quit_flow import QuitDialog

        for child in window.findChildren(QuitDialog):
            if child.isVisible():
                getattr(child, button).click()
                return
        QTimer.singleShot(20, answer)

    QTimer.singleShot(20, answer)


def test_quit_stop_now_keeps_running_jobs_queued(make_processor: Any, make_window: Any,
                                                 gate: Gate, settings: Any, tmp_path: Path,
                                                 qtbot: Any) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    window.add_paths([str(p) for p in make_files(tmp_path / "d", ["a.txt", "b.txt"])])
    qtbot.waitUntil(lambda: processor.active_workers == 1, timeout=10_000)
    _answer_quit_dialog(window, "stop_button")
    with qtbot.waitSignal(window.quit_ready, timeout=10_000) as ready:
        window.request_quit()
    assert ready.args == [False]
    window.shut_down_views()
    processor.shutdown(wait=False, timeout=5)
    again = make_processor(build_noop_pipeline(), max_workers=1)
    again.pause()
    statuses = sorted(job.status.value for job in again.store.list_jobs())
    assert statuses == ["QUEUED", "QUEUED"]  # the running one went back, nothing lost


def test_quit_wait_lets_running_jobs_finish(make_processor: Any, make_window: Any, gate: Gate,
                                            tmp_path: Path, qtbot: Any) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    window.add_paths([str(p) for p in make_files(tmp_path / "d", ["a.txt", "b.txt"])])
    qtbot.waitUntil(lambda: processor.active_workers == 1, timeout=10_000)
    running = next(j.job_id for j in processor.store.list_jobs() if j.status.is_running)
    _answer_quit_dialog(window, "wait_button")
    window.request_quit()
    qtbot.waitUntil(lambda: processor.is_paused, timeout=5000)  # nothing new starts
    with qtbot.waitSignal(window.quit_ready, timeout=10_000) as ready:
        gate.open.set()
    assert ready.args == [True]
    assert status_of(processor, running) == "COMPLETED"
    assert [j.status.value for j in processor.store.list_jobs() if j.job_id != running] == [
        "QUEUED"]


def test_quit_cancel_keeps_everything_running(make_processor: Any, make_window: Any,
                                              gate: Gate, tmp_path: Path, qtbot: Any) -> None:
    processor = make_processor(gated_pipeline(gate), max_workers=1)
    window = make_window(processor)
    window.add_paths([str(p) for p in make_files(tmp_path / "d", ["a.txt"])])
    qtbot.waitUntil(lambda: processor.active_workers == 1, timeout=10_000)
    _answer_quit_dialog(window, "cancel_button")
    emitted: list[bool] = []
    window.quit_ready.connect(emitted.append)
    window.request_quit()
    assert not processor.is_paused and not emitted and not window.quit_flow.in_progress
