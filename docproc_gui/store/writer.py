"""The store's single writer: every write goes through here and is committed in groups.

Writers enqueue *operations* (functions of a connection). Whoever flushes takes every
operation that is waiting and runs them in one transaction: under load, hundreds of
state changes share one commit. A synchronous :meth:`GroupCommitWriter.call` flushes on
the caller's thread (no hand-off when nobody else is writing); :meth:`submit` returns a
future and leaves the flush to a background thread, so the GUI thread never waits on disk.

Events that operations emit are handed to the listener only *after* their transaction
committed, in commit order: nothing is reported that a crash could take back.
"""

from __future__ import annotations

import logging
import re
import sqlite3
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Engine

from docproc_gui.store.database import translate_sqlite_error

log = logging.getLogger(__name__)
T = TypeVar("T")
# "INSERT ... VALUES (?, 'x', ?)" and nothing after: what one multi-row INSERT can replace.
_SIMPLE_INSERT = re.compile(r"^INSERT\b.*\bVALUES\s*(\([^()]*\))$", re.S | re.I)
MAX_ROWS_PER_INSERT = 500
UPDATE_FROM = sqlite3.sqlite_version_info >= (3, 33, 0)
_NAMED_OR_NUMBERED = re.compile(r"\?\d|[:@$][A-Za-z_]")


def _same_width(row: str, rows: list[Any]) -> bool:
    """Plain ``?`` placeholders only, as many as every row has values: then one statement
    binds exactly what executemany would (anything else keeps executemany)."""
    if _NAMED_OR_NUMBERED.search(row):
        return False
    width = row.count("?")
    return all(len(item) == width for item in rows)


class ExecutesSql(Protocol):
    """Anything that runs plain SQL: the writer's connection or a SQLAlchemy one."""

    def exec_driver_sql(self, sql: str, parameters: Any = ...) -> Any: ...


