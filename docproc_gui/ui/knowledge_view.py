"""The Knowledge tab: full-text search over processed documents.

Ranked hits with highlighted snippets (the knowledge base marks matches with ⟦ ⟧),
filters by type, category and language, and a document pane with metadata, a text
preview and the related documents. Searches run off the GUI thread, debounced as the
person types; a newer search makes an older answer moot.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QSplitter,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from docproc_gui.ui.icons import icon
from docproc_gui.ui.tasks import TaskRunner

DEBOUNCE_MS = 250
RESULTS = 50
PREVIEW = 1500
OPEN, CLOSE = "\u27e6", "\u27e7"


def highlight(snippet: str) -> str:
    """Escape a snippet and turn its ⟦match⟧ marks into highlighted spans."""
    text = html.escape(snippet)
    return text.replace(OPEN, "<span style='background:#ffe58a; color:#000'><b>").replace(
        CLOSE, "</b></span>"
    )


def hits_html(hits: list[Any], query: str) -> str:
    if not hits:
        return f"<p style='color:gray'>No documents match <b>{html.escape(query)}</b>.</p>"
    blocks = []
    for hit in hits:
        facts = " · ".join(
            x
            for x in (
                hit.file_type.upper(),
                hit.category,
                hit.language,
                f"{hit.words:,} words" if hit.words else "",
                f"quality {hit.quality_score:.2f}" if hit.quality_score is not None else "",
            )
            if x
        )
        blocks.append(
            f"<p style='margin-bottom:10px'><span style='color:gray'>{hit.rank}.</span> "
            f"<a href='doc:{hit.document_id}'><b>{html.escape(hit.title or hit.path)}</b></a>"
            f"<br/><span style='color:gray; font-size:small'>{html.escape(hit.path)} — {facts}"
            f"</span><br/>{highlight(hit.snippet)}</p>"
        )
    return "".join(blocks)


def document_html(document: dict[str, Any], preview: str, related: list[Any]) -> str:
    def row(name: str, value: object) -> str:
        if value in (None, "", 0):
            return ""
        return (
            f"<tr><td style='color:gray; padding-right:12px'>{name}</td>"
            f"<td>{html.escape(str(value))}</td></tr>"
        )

    table = "".join(
        row(n, document.get(k))
        for n, k in (
            ("Path", "path"),
            ("Type", "file_type"),
            ("Category", "category"),
            ("Language", "language"),
            ("Author", "author"),
            ("Pages", "pages"),
            ("Words", "words"),
            ("Date", "doc_date_iso"),
            ("Quality", "quality_score"),
        )
    )
    links = (
        "".join(
            f"<li><a href='doc:{r.document_id}'>{html.escape(r.title or r.path)}</a> "
            f"<span style='color:gray'>({html.escape(', '.join(r.shared_terms[:5]))})</span></li>"
            for r in related
        )
        or "<li style='color:gray'>none</li>"
    )
    title = html.escape(document.get("title") or document.get("path") or "")
    return (
        f"<h3>{title}</h3><table>{table}</table><h4>Related documents</h4><ul>{links}</ul>"
        f"<h4>Text</h4><p style='white-space:pre-wrap'>{html.escape(preview)}</p>"
    )


class KnowledgeView(QWidget):
    """Search box, filters, results and the opened document."""

    searched = Signal(int)  # number of hits shown
    document_shown = Signal(int)

    def __init__(self, processor: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("knowledgeView")
        self.processor = processor
        self.knowledge = processor.knowledge
        self.tasks = tasks
        self.hits: list[Any] = []
        self._generation = 0
        self.search_box = QLineEdit()
        self.search_box.setObjectName("searchBox")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.addAction(icon("search"), QLineEdit.ActionPosition.LeadingPosition)
        self.search_box.setPlaceholderText(
            'Search documents — words, "exact phrase", prefix*, -exclude, title:word'
        )
        self.type_box = self._combo("All types")
        self.category_box = self._combo("All categories")
        self.language_box = self._combo("All languages")
        self.results = QTextBrowser()
        self.results.setObjectName("searchResults")
        self.results.setOpenLinks(False)
        self.results.anchorClicked.connect(self._anchor)
        self.document = QTextBrowser()
        self.document.setObjectName("documentPane")
        self.document.setOpenLinks(False)
        self.document.anchorClicked.connect(self._anchor)
        self.status = QLabel()
        top = QHBoxLayout()
        top.addWidget(self.search_box, 1)
        for box in (self.type_box, self.category_box, self.language_box):
            top.addWidget(box)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.results)
        split.addWidget(self.document)
        split.setSizes([600, 400])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addLayout(top)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self.search)
        self.search_box.textChanged.connect(lambda _text: self._timer.start())
        self.search_box.returnPressed.connect(self.search)
        for box in (self.type_box, self.category_box, self.language_box):
            box.currentIndexChanged.connect(lambda _index: self._timer.start())
        if self.knowledge is None:
            self.search_box.setEnabled(False)
            self.results.setHtml(
                "<p style='color:gray'>Search needs the document pipeline "
                "(this engine runs a custom pipeline).</p>"
            )

    @staticmethod
    def _combo(everything: str) -> QComboBox:
        box = QComboBox()
        box.addItem(everything, None)
        box.setMinimumContentsLength(12)
        return box

    # ------------------------------------------------------------------ facets

    def refresh_facets(self) -> None:
        if self.knowledge is None:
            return
        knowledge = self.knowledge
        self.tasks.submit(knowledge.facets, self._facets_loaded)

    def _facets_loaded(self, facets: dict[str, dict[str, int]]) -> None:
        for box, key in (
            (self.type_box, "file_type"),
            (self.category_box, "category"),
            (self.language_box, "language"),
        ):
            chosen = box.currentData()
            box.blockSignals(True)
            while box.count() > 1:
                box.removeItem(1)
            for value, number in facets.get(key, {}).items():
                box.addItem(f"{value} ({number})", value)
                if value == chosen:
                    box.setCurrentIndex(box.count() - 1)
            box.blockSignals(False)
        self.status.setText(f"{sum(facets.get('file_type', {}).values()):,} documents indexed")

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_facets()

    # ------------------------------------------------------------------ searching

    def search(self) -> None:
        self._timer.stop()
        if self.knowledge is None:
            return
        query = self.search_box.text().strip()
        filters = {
            "file_type": self.type_box.currentData(),
            "category": self.category_box.currentData(),
            "language": self.language_box.currentData(),
        }
        self._generation += 1
        generation = self._generation
        knowledge = self.knowledge

        def run() -> list[Any]:  # runs on a pool thread
            return list(knowledge.search(query, limit=RESULTS, **filters))

        self.tasks.submit(
            run,
            lambda hits: self._show_hits(generation, query, hits),
            lambda error: self.status.setText(f"Search failed: {error}"),
        )

    def _show_hits(self, generation: int, query: str, hits: list[Any]) -> None:
        if generation != self._generation:
            return
        self.hits = hits
        self.results.setHtml(hits_html(hits, query))
        self.status.setText(f"{len(hits)} result{'s' if len(hits) != 1 else ''}")
        self.searched.emit(len(hits))

    # ------------------------------------------------------------------ documents

    def open_document(self, document_id: int) -> None:
        if self.knowledge is None:
            return
        knowledge = self.knowledge

        def load() -> tuple[dict[str, Any] | None, str, list[Any]]:  # runs on a pool thread
            document = knowledge.get_document(document_id)
            text = (knowledge.get_text(document_id) or "")[:PREVIEW]
            return document, text, knowledge.related(document_id)

        self.tasks.submit(load, lambda result: self._show_document(document_id, *result))

    def _show_document(
        self, document_id: int, document: dict[str, Any] | None, text: str, related: list[Any]
    ) -> None:
        if document is None:
            self.document.setHtml("<p>This document is no longer in the knowledge base.</p>")
            return
        self.document.setHtml(document_html(document, text, related))
        self.document_shown.emit(document_id)

    def _anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("doc:"):
            self.open_document(int(text[4:]))
