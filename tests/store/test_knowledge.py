"""The knowledge base: integrate, duplicates, near-duplicates, links, replace, delete."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pytest

from docproc_gui.store.database import Database
from docproc_gui.store.knowledge import KnowledgeBase


@pytest.fixture
def knowledge(tmp_path: Path):
    database = Database(tmp_path / "db.sqlite3")
    kb = KnowledgeBase(database)
    yield kb
    kb.close()
    database.dispose()


def make_doc(
    text: str, *, file_bytes: bytes | None = None, terms: list | None = None, **fields: Any
) -> dict[str, Any]:
    """A document as the EXTRACT step returns it."""
    from docproc_gui.pipeline.terms import signature_terms, text_fingerprint

    content = file_bytes if file_bytes is not None else text.encode()
    doc: dict[str, Any] = {
        "text": text,
        "title": fields.pop("title", text.split(".")[0][:40]),
        "file_hash": hashlib.sha256(content).hexdigest(),
        "text_hash": text_fingerprint(text),
        "terms": signature_terms(text) if terms is None else terms,
        "size": len(content),
        "file_type": "txt",
        "claimed_type": "txt",
        "mime": "text/plain",
        "language": "en",
        "language_confidence": 0.9,
        "category": "report",
        "category_confidence": 0.6,
        "pages": 1,
        "words": len(text.split()),
        "chars": len(text),
        "file_mtime": 1_700_000_000.0,
    }
    doc.update(fields)
    return doc


BASE = "Alpha beta gamma. " * 20


def test_integrate_and_get(knowledge: KnowledgeBase) -> None:
    stored = knowledge.integrate(make_doc(BASE + "unique walrus", author="Ann"), "job1", "/d/a.txt")
    assert stored["duplicate_of"] is None and stored["document_id"] > 0
    document = knowledge.get_document(stored["document_id"])
    assert document is not None
    assert document["path"] == "/d/a.txt" and document["author"] == "Ann"
    assert document["job_id"] == "job1" and document["copies"] == []
    assert knowledge.count() == 1
    assert "unique walrus" in (knowledge.get_text(stored["document_id"]) or "")


def test_same_file_twice_is_a_duplicate_not_indexed_twice(knowledge: KnowledgeBase) -> None:
    first = knowledge.integrate(make_doc(BASE + "shared okapi"), "j1", "/d/one.txt")
    second = knowledge.integrate(make_doc(BASE + "shared okapi"), "j2", "/d/two.txt")
    assert second["duplicate_of"] == first["document_id"]
    hits = knowledge.search("okapi")
    assert [hit.document_id for hit in hits] == [first["document_id"]]
    original = knowledge.get_document(first["document_id"])
    assert original is not None
    assert original["copies"] == [{"document_id": second["document_id"], "path": "/d/two.txt"}]
    assert knowledge.count() == 2 and knowledge.count(include_duplicates=False) == 1


def test_deleting_the_original_promotes_the_copy(knowledge: KnowledgeBase) -> None:
    first = knowledge.integrate(make_doc(BASE + "shared okapi"), "j1", "/d/one.txt")
    second = knowledge.integrate(make_doc(BASE + "shared okapi"), "j2", "/d/two.txt")
    third = knowledge.integrate(make_doc(BASE + "shared okapi"), "j3", "/d/three.txt")
    assert knowledge.delete_document(first["document_id"])
    hits = knowledge.search("okapi")
    assert [hit.document_id for hit in hits] == [second["document_id"]]
    promoted = knowledge.get_document(second["document_id"])
    assert promoted is not None and promoted["duplicate_of"] is None
    copy = knowledge.get_document(third["document_id"])
    assert copy is not None and copy["duplicate_of"] == second["document_id"]


def test_same_text_in_another_container_is_a_near_duplicate(knowledge: KnowledgeBase) -> None:
    text = BASE + "contract for the lighthouse"
    first = knowledge.integrate(make_doc(text, file_bytes=b"docx bytes"), "j1", "/d/a.docx")
    second = knowledge.integrate(make_doc(text, file_bytes=b"pdf bytes"), "j2", "/d/a.pdf")
    assert second["duplicate_of"] is None
    assert second["near_duplicate_of"] == first["document_id"]
    assert len(knowledge.search("lighthouse")) == 2


def test_reprocessing_replaces_atomically_and_keeps_the_id(knowledge: KnowledgeBase) -> None:
    old = knowledge.integrate(make_doc(BASE + "old marmot"), "j1", "/d/a.txt")
    new = knowledge.integrate(make_doc(BASE + "new beaver"), "j2", "/d/a.txt")
    assert new["document_id"] == old["document_id"] and new["replaced"]
    assert knowledge.search("marmot") == []
    assert [h.document_id for h in knowledge.search("beaver")] == [old["document_id"]]
    assert knowledge.count() == 1


def test_reprocessing_the_same_bytes_keeps_copies_linked(knowledge: KnowledgeBase) -> None:
    first = knowledge.integrate(make_doc(BASE + "tapir"), "j1", "/d/a.txt")
    copy = knowledge.integrate(make_doc(BASE + "tapir"), "j2", "/d/b.txt")
    again = knowledge.integrate(make_doc(BASE + "tapir"), "j3", "/d/a.txt")
    assert again["document_id"] == first["document_id"] and again["duplicate_of"] is None
    stored = knowledge.get_document(copy["document_id"])
    assert stored is not None and stored["duplicate_of"] == first["document_id"]
    assert len(knowledge.search("tapir")) == 1


def test_delete_removes_from_the_index(knowledge: KnowledgeBase) -> None:
    stored = knowledge.integrate(make_doc(BASE + "narwhal"), "j1", "/d/a.txt")
    assert knowledge.search("narwhal")
    assert knowledge.delete_document(stored["document_id"])
    assert knowledge.search("narwhal") == []
    assert knowledge.get_document(stored["document_id"]) is None
    assert not knowledge.delete_document(stored["document_id"])
    assert not knowledge.delete_path("/d/a.txt")


def test_related_documents_share_rare_terms(knowledge: KnowledgeBase) -> None:
    # Filler documents make "common" common; two documents share rare terms.
    for index in range(30):
        knowledge.integrate(
            make_doc(f"doc {index}", terms=[["common", 5], [f"only{index}", 2]]), "j", f"/f/{index}"
        )
    rare = [["hydraulic", 4], ["impeller", 3], ["cavitation", 2], ["common", 9]]
    one = knowledge.integrate(make_doc("pump one", terms=rare), "j", "/p/one")
    two = knowledge.integrate(make_doc("pump two", terms=rare[:3]), "j", "/p/two")
    assert [item["document_id"] for item in two["related"]] == [one["document_id"]]
    related = knowledge.related(one["document_id"])
    assert [item.document_id for item in related] == [two["document_id"]]
    assert set(related[0].shared_terms) == {"hydraulic", "impeller", "cavitation"}
    knowledge.delete_document(two["document_id"])
    assert knowledge.related(one["document_id"]) == []


def test_a_small_collection_relates_the_documents_of_each_kind(
    knowledge: KnowledgeBase,
) -> None:
    """36 documents, nine of each kind, each kind sharing its vocabulary (as reports from
    one template do): every report lists other reports, and only those."""
    kinds = {
        "report": "quarterly revenue suspension bridge inspection anchorages schedule",
        "manual": "installation manual connect pump inlet valve tighten pressure gauge motor",
        "letter": "dear neighbour garden fence hedge trimming weekend regards",
        "invoice": "invoice consulting services hours amount payable bank transfer",
    }
    ids: dict[str, list[int]] = {kind: [] for kind in kinds}
    for index in range(9):
        for kind, words in kinds.items():
            text = f"{kind} {index}. {words}. serial{kind}{index} " * 5
            stored = knowledge.integrate(make_doc(text), "j", f"/c/{kind}-{index}.txt")
            ids[kind].append(stored["document_id"])
    for kind, members in ids.items():
        for document_id in members:
            related = {item.document_id for item in knowledge.related(document_id)}
            assert len(related) == 8, (kind, document_id, related)
            assert related <= set(members) - {document_id}, (kind, related)


def test_quality_is_recorded(knowledge: KnowledgeBase) -> None:
    stored = knowledge.integrate(make_doc(BASE), "j1", "/d/a.txt")
    knowledge.record_quality(stored["document_id"], 0.4, ["very short (3 words)"], True)
    document = knowledge.get_document(stored["document_id"])
    assert document is not None
    assert document["quality_score"] == 0.4 and document["needs_review"] is True
    assert document["quality_reasons"] == ["very short (3 words)"]


def test_two_threads_integrate_concurrently(knowledge: KnowledgeBase) -> None:
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for index in range(40):
                text = f"worker {worker} document {index} " + BASE
                knowledge.integrate(make_doc(text), f"{worker}-{index}", f"/t/{worker}/{index}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert knowledge.count() == 80


def test_the_migration_creates_the_tables(tmp_path: Path) -> None:
    database = Database(tmp_path / "m.sqlite3")
    with database.read_engine.connect() as connection:
        names = {
            row[0] for row in connection.exec_driver_sql("SELECT name FROM sqlite_master").all()
        }
    database.dispose()
    assert {"kb_documents", "kb_fts", "kb_terms", "kb_term_stats", "kb_links"} <= names
    assert {"kb_terms_added", "kb_terms_removed", "kb_documents_removed"} <= names


def test_the_migration_matches_the_knowledge_models(tmp_path: Path) -> None:
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    import docproc_gui.store.knowledge_schema  # noqa: F401 - registers the models
    from docproc_gui.store.schema import Base

    database = Database(tmp_path / "s.sqlite3")
    try:
        with database.read_engine.connect() as connection:
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        database.dispose()

    def touches_kb(difference: object) -> bool:
        text = repr(difference)
        return "kb_" in text and "kb_fts" not in text

    assert [d for d in differences if touches_kb(d)] == []


def test_texts_wait_for_the_index_durably_and_a_new_instance_indexes_them(tmp_path: Path) -> None:
    database = Database(tmp_path / "crash.sqlite3")
    first = KnowledgeBase(database)
    first.integrate(make_doc(BASE + "pelican"), "j1", "/d/p.txt")
    with database.read_engine.connect() as connection:
        waiting = connection.exec_driver_sql("SELECT COUNT(*) FROM kb_pending_text").scalar()
    assert waiting == 1  # committed with the document, not yet in the FTS index
    # As after a crash: another instance opens the same database before the first flushed.
    second = KnowledgeBase(database)
    with database.read_engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT COUNT(*) FROM kb_pending_text").scalar() == 0
        assert (
            connection.exec_driver_sql(
                "SELECT COUNT(*) FROM kb_fts WHERE kb_fts MATCH 'pelican'"
            ).scalar()
            == 1
        )
    assert [hit.path for hit in second.search("pelican")] == ["/d/p.txt"]
    second.close()
    first.close()
    database.dispose()


def test_a_batch_of_texts_enters_the_index_in_one_flush(knowledge: KnowledgeBase) -> None:
    from docproc_gui.store.knowledge import INDEX_BATCH

    for index in range(INDEX_BATCH):
        knowledge.integrate(make_doc(f"batch {index} " + BASE), "j", f"/b/{index}")
    assert knowledge.flush_index() == 0  # the 32nd integration flushed them all
    assert len(knowledge.search("batch", limit=100)) == INDEX_BATCH