class Result:
    """The rows of one statement, with the accessors the operations use."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Any], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def all(self) -> list[Any]:
        return self._rows

    def first(self) -> Any:
        return self._rows[0] if self._rows else None

    def one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def __iter__(self) -> Any:
        return iter(self._rows)


class WriterConnection:
    """The writer's SQLite connection, used directly: SQLAlchemy's per-statement
    machinery costs ten times more than SQLite itself on these one-row statements."""

    def __init__(self, dbapi_connection: sqlite3.Connection) -> None:
        self.raw = dbapi_connection
        self._cursor = dbapi_connection.cursor()
        self._max_variables = dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER)

    def exec_driver_sql(self, sql: str, parameters: Any = ()) -> Result:
        cursor = self._cursor
        if isinstance(parameters, list):
            if len(parameters) > 1:
                simple = _SIMPLE_INSERT.match(sql)
                if simple is not None and _same_width(simple.group(1), parameters):
                    return self._insert_rows(sql[: simple.start(1)], simple.group(1), parameters)
            cursor.executemany(sql, parameters)
            return Result([], cursor.rowcount)
        cursor.execute(sql, parameters)
        rows = cursor.fetchall() if cursor.description else []
        return Result(rows, cursor.rowcount)

    def _insert_rows(self, head: str, row: str, rows: list[Any]) -> Result:
        """Many rows in few INSERT statements (``VALUES (...), (...), ...``).

        Python's sqlite3 lets go of the interpreter lock around every row that
        ``executemany`` steps through, and under load each time it takes a while to get it
        back, all the while holding the store's write lock. One statement per chunk is one
        hand-off: the job_events inserts of benchmarks/api_throughput.py took half as long.
        """
        return self._in_chunks(lambda count: head + ",".join([row] * count), rows)

    def update_rows(self, template: str, one_by_one: str, rows: list[Any]) -> Result:
        """Update many rows in one statement per chunk, for the reason :meth:`_insert_rows`
        gives: ``template`` is an ``UPDATE ... FROM (VALUES {values})`` whose ``{values}``
        becomes one ``(?, ...)`` per row. A single row, or SQLite before 3.33 (no
        ``UPDATE ... FROM``), runs ``one_by_one`` (the plain UPDATE) instead."""
        if len(rows) < 2 or not UPDATE_FROM:
            return self.exec_driver_sql(one_by_one, rows)
        row = "(" + ", ".join("?" * len(rows[0])) + ")"
        return self._in_chunks(lambda count: template.format(values=", ".join([row] * count)), rows)

    def _in_chunks(self, statement: Callable[[int], str], rows: list[Any]) -> Result:
        """``statement(n)`` for chunks of n rows, bound to the chunk's values in order;
        chunks stay within SQLite's limit of variables per statement."""
        width = max(len(rows[0]), 1)
        per_statement = max(1, min(MAX_ROWS_PER_INSERT, self._max_variables // width))
        done = 0
        for start in range(0, len(rows), per_statement):
            chunk = rows[start : start + per_statement]
            self._cursor.execute(statement(len(chunk)), [value for item in chunk for value in item])
            done += self._cursor.rowcount
        return Result([], done)

    def begin(self) -> None:
        self._cursor.execute("BEGIN IMMEDIATE")

    def commit(self) -> None:
        self._cursor.execute("COMMIT")

    def rollback(self) -> None:
        if self.raw.in_transaction:
            self._cursor.execute("ROLLBACK")


class WriteBatch:
    """Collects the events of the operations in one transaction."""

    __slots__ = ("events",)

    def __init__(self) -> None:
        self.events: list[Any] = []

    def emit(self, event: Any) -> None:
        self.events.append(event)


Operation = Callable[[WriterConnection, WriteBatch], T]


class _Pending(Generic[T]):
    __slots__ = ("future", "operation")

    def __init__(self, operation: Operation[T], future: Future[T] | None = None) -> None:
        self.operation = operation
        self.future = future


def _new_pending(operation: Operation[T]) -> _Pending[T]:
    return _Pending(operation, Future())


class GroupCommitWriter:
    """Serialises all writes on one connection and commits them in groups."""

    def __init__(
        self,
        engine: Engine,
        listener: Callable[[list[Any]], None] | None = None,
        *,
        max_batch: int = 5000,
        linger: float = 0.002,
    ) -> None:
        self._pooled = engine.raw_connection()
        driver = self._pooled.driver_connection
        assert isinstance(driver, sqlite3.Connection)
        self._connection = WriterConnection(driver)
        self._listener = listener
        self._max_batch = max_batch
        self._linger = linger
        self._pending: deque[_Pending[Any]] = deque()
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._closed = False
        self.commits = 0
        self._thread = threading.Thread(target=self._run, name="docproc-writer", daemon=True)
        self._thread.start()

    def set_listener(self, listener: Callable[[list[Any]], None] | None) -> None:
        self._listener = listener

    def submit(self, operation: Operation[T]) -> Future[T]:
        """Queue ``operation``; the background thread commits it soon. Never blocks on disk."""
        pending = self._enqueue(operation)
        self._wake.set()
        assert pending.future is not None
        return pending.future

    def post(self, operation: Operation[Any]) -> None:
        """Queue ``operation`` with nobody waiting for it; a failure is logged."""
        if self._closed:
            raise RuntimeError("the store is closed")
        self._pending.append(_Pending(operation, None))
        self._wake.set()

    def call(self, operation: Operation[T]) -> T:
        """Run ``operation`` and return its result once it is committed."""
        pending = self._enqueue(operation)
        future = pending.future
        assert future is not None
        with self._lock:
            if not future.done():
                self._drain_locked()
        return future.result()

    def flush(self) -> None:
        """Return when everything submitted before this call is committed."""
        self.call(lambda connection, batch: None)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self._wake.set()
        self._thread.join(timeout=30)
        with self._lock:
            self._drain_locked()
            self._pooled.close()

    # ------------------------------------------------------------------ internals

    def _enqueue(self, operation: Operation[T]) -> _Pending[T]:
        if self._closed:
            raise RuntimeError("the store is closed")
        pending = _new_pending(operation)
        self._pending.append(pending)
        return pending

    def _run(self) -> None:
        while not self._closed:
            self._wake.wait()
            self._wake.clear()
            # Linger a moment so that operations submitted right after share the commit.
            time.sleep(self._linger)
            with self._lock:
                self._drain_locked()

    def _drain_locked(self) -> None:
        while self._pending:
            group: list[_Pending[Any]] = []
            while self._pending and len(group) < self._max_batch:
                group.append(self._pending.popleft())
            self._commit(group)

    def _commit(self, group: list[_Pending[Any]]) -> None:
        batch = WriteBatch()
        connection = self._connection
        try:
            connection.begin()
            results = [item.operation(connection, batch) for item in group]
            connection.commit()
        except Exception as error:  # noqa: BLE001 - isolate the operation that failed
            try:
                connection.rollback()
            except sqlite3.Error:  # pragma: no cover - the connection is gone
                log.exception("rollback failed")
            if len(group) > 1:
                for item in group:
                    self._commit([item])
                return
            failed = group[0].future
            if failed is None:
                log.error("a store write failed and was dropped: %s", error)
            else:
                failed.set_exception(translate_sqlite_error(error))
            return
        self.commits += 1
        if batch.events and self._listener is not None:
            try:
                self._listener(batch.events)
            except Exception:
                log.exception("store event listener failed")
        for item, result in zip(group, results, strict=True):
            if item.future is not None:
                item.future.set_result(result)
