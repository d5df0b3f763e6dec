"""The daily review: what is due today, answering a card, undoing the last answer.

"Today" is the user's local date in their time zone. The queue, in order: scheduled reviews due
today or earlier (oldest first, up to the daily review limit), then new cards (up to the daily
new-card limit), then the day's re-drills — cards graded below 4 today, which SM-2 asks again
after the rest of the session until they score 4 or more. Re-drills are logged but never change
the schedule.

Every answer is one transaction: the new state and its log row are committed together before
the caller responds. A state carries a version; an answer for a version that is no longer
current (a double click, a retried request, a second tab) changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, func, or_, select
from sqlalchemy.orm import Session, joinedload

from studyapp.db import write_unit
from studyapp.models import (
    Card,
    Paper,
    ReviewKind,
    ReviewLog,
    ReviewState,
)
from studyapp.srs import sm2
from studyapp.srs.calendar import due_on, local_day

__all__ = [
    "Answered",
    "QueueItem",
    "StudyLimits",
    "active",
    "allowance",
    "answer",
    "done_today",
    "new_cards",
    "next_card",
    "queue_item",
    "redrills",
    "review_due",
    "undo_last",
]

#: Longest plausible look at one card; longer means the tab was left open.
_MAX_DURATION_MS = 10 * 60 * 1000


@dataclass(frozen=True, slots=True)
class StudyLimits:
    """Who is studying, where, and how much per day."""

    user_id: int
    timezone: str
    new_per_day: int
    reviews_per_day: int


@dataclass(frozen=True, slots=True)
class QueueItem:
    """The card to show next, with what the review page shows around it."""

    state: ReviewState
    card: Card
    kind: ReviewKind
    done_today: int
    remaining: int

    @property
    def progress_percent(self) -> int:
        total = self.done_today + self.remaining
        return round(100 * self.done_today / total) if total else 100

    def next_intervals(self) -> dict[int, int]:
        """Days until the card is due again after each grade, for the grade buttons; empty for
        a same-day re-drill, which never moves the schedule."""
        if self.kind is ReviewKind.REDRILL:
            return {}
        state = sm2.SM2State(self.state.repetitions, self.state.ease, self.state.interval_days)
        return {grade: sm2.review(state, grade).interval_days for grade in sm2.Grade}


@dataclass(frozen=True, slots=True)
class Answered:
    applied: bool
    state_id: int
    log_id: int | None = None


def done_today(session: Session, limits: StudyLimits, today: date) -> dict[ReviewKind, int]:
    rows = session.execute(
        select(ReviewLog.kind, func.count())
        .where(ReviewLog.user_id == limits.user_id, ReviewLog.reviewed_on == today)
        .group_by(ReviewLog.kind)
    ).all()
    return {ReviewKind(kind): int(count) for kind, count in rows}


def active(limits: StudyLimits) -> ColumnElement[bool]:
    return and_(ReviewState.user_id == limits.user_id, ReviewState.suspended.is_(False))


def review_due(limits: StudyLimits, today: date) -> ColumnElement[bool]:
    return and_(
        active(limits),
        ReviewState.due_on <= today,
        or_(ReviewState.redrill_on.is_(None), ReviewState.redrill_on != today),
    )


def new_cards(limits: StudyLimits) -> ColumnElement[bool]:
    return and_(active(limits), ReviewState.due_on.is_(None))


def redrills(limits: StudyLimits, today: date) -> ColumnElement[bool]:
    return and_(active(limits), ReviewState.redrill_on == today)


def allowance(limits: StudyLimits, done: dict[ReviewKind, int]) -> tuple[int, int]:
    """How many more reviews and new cards today's limits allow."""
    reviews_left = max(0, limits.reviews_per_day - done.get(ReviewKind.REVIEW, 0))
    new_left = max(0, limits.new_per_day - done.get(ReviewKind.LEARN, 0))
    return reviews_left, new_left


