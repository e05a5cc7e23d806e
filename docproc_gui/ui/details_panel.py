"""The details of the selected job, in tabs under the table.

Overview (status, attempts, errors with their category), Steps (with durations), Quality
(score and reasons), Metadata, Text (a preview of the extracted text) and Related (cross-
references; a click opens that document in the Knowledge tab). Loading runs off the GUI
thread and is debounced, so holding an arrow key through the table stays smooth.
"""

from __future__ import annotations

import html
from typing import Any

from PySide6.QtCore import QTimer, QUrl, Signal
from PySide6.QtWidgets import QPlainTextEdit, QTabWidget, QTextBrowser, QWidget

from docproc_gui.ui.formatting import format_seconds, format_size, format_time, priority_name
from docproc_gui.ui.job_details import JobDetails, load_details
from docproc_gui.ui.tasks import TaskRunner

DEBOUNCE_MS = 120


def _table(rows: list[tuple[str, Any]]) -> str:
    cells = "".join(
        f"<tr><td style='padding:2px 14px 2px 0; color:gray'>{html.escape(k)}</td>"
        f"<td style='padding:2px 0'>{v}</td></tr>"
        for k, v in rows
        if v not in (None, "")
    )
    return f"<table>{cells}</table>"


def _e(value: object) -> str:
    return html.escape(str(value)) if value is not None else ""


def _category(event: dict[str, Any]) -> str:
    category = (event.get("data") or {}).get("category")
    return f" [{_e(category)}]" if category else ""


def overview_html(details: JobDetails) -> str:
    job = details.job
    category = job.error_category.value if job.error_category else ""
    rows: list[tuple[str, Any]] = [
        ("File", _e(job.file_path)),
        ("Status", f"<b>{_e(job.status.value.replace('_', ' ').capitalize())}</b>"),
        ("Priority", priority_name(int(job.priority))),
        ("Progress", f"{job.progress:.0%}"),
        ("Type", _e(job.file_type.upper())),
        ("Size", format_size(job.file_size)),
        ("Attempts", f"{job.attempts} (retries used {job.retry_count} of {job.max_retries})"),
        ("Submitted", format_time(job.created_at.timestamp()) if job.created_at else ""),
        ("Started", format_time(job.started_at.timestamp()) if job.started_at else ""),
        ("Finished", format_time(job.completed_at.timestamp()) if job.completed_at else ""),
        ("Duration", format_seconds(job.duration)),
        ("Batch", _e(job.batch_id or "")),
        ("Job id", f"<code>{_e(job.job_id)}</code>"),
    ]
    if job.error_message:
        rows.insert(
            2,
            (
                "Error",
                f"<span style='color:#d64545'><b>{_e(category)}</b>: "
                f"{_e(job.error_message)}</span>",
            ),
        )
    problems = "".join(
        f"<li>{format_time(p['at'].timestamp())} — <b>{_e(p['kind'])}</b>"
        f"{_category(p)}: {_e(p.get('message') or '')}</li>"
        for p in details.problems
    )
    attempts = f"<h4>Attempts and errors</h4><ul>{problems}</ul>" if problems else ""
    return _table(rows) + attempts


def steps_html(details: JobDetails) -> str:
    steps = details.steps
    if not steps:
        return "<i>No step has run yet.</i>"
    rows = "".join(
        f"<tr><td style='padding:2px 16px 2px 0'>{_e(step.name)}</td>"
        f"<td style='padding:2px 16px 2px 0'>{format_time(step.started)}</td>"
        f"<td align='right'>{format_seconds(step.seconds) or 'running…'}</td></tr>"
        for step in steps
    )
    head = (
        "<tr><th align='left'>Step</th><th align='left'>Started</th>"
        "<th align='right'>Duration</th></tr>"
    )
    log = "".join(
        f"<li>{format_time(e['at'].timestamp())} {_e(e['kind'])} {_e(e.get('message') or '')}</li>"
        for e in details.events
    )
    return f"<table>{head}{rows}</table><h4>Event log</h4><ul>{log}</ul>"


def quality_html(details: JobDetails) -> str:
    result = details.job.result or {}
    score = result.get("quality_score")
    if score is None:
        return "<i>No quality report (the job has not completed).</i>"
    colour = "#2e9d5b" if score >= 0.75 else "#d98b00" if score >= 0.5 else "#d64545"
    reasons = "".join(f"<li>{_e(r)}</li>" for r in result.get("quality_reasons") or [])
    review = "<p><b>Needs review.</b></p>" if result.get("needs_review") else ""
    notes = "".join(f"<li>{_e(n)}</li>" for n in result.get("notes") or [])
    return (
        f"<p style='font-size:15pt'>Score <b style='color:{colour}'>{score:.2f}</b></p>"
        f"{review}<ul>{reasons or '<li>No problems found.</li>'}</ul>"
        + (f"<h4>Notes</h4><ul>{notes}</ul>" if notes else "")
    )


