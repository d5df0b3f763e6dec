"""A quiz's questions: what each card is asked as, its options, and typed-number matching.

Pure functions over cards already loaded (:class:`QuizItem`); :mod:`studyapp.services.quiz`
stores what they build. Question kinds:

* ``idea_choice`` — a method's name; choose its key idea among four. Wrong options are key ideas
  of other papers on the same topic, then of neighbouring topics (topics the quiz's papers
  also carry), then of anything else the user can see.
* ``number_choice`` / ``number_typed`` — a result's sentence with the number blanked; choose it
  among four or type it. Wrong options are other papers' headline numbers in the same unit,
  else the right number scaled.
* ``paper_from_idea`` / ``paper_from_number`` — a key idea, or a result with its number; choose
  the paper among four.

Nothing gives the answer away:

* A question is asked in one language — the quiz's, when the card is written in it, else the
  card's own — and its options are in that language too: other papers' key ideas in that
  language only, and every number written the way the right one is (``5.2배`` beside ``3.4배``,
  never beside ``3.4x``; ``두 배`` beside ``세 배``). When that cannot make four options, the
  card is asked another way (a number is typed; a key idea's paper is chosen).
* Names are blanked (:data:`NAME_BLANK`): a key idea or result that asks for its paper shows no
  option's name, and every key idea among the options shows its own paper's name, and the
  asked method's, as the same blank — so the blank itself tells nothing. A name is its method,
  the title's head, the title, and the short and long forms the card text defines
  (``Sparse Mixture of Adapters(SMA)``) or the title spells (``Ring Buffer Attention`` for RBA).
  A Korean particle after a blank is written in both forms (``▢▢▢은(는)``), since the form
  the name called for would tell which names fit.
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TypeVar

from studyapp.extract.cards import card_name
from studyapp.extract.names import FUNCTION_WORDS, mentions, title_name
from studyapp.extract.numbers import find_numbers, parse_number
from studyapp.identity import CardKind
from studyapp.models import QuizQuestion

__all__ = [
    "NAME_BLANK",
    "OPTIONS",
    "ItemText",
    "QuizItem",
    "blank_names",
    "make_question",
    "name_forms",
    "number_matches",
]

#: A multiple-choice question shows its answer and three others.
OPTIONS = 4
#: What a paper's name becomes where it would give an answer away.
NAME_BLANK = "▢▢▢"

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class ItemText:
    """A card's text in one language."""

    front: str
    back: str
    source: str | None


@dataclass(frozen=True, slots=True)
class QuizItem:
    """One card as a quiz sees it: asked in ``lang``, with its text in every language it has."""

    card_id: int
    paper_id: int
    kind: CardKind
    #: What the options call the paper: its method, else its title (see ``card_name``).
    name: str
    lang: str
    texts: Mapping[str, ItemText]
    value: float | None
    unit: str | None
    topics: frozenset[int]
    #: The paper's title and method, where its names come from (see :attr:`names`).
    title: str = ""
    method: str | None = None

    @property
    def names(self) -> tuple[str, ...]:
        """Every form of the paper's name its text may use (see :func:`name_forms`); worked
        out only for the cards a question shows."""
        written = tuple(
            piece for t in self.texts.values() for piece in (t.front, t.back, t.source) if piece
        )
        return _name_forms(self.title or self.name, self.method, written)

    @property
    def front(self) -> str:
        return self.texts[self.lang].front

    @property
    def back(self) -> str:
        return self.texts[self.lang].back

    @property
    def source(self) -> str | None:
        return self.texts[self.lang].source

    def back_in(self, lang: str) -> str | None:
        text = self.texts.get(lang)
        return text.back if text is not None else None


