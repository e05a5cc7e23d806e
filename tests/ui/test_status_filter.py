"""The status and type lists: counts update in place; a new type rebuilds the list."""

from __future__ import annotations

from typing import Any

from docproc_gui.ui.status_filter import StatusFilter


def texts(widget: StatusFilter) -> list[str]:
    return [widget.type_list.item(row).text() for row in range(widget.type_list.count())]


def test_new_counts_update_the_type_list_in_place_and_keep_the_choice(qtbot: Any) -> None:
    widget = StatusFilter()
    qtbot.addWidget(widget)
    widget.set_types({"pdf": 2, "txt": 1})
    assert texts(widget) == ["All (3)", "PDF (2)", "TXT (1)"]
    chosen: list[str | None] = []
    widget.type_changed.connect(chosen.append)
    widget.type_list.setCurrentRow(1)
    assert chosen == ["pdf"]
    items = [widget.type_list.item(row) for row in range(3)]

    widget.set_types({"pdf": 1_200, "txt": 4})
    assert texts(widget) == ["All (1,204)", "PDF (1,200)", "TXT (4)"]
    assert [widget.type_list.item(row) for row in range(3)] == items  # not rebuilt
    assert widget.type_list.currentItem().text() == "PDF (1,200)"

    widget.set_types({"pdf": 1_200, "txt": 4, "docx": 7})  # a new type: rebuilt, in order
    assert texts(widget) == ["All (1,211)", "DOCX (7)", "PDF (1,200)", "TXT (4)"]
    assert widget.type_list.currentItem().text() == "PDF (1,200)"
    assert chosen == ["pdf"]  # rebuilding does not report a new choice
