"""Full-text search: ranking, snippets, phrases, prefixes, exclusions, filters, safety."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from docproc_gui.store.database import Database
from docproc_gui.store.knowledge import HIGHLIGHT, KnowledgeBase, to_fts_query
from tests.store.test_knowledge import make_doc


@pytest.fixture(scope="module")
def knowledge(tmp_path_factory: pytest.TempPathFactory):
    database = Database(tmp_path_factory.mktemp("kb") / "db.sqlite3")
    kb = KnowledgeBase(database)
    docs = [
        (
            "/d/pump.pdf",
            "Pump maintenance manual. The centrifugal pump needs new bearings. " * 3,
            {"file_type": "pdf", "category": "manual", "modified": "2021-03-01T00:00:00+00:00"},
        ),
        (
            "/d/invoice.docx",
            "Invoice for pump bearings. Amount due 300 EUR.",
            {"file_type": "docx", "category": "invoice", "modified": "2023-06-01T00:00:00+00:00"},
        ),
        (
            "/d/brief.txt",
            "Sehr geehrte Frau Schmidt, die Pumpe läuft wieder.",
            {"language": "de", "category": "letter", "modified": "2024-01-15T00:00:00+00:00"},
        ),
        (
            "/d/resume.html",
            "My résumé lists pumping experience and bearing design.",
            {"file_type": "html", "category": "other"},
        ),
    ]
    for path, text, fields in docs:
        kb.integrate(make_doc(text, **fields), "job", path)
    yield kb
    kb.close()
    database.dispose()


def paths(hits) -> list[str]:
    return [hit.path for hit in hits]


def test_ranked_hits_with_highlighted_snippets(knowledge: KnowledgeBase) -> None:
    hits = knowledge.search("pump")
    assert set(paths(hits)) == {"/d/pump.pdf", "/d/invoice.docx"}
    assert all(f"{HIGHLIGHT[0]}pump{HIGHLIGHT[1]}" in hit.snippet.lower() for hit in hits)
    assert [hit.rank for hit in hits] == [1, 2] and hits[0].score >= hits[1].score


def test_phrase_query(knowledge: KnowledgeBase) -> None:
    assert paths(knowledge.search('"pump bearings"')) == ["/d/invoice.docx"]
    assert knowledge.search('"bearings invoice"') == []


def test_prefix_query(knowledge: KnowledgeBase) -> None:
    assert set(paths(knowledge.search("pump*"))) == {
        "/d/pump.pdf",
        "/d/invoice.docx",
        "/d/resume.html",
        "/d/brief.txt",
    }


def test_or_not_and_title(knowledge: KnowledgeBase) -> None:
    assert set(paths(knowledge.search("invoice OR pumpe"))) == {"/d/invoice.docx", "/d/brief.txt"}
    assert paths(knowledge.search("pump -invoice")) == ["/d/pump.pdf"]
    assert paths(knowledge.search("title:invoice")) == ["/d/invoice.docx"]


def test_diacritics_are_folded(knowledge: KnowledgeBase) -> None:
    assert paths(knowledge.search("resume")) == ["/d/resume.html"]


def test_filters(knowledge: KnowledgeBase) -> None:
    assert paths(knowledge.search("pump", file_type="docx")) == ["/d/invoice.docx"]
    assert paths(knowledge.search("pump", category="manual")) == ["/d/pump.pdf"]
    assert paths(knowledge.search("pumpe", language="de")) == ["/d/brief.txt"]
    assert paths(knowledge.search("pump", date_from="2022-01-01")) == ["/d/invoice.docx"]
    assert paths(knowledge.search("pump", date_to="2022-01-01")) == ["/d/pump.pdf"]


def test_empty_query_lists_filtered_documents(knowledge: KnowledgeBase) -> None:
    assert paths(knowledge.search("", category="letter")) == ["/d/brief.txt"]
    assert len(knowledge.search("")) == 4


def test_browsing_shows_each_documents_opening_words(knowledge: KnowledgeBase) -> None:
    """Without a query there is nothing to highlight: the start of the text stands in
    for the snippet, and no hit claims a negative score."""
    hits = {hit.path: hit for hit in knowledge.search("")}
    assert hits["/d/invoice.docx"].snippet == "Invoice for pump bearings. Amount due 300 EUR."
    manual = hits["/d/pump.pdf"].snippet  # the sentence three times: 197 characters
    sentence = "Pump maintenance manual. The centrifugal pump needs new bearings."
    assert manual == " ".join([sentence] * 3)
    assert all(str(hit.score) == "0.0" for hit in hits.values())


def test_browsing_cuts_a_long_opening_at_a_word(tmp_path) -> None:
    database = Database(tmp_path / "db.sqlite3")
    kb = KnowledgeBase(database)
    try:
        kb.integrate(make_doc("lighthouse keeper " * 100), "job", "/d/long.txt")
        (hit,) = kb.search("")
    finally:
        kb.close()
        database.dispose()
    assert hit.snippet.endswith("…") and len(hit.snippet) <= 241
    assert hit.snippet[:-1].split()[-1] in {"lighthouse", "keeper"}


def test_paging(knowledge: KnowledgeBase) -> None:
    first = knowledge.search("pump*", limit=2)
    second = knowledge.search("pump*", limit=2, offset=2)
    assert len(first) == 2 and len(second) == 2
    assert [hit.rank for hit in second] == [3, 4]
    assert not set(paths(first)) & set(paths(second))


def test_facets(knowledge: KnowledgeBase) -> None:
    facets = knowledge.facets()
    assert facets["category"]["manual"] == 1 and facets["language"]["de"] == 1


def test_query_translation() -> None:
    assert to_fts_query("pump") == '"pump"'
    assert to_fts_query('"a b" cat*') == '"a b" AND "cat"*'
    assert to_fts_query("ca*") == '"ca"'
    assert to_fts_query("a -b") == '("a") NOT "b"'
    assert to_fts_query("-only") is None
    assert to_fts_query("  ") is None


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.text(max_size=40))
def test_no_input_breaks_search(knowledge: KnowledgeBase, query: str) -> None:
    hits = knowledge.search(query)
    assert isinstance(hits, list)
    assert knowledge.search("\x00 pump") != []
