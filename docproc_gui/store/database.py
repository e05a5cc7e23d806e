"""Opening the SQLite database: WAL mode, pragmas, migrations, one writer and many readers.

Two SQLAlchemy engines share the file. The *writer* engine has a single connection whose
transactions start with ``BEGIN IMMEDIATE`` (so a write never has to upgrade a read lock
and fail with SQLITE_BUSY half-way); only :class:`~docproc_gui.store.writer.GroupCommitWriter`
uses it. The *reader* engine hands out pooled connections for queries from any thread;
WAL lets them read while the writer writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event

from docproc_gui.domain import StorageFullError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
# The newest migration. Alembic (half a second to import) is loaded only when a
# database is older than this; tests/store/test_migrations.py checks it is the head.
SCHEMA_HEAD = "0004"
BUSY_TIMEOUT_MS = 30_000


IN_LIST_SIZE = 500  # values per "IN (...)" list, well under SQLite's limit of variables


def select_in(connection: Connection, sql: str, values: Sequence[Any]) -> list[Any]:
    """The rows of ``sql`` for all ``values``: ``{marks}`` in it stands for the IN list,
    and each chunk of :data:`IN_LIST_SIZE` values is one statement."""
    rows: list[Any] = []
    for start in range(0, len(values), IN_LIST_SIZE):
        chunk = tuple(values[start : start + IN_LIST_SIZE])
        marks = ", ".join("?" * len(chunk))
        rows += connection.exec_driver_sql(sql.format(marks=marks), chunk).all()
    return rows


def _configure_connection(durable: bool) -> Any:
    def on_connect(dbapi_connection: sqlite3.Connection, _record: object) -> None:
        # Let SQLAlchemy's "begin" event, not the sqlite3 module, start transactions.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        mode = cursor.execute("PRAGMA journal_mode = WAL").fetchone()[0]
        if str(mode).lower() != "wal":  # pragma: no cover - e.g. some network filesystems
            raise RuntimeError(f"SQLite refused WAL mode ({mode})")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA synchronous = {'FULL' if durable else 'NORMAL'}")
        cursor.execute("PRAGMA temp_store = MEMORY")
        cursor.execute("PRAGMA cache_size = -32000")
        cursor.close()

    return on_connect


def _begin_with(statement: str) -> Any:
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(statement)

    return on_begin


class Database:
    """The SQLite file, migrated to the newest schema, with its writer and reader engines."""

    def __init__(self, path: Path, *, durable: bool = False, migrate: bool = True) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        url = f"sqlite:///{self.path}"
        self.write_engine: Engine = create_engine(
            url, pool_size=1, max_overflow=0, connect_args={"check_same_thread": False}
        )
        self.read_engine: Engine = create_engine(
            url, pool_size=8, max_overflow=8, connect_args={"check_same_thread": False}
        )
        for engine, begin in ((self.write_engine, "BEGIN IMMEDIATE"), (self.read_engine, "BEGIN")):
            event.listen(engine, "connect", _configure_connection(durable))
            event.listen(engine, "begin", _begin_with(begin))
        try:
            if migrate:
                self.upgrade()
        except Exception as error:
            raise translate_sqlite_error(error) from error

    def upgrade(self, revision: str = "head") -> None:
        """Bring the schema to ``revision`` with Alembic (a no-op when it is already there)."""
        if revision == "head" and self.current_revision() == SCHEMA_HEAD:
            return
        from alembic import command

        with self.write_engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)

    def current_revision(self) -> str | None:
        """The schema version stored in the database (None for a new, empty one)."""
        with self.read_engine.connect() as connection:
            exists = connection.exec_driver_sql(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'"
            ).first()
            if exists is None:
                return None
            return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()

    def dispose(self) -> None:
        self.write_engine.dispose()
        self.read_engine.dispose()


def alembic_config() -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    return config


_HEAD: list[str] = []


def head_revision() -> str:
    """The newest migration's id according to Alembic (read once from the scripts)."""
    if not _HEAD:
        from alembic.script import ScriptDirectory

        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        _HEAD.append(head or "")
    return _HEAD[0]


def translate_sqlite_error(error: BaseException) -> BaseException:
    """Turn SQLite's "disk is full" into :class:`StorageFullError`; keep other errors."""
    text = str(error).lower()
    if "database or disk is full" in text or "no space left" in text:
        return StorageFullError("the disk holding the DocProc database is full; nothing was saved")
    return error