def _load_item(session: Session, state_id: int) -> ReviewState:
    """A state with its card, texts, paper and topics, in two small queries."""
    return (
        session.scalars(
            select(ReviewState)
            .where(ReviewState.id == state_id)
            .options(
                joinedload(ReviewState.card, innerjoin=True).joinedload(Card.texts),
                joinedload(ReviewState.card, innerjoin=True)
                .joinedload(Card.paper, innerjoin=True)
                # A second, tiny query: joined into the first, SQLite would build the
                # paper-topic join for every paper before picking one.
                .selectinload(Paper.topics),
            )
        )
        .unique()
        .one()
    )


def _first(session: Session, condition: ColumnElement[bool], *order: Any) -> int | None:
    state_id: int | None = session.scalar(
        select(ReviewState.id).where(condition).order_by(*order).limit(1)
    )
    return state_id


def next_card(
    session: Session, limits: StudyLimits, *, now: datetime, prefer: int | None = None
) -> QueueItem | None:
    """The next card of today's session, or ``None`` when the session is over.

    ``prefer`` asks for one state first (the card just undone), if it is still actionable.
    """
    today = local_day(now, limits.timezone)
    with session.begin():
        done, reviews_left, new_left = _counters(session, limits, today)
        state_id: int | None = None
        if prefer is not None:
            state_id = _first(session, and_(ReviewState.id == prefer, active(limits)))
        if state_id is None and reviews_left:
            state_id = _first(
                session, review_due(limits, today), ReviewState.due_on, ReviewState.id
            )
        if state_id is None and new_left:
            state_id = _first(session, new_cards(limits), ReviewState.card_id)
        if state_id is None:
            state_id = _first(
                session, redrills(limits, today), ReviewState.last_reviewed_at, ReviewState.id
            )
        if state_id is None:
            return None
        return _queue_item(session, limits, today, state_id, (done, reviews_left, new_left))


def queue_item(
    session: Session, limits: StudyLimits, state_id: int, *, now: datetime
) -> QueueItem | None:
    """That one card of the user's (to reveal its answer), or ``None`` when it is not theirs,
    suspended or unknown. Unlike :func:`next_card` it never falls back to another card."""
    today = local_day(now, limits.timezone)
    with session.begin():
        if _first(session, and_(ReviewState.id == state_id, active(limits))) is None:
            return None
        return _queue_item(session, limits, today, state_id, _counters(session, limits, today))


def _queue_item(
    session: Session,
    limits: StudyLimits,
    today: date,
    state_id: int,
    counters: tuple[dict[ReviewKind, int], int, int],
) -> QueueItem:
    """The state with its card, and today's progress around it (inside a transaction)."""
    done, reviews_left, new_left = counters
    state = _load_item(session, state_id)
    return QueueItem(
        state=state,
        card=state.card,
        kind=_kind_of(state, today),
        done_today=sum(done.values()),
        remaining=max(_remaining(session, limits, today, reviews_left, new_left), 1),
    )


def _kind_of(state: ReviewState, today: date) -> ReviewKind:
    if state.redrill_on == today:
        return ReviewKind.REDRILL
    return ReviewKind.LEARN if state.last_reviewed_at is None else ReviewKind.REVIEW


def _counters(
    session: Session, limits: StudyLimits, today: date
) -> tuple[dict[ReviewKind, int], int, int]:
    """Today's answers by kind, and how many reviews and new cards today's limits still allow."""
    done = done_today(session, limits, today)
    reviews_left, new_left = allowance(limits, done)
    return done, reviews_left, new_left


