"""The knowledge base: documents, their full-text index, signature terms and links.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FK: Any = {"ondelete": "CASCADE"}  # keyword arguments of ForeignKey


def upgrade() -> None:
    op.create_table(
        "kb_documents",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("path", sa.Text, nullable=False, unique=True),
        sa.Column("job_id", sa.String(32)),
        sa.Column("file_hash", sa.String(64), nullable=False),
        sa.Column("text_hash", sa.String(64)),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("file_type", sa.String(16), nullable=False),
        sa.Column("claimed_type", sa.String(16), nullable=False),
        sa.Column("mime", sa.String(100), nullable=False),
        sa.Column("title", sa.Text),
        sa.Column("author", sa.Text),
        sa.Column("created", sa.String(40)),
        sa.Column("modified", sa.String(40)),
        sa.Column("doc_date", sa.Float),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("language_confidence", sa.Float, nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("category_confidence", sa.Float, nullable=False),
        sa.Column("pages", sa.Integer, nullable=False),
        sa.Column("unit", sa.String(16), nullable=False),
        sa.Column("words", sa.Integer, nullable=False),
        sa.Column("chars", sa.Integer, nullable=False),
        sa.Column("partial", sa.Integer, nullable=False),
        sa.Column("truncated", sa.Integer, nullable=False),
        sa.Column("needs_ocr", sa.Integer, nullable=False),
        sa.Column("quality_score", sa.Float),
        sa.Column("quality_reasons", sa.JSON),
        sa.Column("needs_review", sa.Integer, nullable=False),
        sa.Column(
            "duplicate_of", sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="SET NULL")
        ),
        sa.Column(
            "near_duplicate_of", sa.Integer, sa.ForeignKey("kb_documents.id", ondelete="SET NULL")
        ),
        sa.Column("details", sa.JSON, nullable=False),
        sa.Column("indexed_at", sa.Float, nullable=False),
    )
    for column in ("file_hash", "text_hash", "category", "language", "file_type", "doc_date"):
        op.create_index(f"ix_kb_documents_{column}", "kb_documents", [column])
    op.create_index("ix_kb_documents_duplicate_of", "kb_documents", ["duplicate_of"])
    op.create_index("ix_kb_documents_near_duplicate_of", "kb_documents", ["near_duplicate_of"])
    op.create_table(
        "kb_terms",
        sa.Column("term", sa.String(64), primary_key=True),
        sa.Column("doc_id", sa.Integer, sa.ForeignKey("kb_documents.id", **FK), primary_key=True),
        sa.Column("tf", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_kb_terms_doc", "kb_terms", ["doc_id"])
    op.create_table(
        "kb_term_stats",
        sa.Column("term", sa.String(64), primary_key=True),
        sa.Column("df", sa.Integer, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_table(
        "kb_links",
        sa.Column("doc_id", sa.Integer, sa.ForeignKey("kb_documents.id", **FK), primary_key=True),
        sa.Column("other_id", sa.Integer, sa.ForeignKey("kb_documents.id", **FK), primary_key=True),
        sa.Column("score", sa.Float, nullable=False),
        sa.Column("shared", sa.JSON, nullable=False),
        sqlite_with_rowid=False,
    )
    op.create_index("ix_kb_links_other", "kb_links", ["other_id"])
    # Texts waiting to enter the full-text index (moved there in batches, see knowledge.py).
    op.create_table(
        "kb_pending_text",
        sa.Column("doc_id", sa.Integer, sa.ForeignKey("kb_documents.id", **FK), primary_key=True),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("body", sa.Text, nullable=False),
    )
    # The full-text index stores its own copy of title and body (snippets need the text);
    # its rowid is the document id. Duplicates are not in it. No prefix indexes: with
    # prefix='2 3' indexing took 2.3 times as long (18.4 s vs 7.8 s for 1,824 documents
    # committed one by one) and prefix queries of 3+ characters stay fast without them.
    op.execute(
        "CREATE VIRTUAL TABLE kb_fts USING fts5("
        "title, body, tokenize = 'unicode61 remove_diacritics 2')"
    )
    # Merge segments in larger steps: documents arrive one commit at a time, and the
    # default (4) spends more time merging than indexing (measured: 3.1 s vs 2.5 s / 600).
    op.execute("INSERT INTO kb_fts (kb_fts, rank) VALUES ('automerge', 8)")
    # Document frequencies of signature terms, kept exact by triggers.
    op.execute(
        "CREATE TRIGGER kb_terms_added AFTER INSERT ON kb_terms BEGIN "
        "INSERT INTO kb_term_stats (term, df) VALUES (new.term, 1) "
        "ON CONFLICT (term) DO UPDATE SET df = df + 1; END"
    )
    op.execute(
        "CREATE TRIGGER kb_terms_removed AFTER DELETE ON kb_terms BEGIN "
        "UPDATE kb_term_stats SET df = df - 1 WHERE term = old.term; END"
    )
    # Safety net: a deleted document never lingers in the index.
    op.execute(
        "CREATE TRIGGER kb_documents_removed AFTER DELETE ON kb_documents BEGIN "
        "DELETE FROM kb_fts WHERE rowid = old.id; END"
    )


def downgrade() -> None:
    op.execute("DROP TRIGGER IF EXISTS kb_documents_removed")
    op.execute("DROP TRIGGER IF EXISTS kb_terms_removed")
    op.execute("DROP TRIGGER IF EXISTS kb_terms_added")
    op.execute("DROP TABLE IF EXISTS kb_fts")
    op.drop_table("kb_pending_text")
    op.drop_index("ix_kb_links_other", "kb_links")
    op.drop_table("kb_links")
    op.drop_table("kb_term_stats")
    op.drop_index("ix_kb_terms_doc", "kb_terms")
    op.drop_table("kb_terms")
    for column in ("file_hash", "text_hash", "category", "language", "file_type", "doc_date"):
        op.drop_index(f"ix_kb_documents_{column}", "kb_documents")
    op.drop_index("ix_kb_documents_duplicate_of", "kb_documents")
    op.drop_index("ix_kb_documents_near_duplicate_of", "kb_documents")
    op.drop_table("kb_documents")
