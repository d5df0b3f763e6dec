"""Quizzes on one topic or deck: mixed questions, scored, and never touching the schedule.

A quiz is fixed when it starts: its questions (one per card, never two on the same card), their
options in shuffled order and the right answers are stored, so reloading, a second tab or a
double click cannot change or re-score it. Everything is drawn from one ``random.Random(seed)``,
so a seed gives the same quiz (tests) and a random seed a new one. What each card is asked as
is :mod:`studyapp.services.quiz_questions`.

A quiz has one question per card: a topic or deck with fewer cards than asked for gives a
shorter quiz, and :attr:`Choice.questions` says how many it can give before one starts.
What a quiz's missed cards do afterwards is :mod:`studyapp.services.quiz_missed`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from studyapp.db import write_unit
from studyapp.extract.cards import card_name
from studyapp.identity import PAPER_KINDS
from studyapp.models import (
    Card,
    Deck,
    Paper,
    PaperTopic,
    Quiz,
    QuizQuestion,
    ReviewState,
    Topic,
)
from studyapp.services.errors import InvalidAnswer, NotFound
from studyapp.services.library import visible_to
from studyapp.services.quiz_numbers import number_matches
from studyapp.services.quiz_questions import (
    OPTIONS,
    ItemText,
    QuizItem,
    make_question,
)

__all__ = [
    "DEFAULT_SIZE",
    "MAX_SIZE",
    "MIN_CARDS",
    "Choice",
    "QuizResult",
    "TooFewCards",
    "answer",
    "deck_choices",
    "result",
    "start",
    "topic_choices",
]

DEFAULT_SIZE = 10
MAX_SIZE = 50
#: A multiple-choice question needs its answer and three others.
MIN_CARDS = OPTIONS


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

    @property
    def questions(self) -> int:
        """How many questions a quiz on it can have: one per card, up to :data:`MAX_SIZE`."""
        return min(self.cards, MAX_SIZE)


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

    def at(self, position: int) -> QuizQuestion | None:
        """The question at ``position``, or None: positions stay as asked when a card (and
        its question) is deleted, so they are not list indexes."""
        return next((q for q in self.questions if q.position == position), None)

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


def _items(session: Session, cards: Select[int], lang: str) -> list[QuizItem]:
    loaded = session.scalars(
        select(Card)
        # A quiz asks about papers' ideas and numbers; notes brought from Anki have neither.
        .where(Card.id.in_(cards), Card.kind.in_(PAPER_KINDS))
        .options(
            selectinload(Card.texts),
            selectinload(Card.paper).selectinload(Paper.topics),
        )
        .order_by(Card.id)
    ).all()
    items = []
    for card in loaded:
        paper = card.paper
        texts = {t.lang: ItemText(t.front, t.back, t.source_sentence) for t in card.texts}
        # Asked in the quiz's language when the card is written in it, else in its own.
        asked = lang if lang in texts else card.lang
        items.append(
            QuizItem(
                card_id=card.id,
                paper_id=paper.id,
                kind=card.kind,
                name=card_name(paper.title, paper.method),
                lang=asked,
                texts=texts,
                value=card.number_value,
                unit=card.number_unit,
                topics=frozenset(t.id for t in paper.topics),
                title=paper.title,
                method=paper.method,
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

    Raises ``NotFound`` for a topic or deck the user has no cards on, :class:`TooFewCards`
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
                raise NotFound(topic)
            title = found.name_ko if lang == "ko" else found.name_en
            pool_cards = studied.join(PaperTopic, PaperTopic.paper_id == Card.paper_id).where(
                PaperTopic.topic_id == found.id
            )
        else:
            # Any deck id: without cards the user studies in it, the pool is empty (404).
            deck = session.get(Deck, deck_id)
            if deck is None:
                raise NotFound(deck_id)
            title = deck.name
            pool_cards = studied.join(Paper, Paper.id == Card.paper_id).where(
                Paper.deck_id == deck.id
            )
        pool = _items(session, pool_cards.with_only_columns(Card.id), lang)
        if not pool:
            raise NotFound(topic or deck_id)
        if len(pool) < MIN_CARDS:
            raise TooFewCards(len(pool))
        pool_ids = {item.card_id for item in pool}
        # Neighbours: cards on the topics the pool's papers also carry, in the user's and the
        # library's decks; then anything the user can see. Only read if the pool is too small.
        neighbours: list[QuizItem] | None = None

        def wider() -> list[QuizItem]:
            nonlocal neighbours
            if neighbours is None:
                near_topics = set().union(*(item.topics for item in pool))
                visible = (
                    select(Card.id)
                    .join(Paper, Paper.id == Card.paper_id)
                    .join(Deck, Deck.id == Paper.deck_id)
                    .where(visible_to(user_id))
                )
                others = [i for i in _items(session, visible, lang) if i.card_id not in pool_ids]
                near = [i for i in others if i.topics & near_topics]
                neighbours = near + [i for i in others if not i.topics & near_topics]
            return neighbours

        chosen = rng.sample(pool, min(size, len(pool)))
        quiz = Quiz(user_id=user_id, title=title, lang=lang, seed=seed, created_at=now)
        for position, item in enumerate(chosen):
            quiz.questions.append(make_question(item, position, pool, wider, rng))
        session.add(quiz)
        session.flush()
        return quiz.id


# ---- Answering ---------------------------------------------------------------------------


def result(session: Session, user_id: int, quiz_id: int) -> QuizResult:
    """The quiz with its questions. Raises ``NotFound`` for another user's quiz."""
    with session.begin():
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions).selectinload(QuizQuestion.card))
        ).one_or_none()
        if quiz is None:
            raise NotFound(quiz_id)
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

    Raises ``NotFound`` for another user's quiz or no such question, ``InvalidAnswer`` for
    an empty answer or a choice that is not one of the options.
    """
    # NUL is no part of an answer, and PostgreSQL could not store it.
    given = given.replace("\x00", "").strip()
    if not given:
        raise InvalidAnswer("empty answer")
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
            raise NotFound(position)
        if question.answered_at is not None:
            return question
        if question.options:
            # An option's index: ASCII digits only ('²' is a digit to Python, not to int()).
            if not (given.isascii() and given.isdigit() and len(given) <= 2):
                raise InvalidAnswer(given)
            chosen = int(given)
            if chosen >= len(question.options):
                raise InvalidAnswer(given)
            correct = chosen == question.correct_index
            shown = question.options[chosen]
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
