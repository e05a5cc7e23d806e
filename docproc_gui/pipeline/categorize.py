"""The document category (invoice, letter, manual, ...) from transparent, editable rules.

A rule names a category and the words that speak for it, in the languages DocProc meets
most; each matching word adds its weight (repeats count, up to a cap), the file type and
structure add priors (a deck is a presentation, a 200-page EPUB a book). The category
with the highest score wins; the confidence is its share of all scores, damped when the
evidence is thin. The matched words are returned so the user can see *why*.

Users extend or replace rules with the ``category_rules`` option::

    [{"category": "invoice", "keywords": ["rechnungsnummer"], "weight": 3.0},
     {"category": "medical", "keywords": ["diagnosis", "patient"]}]

or the short form ``{"medical": ["diagnosis", "patient"]}``. New categories are allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

CATEGORIES = (
    "invoice",
    "receipt",
    "letter",
    "contract",
    "manual",
    "report",
    "presentation",
    "spreadsheet",
    "book",
    "other",
)
SCAN_CHARS = 10_000  # the head of a document says what it is
MAX_HITS_PER_WORD = 3


@dataclass(frozen=True, slots=True)
class CategoryRule:
    category: str
    keywords: tuple[str, ...]
    weight: float = 1.0


@dataclass(frozen=True, slots=True)
class CategoryGuess:
    category: str
    confidence: float
    evidence: list[str] = field(default_factory=list)


DEFAULT_RULES: tuple[CategoryRule, ...] = (
    CategoryRule(
        "invoice",
        (
            "invoice",
            "invoice number",
            "amount due",
            "bill to",
            "vat",
            "tax id",
            "due date",
            "rechnung",
            "rechnungsnummer",
            "umsatzsteuer",
            "mwst",
            "facture",
            "fattura",
            "factura",
            "iban",
            "payment terms",
            "subtotal",
        ),
        2.0,
    ),
    CategoryRule(
        "receipt",
        (
            "receipt",
            "thank you for your purchase",
            "cashier",
            "change due",
            "quittung",
            "kassenbon",
            "reçu",
            "ricevuta",
            "recibo",
            "total paid",
        ),
        2.0,
    ),
    CategoryRule(
        "letter",
        (
            "dear",
            "sincerely",
            "yours faithfully",
            "best regards",
            "kind regards",
            "sehr geehrte",
            "mit freundlichen grüßen",
            "madame, monsieur",
            "cordialement",
            "gentile",
            "distinti saluti",
            "estimado",
            "atentamente",
        ),
        2.0,
    ),
    CategoryRule(
        "contract",
        (
            "agreement",
            "contract",
            "hereinafter",
            "party",
            "parties",
            "terms and conditions",
            "whereas",
            "liability",
            "termination",
            "governing law",
            "licensee",
            "licensor",
            "vertrag",
            "vereinbarung",
            "contrat",
            "contratto",
            "contrato",
            "warranty",
        ),
        1.0,
    ),
    CategoryRule(
        "manual",
        (
            "manual",
            "user guide",
            "handbook",
            "documentation",
            "installation",
            "install",
            "configuration",
            "usage",
            "tutorial",
            "reference",
            "command",
            "options",
            "example",
            "package",
            "handbuch",
            "anleitung",
            "bedienungsanleitung",
            "mode d'emploi",
            "manuale",
            "manual de usuario",
            "how to",
            "getting started",
            "syntax",
            "api",
            # Guides in other languages (titles count thrice): the licence boilerplate
            # of translated manuals is often English and otherwise reads as a contract.
            "guide",
            "leitfaden",
            "benutzerhandbuch",
            "manuel",
            "guía",
            "guida",
            "руководство",
            "инструкция",
            "指南",
            "手册",
            "手冊",
            "ガイド",
            "マニュアル",
        ),
        0.6,
    ),
    CategoryRule(
        "report",
        (
            "report",
            "abstract",
            "summary",
            "conclusion",
            "results",
            "findings",
            "analysis",
            "introduction",
            "methodology",
            "references",
            "figure",
            "table",
            "bericht",
            "rapport",
            "rapporto",
            "informe",
            "quarterly",
            "annual report",
        ),
        0.6,
    ),
    CategoryRule(
        "book",
        (
            "chapter",
            "kapitel",
            "chapitre",
            "capitolo",
            "capítulo",
            "isbn",
            "preface",
            "foreword",
            "table of contents",
            "epilogue",
        ),
        0.8,
    ),
)

# Priors from the container: (detected type -> category, score).
TYPE_PRIORS: dict[str, tuple[str, float]] = {
    "pptx": ("presentation", 12.0),
    "odp": ("presentation", 12.0),
    "xlsx": ("spreadsheet", 12.0),
    "xls": ("spreadsheet", 12.0),
    "ods": ("spreadsheet", 12.0),
    "csv": ("spreadsheet", 8.0),
    "epub": ("book", 8.0),
}


def parse_rules(raw: object) -> list[CategoryRule]:
    """User rules from the ``category_rules`` option (list of dicts, or category -> words)."""
    rules: list[CategoryRule] = []
    if not raw:
        return rules
    if isinstance(raw, Mapping):
        raw = [{"category": name, "keywords": words} for name, words in raw.items()]
    if not isinstance(raw, Iterable):
        raise ValueError("category_rules must be a list of rules or a mapping")
    for item in raw:
        if not isinstance(item, Mapping) or "category" not in item:
            raise ValueError(f"category rule needs a 'category': {item!r}")
        keywords = item.get("keywords") or []
        if isinstance(keywords, str):
            keywords = [keywords]
        rules.append(
            CategoryRule(
                str(item["category"]).strip().lower(),
                tuple(str(word).lower() for word in keywords),
                float(item.get("weight", 2.0)),
            )
        )
    return rules


def effective_rules(options: Mapping[str, Any] | None) -> list[CategoryRule]:
    """Default rules plus the user's; ``category_rules_replace_defaults`` drops the defaults."""
    options = options or {}
    user = parse_rules(options.get("category_rules"))
    if options.get("category_rules_replace_defaults"):
        return user
    return list(DEFAULT_RULES) + user


