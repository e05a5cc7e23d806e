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
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u31f0-\u31ff"  # Katakana phonetic extensions
    "\u3400-\u4dbf"  # CJK extension A
    "\u4e00-\u9fff"  # CJK unified ideographs
    "\uf900-\ufaff"  # compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # extensions B-G
)
CJK_CHARACTERS = re.compile(f"[{_CJK}]")
_CJK_RUN = re.compile(f"[{_CJK}]+")
_NOT_CJK_RUN = re.compile(f"[^{_CJK}]+")


def has_cjk(text: str) -> bool:
    return CJK_CHARACTERS.search(text) is not None


def cjk_tokens(text: str) -> str:
    """The ``cjk`` column of a text: its CJK characters, space-separated, runs on lines
    of their own (empty for text without any)."""
    if not has_cjk(text):
        return ""
    return "\n".join(" ".join(run) for run in _CJK_RUN.findall(text))


def cjk_runs(term: str) -> list[str]:
    """The runs of CJK characters in a query term."""
    return _CJK_RUN.findall(term)


def without_cjk(term: str) -> list[str]:
    """What a query term holds besides its CJK runs (``Debian文書`` → ``["Debian"]``)."""
    return [part for part in _NOT_CJK_RUN.findall(term) if re.search(r"\w", part)]
