"""Text plumbing shared by the format parsers: sentences, language, whitespace."""

from __future__ import annotations

import re

__all__ = ["clean", "detect_lang", "has_hangul", "split_sentences"]

_HANGUL = re.compile(r"[\uac00-\ud7a3]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACES = re.compile(r"[ \t\u00a0\u3000]+")
# A sentence ends at . ! ? (or the Korean full stop) followed by space and a new start. Periods
# inside numbers (1.08), abbreviations (e.g., et al.) and ellipses do not end one.
_BOUNDARY = re.compile(r"(?<=[.!?。])[\"'”’)]?\s+(?=[\"'“‘(\[]?[A-Z가-힣0-9])")
_ABBREVIATIONS: tuple[str, ...] = ("e.g.", "i.e.", "et al.", "vs.", "cf.", "fig.", "eq.")
_ABBREVIATIONS += ("etc.", "approx.", "no.", "dr.", "mr.", "mrs.", "ms.", "prof.", "jr.", "sr.")
_ABBREVIATIONS += ("inc.", "ltd.", "co.", "st.")
# A list number ("1.", "2)") opens the sentence after it rather than ending one of its own.
_LIST_NUMBER = re.compile(r"(?:^|\s)[0-9]{1,2}[.)]$")
_ABBREVIATION_TAIL = 2 * max(len(a) for a in _ABBREVIATIONS)


def clean(text: str) -> str:
    """Collapse runs of spaces and trim; keeps the words exactly as written."""
    return _SPACES.sub(" ", text).strip()


def has_hangul(text: str) -> bool:
    return _HANGUL.search(text) is not None


def detect_lang(texts: list[str] | tuple[str, ...]) -> str:
    """``ko`` when the text is written in Korean (even with many English terms), else ``en``."""
    hangul = sum(len(_HANGUL.findall(t)) for t in texts)
    latin = sum(len(_LATIN.findall(t)) for t in texts)
    # A Korean summary keeps method names and jargon in English; one Hangul letter in five is
    # already far beyond what an English text ever holds.
    return "ko" if hangul and hangul * 4 >= latin * 1 else "en"


def split_sentences(text: str) -> list[str]:
    """Split a paragraph or bullet into sentences."""
    text = clean(text)
    if not text:
        return []
    pieces: list[str] = []
    start = 0
    for match in _BOUNDARY.finditer(text):
        # The end of the candidate sentence is enough to tell an abbreviation; taking all of it
        # would copy ever longer pieces of a text full of "e.g." and cost quadratic time.
        tail = text[max(start, match.start() - _ABBREVIATION_TAIL) : match.start()].rstrip()
        if tail.lower().endswith(_ABBREVIATIONS) or _LIST_NUMBER.search(tail):
            continue
        pieces.append(text[start : match.end()].strip())
        start = match.end()
    pieces.append(text[start:].strip())
    return [p for p in pieces if p]
