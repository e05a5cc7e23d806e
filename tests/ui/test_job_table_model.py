"""The model is fed incrementally: one insert block per flush, spans of changes, no resets."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt

from docproc_gui.domain import ProcessingStatus
from docproc_gui.engine.eta import EtaEstimator
from docproc_gui.engine.events import JobEvent
from docproc_gui.store import JobChange
from docproc_gui.ui.job_records import JobRecord
from docproc_gui.ui.job_table_model import COLUMN_KEYS, JobFilter, JobTableModel

S = ProcessingStatus


def event(kind: str, job_id: str, status: ProcessingStatus, progress: float = 0.0,
          at: float = 1000.0) -> JobEvent:
    change = JobChange(kind, job_id, status, at, progress=progress,
                       file_path=f"/docs/{job_id}.txt", file_type="txt", file_size=10)
    return JobEvent(change, EtaEstimator(), None, final=False)


class Recorder:
    def __init__(self, model: JobTableModel) -> None:
        self.calls: list[tuple[str, Any]] = []
        model.rowsInserted.connect(lambda _p, a, b: self.calls.append(("insert", (a, b))))
        model.rowsRemoved.connect(lambda _p, a, b: self.calls.append(("remove", (a, b))))
        model.dataChanged.connect(
            lambda a, b, _r: self.calls.append(("changed", (a.row(), b.row()))))
        model.modelReset.connect(lambda: self.calls.append(("reset", None)))
        model.layoutChanged.connect(lambda: self.calls.append(("layout", None)))


def test_one_insert_per_flush_and_one_change_span(qtbot: Any) -> None:
    model = JobTableModel()
    calls = Recorder(model).calls
    model.apply_events([event("submitted", f"j{n}", S.QUEUED) for n in range(1000)])
    assert calls == [("insert", (0, 999))]
    assert model.record_at(0).job_id == "j999"  # newest on top
    calls.clear()
    model.apply_events([event("started", f"j{n}", S.PROCESSING) for n in (10, 500)]
                       + [event("submitted", "new", S.QUEUED)])
    assert calls == [("insert", (0, 0)), ("changed", (500, 990))]
    assert model.record("j10").status is S.PROCESSING
    assert not any(kind in ("reset", "layout") for kind, _ in calls)


def test_a_filtered_view_follows_status_changes_without_reset(qtbot: Any) -> None:
    model = JobTableModel()
    model.apply_events([event("submitted", f"j{n}", S.QUEUED) for n in range(5)])
    model.set_filter(JobFilter(groups=frozenset({"Processing"})))
    assert model.rowCount() == 0
    calls = Recorder(model).calls
    model.apply_events([event("started", "j1", S.PROCESSING), event("started", "j3", S.PROCESSING)])
    assert model.rowCount() == 2
    model.apply_events([event("completed", "j1", S.COMPLETED, 1.0)])
    assert [model.record_at(r).job_id for r in range(model.rowCount())] == ["j3"]
    assert ("reset", None) not in calls


def test_history_pages_go_below_live_jobs_and_skip_known_ones(qtbot: Any) -> None:
    model = JobTableModel()
    model.apply_events([event("submitted", "live", S.QUEUED)])
    old = [JobRecord("live", "/x", "x", "txt", S.QUEUED, 2),
           JobRecord("old1", "/o1", "o1", "pdf", S.COMPLETED, 2),
           JobRecord("old2", "/o2", "o2", "pdf", S.FAILED, 2)]
    model.add_history(old, done=True)
    assert [model.record_at(r).job_id for r in range(3)] == ["live", "old1", "old2"]
    assert not model.canFetchMore(model.index(-1, -1))
    assert model.file_types() == {"txt": 1, "pdf": 2}
    model.apply_events([event("started", "old2", S.PROCESSING)])  # found by id, not by scan
    index = model.index(model.row_of("old2"), COLUMN_KEYS.index("status"))
    assert index.data(Qt.ItemDataRole.DisplayRole) == "Processing"


def test_a_flush_with_a_whole_job_in_it_ends_in_the_jobs_final_state(qtbot: Any) -> None:
    """Step reports that a later event of the same flush overrides are skipped; what the
    row shows must be what applying every event would show."""
    model = JobTableModel()
    model.apply_events([
        event("submitted", "a", S.QUEUED, at=100.0),
        event("submitted", "b", S.QUEUED, at=100.0),
        event("started", "a", S.PROCESSING, at=101.0),
        event("step", "a", S.CLASSIFYING, 0.0, at=101.5),
        event("started", "b", S.PROCESSING, at=102.0),
        event("step", "a", S.EXTRACTING, 0.25, at=102.5),
        event("step", "b", S.CLASSIFYING, 0.0, at=103.0),
        event("completed", "a", S.COMPLETED, 1.0, at=104.0),
        event("step", "b", S.EXTRACTING, 0.5, at=104.5),
    ])
    a, b = model.record("a"), model.record("b")
    assert (a.status, a.progress, a.started_at, a.completed_at) == (S.COMPLETED, 1.0, 101.0,
                                                                     104.0)
    assert (b.status, b.progress, b.started_at) == (S.EXTRACTING, 0.5, 102.0)
    assert b.completed_at is None