def metadata_html(details: JobDetails) -> str:
    document = details.document or {}
    result = details.job.result or {}
    merged = {**result, **document}
    if not merged:
        return "<i>No metadata yet.</i>"
    rows = [
        ("Title", _e(merged.get("title") or "")),
        ("Author", _e(merged.get("author") or "")),
        ("Detected type", _e(merged.get("file_type") or "")),
        ("MIME", _e(merged.get("mime") or "")),
        ("Category", _e(merged.get("category") or "")),
        ("Language", _e(merged.get("language") or "")),
        ("Pages", _e(merged.get("pages") or "")),
        ("Words", _e(merged.get("words") or "")),
        ("Document date", _e(merged.get("doc_date_iso") or "")),
        ("Duplicate of", _e(merged.get("duplicate_of") or "")),
        ("Near duplicate of", _e(merged.get("near_duplicate_of") or "")),
    ]
    return _table(rows)


def related_html(details: JobDetails) -> str:
    if not details.related:
        return "<i>No related documents.</i>"
    items = "".join(
        f"<li><a href='doc:{item.document_id}'>{_e(item.title or item.path)}</a> "
        f"<span style='color:gray'>score {item.score:.1f} — {_e(', '.join(item.shared_terms[:6]))}"
        f"</span></li>"
        for item in details.related
    )
    return f"<ul>{items}</ul>"


class DetailsPanel(QTabWidget):
    """Tabs with the selected job's details; empty when nothing is selected."""

    document_requested = Signal(int)
    loaded = Signal(str)  # job id, after the tabs show it

    def __init__(self, processor: Any, tasks: TaskRunner, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("detailsPanel")
        self.processor = processor
        self.tasks = tasks
        self.job_id: str | None = None
        self.details: JobDetails | None = None
        self.overview = self._browser()
        self.steps = self._browser()
        self.quality = self._browser()
        self.metadata = self._browser()
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.related = self._browser()
        self.related.anchorClicked.connect(self._anchor)
        for widget, title in (
            (self.overview, "Overview"),
            (self.steps, "Steps"),
            (self.quality, "Quality"),
            (self.metadata, "Metadata"),
            (self.text, "Text"),
            (self.related, "Related"),
        ):
            self.addTab(widget, title)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(DEBOUNCE_MS)
        self._timer.timeout.connect(self._load)
        self.clear_details()

    @staticmethod
    def _browser() -> QTextBrowser:
        browser = QTextBrowser()
        browser.setOpenLinks(False)
        browser.setFrameShape(QTextBrowser.Shape.NoFrame)
        return browser

    def show_job(self, job_id: str | None) -> None:
        """Show ``job_id`` (debounced); None clears."""
        self.job_id = job_id
        if job_id is None:
            self._timer.stop()
            self.clear_details()
        else:
            self._timer.start()

    def refresh(self, changed: set[str]) -> None:
        """Reload when the shown job changed (called after each flush)."""
        if self.job_id is not None and self.job_id in changed and not self._timer.isActive():
            self._timer.start()

    def clear_details(self) -> None:
        self.details = None
        self.overview.setHtml("<p style='color:gray'>Select a job to see its details.</p>")
        for browser in (self.steps, self.quality, self.metadata, self.related):
            browser.clear()
        self.text.clear()

    def _load(self) -> None:
        job_id = self.job_id
        if job_id is None:
            return
        processor = self.processor
        self.tasks.submit(
            lambda: load_details(processor, job_id),
            self._loaded,
            lambda error: self._failed(job_id, error),
        )

    def _loaded(self, details: object) -> None:
        assert isinstance(details, JobDetails)
        if details.job.job_id != self.job_id:
            return  # the selection moved on meanwhile
        self.details = details
        self.overview.setHtml(overview_html(details))
        self.steps.setHtml(steps_html(details))
        self.quality.setHtml(quality_html(details))
        self.metadata.setHtml(metadata_html(details))
        self.text.setPlainText(details.text_preview or "")
        self.related.setHtml(related_html(details))
        self.loaded.emit(details.job.job_id)

    def _failed(self, job_id: str, error: BaseException) -> None:
        if job_id == self.job_id:
            self.overview.setHtml(f"<p>Could not load the job: {_e(error)}</p>")

    def _anchor(self, url: QUrl) -> None:
        text = url.toString()
        if text.startswith("doc:"):
            self.document_requested.emit(int(text[4:]))
