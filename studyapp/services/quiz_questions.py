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
"""

from __future__ import annotations

import math
import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from studyapp.extract.numbers import find_numbers, parse_number
from studyapp.identity import CardKind
from studyapp.models import QuizQuestion

__all__ = ["OPTIONS", "QuizItem", "make_question", "number_matches"]

#: A multiple-choice question shows its answer and three others.
OPTIONS = 4


@dataclass(frozen=True, slots=True)
class QuizItem:
    """One card as a quiz sees it, in the quiz's language."""

    card_id: int
    paper_id: int
    kind: CardKind
    name: str
    front: str
    back: str
    source: str | None
    value: float | None
    unit: str | None
    topics: frozenset[int]


def make_question(
    item: QuizItem,
    position: int,
    pool: Sequence[QuizItem],
    wider: Callable[[], list[QuizItem]],
    rng: random.Random,
) -> QuizQuestion:
    others = [other for other in pool if other.paper_id != item.paper_id]
    rng.shuffle(others)
    if item.kind is CardKind.METHOD_IDEA:
        kinds = ["idea_choice", "idea_choice", "paper_from_idea"]
    else:
        kinds = ["number_choice", "number_typed", "paper_from_number"]
    kind = rng.choice(kinds)
    question_line, _, context = item.front.partition("\n")

    if kind.startswith("paper_from"):
        names = _distinct(item.name, (o.name for o in others), lambda: (o.name for o in wider()))
        if len(names) == OPTIONS - 1:
            prompt = item.back if kind == "paper_from_idea" else (item.source or item.front)
            return _choice(item, position, kind, prompt, None, item.name, names, rng)
        kind = "idea_choice" if item.kind is CardKind.METHOD_IDEA else "number_choice"

    if kind == "idea_choice":
        ideas = _distinct(
            item.back,
            (o.back for o in others if o.kind is CardKind.METHOD_IDEA),
            lambda: (o.back for o in wider() if o.kind is CardKind.METHOD_IDEA),
        )
        return _choice(item, position, kind, question_line, None, item.back, ideas, rng)

    if kind == "number_choice":
        numbers = _number_options(item, others, wider, rng)
        return _choice(
            item, position, kind, question_line, context or None, item.back, numbers, rng
        )

    return QuizQuestion(
        position=position,
        card_id=item.card_id,
        kind="number_typed",
        prompt=question_line,
        context=context or None,
        options=[],
        correct_index=None,
        answer=item.back,
    )


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


def _key(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip().casefold()


def _distinct(right: str, first: Iterable[str], then: Callable[[], Iterable[str]]) -> list[str]:
    """Up to three texts unlike ``right`` and each other: from ``first``, then from ``then()``."""
    seen = {_key(right)}
    out: list[str] = []
    for source in (first, None):
        for text in then() if source is None else source:
            if _key(text) not in seen:
                seen.add(_key(text))
                out.append(text)
                if len(out) == OPTIONS - 1:
                    return out
    return out


def _number_options(
    item: QuizItem,
    others: Sequence[QuizItem],
    wider: Callable[[], list[QuizItem]],
    rng: random.Random,
) -> list[str]:
    """Three wrong numbers: other papers' headline numbers in the same unit, else the right
    number scaled, written the way the right one is."""

    def same_unit(items: Iterable[QuizItem]) -> Iterable[str]:
        return (
            o.back
            for o in items
            if o.kind is CardKind.HEADLINE_NUMBER and o.unit == item.unit and o.value != item.value
        )

    picked = _distinct(item.back, same_unit(others), lambda: same_unit(wider()))
    if len(picked) < OPTIONS - 1:
        factors = [0.5, 2.0, 1.5, 0.75, 3.0, 0.25, 4.0, 10.0]
        rng.shuffle(factors)
        scaled = (s for s in (_scaled(item.back, f) for f in factors) if s is not None)
        picked = _distinct(item.back, [*picked, *scaled], lambda: ())
    return picked


_LITERAL = re.compile(r"\d[\d,]*(?:\.\d+)?")
_KOREAN_MAGNITUDE = re.compile("[만억조]")


def _scaled(text: str, factor: float) -> str | None:
    """``text`` with its number multiplied by ``factor``: ``48.9배`` → ``97.8배``."""
    match = _LITERAL.search(text)
    if match is None or _KOREAN_MAGNITUDE.search(text):
        return None
    literal = match.group().replace(",", "")
    decimals = len(literal.split(".")[1]) if "." in literal else 0
    value = float(literal) * factor
    if decimals == 0 and not math.isclose(value, round(value)):
        decimals = 1
    written = f"{value:,.{decimals}f}" if "," in match.group() else f"{value:.{decimals}f}"
    return text[: match.start()] + written + text[match.end() :]


def number_matches(typed: str, shown: str, value: float, unit: str | None) -> bool:
    """Whether a typed number is the shown one, at the precision shown, with or without its
    unit: for ``48.9배``, ``48.9``, ``48.9x``, ``48.9 배`` and ``48.90`` are right; ``49`` and
    ``48.9%`` are not. Korean numerals are read (``1만`` is 10000)."""
    typed = typed.strip()
    number = parse_number(typed)
    if number is None:
        return False
    mentions = find_numbers(typed)
    typed_unit = mentions[0].unit if mentions else None
    if typed_unit is not None and unit is not None and typed_unit != unit:
        return False
    # The precision shown: its significant digits (all of a Korean "2억 7천만"'s digits).
    literal = _LITERAL.search(shown)
    digits = shown if _KOREAN_MAGNITUDE.search(shown) else literal.group() if literal else ""
    significant = max(1, len(re.sub(r"\D", "", digits).lstrip("0")))
    return f"{number:.{significant - 1}e}" == f"{value:.{significant - 1}e}"
