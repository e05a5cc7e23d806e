"""The writer's connection: many rows in few statements, with the same effect as one each."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator

import pytest

from docproc_gui.domain import ProcessingStatus as S
from docproc_gui.store import JobStore
from docproc_gui.store import writer as writer_module
from docproc_gui.store.writer import WriterConnection


@pytest.fixture
def connection() -> Iterator[WriterConnection]:
    raw = sqlite3.connect(":memory:", isolation_level=None)
    raw.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, kind TEXT, n INTEGER)")
    yield WriterConnection(raw)
    raw.close()


def _rows(connection: WriterConnection) -> list[tuple[object, ...]]:
    return connection.raw.execute("SELECT id, name, kind, n FROM t ORDER BY id").fetchall()


def test_a_many_row_insert_stores_every_row_across_statement_chunks(
    connection: WriterConnection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "MAX_ROWS_PER_INSERT", 7)
    rows = [(index, f"name {index}", index * 2) for index in range(1, 51)]
    statements: list[str] = []
    connection.raw.set_trace_callback(statements.append)
    result = connection.exec_driver_sql("INSERT INTO t (id, name, kind, n) VALUES (?, ?, 'x', ?)",
                                        rows)
    connection.raw.set_trace_callback(None)
    assert result.rowcount == 50
    assert _rows(connection) == [(i, f"name {i}", "x", i * 2) for i in range(1, 51)]
    assert len(statements) == 8  # 50 rows, 7 per statement


def test_statements_it_cannot_merge_run_row_by_row_as_before(
    connection: WriterConnection,
) -> None:
    connection.exec_driver_sql("INSERT INTO t (id, name) VALUES (?, ?)", [(1, "a"), (2, "b")])
    connection.exec_driver_sql(
        "INSERT INTO t (id, name) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET name = 'again'",
        [(2, "x"), (3, "c")],
    )
    connection.exec_driver_sql("UPDATE t SET n = ? WHERE id = ?", [(10, 1), (30, 3)])
    assert _rows(connection) == [(1, "a", None, 10), (2, "again", None, None), (3, "c", None, 30)]


def test_a_duplicate_key_still_fails_the_insert(connection: WriterConnection) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        connection.exec_driver_sql("INSERT INTO t (id, name) VALUES (?, ?)",
                                   [(1, "a"), (1, "again")])


def test_update_rows_updates_each_row_by_its_key(connection: WriterConnection) -> None:
    connection.exec_driver_sql("INSERT INTO t (id, name) VALUES (?, ?)",
                               [(i, "old") for i in range(1, 6)])
    result = connection.update_rows(
        "UPDATE t SET name = v.column1, n = v.column2 FROM (VALUES {values}) AS v "
        "WHERE t.id = v.column3",
        "UPDATE t SET name = ?, n = ? WHERE id = ?",
        [("new 2", 20, 2), ("new 4", 40, 4), ("new 9", 90, 9)],
    )
    assert result.rowcount == 2
    assert _rows(connection) == [
        (1, "old", None, None), (2, "new 2", None, 20), (3, "old", None, None),
        (4, "new 4", None, 40), (5, "old", None, None),
    ]


def test_many_jobs_completing_in_one_flush_are_each_recorded(store: JobStore) -> None:
    """The progress journal's many-row updates, end to end through the job store."""
    for index in range(30):
        store.submit(f"/doc{index}")
    claimed = store.claim(30)
    for item in claimed:
        store.record_step(item, S.EXTRACTING, "extract", 0.5, [])
    for item in claimed[:20]:
        store.complete(item, {"words": item.seq}, ["extract"])
    store.writer.flush()
    jobs = {job.job_id: job for job in store.list_jobs(limit=100)}
    for item in claimed[:20]:
        job = jobs[item.job.job_id]
        assert job.status is S.COMPLETED and job.progress == 1.0
        assert job.completed_at is not None and job.current_step == ""
        assert job.result == {"words": item.seq}
    for item in claimed[20:]:
        job = jobs[item.job.job_id]
        assert job.status is S.EXTRACTING and job.current_step == "extract"
        assert job.progress == 0.5


def test_named_placeholders_and_uneven_rows_are_left_to_executemany(
    connection: WriterConnection,
) -> None:
    connection.exec_driver_sql("INSERT INTO t (id, name) VALUES (:id, :name)",
                               [{"id": 1, "name": "a"}, {"id": 2, "name": "b"}])
    connection.exec_driver_sql("INSERT INTO t (id, name) VALUES (?1, ?2)", [(3, "c"), (4, "d")])
    assert [row[:2] for row in _rows(connection)] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    with pytest.raises(sqlite3.ProgrammingError):  # what executemany says, not a shifted bind
        connection.exec_driver_sql("INSERT INTO t (id, name) VALUES (?, ?)",
                                   [(5, "e", "extra"), (6,)])
