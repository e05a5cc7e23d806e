"""Chinese and Japanese words in the full-text index: one character per token.

Chinese and Japanese write words without spaces between them, so FTS5's ``unicode61``
tokenizer makes a whole run of characters (often a whole sentence) one token, and a
search for a word inside it finds nothing. The index therefore keeps a third column,
``cjk``, with every Han, Hiragana and Katakana character of a document as a token of its
own; a query word written in those scripts becomes the phrase of its characters in that
column (``東京`` → ``cjk : "東 京"``), which matches wherever the characters stand next to
each other. Korean separates its words with spaces and needs none of this.
"""

from __future__ import annotations

import re

_CJK = (
    "\u3005-\u3007"  # 々 〆 〇 (iteration mark, closing mark, ideographic zero)
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # extensions B-G
)
CJK_CHARACTERS = re.compile(f"[{_CJK}]")
# In a stretch of text without spaces: each CJK character, or a run of anything else
# (Latin written right against CJK, "Debian文書", stays one word here).
_PARTS = re.compile(f"[{_CJK}]|[^{_CJK}\\s]+")
_CHUNK_WITH_CJK = re.compile(f"\\S*[{_CJK}]\\S*")


def has_cjk(text: str) -> bool:
    return CJK_CHARACTERS.search(text) is not None


def cjk_parts(chunk: str) -> list[str]:
    """A stretch of text without spaces as tokens: every CJK character alone, the rest as
    written (``Debian文書`` → ``["Debian", "文", "書"]``)."""
    return _PARTS.findall(chunk)


def cjk_tokens(text: str) -> str:
    """The ``cjk`` column of a text: every stretch without spaces that holds a CJK
    character, as :func:`cjk_parts`, one stretch per line (empty for text without any).

    The Latin written right against CJK is in it too: the body's tokenizer makes
    ``Debian文書の翻訳`` one word, so a search for ``Debian文書`` can only match here."""
    if not has_cjk(text):
        return ""
    return "\n".join(" ".join(cjk_parts(chunk)) for chunk in _CHUNK_WITH_CJK.findall(text))