def make_question(
    item: QuizItem,
    position: int,
    pool: Sequence[QuizItem],
    wider: Callable[[], list[QuizItem]],
    rng: random.Random,
) -> QuizQuestion:
    """The question ``item`` is asked as: a kind drawn at random, else the next kind that can
    be asked without giving the answer away or mixing languages."""
    others = [other for other in pool if other.paper_id != item.paper_id]
    rng.shuffle(others)
    if item.kind is CardKind.METHOD_IDEA:
        kind = rng.choice(["idea_choice", "idea_choice", "paper_from_idea"])
        order = [kind, *(k for k in ("idea_choice", "paper_from_idea") if k != kind)]
    else:
        kind = rng.choice(["number_choice", "number_typed", "paper_from_number"])
        order = {
            "number_choice": ["number_choice", "number_typed"],
            "number_typed": ["number_typed"],
            "paper_from_number": ["paper_from_number", "number_choice", "number_typed"],
        }[kind]
    for attempt in order:
        question = _ASK[attempt](item, position, others, wider, rng)
        if question is not None:
            return question
    # Too few other papers write a key idea in its language or go by names of their own:
    # asked with the options there are, never padded with another language.
    return _idea_choice(item, position, others, wider, rng, fewest=1) or _choice(
        item, position, "idea_choice", _question_line(item), None, item.back, [], rng
    )


# ---- The kinds of question ----------------------------------------------------------------

Others = Sequence[QuizItem]
Wider = Callable[[], list[QuizItem]]


def _idea_choice(
    item: QuizItem,
    position: int,
    others: Others,
    wider: Wider,
    rng: random.Random,
    *,
    fewest: int = OPTIONS - 1,
) -> QuizQuestion | None:
    """The method's name; its key idea among others written in the same language, each with
    its own paper's name and the asked one blanked alike."""

    def ideas(items: Iterable[QuizItem]) -> Iterator[str]:
        for other in items:
            text = other.back_in(item.lang)
            if other.kind is CardKind.METHOD_IDEA and text and other.paper_id != item.paper_id:
                yield blank_names(text, (*other.names, *item.names))

    right = blank_names(item.back, item.names)
    wrong = _distinct(right, ideas(others), lambda: ideas(wider()))
    if len(wrong) < fewest:
        return None
    return _choice(item, position, "idea_choice", _question_line(item), None, right, wrong, rng)


def _number_choice(
    item: QuizItem, position: int, others: Others, wider: Wider, rng: random.Random
) -> QuizQuestion | None:
    numbers = _number_options(item, others, wider, rng)
    if len(numbers) < OPTIONS - 1:
        return None
    context = _context(item)
    return _choice(
        item, position, "number_choice", _question_line(item), context, item.back, numbers, rng
    )


def _number_typed(
    item: QuizItem, position: int, others: Others, wider: Wider, rng: random.Random
) -> QuizQuestion:
    return QuizQuestion(
        position=position,
        card_id=item.card_id,
        kind="number_typed",
        prompt=_question_line(item),
        context=_context(item),
        options=[],
        correct_index=None,
        answer=item.back,
    )


def _paper_from(
    item: QuizItem, position: int, others: Others, wider: Wider, rng: random.Random
) -> QuizQuestion | None:
    """A key idea, or a result with its number; the paper among four names. The text shows
    none of the four names."""
    if item.kind is CardKind.METHOD_IDEA:
        kind, shown = "paper_from_idea", item.back
    else:
        # The result as the summary says it; without the sentence, the card's blanked context
        # with its number filled in (the front's first line names the paper).
        kind = "paper_from_number"
        context = _context(item)
        shown = item.source or (_filled(context, item.back) if context else "")
        if not shown:
            return None
    seen = {_key(item.name)}
    picked: list[QuizItem] = []
    for other in _chain(others, wider):
        if other.paper_id != item.paper_id and _key(other.name) not in seen:
            seen.add(_key(other.name))
            picked.append(other)
            if len(picked) == OPTIONS - 1:
                break
    if len(picked) < OPTIONS - 1:
        return None
    names = [name for chosen in (item, *picked) for name in chosen.names]
    prompt = blank_names(shown, names)
    return _choice(item, position, kind, prompt, None, item.name, [o.name for o in picked], rng)


