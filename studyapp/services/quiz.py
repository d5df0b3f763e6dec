"""Quizzes on one topic or deck: mixed questions, scored, and never touching the schedule.

A quiz is fixed when it starts: its questions (one per card, never two on the same card), their
options in shuffled order and the right answers are stored, so reloading, a second tab or a
double click cannot change or re-score it. Everything is drawn from one ``random.Random(seed)``,
so a seed gives the same quiz (tests) and a random seed a new one. What each card is asked as
is :mod:`studyapp.services.quiz_questions`.

A quiz has one question per card: a topic or deck with fewer cards than asked for gives a
shorter quiz, and :attr:`Choice.questions` says how many it can give before one starts.

"Review the missed cards today" (:func:`missed_plan`, :func:`make_missed_due`) moves a missed
card's due date to today only when that adds it to today's queue, so the number on the button,
the number the flash reports and the growth of the home page's count are one number. A missed
card that is new, already due today, suspended, past today's review limit or — when the user
buries siblings — behind another card of its paper today stays as it is, and the results say
why.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session, selectinload

from studyapp.db import write_unit
from studyapp.extract.cards import card_name
from studyapp.models import (
    Card,
    Deck,
    Paper,
    PaperTopic,
    Quiz,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    Topic,
    User,
)
from studyapp.services import progress, review
from studyapp.services.decks import visible_to
from studyapp.services.quiz_questions import (
    OPTIONS,
    ItemText,
    QuizItem,
    make_question,
    number_matches,
)
from studyapp.srs.calendar import local_day

__all__ = [
    "DEFAULT_SIZE",
    "MAX_SIZE",
    "MIN_CARDS",
    "Choice",
    "MissedPlan",
    "QuizResult",
    "TooFewCards",
    "answer",
    "deck_choices",
    "make_missed_due",
    "missed_plan",
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
        .where(Card.id.in_(cards))
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


# ---- The missed cards --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class MissedPlan:
    """What "review the missed cards today" does with each card a quiz missed: ``moving``
    join today's reviews; the others stay as they are, counted by why."""

    moving: tuple[int, ...] = ()
    #: Never studied yet: they come as new cards.
    new: int = 0
    #: Already in today's queue: due today or earlier, or to be asked again today.
    in_queue: int = 0
    suspended: int = 0
    #: Behind another card of their paper today (answered today, due today, new, or another
    #: missed card of it), when the user buries siblings: a paper gives one card a day.
    waiting: int = 0
    #: Past today's review limit.
    over_limit: int = 0
    #: No longer in the user's decks.
    not_studied: int = 0
    #: The quiz's missed cards were already made due today.
    done: bool = False

    @property
    def count(self) -> int:
        return len(self.moving)

    @property
    def staying(self) -> int:
        return (
            self.new
            + self.in_queue
            + self.suspended
            + self.waiting
            + self.over_limit
            + self.not_studied
        )


def _limits(session: Session, user_id: int) -> tuple[review.StudyLimits, bool]:
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise LookupError(user_id)
        limits = review.StudyLimits(
            user_id=user.id,
            timezone=user.timezone,
            new_per_day=user.new_cards_per_day,
            reviews_per_day=user.reviews_per_day,
        )
        return limits, user.bury_siblings


def _room(session: Session, limits: review.StudyLimits, now: datetime) -> int:
    """How many more reviews today's limit lets into today's queue."""
    today = local_day(now, limits.timezone)
    with session.begin():
        reviews_left, _ = review.allowance(limits, review.done_today(session, limits, today))
    return max(0, reviews_left - progress.overview(session, limits, now=now).reviews_due)