def _remaining(
    session: Session, limits: StudyLimits, today: date, reviews_left: int, new_left: int
) -> int:
    """Cards left today, in one statement. Each count stops at what the daily limits still
    allow, so a user with 20,000 due cards costs no more than one with 200."""

    def bounded(condition: ColumnElement[bool], cap: int | None) -> ScalarSelect[int]:
        rows = select(ReviewState.id).where(condition)
        if cap is not None:
            rows = rows.limit(cap)
        return select(func.count()).select_from(rows.subquery()).scalar_subquery()

    counts = select(
        bounded(review_due(limits, today), reviews_left),
        bounded(new_cards(limits), new_left),
        bounded(redrills(limits, today), None),
    )
    reviews, new, repeats = session.execute(counts).one()
    return min(reviews, reviews_left) + min(new, new_left) + repeats


def answer(
    session: Session,
    limits: StudyLimits,
    *,
    state_id: int,
    version: int,
    grade: int,
    now: datetime,
    duration_ms: int | None = None,
) -> Answered:
    """Grade one card and log it, in one transaction; apply a given version only once.

    Raises ``LookupError`` when the state is not the user's, ``ValueError`` for a bad grade.
    """
    quality = sm2.as_grade(grade)
    today = local_day(now, limits.timezone)
    with write_unit(session):
        state = session.scalars(
            select(ReviewState)
            .where(ReviewState.id == state_id, ReviewState.user_id == limits.user_id)
            .with_for_update()
        ).one_or_none()
        if state is None:
            raise LookupError(state_id)
        if state.version != version:
            return Answered(applied=False, state_id=state_id)

        log = ReviewLog(
            user_id=limits.user_id,
            card_id=state.card_id,
            reviewed_at=now,
            reviewed_on=today,
            grade=int(quality),
            repetitions_before=state.repetitions,
            ease_before=state.ease,
            interval_before=state.interval_days,
            due_before=state.due_on,
            lapses_before=state.lapses,
            last_reviewed_before=state.last_reviewed_at,
            redrill_before=state.redrill_on,
            duration_ms=None if duration_ms is None else max(0, min(duration_ms, _MAX_DURATION_MS)),
        )
        if state.redrill_on == today:
            log.kind = ReviewKind.REDRILL
            if quality >= sm2.REDRILL_BELOW:
                state.redrill_on = None
        else:
            log.kind = ReviewKind.LEARN if state.last_reviewed_at is None else ReviewKind.REVIEW
            after = sm2.review(
                sm2.SM2State(state.repetitions, state.ease, state.interval_days), quality
            )
            if not quality.passed and log.kind is ReviewKind.REVIEW:
                state.lapses += 1
            state.repetitions = after.repetitions
            state.ease = after.ease
            state.interval_days = after.interval_days
            state.due_on = due_on(now, after.interval_days, limits.timezone)
            state.redrill_on = today if quality < sm2.REDRILL_BELOW else None
        state.last_reviewed_at = now
        log.repetitions_after = state.repetitions
        log.ease_after = state.ease
        log.interval_after = state.interval_days
        log.due_after = state.due_on or today
        session.add(log)
        session.flush()
        log_id = log.id
    return Answered(applied=True, state_id=state_id, log_id=log_id)


def undo_last(session: Session, limits: StudyLimits, *, now: datetime) -> int | None:
    """Take back the user's most recent answer of today: restore the card's state exactly and
    delete the log row. Returns the state's id, or ``None`` when there is nothing to undo."""
    today = local_day(now, limits.timezone)
    with write_unit(session):
        log = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == limits.user_id, ReviewLog.reviewed_on == today)
            .order_by(ReviewLog.id.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if log is None:
            return None
        state = session.scalars(
            select(ReviewState).where(
                ReviewState.user_id == limits.user_id, ReviewState.card_id == log.card_id
            )
        ).one()
        state.repetitions = log.repetitions_before
        state.ease = log.ease_before
        state.interval_days = log.interval_before
        state.due_on = log.due_before
        state.lapses = log.lapses_before
        state.last_reviewed_at = log.last_reviewed_before
        state.redrill_on = log.redrill_before
        session.delete(log)
        state_id = state.id
    return state_id