def categorize(
    text: str,
    *,
    title: str | None,
    detected_type: str,
    pages: int,
    rules: Iterable[CategoryRule],
) -> CategoryGuess:
    """Score every category on the head of ``text`` (and the title, counted thrice)."""
    head = (text[:SCAN_CHARS] + "\n" + ((title or "") + "\n") * 3).lower()
    rules = tuple(rules)
    hits = _hits(head, rules)
    scores: dict[str, float] = {}
    evidence: dict[str, list[str]] = {}
    for rule in rules:
        for word in rule.keywords:
            count = hits.get(word)
            if count:
                points = rule.weight * min(count, MAX_HITS_PER_WORD)
                scores[rule.category] = scores.get(rule.category, 0.0) + points
                evidence.setdefault(rule.category, []).append(word)
    prior = TYPE_PRIORS.get(detected_type)
    if prior:
        scores[prior[0]] = scores.get(prior[0], 0.0) + prior[1]
        evidence.setdefault(prior[0], []).append(f"type:{detected_type}")
    if pages >= 150 and detected_type in ("pdf", "docx", "odt", "epub"):
        scores["book"] = scores.get("book", 0.0) + 4.0
        evidence.setdefault("book", []).append(f"pages:{pages}")
    if not scores:
        return CategoryGuess("other", 0.0, [])
    category, best = max(scores.items(), key=lambda item: item[1])
    total = sum(scores.values())
    # Share of the evidence, damped when there is little of it (saturates at 10 points).
    confidence = (best / total) * min(1.0, best / 10.0)
    if confidence < 0.15:
        return CategoryGuess("other", round(confidence, 3), evidence.get(category, [])[:10])
    return CategoryGuess(category, round(confidence, 3), evidence[category][:10])


_WORDS = re.compile(r"\w+(?:'\w+)?")


def _hits(head: str, rules: tuple[CategoryRule, ...]) -> dict[str, int]:
    """How often each keyword occurs in ``head``: words by token, phrases by substring."""
    single, phrases = _keyword_sets(rules)
    hits: dict[str, int] = {}
    for word in _WORDS.findall(head):
        if word in single:
            hits[word] = hits.get(word, 0) + 1
    for phrase in phrases:
        count = head.count(phrase)
        if count:
            hits[phrase] = count
    return hits


_CJK = re.compile(r"[\u2e80-\u9fff\uac00-\ud7af\uf900-\ufaff]")


@lru_cache(maxsize=8)
def _keyword_sets(rules: tuple[CategoryRule, ...]) -> tuple[frozenset[str], tuple[str, ...]]:
    """Single words are matched by token; phrases, and CJK words (written without spaces,
    so never a token of their own), by substring."""
    words = {word for rule in rules for word in rule.keywords}
    single = frozenset(
        word for word in words if re.fullmatch(r"\w+(?:'\w+)?", word) and not _CJK.search(word)
    )
    return single, tuple(sorted(words - single))
