"""The knowledge base's tables as SQLAlchemy 2 typed models (migration 0002 creates them).

``kb_fts`` (the FTS5 index, rowid = document id) and the triggers that keep
``kb_term_stats`` exact exist only in the migration: SQLAlchemy has no model for a virtual
table. A schema comparison should import this module and ignore ``kb_fts*`` tables.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from docproc_gui.store.schema import Base


class KbDocumentRow(Base):
    """One document: where it is, what it is, its quality, and which copy it duplicates."""

    __tablename__ = "kb_documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    path: Mapped[str] = mapped_column(Text, unique=True)
    job_id: Mapped[str | None] = mapped_column(String(32))
    file_hash: Mapped[str] = mapped_column(String(64))
    text_hash: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    file_type: Mapped[str] = mapped_column(String(16))
    claimed_type: Mapped[str] = mapped_column(String(16))
    mime: Mapped[str] = mapped_column(String(100))
    title: Mapped[str | None] = mapped_column(Text)
    author: Mapped[str | None] = mapped_column(Text)
    created: Mapped[str | None] = mapped_column(String(40))
    modified: Mapped[str | None] = mapped_column(String(40))
    doc_date: Mapped[float | None] = mapped_column(Float)
    language: Mapped[str] = mapped_column(String(16))
    language_confidence: Mapped[float] = mapped_column(Float)
    category: Mapped[str] = mapped_column(String(32))
    category_confidence: Mapped[float] = mapped_column(Float)
    pages: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(16))
    words: Mapped[int] = mapped_column(Integer)
    chars: Mapped[int] = mapped_column(Integer)
    partial: Mapped[int] = mapped_column(Integer)
    truncated: Mapped[int] = mapped_column(Integer)
    needs_ocr: Mapped[int] = mapped_column(Integer)
    quality_score: Mapped[float | None] = mapped_column(Float)
    quality_reasons: Mapped[list[str] | None] = mapped_column(JSON)
    needs_review: Mapped[int] = mapped_column(Integer)
    duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="SET NULL")
    )
    near_duplicate_of: Mapped[int | None] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="SET NULL")
    )
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    indexed_at: Mapped[float] = mapped_column(Float)

    __table_args__ = (
        *(
            Index(f"ix_kb_documents_{column}", column)
            for column in (
                "file_hash",
                "text_hash",
                "category",
                "language",
                "file_type",
                "doc_date",
                "duplicate_of",
                "near_duplicate_of",
            )
        ),
    )


class KbTermRow(Base):
    """A signature term of a document with its count in the document."""

    __tablename__ = "kb_terms"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    doc_id: Mapped[int] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="CASCADE"), primary_key=True
    )
    tf: Mapped[int] = mapped_column(Integer)

    __table_args__ = (Index("ix_kb_terms_doc", "doc_id"), {"sqlite_with_rowid": False})


class KbTermStatRow(Base):
    """How many documents have a term among their signature terms (kept by triggers)."""

    __tablename__ = "kb_term_stats"

    term: Mapped[str] = mapped_column(String(64), primary_key=True)
    df: Mapped[int] = mapped_column(Integer)

    __table_args__ = ({"sqlite_with_rowid": False},)


class KbLinkRow(Base):
    """A cross-reference: ``doc_id`` is related to ``other_id`` by the ``shared`` terms."""

    __tablename__ = "kb_links"

    doc_id: Mapped[int] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="CASCADE"), primary_key=True
    )
    other_id: Mapped[int] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[float] = mapped_column(Float)
    shared: Mapped[list[str]] = mapped_column(JSON)

    __table_args__ = (Index("ix_kb_links_other", "other_id"), {"sqlite_with_rowid": False})


class KbPendingTextRow(Base):
    """A document's text waiting to be moved into the FTS5 index (in batches)."""

    __tablename__ = "kb_pending_text"

    doc_id: Mapped[int] = mapped_column(
        ForeignKey("kb_documents.id", ondelete="CASCADE"), primary_key=True
    )
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text)
