"""Chinese and Japanese words become searchable: the full-text index gets a ``cjk`` column.

FTS5 tables cannot gain a column, so the index is rebuilt with one (see store/cjk.py for
what it holds) and every indexed document is copied over, its CJK characters added.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

from docproc_gui.store.cjk import cjk_tokens

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

TOKENIZER = "tokenize = 'unicode61 remove_diacritics 2'"
COPY_BATCH = 500
_REMOVED_TRIGGER = (
    "CREATE TRIGGER kb_documents_removed AFTER DELETE ON kb_documents BEGIN "
    "DELETE FROM kb_fts WHERE rowid = old.id; END"
)


def _rebuild(columns: str, with_cjk: bool) -> None:
    connection = op.get_bind()
    # The trigger names kb_fts, which is missing for a moment: SQLite would refuse the
    # rename below while a trigger refers to a table that does not exist.
    op.execute("DROP TRIGGER IF EXISTS kb_documents_removed")
    op.execute(f"CREATE VIRTUAL TABLE kb_fts_next USING fts5({columns}, {TOKENIZER})")
    last = -1
    while True:
        rows = connection.exec_driver_sql(
            "SELECT rowid, title, body FROM kb_fts WHERE rowid > ? ORDER BY rowid LIMIT ?",
            (last, COPY_BATCH),
        ).all()
        if not rows:
            break
        if with_cjk:
            connection.exec_driver_sql(
                "INSERT INTO kb_fts_next (rowid, title, body, cjk) VALUES (?, ?, ?, ?)",
                [(row[0], row[1], row[2], cjk_tokens(f"{row[1]}\n{row[2]}")) for row in rows],
            )
        else:
            connection.exec_driver_sql(
                "INSERT INTO kb_fts_next (rowid, title, body) VALUES (?, ?, ?)",
                [(row[0], row[1], row[2]) for row in rows],
            )
        last = int(rows[-1][0])
    op.execute("DROP TABLE kb_fts")
    op.execute("ALTER TABLE kb_fts_next RENAME TO kb_fts")
    op.execute("INSERT INTO kb_fts (kb_fts, rank) VALUES ('automerge', 8)")
    op.execute(_REMOVED_TRIGGER)


def upgrade() -> None:
    _rebuild("title, body, cjk", with_cjk=True)


def downgrade() -> None:
    _rebuild("title, body", with_cjk=False)
