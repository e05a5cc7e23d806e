"""Chinese and Japanese words are found inside the unbroken runs those scripts write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from docproc_gui.store.cjk import cjk_tokens
from docproc_gui.store.database import Database, alembic_config
from docproc_gui.store.knowledge import HIGHLIGHT, KnowledgeBase, to_fts_query
from tests.store.test_knowledge import make_doc

JAPANESE = (
    "Debian のインストール手順を説明します。パッケージ管理システムは apt です。"
    "人々は様々なDebian文書を翻訳しています。"
)
CHINESE = "本手册介绍如何在服务器上配置网络和防火墙。Debian 是一个自由的操作系统。"
ENGLISH = "The installation guide explains the package manager apt."


@pytest.fixture
def knowledge(tmp_path: Path) -> Iterator[KnowledgeBase]:
    database = Database(tmp_path / "kb.sqlite3")
    kb = KnowledgeBase(database)
    for path, text, language in (
        ("/d/ja.html", JAPANESE, "ja"),
        ("/d/zh.html", CHINESE, "zh"),
        ("/d/en.html", ENGLISH, "en"),
    ):
        kb.integrate(make_doc(text, title=path, language=language), "job", path)
    yield kb
    kb.close()
    database.dispose()


def paths(kb: KnowledgeBase, query: str) -> list[str]:
    return sorted(hit.path for hit in kb.search(query))


def test_a_word_inside_a_japanese_sentence_is_found(knowledge: KnowledgeBase) -> None:
    assert paths(knowledge, "パッケージ") == ["/d/ja.html"]
    assert paths(knowledge, "管理") == ["/d/ja.html"]
    assert paths(knowledge, "インストール") == ["/d/ja.html"]


def test_a_two_character_chinese_word_is_found_and_highlighted(
    knowledge: KnowledgeBase,
) -> None:
    hits = knowledge.search("防火墙")
    assert [hit.path for hit in hits] == ["/d/zh.html"]
    assert f"{HIGHLIGHT[0]}防火墙{HIGHLIGHT[1]}" in hits[0].snippet
    assert paths(knowledge, "网络") == ["/d/zh.html"]


def test_latin_written_against_cjk_and_iteration_marks_are_found(
    knowledge: KnowledgeBase,
) -> None:
    hits = knowledge.search("Debian文書")
    assert [hit.path for hit in hits] == ["/d/ja.html"]
    assert f"{HIGHLIGHT[0]}Debian文書{HIGHLIGHT[1]}" in hits[0].snippet
    assert paths(knowledge, "人々") == ["/d/ja.html"]
    assert paths(knowledge, "様々") == ["/d/ja.html"]


def test_characters_that_are_not_next_to_each_other_do_not_match(
    knowledge: KnowledgeBase,
) -> None:
    assert paths(knowledge, "手墙") == []  # both characters occur, never side by side
    assert paths(knowledge, "東京") == []


def test_cjk_words_combine_with_latin_words_and_exclusions(knowledge: KnowledgeBase) -> None:
    assert paths(knowledge, "Debian") == ["/d/ja.html", "/d/zh.html"]
    assert paths(knowledge, "Debian 网络") == ["/d/zh.html"]
    assert paths(knowledge, "Debian -网络") == ["/d/ja.html"]
    assert paths(knowledge, "apt") == ["/d/en.html", "/d/ja.html"]
    assert paths(knowledge, "管理 OR 防火墙") == ["/d/ja.html", "/d/zh.html"]


def test_query_translation() -> None:
    assert to_fts_query("東京") == 'cjk : "東 京"'
    assert to_fts_query("Debian文書") == 'cjk : "Debian 文 書"'
    assert cjk_tokens("abc 東京 def 大阪") == "東 京\n大 阪"
    assert cjk_tokens("(Debian文書の翻訳) x") == "(Debian 文 書 の 翻 訳 )"
    assert cjk_tokens("no cjk here") == ""


def test_an_index_built_before_cjk_search_is_rebuilt_on_upgrade(tmp_path: Path) -> None:
    from alembic import command

    path = tmp_path / "kb.sqlite3"
    database = Database(path)
    kb = KnowledgeBase(database)
    kb.integrate(make_doc(CHINESE, title="zh"), "job", "/d/zh.html")
    kb.close()
    with database.write_engine.begin() as connection:  # back to the index without cjk
        config = alembic_config()
        config.attributes["connection"] = connection
        command.downgrade(config, "0003")
    database.dispose()

    old = Database(path, migrate=False)
    assert old.current_revision() == "0003"
    with old.read_engine.connect() as connection:
        columns = [row[1] for row in connection.exec_driver_sql("PRAGMA table_info(kb_fts)")]
    assert columns == ["title", "body"]
    old.dispose()

    upgraded = Database(path)
    kb = KnowledgeBase(upgraded)
    try:
        assert [hit.path for hit in kb.search("防火墙")] == ["/d/zh.html"]
        assert kb.get_text(kb.search("防火墙")[0].document_id) == CHINESE
    finally:
        kb.close()
        upgraded.dispose()
