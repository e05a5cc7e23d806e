"""Builds a ready BackgroundProcessor from settings: database, store, sandbox, pipeline."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from docproc_gui.config import Settings, load_settings
from docproc_gui.domain import Pipeline
from docproc_gui.engine.lock import EngineLock
from docproc_gui.engine.processor import BackgroundProcessor
from docproc_gui.engine.sandbox import Sandbox
from docproc_gui.store import Database, JobStore


def pipeline_options(settings: Settings) -> dict[str, Any]:
    """The settings the pipeline's steps read."""
    return {
        "max_file_size_mb": settings.max_file_size_mb,
        "max_text_chars": settings.max_text_chars,
        "quality_threshold": settings.quality_threshold,
        "ocr": settings.ocr,
        "ocr_languages": settings.ocr_languages,
        "category_rules": dict(settings.category_rules),
    }


def create_background_processor(
    settings: Settings | None = None,
    *,
    data_dir: str | os.PathLike[str] | None = None,
    pipeline: Pipeline | None = None,
    options: Mapping[str, Any] | None = None,
    start: bool = True,
    parent: QObject | None = None,
) -> BackgroundProcessor:
    """Open (or create) the data folder and return a processor working on its queue.

    ``pipeline`` defaults to the document pipeline writing into this folder's knowledge
    base. Raises :class:`~docproc_gui.engine.lock.EngineBusyError` when another engine
    already uses the folder.
    """
    settings = settings or load_settings()
    if data_dir is not None:
        settings = settings.replace(data_dir=Path(data_dir))
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    lock = EngineLock(settings.data_dir).acquire()
    try:
        database = Database(settings.database_path, durable=settings.durable_commits)
        step_options = {**pipeline_options(settings), **(options or {})}
        knowledge = None
        if pipeline is None:
            from docproc_gui.pipeline import build_document_pipeline
            from docproc_gui.store.knowledge import KnowledgeBase

            knowledge = KnowledgeBase(database)
            pipeline = build_document_pipeline(knowledge, step_options)
        store = JobStore(database, settings)
        sandbox = None
        if any(step.sandboxed is not None for step in pipeline.steps):
            sandbox = Sandbox(
                settings.sandbox_processes, settings.memory_limit_mb, settings.job_timeout
            )
    except BaseException:
        lock.release()
        raise

    def on_close() -> None:
        if knowledge is not None:
            knowledge.close()  # index the texts still waiting for the batch
        database.dispose()
        lock.release()

    processor = BackgroundProcessor(
        settings,
        store,
        pipeline,
        sandbox=sandbox,
        pipeline_options=step_options,
        on_close=on_close,
        parent=parent,
    )
    processor.knowledge = knowledge
    if start:
        processor.start()
    return processor
