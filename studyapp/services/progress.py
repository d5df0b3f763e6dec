"""Progress for the home page and the end of a session: what is due per deck, today's answers,
the streak, and a summary of the day. Read-only; the queue itself is in :mod:`.review`.
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session

from studyapp.models import Card, Deck, Paper, ReviewKind, ReviewLog, ReviewState
from studyapp.services.review import (
    StudyLimits,
    allowance,
    done_today,
    new_cards,
    redrills,
    review_due,
)
from studyapp.srs import sm2
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
    deck_id: int
    deck_name: str
    new: int
    review: int
    redrill: int


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

    @property
    def pass_rate(self) -> float:
        graded = self.learned + self.reviewed
        return self.passed / graded if graded else 0.0


def overview(session: Session, limits: StudyLimits, *, now: datetime) -> Overview:
    """Cards due today per deck (within the daily limits), today's progress and the streak."""
    today = local_day(now, limits.timezone)
    with session.begin():
        done = done_today(session, limits, today)
        reviews_left, new_left = allowance(limits, done)
        rows = session.execute(
            select(
                Deck.id,
                Deck.name,
                func.count().filter(new_cards(limits)),
                func.count().filter(review_due(limits, today)),
                func.count().filter(redrills(limits, today)),
            )
            .select_from(ReviewState)
            .join(Card, Card.id == ReviewState.card_id)
            .join(Paper, Paper.id == Card.paper_id)
            .join(Deck, Deck.id == Paper.deck_id)
            .where(ReviewState.user_id == limits.user_id)
            .group_by(Deck.id, Deck.name)
            .order_by(Deck.name)
        ).all()
        streak_days = streak(session, limits, today)
    decks = tuple(DeckDue(r[0], r[1], r[2], r[3], r[4]) for r in rows)
    return Overview(
        today=today,
        decks=decks,
        new_due=min(new_left, sum(d.new for d in decks)),
        reviews_due=min(reviews_left, sum(d.review for d in decks)),
        redrills_due=sum(d.redrill for d in decks),
        answered_today=sum(done.values()),
        streak_days=streak_days,
    )


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
                                ReviewLog.grade >= sm2.PASSING_GRADE,
                            ),
                            1,
                        ),
                        else_=0,
                    )
                ),
            ).where(ReviewLog.user_id == limits.user_id, ReviewLog.reviewed_on == today)
        ).one()
    return SessionSummary(
        today=today,
        answered=row[0],
        learned=row[1],
        reviewed=row[2],
        redrilled=row[3],
        passed=int(row[4] or 0),
    )
