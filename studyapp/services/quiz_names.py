"""The names of a paper a quiz must not show, and blanking them: its method, the name its
cards show, the title's head, the title, and the short and long forms its text defines or the
title spells out for an acronym."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache

from studyapp.extract.cards import card_name
from studyapp.extract.names import FUNCTION_WORDS, mentions, title_name

__all__ = ["NAME_BLANK", "blank_names", "cached_name_forms", "comparable", "name_forms"]

#: What a name is written as in a question or an option.
NAME_BLANK = "▢▢▢"


def comparable(text: str) -> str:
    """``text`` as compared with another: spacing and case do not tell two texts apart."""
    return re.sub(r"\s+", " ", text).strip().casefold()


_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*")
_ACRONYM = re.compile(r"(?=.*[A-Z].*[A-Z])[A-Z0-9]{2,8}")
# A name given with its other form in brackets, both blanked: one blank says no more.
_BLANK_PAIR = re.compile(rf"{NAME_BLANK}\s*\({NAME_BLANK}\)")
# A plain capitalised word ("Relay", "Ledger") is blanked only as written: in lower case it is
# an English word. Anything more coined is blanked however it is capitalised ("TIDEPOOL").
_PLAIN_WORD = re.compile(r"[A-Z][a-z]+")
_SEPARATORS = re.compile(r"[\s\-‐–]+")
_EDGE = "A-Za-z0-9"
# Korean particles after a name, longest first, and how they read after a blank: in both
# forms, as Korean writes a particle after a word it does not show.
_PARTICLE = re.compile(
    r"(?P<quote>['’\")”]?)"
    r"(?P<p>이라는|라는|이라고|라고|이란|이나|이며|이다|으로|은|는|이|가|을|를|과|와|로|란|나|며|다)"
    r"(?P<tail>(?<=로)(?:서|써|는|도|부터|의))?"
    r"(?=[\s,.;:!?)\]'\"’”…]|$)"
)
_BOTH_FORMS = {
    "은": "은(는)",
    "는": "은(는)",
    "이": "이(가)",
    "가": "이(가)",
    "을": "을(를)",
    "를": "을(를)",
    "과": "와(과)",
    "와": "와(과)",
    "으로": "(으)로",
    "로": "(으)로",
    "이라는": "(이)라는",
    "라는": "(이)라는",
    "이라고": "(이)라고",
    "라고": "(이)라고",
    "이란": "(이)란",
    "란": "(이)란",
    "이나": "(이)나",
    "나": "(이)나",
    "이며": "(이)며",
    "며": "(이)며",
    "이다": "(이)다",
    "다": "(이)다",
}


def name_forms(title: str, method: str | None, texts: Iterable[str] = ()) -> tuple[str, ...]:
    """Every way a text may name the paper, longest first: its method, the name its cards
    show, the title's head, the title, and the long and short forms the ``texts`` define for
    any of them or the title spells out for an acronym."""
    forms = {card_name(title, method), title.strip()}
    if method:
        forms.add(method)
    head = title_name(title)
    if head:
        forms.add(head)
    if title.strip().endswith("?"):
        forms.add(title.strip().rstrip("?").strip())
    keys = {comparable(form) for form in forms}
    for text in texts:
        for mention in mentions(text):
            if (
                mention.long_form
                and {comparable(mention.name), comparable(mention.long_form)} & keys
            ):
                forms.update((mention.name, mention.long_form))
    for form in list(forms):
        if _ACRONYM.fullmatch(form):
            spelled = _spelled_out(title, form)
            if spelled:
                forms.add(spelled)
    forms = {form for form in forms if len(form.strip()) >= 2}
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


@lru_cache(maxsize=4096)
def cached_name_forms(title: str, method: str | None, texts: tuple[str, ...]) -> tuple[str, ...]:
    return name_forms(title, method, texts)


def _spelled_out(title: str, acronym: str) -> str | None:
    """The words of ``title`` whose initials spell ``acronym`` ("Ring Buffer Attention" for
    RBA, "Layer-Adaptive Rank Allocation" for LARA), function words allowed inside."""
    words = list(_WORD.finditer(title))

    def match(i: int, k: int) -> int | None:
        if k == len(acronym):
            return i
        if i >= len(words):
            return None
        word = words[i].group()
        if k and word.lower() in FUNCTION_WORDS:
            found = match(i + 1, k)
            if found is not None:
                return found
        parts = word.split("-")
        # A word gives its initial, or each part's ("Layer-Adaptive": LA), or the whole of
        # itself when it is a short form already ("3D" in 3DGS).
        spellings = {word[0].upper(), "".join(part[0] for part in parts).upper()}
        if word.upper() == word:
            spellings.add(word)
        for spelling in sorted(spellings, key=len, reverse=True):
            if acronym.startswith(spelling, k):
                found = match(i + 1, k + len(spelling))
                if found is not None:
                    return found
        return None

    for start in range(len(words)):
        if words[start].group().lower() in FUNCTION_WORDS:
            continue
        end = match(start, 0)
        if end is not None and end - start >= 2:
            return title[words[start].start() : words[end - 1].end()]
    return None


def blank_names(text: str, forms: Iterable[str]) -> str:
    """``text`` with every one of the ``forms`` of a name written as :data:`NAME_BLANK`, and a
    Korean particle after it in both its forms."""
    exact: list[str] = []
    folded: list[str] = []
    for form in sorted({f.strip() for f in forms if len(f.strip()) >= 2}, key=len, reverse=True):
        pattern = r"[\s\-‐–]*".join(re.escape(part) for part in _SEPARATORS.split(form) if part)
        if not pattern:
            continue
        (exact if _PLAIN_WORD.fullmatch(form) else folded).append(pattern)
    for patterns, flags in ((folded, re.IGNORECASE), (exact, 0)):
        if patterns:
            name = re.compile(rf"(?<![{_EDGE}])(?:{'|'.join(patterns)})(?![{_EDGE}])", flags)
            text = name.sub(NAME_BLANK, text)
    if NAME_BLANK not in text:
        return text
    pieces = _BLANK_PAIR.sub(NAME_BLANK, text).split(NAME_BLANK)
    for index in range(1, len(pieces)):
        particle = _PARTICLE.match(pieces[index])
        if particle:
            both = particle["quote"] + _BOTH_FORMS[particle["p"]] + (particle["tail"] or "")
            pieces[index] = both + pieces[index][particle.end() :]
    return NAME_BLANK.join(pieces)
