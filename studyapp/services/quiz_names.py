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
    Korean particle after it in both its forms.

    A form matches however its words are spaced or hyphenated, in any case unless it is a plain
    capitalised word, and only as a whole (no letter or digit of the alphabet on either side);
    at each place the longest form is tried first. The forms are found with plain string
    search rather than a pattern built from them: every quiz blanks a different set of names,
    and each such pattern (about 17 KB) would stay in ``re``'s module cache, a worker's memory
    growing with every quiz until the cache is full (issue 19).
    """
    folded: list[tuple[str, ...]] = []
    exact: list[tuple[str, ...]] = []
    for form in sorted({f.strip() for f in forms if len(f.strip()) >= 2}, key=_longest_first):
        parts = tuple(part for part in _SEPARATORS.split(form) if part)
        if parts:
            (exact if _PLAIN_WORD.fullmatch(form) else folded).append(parts)
    if folded:
        text = _blank(text, _casefolded(text), [_casefolded_parts(p) for p in folded])
    if exact:
        text = _blank(text, text, exact)
    if NAME_BLANK not in text:
        return text
    pieces = _BLANK_PAIR.sub(NAME_BLANK, text).split(NAME_BLANK)
    for index in range(1, len(pieces)):
        particle = _PARTICLE.match(pieces[index])
        if particle:
            both = particle["quote"] + _BOTH_FORMS[particle["p"]] + (particle["tail"] or "")
            pieces[index] = both + pieces[index][particle.end() :]
    return NAME_BLANK.join(pieces)


def _longest_first(form: str) -> tuple[int, str]:
    return -len(form), form


#: Characters that may separate the words of a name: what :data:`_SEPARATORS` matches.
_SEPARATOR_MARKS = frozenset("-‐–")


def _is_separator(char: str) -> bool:
    return char.isspace() or char in _SEPARATOR_MARKS


def _is_edge(char: str) -> bool:
    """A letter or digit of the alphabet: a name next to one is part of a longer word."""
    return char.isascii() and char.isalnum()


def _casefolded(text: str) -> str:
    """``text`` in lower case, one character for one, so that places in it are places in
    ``text`` (a character whose lower case is longer, like 'İ', stays as it is)."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    return "".join(low if len(low := char.lower()) == 1 else char for char in text)


def _casefolded_parts(parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(_casefolded(part) for part in parts)


def _blank(text: str, searched: str, names: list[tuple[str, ...]]) -> str:
    """``text`` with each whole occurrence of a name (its words, ``names`` longest first) in
    ``searched`` (``text`` itself, or its lower case) written as :data:`NAME_BLANK`: the leftmost
    first, at one place the first name that matches, never two overlapping."""
    found: list[tuple[int, int, int]] = []  # (start, rank, end)
    for rank, parts in enumerate(names):
        start = searched.find(parts[0])
        while start >= 0:
            end = _match_end(text, searched, parts, start)
            if end is not None:
                found.append((start, rank, end))
            start = searched.find(parts[0], start + 1)
    if not found:
        return text
    pieces, done = [], 0
    for start, _rank, end in sorted(found):
        if start >= done:
            pieces += [text[done:start], NAME_BLANK]
            done = end
    pieces.append(text[done:])
    return "".join(pieces)


def _match_end(text: str, searched: str, parts: tuple[str, ...], start: int) -> int | None:
    """Where the name of these words ends when it starts at ``start`` (its first word already
    found there), separated by any run of spaces or dashes; ``None`` when it does not match,
    or matches inside a longer word."""
    if start > 0 and _is_edge(text[start - 1]):
        return None
    at = start + len(parts[0])
    for part in parts[1:]:
        while at < len(text) and _is_separator(text[at]):
            at += 1
        if not searched.startswith(part, at):
            return None
        at += len(part)
    if at < len(text) and _is_edge(text[at]):
        return None
    return at