_ASK: dict[str, Callable[[QuizItem, int, Others, Wider, random.Random], QuizQuestion | None]] = {
    "idea_choice": _idea_choice,
    "paper_from_idea": _paper_from,
    "number_choice": _number_choice,
    "number_typed": _number_typed,
    "paper_from_number": _paper_from,
}


def _question_line(item: QuizItem) -> str:
    return item.front.partition("\n")[0]


def _context(item: QuizItem) -> str | None:
    return item.front.partition("\n")[2] or None


_CLOZE_BLANKS = ("＿＿", "___")


def _filled(context: str, answer: str) -> str:
    for blank in _CLOZE_BLANKS:
        context = context.replace(blank, answer)
    return context


def _choice(
    item: QuizItem,
    position: int,
    kind: str,
    prompt: str,
    context: str | None,
    right: str,
    wrong: list[str],
    rng: random.Random,
) -> QuizQuestion:
    options = [right, *wrong[: OPTIONS - 1]]
    rng.shuffle(options)
    return QuizQuestion(
        position=position,
        card_id=item.card_id,
        kind=kind,
        prompt=prompt,
        context=context,
        options=options,
        correct_index=options.index(right),
        answer=right,
    )


def _chain(first: Iterable[_T], then: Callable[[], Iterable[_T]]) -> Iterator[_T]:
    """``first``, then ``then()`` — called only when ``first`` runs out."""
    yield from first
    yield from then()


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _distinct(right: str, first: Iterable[str], then: Callable[[], Iterable[str]]) -> list[str]:
    """Up to three texts unlike ``right`` and each other: from ``first``, then from ``then()``."""
    seen = {_key(right)}
    out: list[str] = []
    for text in _chain(first, then):
        if _key(text) not in seen:
            seen.add(_key(text))
            out.append(text)
            if len(out) == OPTIONS - 1:
                break
    return out


# ---- Names --------------------------------------------------------------------------------

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
    keys = {_key(form) for form in forms}
    for text in texts:
        for mention in mentions(text):
            if mention.long_form and {_key(mention.name), _key(mention.long_form)} & keys:
                forms.update((mention.name, mention.long_form))
    for form in list(forms):
        if _ACRONYM.fullmatch(form):
            spelled = _spelled_out(title, form)
            if spelled:
                forms.add(spelled)
    forms = {form for form in forms if len(form.strip()) >= 2}
    return tuple(sorted(forms, key=lambda form: (-len(form), form)))


@lru_cache(maxsize=4096)
def _name_forms(title: str, method: str | None, texts: tuple[str, ...]) -> tuple[str, ...]:
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


# ---- Numbers ------------------------------------------------------------------------------

_LITERAL = re.compile(r"\d[\d,]*(?:\.\d+)?")
_KOREAN_MAGNITUDE = re.compile("[만억조]")
_KOREAN_DIGIT_WORDS = re.compile("[천백십]")
_NATIVE = ("한", "두", "세", "네", "다섯", "여섯", "일곱", "여덟", "아홉", "열")
_NATIVE_TEXT = re.compile(rf"^(?P<n>{'|'.join(_NATIVE)})(?P<rest>\s*배.*)$")
_FACTORS = (0.5, 2.0, 1.5, 0.75, 3.0, 0.25, 4.0, 10.0)
#: Other papers' numbers within this factor of the right one make its wrong options.
_SPREAD = 10.0


