"""Quizzes on one topic or deck: mixed questions, scored, and never touching the schedule.

A quiz is fixed when it starts: its questions (one per card, never two on the same card), their
options in shuffled order and the right answers are stored, so reloading, a second tab or a
double click cannot change or re-score it. Everything is drawn from one ``random.Random(seed)``,
so a seed gives the same quiz (tests) and a random seed a new one.

Question kinds:

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
from datetime import datetime

from sqlalchemy import Select, exists, func, select, update
from sqlalchemy.orm import Session, selectinload

from studyapp.db import write_unit
from studyapp.extract.cards import card_name
from studyapp.extract.numbers import find_numbers, parse_number
from studyapp.identity import CardKind
from studyapp.models import (
    Card,
    Deck,
    Paper,
    PaperTopic,
    Quiz,
    QuizQuestion,
    ReviewState,
    Topic,
    UserDeck,
)
from studyapp.srs.calendar import local_day

__all__ = [
    "DEFAULT_SIZE",
    "MAX_SIZE",
    "MIN_CARDS",
    "Choice",
    "QuizResult",
    "TooFewCards",
    "answer",
    "deck_choices",
    "make_missed_due",
    "number_matches",
    "result",
    "start",
    "topic_choices",
]

DEFAULT_SIZE = 10
MAX_SIZE = 50
#: A multiple-choice question needs its answer and three others.
MIN_CARDS = 4
OPTIONS = 4


class TooFewCards(ValueError):
    """The topic or deck has fewer cards than a quiz needs."""

    def __init__(self, available: int) -> None:
        super().__init__(f"{available} cards; a quiz needs {MIN_CARDS}")
        self.available = available


@dataclass(frozen=True, slots=True)
class Choice:
    """A topic or deck to quiz on, with how much of it the user studies."""

    key: str
    name: str
    papers: int
    cards: int

    @property
    def enough(self) -> bool:
        return self.cards >= MIN_CARDS


@dataclass(frozen=True, slots=True)
class QuizResult:
    quiz: Quiz
    questions: Sequence[QuizQuestion]

    @property
    def answered(self) -> int:
        return sum(1 for q in self.questions if q.answered_at is not None)

    @property
    def score(self) -> int:
        return sum(1 for q in self.questions if q.correct)

    @property
    def missed(self) -> list[QuizQuestion]:
        return [q for q in self.questions if q.correct is False]

    @property
    def finished(self) -> bool:
        return self.answered == len(self.questions)


# ---- What the user can quiz on -----------------------------------------------------------


def _studied(user_id: int) -> Select[int, int]:
    """(card id, paper id) of every card the user studies and has not suspended."""
    return (
        select(Card.id, Card.paper_id)
        .join(ReviewState, ReviewState.card_id == Card.id)
        .where(ReviewState.user_id == user_id, ReviewState.suspended.is_(False))
    )


def topic_choices(session: Session, user_id: int, *, lang: str) -> list[Choice]:
    """Every topic the user has cards on, with their papers and cards, most cards first."""
    studied = _studied(user_id).subquery()
    with session.begin():
        rows = session.execute(
            select(
                Topic.slug,
                Topic.name_ko,
                Topic.name_en,
                func.count(func.distinct(studied.c.paper_id)),
                func.count(studied.c.id),
            )
            .join(PaperTopic, PaperTopic.topic_id == Topic.id)
            .join(studied, studied.c.paper_id == PaperTopic.paper_id)
            .group_by(Topic.id, Topic.slug, Topic.name_ko, Topic.name_en)
        ).all()
    choices = [
        Choice(slug, name_ko if lang == "ko" else name_en, papers, cards)
        for slug, name_ko, name_en, papers, cards in rows
    ]
    return sorted(choices, key=lambda c: (-c.cards, c.name))


def deck_choices(session: Session, user_id: int) -> list[Choice]:
    """Every deck the user studies, with their papers and cards."""
    studied = _studied(user_id).subquery()
    with session.begin():
        rows = session.execute(
            select(
                Deck.id,
                Deck.name,
                func.count(func.distinct(studied.c.paper_id)),
                func.count(studied.c.id),
            )
            .join(Paper, Paper.deck_id == Deck.id)
            .join(studied, studied.c.paper_id == Paper.id)
            .group_by(Deck.id, Deck.name)
            .order_by(Deck.name)
        ).all()
    return [Choice(str(deck_id), name, papers, cards) for deck_id, name, papers, cards in rows]


# ---- Starting a quiz ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Item:
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


def _visible_decks(user_id: int) -> Select[int]:
    added = exists().where(UserDeck.deck_id == Deck.id, UserDeck.user_id == user_id)
    return select(Deck.id).where((Deck.owner_id == user_id) | (Deck.owner_id.is_(None) & added))


def _items(session: Session, cards: Select[int], lang: str) -> list[_Item]:
    loaded = session.scalars(
        select(Card)
        .where(Card.id.in_(cards))
        .options(
            selectinload(Card.texts),
            selectinload(Card.paper).selectinload(Paper.topics),
        )
        .order_by(Card.id)
    ).all()
    items = []
    for card in loaded:
        text = card.text(lang)
        paper = card.paper
        items.append(
            _Item(
                card_id=card.id,
                paper_id=paper.id,
                kind=card.kind,
                name=card_name(paper.title, paper.method),
                front=text.front,
                back=text.back,
                source=text.source_sentence,
                value=card.number_value,
                unit=card.number_unit,
                topics=frozenset(t.id for t in paper.topics),
            )
        )
    return items


def start(
    session: Session,
    user_id: int,
    *,
    lang: str,
    now: datetime,
    topic: str | None = None,
    deck_id: int | None = None,
    size: int = DEFAULT_SIZE,
    seed: int | None = None,
) -> int:
    """Start a quiz on a topic (its slug) or a deck and return its id.

    Raises ``LookupError`` for a topic or deck the user has no cards on, :class:`TooFewCards`
    when it has fewer than :data:`MIN_CARDS`.
    """
    if (topic is None) == (deck_id is None):
        raise ValueError("a quiz is on one topic or one deck")
    seed = random.SystemRandom().randrange(2**62) if seed is None else seed
    rng = random.Random(seed)
    size = max(1, min(size, MAX_SIZE))
    with write_unit(session):
        studied = _studied(user_id)
        if topic is not None:
            found = session.scalars(select(Topic).where(Topic.slug == topic)).one_or_none()
            if found is None:
                raise LookupError(topic)
            title = found.name_ko if lang == "ko" else found.name_en
            pool_cards = studied.join(PaperTopic, PaperTopic.paper_id == Card.paper_id).where(
                PaperTopic.topic_id == found.id
            )
        else:
            # Any deck id: without cards the user studies in it, the pool is empty (404).
            deck = session.get(Deck, deck_id)
            if deck is None:
                raise LookupError(deck_id)
            title = deck.name
            pool_cards = studied.join(Paper, Paper.id == Card.paper_id).where(
                Paper.deck_id == deck.id
            )
        pool = _items(session, pool_cards.with_only_columns(Card.id), lang)
        if not pool:
            raise LookupError(topic or deck_id)
        if len(pool) < MIN_CARDS:
            raise TooFewCards(len(pool))
        pool_ids = {item.card_id for item in pool}
        # Neighbours: cards on the topics the pool's papers also carry, in the user's and the
        # library's decks; then anything the user can see. Only read if the pool is too small.
        neighbours: list[_Item] | None = None

        def wider() -> list[_Item]:
            nonlocal neighbours
            if neighbours is None:
                near_topics = set().union(*(item.topics for item in pool))
                library = select(Deck.id).where(Deck.owner_id.is_(None))
                visible = (
                    select(Card.id)
                    .join(Paper, Paper.id == Card.paper_id)
                    .where(Paper.deck_id.in_(_visible_decks(user_id).union(library)))
                )
                others = [i for i in _items(session, visible, lang) if i.card_id not in pool_ids]
                near = [i for i in others if i.topics & near_topics]
                neighbours = near + [i for i in others if not i.topics & near_topics]
            return neighbours

        chosen = rng.sample(pool, min(size, len(pool)))
        quiz = Quiz(user_id=user_id, title=title, lang=lang, seed=seed, created_at=now)
        for position, item in enumerate(chosen):
            quiz.questions.append(_question(item, position, pool, wider, rng))
        session.add(quiz)
        session.flush()
        return quiz.id


def _question(
    item: _Item,
    position: int,
    pool: Sequence[_Item],
    wider: Callable[[], list[_Item]],
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
    item: _Item,
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
    item: _Item, others: Sequence[_Item], wider: Callable[[], list[_Item]], rng: random.Random
) -> list[str]:
    """Three wrong numbers: other papers' headline numbers in the same unit, else the right
    number scaled, written the way the right one is."""

    def same_unit(items: Iterable[_Item]) -> Iterable[str]:
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


# ---- Answering ---------------------------------------------------------------------------


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


def result(session: Session, user_id: int, quiz_id: int) -> QuizResult:
    """The quiz with its questions. Raises ``LookupError`` for another user's quiz."""
    with session.begin():
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions).selectinload(QuizQuestion.card))
        ).one_or_none()
        if quiz is None:
            raise LookupError(quiz_id)
        return QuizResult(quiz, list(quiz.questions))


