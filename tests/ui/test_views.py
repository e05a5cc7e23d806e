"""The Knowledge tab (real document pipeline), the Statistics tab and the health light."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from docproc_gui.pipeline.steps import build_noop_pipeline
from tests.ui.helpers import drop


def test_search_finds_a_processed_document(make_processor: Any, make_window: Any,
                                           tmp_path: Path, qtbot: Any) -> None:
    processor = make_processor()  # the real document pipeline and knowledge base
    window = make_window(processor)
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "heron.txt").write_text(
        "Field notes on the grey heron. The heron waits motionless at the water's edge "
        "and strikes quickly at fish. Herons nest in colonies called heronries. " * 5,
        encoding="utf-8")
    (docs / "bridge.html").write_text(
        "<html><head><title>Suspension bridge maintenance</title></head><body><p>"
        + "Cables and anchorages of the suspension bridge need yearly inspection. " * 8
        + "</p></body></html>", encoding="utf-8")
    drop(window.drop_zone, [docs])
    qtbot.waitUntil(lambda: processor.store.counts()["COMPLETED"] == 2, timeout=60_000)

    view = window.knowledge
    assert view.search_box is window.findChild(type(view.search_box), "searchBox")
    window.tabs.setCurrentWidget(view)
    with qtbot.waitSignal(view.searched, timeout=10_000) as searched:
        view.search_box.setText("anchorages")
    assert searched.args == [1]
    assert view.hits[0].path == str(docs / "bridge.html")
    assert "anchorages" in view.results.toPlainText().lower()
    assert "background-color:#ffe58a;\">anchorages</span>" in view.results.toHtml()
    with qtbot.waitSignal(view.document_shown, timeout=10_000):
        view.open_document(view.hits[0].document_id)
    assert "Suspension bridge maintenance" in view.document.toPlainText()

    with qtbot.waitSignal(view.searched, timeout=10_000) as searched:
        view.search_box.setText("nothing-like-this-anywhere")
    assert searched.args == [0]


def test_quality_reaches_the_table_for_processed_documents(make_processor: Any,
                                                           make_window: Any, tmp_path: Path,
                                                           qtbot: Any) -> None:
    processor = make_processor()
    window = make_window(processor)
    path = tmp_path / "letter.txt"
    path.write_text("Dear Sir, thank you for your letter of the fifth. " * 30, encoding="utf-8")
    window.add_paths([str(path)])
    qtbot.waitUntil(lambda: window.model.loaded_count == 1
                    and window.model.record_at(0).quality is not None, timeout=60_000)
    assert 0.0 <= window.model.record_at(0).quality <= 1.0


def test_statistics_tab_plots_the_snapshot(make_processor: Any, make_window: Any,
                                           tmp_path: Path, qtbot: Any) -> None:
    processor = make_processor(build_noop_pipeline())
    window = make_window(processor)
    folder = tmp_path / "d"
    folder.mkdir()
    for n in range(20):
        (folder / f"{n}.txt").write_text("x", encoding="utf-8")
    window.add_paths([str(folder)])
    qtbot.waitUntil(lambda: processor.store.counts()["COMPLETED"] == 20, timeout=20_000)
    window.tabs.setCurrentWidget(window.statistics)
    view = window.statistics.ensure_view()
    assert window.findChild(type(view), "statisticsView") is view
    qtbot.waitUntil(lambda: view.updates > 0 and "20" in view.summary.text(), timeout=10_000)
    heights = view.outcome_bars.opts["height"]
    assert list(heights) == [20.0, 0.0, 0.0]
    _x, y = view.completed_curve.getData()
    assert y is not None and y.sum() == 20


def test_health_indicator_lists_alerts(make_processor: Any, make_window: Any, tmp_path: Path,
                                       qtbot: Any) -> None:
    processor = make_processor(build_noop_pipeline(), max_queue_size=2)
    processor.pause()
    window = make_window(processor)
    folder = tmp_path / "d"
    folder.mkdir()
    for n in range(2):
        (folder / f"{n}.txt").write_text("x", encoding="utf-8")
    window.add_paths([str(folder)])
    health = window.findChild(type(window.health), "healthIndicator")
    qtbot.waitUntil(lambda: health.status == "unhealthy", timeout=10_000)
    assert "Queue is full" in health.toolTip()
