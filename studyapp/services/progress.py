"""Progress for the home page and the end of a session: what is due per deck, today's answers,
the streak, and a summary of the day. Read-only; the queue itself is in :mod:`.review`.

The home page's numbers are the queue's own: the same conditions (buried siblings and all) and
the same daily limits. Its top says what studying everything will serve today; each deck row
is that deck's share of it (the queue's order decides which deck's cards the daily limits
reach), what waits for a later day, and whether studying the deck alone has anything to serve.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import Session

from studyapp.models import Card, Deck, Paper, ReviewKind, ReviewLog, ReviewState, recalled
from studyapp.services.review import done_today
from studyapp.services.study_queue import (
    StudyLimits,
    active,
    allowance,
    new_cards,
    redrills,
    review_due,
)
from studyapp.srs.calendar import local_day

__all__ = [
    "DeckDue",
    "Overview",
    "SessionSummary",
    "overview",
    "session_summary",
    "streak",
    "streak_in",
]


@dataclass(frozen=True, slots=True)
class DeckDue:
    """One deck's part of today. ``new``, ``review`` and ``redrill`` are what studying
    everything serves from this deck today; they add up to the top of the home page."""

    deck_id: int
    deck_name: str
    new: int
    review: int
    redrill: int
    #: New and due cards of the deck that wait for a later day: beyond today's limits, or a
    #: sibling of a card answered today (or of one that comes first).
    later: int
    #: Studying this deck alone would serve a card now.
    studyable: bool

    @property
    def today(self) -> int:
        return self.new + self.review + self.redrill


@dataclass(frozen=True, slots=True)
class Overview:
    """The home page's numbers for one user and day."""

    today: date
    decks: tuple[DeckDue, ...]
    new_due: int
    reviews_due: int
    redrills_due: int
    answered_today: int
    streak_days: int

    @property
    def due(self) -> int:
        return self.new_due + self.reviews_due + self.redrills_due


@dataclass(frozen=True, slots=True)
class SessionSummary:
    today: date
    answered: int
    learned: int
    reviewed: int
    redrilled: int
    passed: int
    #: The latest answer of today (its log row's id), which the summary's undo button names.
    last_answer: int | None = None

    @property
    def pass_rate(self) -> float:
        graded = self.learned + self.reviewed
        return self.passed / graded if graded else 0.0


def overview(session: Session, limits: StudyLimits, *, now: datetime) -> Overview:
    """What the queue serves today, in all and per deck, today's progress and the streak."""
    today = local_day(now, limits.timezone)
    with session.begin():
        done = done_today(session, limits, today)
        reviews_left, new_left = allowance(limits, done)
        waiting_new = and_(active(limits), ReviewState.due_on.is_(None))
        waiting_due = and_(
            active(limits),
            ReviewState.due_on <= today,
            or_(ReviewState.redrill_on.is_(None), ReviewState.redrill_on != today),
        )
        rows = session.execute(
            _per_deck(
                Deck.name,
                func.count().filter(waiting_new),
                func.count().filter(waiting_due),
                func.count().filter(new_cards(limits, today)),
                func.count().filter(review_due(limits, today)),
                func.count().filter(redrills(limits, today)),
            )
            .where(ReviewState.user_id == limits.user_id)
            .group_by(Paper.deck_id, Deck.name)
            .order_by(Deck.name)
        ).all()
        # The queue's share of each deck: the first cards in the queue's own order, as far as
        # the daily limits reach.
        new_share = _share(new_cards(limits, today), (ReviewState.card_id,), new_left)
        review_share = _share(
            review_due(limits, today), (ReviewState.due_on, ReviewState.card_id), reviews_left
        )
        new_today = _counts(session, new_share) if new_left else {}
        reviews_today = _counts(session, review_share) if reviews_left else {}
        streak_days = streak(session, limits, today)
    decks = []
    for deck_id, name, all_new, all_due, new_ready, reviews_ready, redrill in rows:
        new, review = new_today.get(deck_id, 0), reviews_today.get(deck_id, 0)
        studyable = bool((new_left and new_ready) or (reviews_left and reviews_ready) or redrill)
        later = all_new + all_due - new - review
        decks.append(DeckDue(deck_id, name, new, review, redrill, later, studyable))
    return Overview(
        today=today,
        decks=tuple(decks),
        new_due=sum(d.new for d in decks),
        reviews_due=sum(d.review for d in decks),
        redrills_due=sum(d.redrill for d in decks),
        answered_today=sum(done.values()),
        streak_days=streak_days,
    )


def _per_deck(*columns: Any) -> Select[Any]:
    """The user's review states with their deck's id first."""
    return (
        select(Paper.deck_id, *columns)
        .select_from(ReviewState)
        .join(Card, Card.id == ReviewState.card_id)
        .join(Paper, Paper.id == Card.paper_id)
        .join(Deck, Deck.id == Paper.deck_id)
    )


def _counts(session: Session, statement: Select[Any]) -> dict[int, int]:
    return {deck_id: count for deck_id, count in session.execute(statement)}


def _share(condition: ColumnElement[bool], order: tuple[Any, ...], limit: int) -> Select[Any]:
    """Per deck, how many of the first ``limit`` cards meeting ``condition`` (in ``order``)
    it holds."""
    first = (
        select(Paper.deck_id)
        .select_from(ReviewState)
        .join(Card, Card.id == ReviewState.card_id)
        .join(Paper, Paper.id == Card.paper_id)
        .where(condition)
        .order_by(*order)
        .limit(limit)
        .subquery()
    )
    return select(first.c.deck_id, func.count()).group_by(first.c.deck_id)


def streak(session: Session, limits: StudyLimits, today: date) -> int:
    """Days in a row with at least one answer, ending today (or yesterday, if not yet today)."""
    days = session.scalars(
        select(ReviewLog.reviewed_on)
        .where(ReviewLog.user_id == limits.user_id, ReviewLog.reviewed_on <= today)
        .group_by(ReviewLog.reviewed_on)
        .order_by(ReviewLog.reviewed_on.desc())
        .limit(3660)
    ).all()
    return streak_in(set(days), today)


def streak_in(studied: Container[date], today: date) -> int:
    """The streak ending today (or yesterday, if not yet today) among the days ``studied``."""
    day = today if today in studied else today - timedelta(days=1)
    count = 0
    while day in studied:
        count += 1
        day -= timedelta(days=1)
    return count


def session_summary(session: Session, limits: StudyLimits, *, now: datetime) -> SessionSummary:
    """What the user did today: for the end-of-session screen."""
    today = local_day(now, limits.timezone)
    with session.begin():
        row = session.execute(
            select(
                func.count(),
                func.count().filter(ReviewLog.kind == ReviewKind.LEARN),
                func.count().filter(ReviewLog.kind == ReviewKind.REVIEW),
                func.count().filter(ReviewLog.kind == ReviewKind.REDRILL),
                func.sum(
                    case(
                        (
                            and_(
                                ReviewLog.kind != ReviewKind.REDRILL,
                                recalled(),
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
                func.max(ReviewLog.id),
            ).where(ReviewLog.user_id == limits.user_id, ReviewLog.reviewed_on == today)
        ).one()
    return SessionSummary(
        today=today,
        answered=row[0],
        learned=row[1],
        reviewed=row[2],
        redrilled=row[3],
        passed=int(row[4] or 0),
        last_answer=row[5],
    )
