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
* Names are blanked (:mod:`studyapp.services.quiz_names`): a key idea or result that asks for
  its paper shows no option's name, and every key idea among the options shows its own paper's
  name, and the asked method's, as the same blank — so the blank itself tells nothing. A
  Korean particle after a blank is written in both forms (``▢▢▢은(는)``), since the form the
  name called for would tell which names fit.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from studyapp.identity import CardKind
from studyapp.models import QuizQuestion
from studyapp.services.quiz_names import blank_names, cached_name_forms, comparable
from studyapp.services.quiz_numbers import renderer, shape

__all__ = [
    "OPTIONS",
    "ItemText",
    "QuizItem",
    "make_question",
]

#: A multiple-choice question shows its answer and three others.
OPTIONS = 4

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
        return cached_name_forms(self.title or self.name, self.method, written)

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
    seen = {comparable(item.name)}
    picked: list[QuizItem] = []
    for other in _chain(others, wider):
        if other.paper_id != item.paper_id and comparable(other.name) not in seen:
            seen.add(comparable(other.name))
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


def _distinct(right: str, first: Iterable[str], then: Callable[[], Iterable[str]]) -> list[str]:
    """Up to three texts unlike ``right`` and each other: from ``first``, then from ``then()``."""
    seen = {comparable(right)}
    out: list[str] = []
    for text in _chain(first, then):
        if comparable(text) not in seen:
            seen.add(comparable(text))
            out.append(text)
            if len(out) == OPTIONS - 1:
                break
    return out


# ---- Numbers ------------------------------------------------------------------------------

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
    render = renderer(right, item.value, item.unit)
    if render is None:

        def alike(items: Iterable[QuizItem]) -> Iterator[str]:
            for o in same_unit(items):
                text = o.back_in(item.lang)
                if text and shape(text) == shape(right):
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
