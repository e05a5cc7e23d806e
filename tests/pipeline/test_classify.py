"""Language, category and quality: transparent rules with confidences and reasons."""

from __future__ import annotations

import pytest

from docproc_gui.pipeline.categorize import categorize, effective_rules, parse_rules
from docproc_gui.pipeline.language import detect_language
from docproc_gui.pipeline.quality import assess, text_signals


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("The committee approved the budget for the new library after a long debate.", "en"),
        (
            "Der Ausschuss hat den Haushalt für die neue Bibliothek nach langer Debatte genehmigt.",
            "de",
        ),
        ("Le comité a approuvé le budget de la nouvelle bibliothèque après un long débat.", "fr"),
        ("委員会は長い議論の末、新しい図書館の予算を承認しました。", "ja"),
        ("Комитет утвердил бюджет новой библиотеки после долгих дебатов.", "ru"),
    ],
)
def test_language_detection(text: str, code: str) -> None:
    guess = detect_language(text * 3)
    assert guess.code == code and guess.confidence > 0.5


def test_language_of_no_text_is_undetermined() -> None:
    assert detect_language("12 34 ,,, 56").code == "und"


def test_language_detection_works_offline(monkeypatch: pytest.MonkeyPatch) -> None:
    import socket

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("language detection tried to use the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    assert detect_language("This sentence is written in plain English words.").code == "en"


def test_invoice_category_with_evidence() -> None:
    text = "INVOICE\nInvoice number 2024-17\nBill to: ACME\nSubtotal 100\nVAT 19\nAmount due 119"
    guess = categorize(
        text, title="Invoice", detected_type="pdf", pages=1, rules=effective_rules({})
    )
    assert guess.category == "invoice" and guess.confidence > 0.5
    assert "invoice" in guess.evidence


def test_letter_in_german() -> None:
    text = "Sehr geehrte Frau Müller,\n\nvielen Dank.\n\nMit freundlichen Grüßen\nHans"
    guess = categorize(text, title=None, detected_type="docx", pages=1, rules=effective_rules({}))
    assert guess.category == "letter"


def test_a_translated_guide_with_an_english_licence_is_a_manual() -> None:
    licence = (
        "Permission is hereby granted, free of charge, to any person obtaining a copy. "
        "THE SOFTWARE IS PROVIDED WITHOUT WARRANTY; in no event shall the authors be liable "
        "for any claim, damages or other liability. "
    )
    body = "本指南描述了如何用 debmake 命令构建 package。手册中的 options 和 example 说明了用法。"
    guess = categorize(
        f"{body}\n{licence}", title="Debian 维护者指南", detected_type="pdf", pages=80,
        rules=effective_rules({}),
    )
    assert guess.category == "manual"
    assert "指南" in guess.evidence


def test_type_prior_makes_a_deck_a_presentation() -> None:
    guess = categorize(
        "Agenda", title=None, detected_type="pptx", pages=3, rules=effective_rules({})
    )
    assert guess.category == "presentation"


def test_no_evidence_is_other() -> None:
    guess = categorize(
        "zzz qqq", title=None, detected_type="txt", pages=1, rules=effective_rules({})
    )
    assert (guess.category, guess.confidence) == ("other", 0.0)


def test_user_rules_add_categories_and_can_replace_defaults() -> None:
    options = {"category_rules": {"medical": ["diagnosis", "patient"]}}
    text = "Patient history. Diagnosis: flu. The patient recovered. Diagnosis confirmed. " * 3
    guess = categorize(
        text, title=None, detected_type="txt", pages=1, rules=effective_rules(options)
    )
    assert guess.category == "medical"
    only = effective_rules({**options, "category_rules_replace_defaults": True})
    assert [rule.category for rule in only] == ["medical"]
    with pytest.raises(ValueError):
        parse_rules([{"keywords": ["x"]}])


def _assess(text: str, **overrides: object) -> tuple[float, list[str], bool]:
    arguments: dict[str, object] = {
        "signals": text_signals(text),
        "pages": 1,
        "unit": "page",
        "detected_type": "pdf",
        "needs_ocr": False,
        "partial": False,
        "truncated": False,
        "language_confidence": 0.95,
    }
    arguments.update(overrides)
    report = assess(**arguments)  # type: ignore[arg-type]
    return report.score, report.reasons, report.needs_review


GOOD = "A clean page of ordinary prose that reads well and has enough words. " * 40


def test_quality_of_a_clean_document_is_high() -> None:
    score, reasons, review = _assess(GOOD)
    assert score == 1.0 and reasons == [] and not review


def test_quality_reasons() -> None:
    assert _assess("")[1] == ["no text extracted"] and _assess("")[2]
    assert "needs OCR" in _assess("", needs_ocr=True)[1][0]
    assert any("likely scanned" in r for r in _assess(GOOD[:300], pages=10)[1])
    assert any("garbled" in r for r in _assess(GOOD + "\ufffd" * 200)[1])
    assert any("very short" in r for r in _assess("Hello there.")[1])
    assert any("language unsure" in r for r in _assess(GOOD, language_confidence=0.2)[1])
    assert any("partial" in r for r in _assess(GOOD, partial=True)[1])
    assert any("duplicate of document 7" in r for r in _assess(GOOD, duplicate_of=7)[1])


def test_threshold_flags_for_review() -> None:
    assert _assess(GOOD, partial=True, threshold=0.9)[2]
    assert not _assess(GOOD, partial=True, threshold=0.5)[2]