def _number_options(
    item: QuizItem, others: Sequence[QuizItem], wider: Wider, rng: random.Random
) -> list[str]:
    """Three wrong numbers written the way the right one is: other papers' headline numbers in
    the same unit, else the right number scaled. A number that cannot be written another way
    (``2억 7천만``) takes other papers' numbers written just like it, in its language."""

    def same_unit(items: Iterable[QuizItem]) -> Iterator[QuizItem]:
        return (
            o
            for o in items
            if o.kind is CardKind.HEADLINE_NUMBER
            and o.unit == item.unit
            and o.value is not None
            and o.paper_id != item.paper_id
        )

    right = item.back
    render = _renderer(right, item.value, item.unit)
    if render is None:

        def alike(items: Iterable[QuizItem]) -> Iterator[str]:
            for o in same_unit(items):
                text = o.back_in(item.lang)
                if text and _shape(text) == _shape(right):
                    yield text

        return _distinct(right, alike(others), lambda: alike(wider()))

    def rendered(items: Iterable[QuizItem]) -> Iterator[str]:
        for o in same_unit(items):
            assert o.value is not None and item.value is not None
            # A number of another order (10000x beside 2x) is no answer anyone would weigh.
            if not 1 / _SPREAD <= o.value / item.value <= _SPREAD:
                continue
            text = render(o.value)
            if text is not None:
                yield text

    picked = _distinct(right, rendered(others), lambda: rendered(wider()))
    if len(picked) < OPTIONS - 1 and item.value is not None:
        factors = list(_FACTORS)
        rng.shuffle(factors)
        scaled = (s for s in (render(item.value * f) for f in factors) if s is not None)
        picked = _distinct(right, [*picked, *scaled], lambda: ())
    return picked


def _shape(text: str) -> str:
    """A number's text with its digits left out: how it is written."""
    return _LITERAL.sub("0", text)


def _renderer(
    text: str, value: float | None, unit: str | None
) -> Callable[[float], str | None] | None:
    """A function writing another value the way ``text`` writes ``value`` (``48.9배`` → 3 is
    ``3.0배``; ``두 배`` → 3 is ``세 배``; ``2~3배`` → 6 is ``4~6배``), or ``None`` when the
    way it is written cannot be followed (``2억 7천만``)."""
    if value is None or value <= 0:
        return None
    native = _NATIVE_TEXT.match(text)
    if native:
        rest = native["rest"]

        def in_words(other: float) -> str | None:
            whole = round(other)
            return f"{_NATIVE[whole - 1]}{rest}" if 2 <= whole <= 10 else None

        return in_words
    literals = list(_LITERAL.finditer(text))
    if not literals or len(literals) > 2 or _KOREAN_DIGIT_WORDS.search(text):
        return None
    if len(literals) > 1 and _KOREAN_MAGNITUDE.search(text):
        return None

    def render(other: float) -> str | None:
        if unit == "%" and value <= 100 < other:
            return None  # no share above the whole when the right one is a share
        out, last = [], 0
        for literal in literals:
            written = _written(literal.group(), other / value)
            if written is None:
                return None
            out += [text[last : literal.start()], written]
            last = literal.end()
        return "".join(out) + text[last:]

    return render


def _written(literal: str, factor: float) -> str | None:
    """``literal`` times ``factor``, with as many decimals (and thousands commas) as it has."""
    plain = literal.replace(",", "")
    decimals = len(plain.split(".")[1]) if "." in plain else 0
    value = float(plain) * factor
    if not math.isfinite(value) or round(value, decimals) <= 0:
        return None
    return f"{value:,.{decimals}f}" if "," in literal else f"{value:.{decimals}f}"


def number_matches(typed: str, shown: str, value: float, unit: str | None) -> bool:
    """Whether a typed number is the shown one, at the precision shown, with or without its
    unit: for ``48.9배``, ``48.9``, ``48.9x``, ``48.9 배`` and ``48.90`` are right; ``49`` and
    ``48.9%`` are not. Korean numerals are read (``1만`` is 10000)."""
    typed = typed.strip()
    number = parse_number(typed)
    if number is None:
        return False
    mentions_ = find_numbers(typed)
    typed_unit = mentions_[0].unit if mentions_ else None
    if typed_unit is not None and unit is not None and typed_unit != unit:
        return False
    # The precision shown: its significant digits (all of a Korean "2억 7천만"'s digits).
    literal = _LITERAL.search(shown)
    digits = shown if _KOREAN_MAGNITUDE.search(shown) else literal.group() if literal else ""
    significant = max(1, len(re.sub(r"\D", "", digits).lstrip("0")))
    return f"{number:.{significant - 1}e}" == f"{value:.{significant - 1}e}"