def answer(
    session: Session,
    user_id: int,
    quiz_id: int,
    position: int,
    *,
    given: str,
    now: datetime,
) -> QuizQuestion:
    """Record an answer (a choice's index as text, or a typed number) once; answering the
    same question again — a double click, a second tab — changes nothing.

    Raises ``LookupError`` for another user's quiz or no such question, ``ValueError`` for an
    empty answer or a choice that is not one of the options.
    """
    given = given.strip()
    if not given:
        raise ValueError("empty answer")
    with write_unit(session):
        question = session.scalars(
            select(QuizQuestion)
            .join(Quiz, Quiz.id == QuizQuestion.quiz_id)
            .where(
                Quiz.id == quiz_id,
                Quiz.user_id == user_id,
                QuizQuestion.position == position,
            )
            .options(selectinload(QuizQuestion.card))
        ).one_or_none()
        if question is None:
            raise LookupError(position)
        if question.answered_at is not None:
            return question
        if question.options:
            if not given.isdigit() or int(given) >= len(question.options):
                raise ValueError(given)
            correct = int(given) == question.correct_index
            shown = question.options[int(given)]
        else:
            card = question.card
            correct = card.number_value is not None and number_matches(
                given, question.answer, card.number_value, card.number_unit
            )
            shown = given[:200]
        # Only an unanswered row is updated: of two concurrent answers, one is kept.
        session.execute(
            update(QuizQuestion)
            .where(QuizQuestion.id == question.id, QuizQuestion.answered_at.is_(None))
            .values(given=shown, correct=correct, answered_at=now)
            .execution_options(synchronize_session=False)
        )
        session.refresh(question)
        return question


def make_missed_due(
    session: Session, user_id: int, quiz_id: int, *, timezone: str, now: datetime
) -> int:
    """Make the cards missed in a finished quiz due today, without touching ease, interval or
    repetitions; once per quiz. Returns how many cards moved (new and already due ones stay)."""
    today = local_day(now, timezone)
    with write_unit(session):
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions))
            .with_for_update()
        ).one_or_none()
        if quiz is None:
            raise LookupError(quiz_id)
        if quiz.missed_due_at is not None:
            return 0
        missed = [q.card_id for q in quiz.questions if q.correct is False]
        quiz.missed_due_at = now
        if not missed:
            return 0
        states = session.scalars(
            select(ReviewState).where(
                ReviewState.user_id == user_id,
                ReviewState.card_id.in_(missed),
                ReviewState.suspended.is_(False),
                ReviewState.due_on > today,
            )
        ).all()
        for state in states:
            state.due_on = today
        return len(states)