def _plan(
    session: Session,
    quiz: Quiz,
    limits: review.StudyLimits,
    *,
    bury_siblings: bool,
    today: date,
    room: int,
) -> MissedPlan:
    """The plan for ``quiz``'s missed cards, read in the caller's transaction."""
    missed = sorted({q.card_id for q in quiz.questions if q.correct is False})
    if quiz.missed_due_at is not None:
        return MissedPlan(done=True)
    if not missed:
        return MissedPlan()
    states = {
        s.card_id: s
        for s in session.scalars(
            select(ReviewState).where(
                ReviewState.user_id == limits.user_id, ReviewState.card_id.in_(missed)
            )
        )
    }
    counts = dict.fromkeys(("new", "in_queue", "suspended", "not_studied"), 0)
    candidates: list[int] = []
    for card_id in missed:
        state = states.get(card_id)
        if state is None:
            counts["not_studied"] += 1
        elif state.suspended:
            counts["suspended"] += 1
        elif state.due_on is None:
            counts["new"] += 1
        elif state.due_on <= today or state.redrill_on == today:
            counts["in_queue"] += 1
        else:
            candidates.append(card_id)
    waiting = 0
    if bury_siblings and candidates:
        candidates, waiting = _first_of_their_papers(session, limits.user_id, candidates, today)
    moving = candidates[:room]
    return MissedPlan(
        moving=tuple(moving),
        new=counts["new"],
        in_queue=counts["in_queue"],
        suspended=counts["suspended"],
        waiting=waiting,
        over_limit=len(candidates) - len(moving),
        not_studied=counts["not_studied"],
    )


def _first_of_their_papers(
    session: Session, user_id: int, cards: list[int], today: date
) -> tuple[list[int], int]:
    """``cards`` that would be their paper's one card today if made due today: no other card
    of the paper answered today, due, new or to be asked again today, and the first of the
    paper's ``cards``. Returns them and how many wait behind another."""
    papers: dict[int, int] = {
        card_id: paper_id
        for card_id, paper_id in session.execute(
            select(Card.id, Card.paper_id).where(Card.id.in_(cards))
        )
    }
    siblings = select(Card.id).where(Card.paper_id.in_(set(papers.values())))
    answered = set(
        session.scalars(
            select(Card.paper_id)
            .join(ReviewLog, ReviewLog.card_id == Card.id)
            .where(
                ReviewLog.user_id == user_id,
                ReviewLog.reviewed_on == today,
                Card.id.in_(siblings),
            )
        )
    )
    ahead = set(
        session.scalars(
            select(Card.paper_id)
            .join(ReviewState, ReviewState.card_id == Card.id)
            .where(
                ReviewState.user_id == user_id,
                ReviewState.suspended.is_(False),
                Card.id.in_(siblings),
                Card.id.not_in(cards),
                (ReviewState.due_on.is_(None))
                | (ReviewState.due_on <= today)
                | (ReviewState.redrill_on == today),
            )
        )
    )
    first: list[int] = []
    taken: set[int] = set()
    for card_id in cards:  # in card order, as the queue asks cards due the same day
        paper_id = papers[card_id]
        if paper_id in answered or paper_id in ahead or paper_id in taken:
            continue
        taken.add(paper_id)
        first.append(card_id)
    return first, len(cards) - len(first)


def missed_plan(session: Session, user_id: int, quiz_id: int, *, now: datetime) -> MissedPlan:
    """What "review the missed cards today" would do now (see :class:`MissedPlan`). Raises
    ``LookupError`` for another user's quiz."""
    limits, bury_siblings = _limits(session, user_id)
    room = _room(session, limits, now)
    with session.begin():
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions))
        ).one_or_none()
        if quiz is None:
            raise LookupError(quiz_id)
        today = local_day(now, limits.timezone)
        return _plan(session, quiz, limits, bury_siblings=bury_siblings, today=today, room=room)


def make_missed_due(
    session: Session,
    user_id: int,
    quiz_id: int,
    *,
    now: datetime,
    timezone: str | None = None,
) -> int:
    """Make the cards missed in a quiz due today, without touching ease, interval or
    repetitions; once per quiz. Only cards that join today's queue move (see
    :func:`missed_plan`): returns how many, which is how much today's count grows.
    ``timezone`` overrides the user's own for what "today" is."""
    limits, bury_siblings = _limits(session, user_id)
    if timezone is not None:
        limits = replace(limits, timezone=timezone)
    room = _room(session, limits, now)
    today = local_day(now, limits.timezone)
    with write_unit(session):
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions))
            .with_for_update()
        ).one_or_none()
        if quiz is None:
            raise LookupError(quiz_id)
        plan = _plan(session, quiz, limits, bury_siblings=bury_siblings, today=today, room=room)
        if plan.done:
            return 0
        quiz.missed_due_at = now
        if plan.moving:
            session.execute(
                update(ReviewState)
                .where(
                    ReviewState.user_id == user_id,
                    ReviewState.card_id.in_(plan.moving),
                    ReviewState.due_on > today,
                )
                .values(due_on=today)
            )
        return plan.count
