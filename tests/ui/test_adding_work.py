"""Adding work: drops of files and folders, the priority selector, big folders, bad files."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docproc_gui.domain import ProcessingPriority
from tests.ui.helpers import drop, job_paths, jobs, make_files


def test_dropping_files_and_a_folder_queues_the_right_jobs(noop_window: Any, tmp_path: Path,
                                                          qtbot: Any) -> None:
    window = noop_window
    loose = make_files(tmp_path / "loose", ["a.txt", "b.pdf"])
    folder = tmp_path / "folder"
    wanted = make_files(folder, ["one.txt", "sub/two.md", "sub/deeper/three.html"])
    make_files(folder, ["skip.exe", ".hidden.txt", ".cache/four.txt"])  # filtered out
    zone = window.findChild(type(window.drop_zone), "dropZone")
    assert zone is window.drop_zone

    drop(zone, [*loose, folder])

    expected = {str(path) for path in [*loose, *wanted]}
    qtbot.waitUntil(lambda: job_paths(window.processor) == expected, timeout=10_000)
    qtbot.waitUntil(lambda: window.model.rowCount() == len(expected), timeout=10_000)


def test_a_drop_anywhere_on_the_window_is_accepted(noop_window: Any, tmp_path: Path,
                                                  qtbot: Any) -> None:
    files = make_files(tmp_path / "x", ["c.txt"])
    event = drop(noop_window, files)
    assert event.isAccepted()
    qtbot.waitUntil(lambda: job_paths(noop_window.processor) == {str(files[0])}, timeout=10_000)


def test_the_priority_selector_applies_to_what_is_added(noop_window: Any, tmp_path: Path,
                                                       qtbot: Any) -> None:
    window = noop_window
    window.processor.pause()
    selector = window.findChild(type(window.controls.priority_selector), "prioritySelector")
    selector.setCurrentIndex(int(ProcessingPriority.HIGH))
    drop(window.drop_zone, make_files(tmp_path / "p", ["urgent.txt"]))
    qtbot.waitUntil(lambda: len(jobs(window.processor)) == 1, timeout=10_000)
    assert jobs(window.processor)[0].priority is ProcessingPriority.HIGH


def test_thousands_of_files_are_queued_in_chunks_with_progress(noop_window: Any, tmp_path: Path,
                                                              qtbot: Any) -> None:
    window = noop_window
    window.processor.pause()
    folder = tmp_path / "many"
    make_files(folder, [f"doc-{n:05d}.txt" for n in range(1200)])
    progress: list[tuple[int, int]] = []
    window.submitter.progressed.connect(lambda queued, found: progress.append((queued, found)))
    with qtbot.waitSignal(window.submitter.finished, timeout=30_000) as finished:
        window.add_paths([str(folder)])
        assert window.queuing.isVisible()  # shown while it is being queued
    assert finished.args[0].queued == 1200
    assert len(progress) >= 3  # chunks of 500: the window heard about each
    assert len(jobs(window.processor)) == 1200
    assert len({job.batch_id for job in jobs(window.processor)}) == 1  # one batch, one summary


def test_a_missing_file_is_reported_and_the_rest_queued(noop_window: Any, tmp_path: Path,
                                                        qtbot: Any) -> None:
    window = noop_window
    window.processor.pause()
    good = make_files(tmp_path / "g", ["good.txt"])
    with qtbot.waitSignal(window.submitter.finished, timeout=10_000) as finished:
        window.add_paths([str(good[0]), str(tmp_path / "missing.txt")])
    report = finished.args[0]
    assert report.queued == 1
    assert [path for path, _why in report.skipped] == [str(tmp_path / "missing.txt")]
    assert job_paths(window.processor) == {str(good[0])}
