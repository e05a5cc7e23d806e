"""Signature terms of a document (its most frequent content words) and its text fingerprint.

The knowledge base links documents that share *rare* signature terms (see
:mod:`docproc_gui.store.knowledge`); which terms are rare is only known there, across the
whole collection, so the child process sends the frequent ones with their counts. The
fingerprint (hash of the case- and whitespace-normalised text) finds the same text in
another container (a DOCX and its PDF export): a near-duplicate.
"""

from __future__ import annotations

import hashlib
import re
from collections import Counter

SIGNATURE_TERMS = 40
SCAN_CHARS = 40_000
_TERM = re.compile(r"[^\W\d_]{4,32}")

# Function words of the languages DocProc meets most (4+ letters; shorter ones never count).
_STOPWORD_TEXT = """
    this that with from have been were will would could should there their they them then
    than what when where which while about after before other into over such these those
    only also more most some very just like your yours ours here each both many much must
    does done being because between through during under above below again further once
    same shall upon within without among however therefore thus used using uses first
    second example examples following note page pages section chapter table figure value
    values default file files name names line lines text type types number data
    aber alle allem allen aller alles also andere anderen auch auf aus bei beim bist damit
    dann darauf darum dass daher dein deine dem den der des dessen dich dies diese diesem
    diesen dieser dieses doch dort durch eine einem einen einer eines einige etwas euch
    habe haben hatte hier hinter ihre ihren ihrer immer indem jede jedem jeden jeder jedes
    jene kann keine können machen mehr mein meine mich mit muss nach nicht noch nur oder
    ohne sehr sein seine selbst sich sie sind soll sondern über unter viel vom von vor
    wann warum weil welche welchem welchen welcher wenn werden wird wieder wurde zwischen
    avec dans elle elles leur leurs mais nous pour sans sont sous tout tous toute toutes
    vous cette ceux celle être avoir fait peut plus comme aussi donc alors entre encore
    para pero como esta este esto estos estas sobre entre desde hasta cuando donde todo
    todos porque puede tiene ser están también otro otra otros otras
    della delle degli dello sono come anche questo questa quello quella sulla nella tutto
    perché però essere hanno stato
    voor niet zijn deze door maar naar worden heeft kunnen hebben over ook meer geen
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def signature_terms(text: str, limit: int = SIGNATURE_TERMS) -> list[list[str | int]]:
    """The ``limit`` most frequent content words as ``[term, count]`` pairs."""
    counts = Counter(
        word for word in _TERM.findall(text[:SCAN_CHARS].lower()) if word not in STOPWORDS
    )
    return [[term, count] for term, count in counts.most_common(limit) if count >= 2]


def text_fingerprint(text: str, tokens: list[str] | None = None) -> str | None:
    """SHA-256 of the normalised text (``tokens``: its ``split()``, if already at hand)."""
    normalised = " ".join(text.split() if tokens is None else tokens).lower()
    if len(normalised) < 50:
        return None
    return hashlib.sha256(normalised.encode("utf-8", "surrogatepass")).hexdigest()
