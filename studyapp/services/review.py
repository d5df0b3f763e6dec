"""The daily review: what is due today, answering a card, undoing the last answer.

"Today" is the user's local date in their time zone. The queue, in order: scheduled reviews due
today or earlier (oldest first, up to the daily review limit), then new cards (up to the daily
new-card limit), then the day's re-drills — cards graded below 4 today, which SM-2 asks again
after the rest of the session until they score 4 or more. Re-drills are logged but never change
the schedule.

Every answer is one transaction: the new state and its log row are committed together before
the caller responds. A state carries a version; an answer for a version that is no longer
current (a double click, a retried request, a second tab) changes nothing.

Showing a card and answering it is the path every study minute takes, so its statements are
built once, in :mod:`.review_sql`, and run as :class:`~studyapp.prepared.Prepared` statements
on the driver: no statement building, no ORM loading per step (``bench/review_vs_anki.py``
measures it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    ColumnElement,
    Connection,
    select,
)
from sqlalchemy.orm import Session

from studyapp.db import core_transaction, write_unit
from studyapp.models import (
    ReviewKind,
    ReviewLog,
    ReviewState,
)
from studyapp.services import review_sql as sql
from studyapp.services.review_items import (
    CardFace,
    PaperLine,
    QueueItem,
    ReviewCard,
    StateView,
    TopicName,
)
from studyapp.srs import sm2
from studyapp.srs.calendar import due_on, local_day

__all__ = [
    "COUNT_CAP",
    "Answered",
    "CardFace",
    "PaperLine",
    "QueueItem",
    "ReviewCard",
    "StateView",
    "StudyLimits",
    "active",
    "allowance",
    "answer",
    "answer_and_next",
    "done_today",
    "new_cards",
    "next_card",
    "redrills",
    "review_due",
    "undo_last",
]

#: Longest plausible look at one card; longer means the tab was left open.
_MAX_DURATION_MS = 10 * 60 * 1000
#: The session counts cards left up to this many per kind ("200+ left today"), the default
#: daily review limit, so that under the default limits every count is exact: counting a
#: backlog of 20,000 exactly would cost more than the rest of the step.
COUNT_CAP = 200


@dataclass(frozen=True, slots=True)
class StudyLimits:
    """Who is studying, where, and how much per day."""

    user_id: int
    timezone: str
    new_per_day: int
    reviews_per_day: int


@dataclass(frozen=True, slots=True)
class Answered:
    applied: bool
    state_id: int
    log_id: int | None = None


# The queue's conditions, over values or over the bound parameters of the statements below.
def active(limits: StudyLimits) -> ColumnElement[bool]:
    return sql.active_of(limits.user_id)


def review_due(limits: StudyLimits, today: date) -> ColumnElement[bool]:
    return sql.review_due_of(limits.user_id, today)


def new_cards(limits: StudyLimits) -> ColumnElement[bool]:
    return sql.new_cards_of(limits.user_id)


def redrills(limits: StudyLimits, today: date) -> ColumnElement[bool]:
    return sql.redrills_of(limits.user_id, today)


def allowance(limits: StudyLimits, done: dict[ReviewKind, int]) -> tuple[int, int]:
    """How many more reviews and new cards today's limits allow."""
    reviews_left = max(0, limits.reviews_per_day - done.get(ReviewKind.REVIEW, 0))
    new_left = max(0, limits.new_per_day - done.get(ReviewKind.LEARN, 0))
    return reviews_left, new_left


def done_today(session: Session, limits: StudyLimits, today: date) -> dict[ReviewKind, int]:
    return _done(session.connection(), limits.user_id, today)


def _done(connection: Connection, user_id: int, today: date) -> dict[ReviewKind, int]:
    counts = sql.DONE_TODAY.first(connection, user_id=user_id, today=today) or ()
    return {kind: count for kind, count in zip(sql.KINDS, counts, strict=True) if count}


def next_card(
    session: Session, limits: StudyLimits, *, now: datetime, prefer: int | None = None
) -> QueueItem | None:
    """The next card of today's session, or ``None`` when the session is over.

    ``prefer`` asks for one state first (the card just undone), if it is still actionable.
    """
    today = local_day(now, limits.timezone)
    with core_transaction(session, write=False) as connection:
        return _pick(connection, limits, today, prefer)


def _pick(
    connection: Connection, limits: StudyLimits, today: date, prefer: int | None
) -> QueueItem | None:
    """The next card, inside the caller's transaction."""
    user_id = limits.user_id
    row = sql.CANDIDATES.first(connection, user_id=user_id, today=today)
    assert row is not None  # one row: three counts and two candidates
    done = {kind: count for kind, count in zip(sql.KINDS, row[:3], strict=True) if count}
    reviews_left, new_left = allowance(limits, done)
    first_due, first_new = row[3:]
    state_id: int | None = None
    if prefer is not None:
        state_id = sql.PREFERRED.scalar(connection, user_id=user_id, state_id=prefer)
    if state_id is None:
        state_id = (reviews_left and first_due) or (new_left and first_new) or None
    if state_id is None:
        state_id = sql.FIRST_REDRILL.scalar(connection, user_id=user_id, today=today)
    if state_id is None:
        return None
    return _queue_item(connection, limits, today, state_id, done)


def _queue_item(
    connection: Connection,
    limits: StudyLimits,
    today: date,
    state_id: int,
    done: dict[ReviewKind, int],
) -> QueueItem:
    """The state with its card, and today's progress around it (inside a transaction)."""
    rows = sql.ITEM.rows(connection, state_id=state_id)
    first = rows[0]
    state = StateView(*first[:10])
    kind, lang, paper_id, title, url, arxiv_id = first[10:16]
    topics = sql.TOPICS.rows(connection, paper_id=paper_id)
    card = ReviewCard(
        id=state.card_id,
        kind=kind,
        lang=lang,
        faces=tuple(CardFace(*row[16:]) for row in rows),
        paper=PaperLine(
            paper_id, title, url, arxiv_id, tuple(TopicName(en, ko) for en, ko in topics)
        ),
    )
    remaining, more = _remaining(connection, limits, today, done)
    return QueueItem(
        state=state,
        card=card,
        kind=_kind_of(state, today),
        done_today=sum(done.values()),
        remaining=max(remaining, 1),
        more=more,
    )


def _kind_of(state: StateView, today: date) -> ReviewKind:
    if state.redrill_on == today:
        return ReviewKind.REDRILL
    return ReviewKind.LEARN if state.last_reviewed_at is None else ReviewKind.REVIEW


def _remaining(
    connection: Connection, limits: StudyLimits, today: date, done: dict[ReviewKind, int]
) -> tuple[int, bool]:
    """Cards left today in one statement, and whether a count stopped at :data:`COUNT_CAP`.
    Each count stops at what the daily limits still allow and at the cap, so a user with
    20,000 due cards costs no more than one with a few hundred."""
    reviews_left, new_left = allowance(limits, done)
    # What each count may reach today; re-drills have no daily limit.
    allowed = (reviews_left, new_left, None)
    caps = [COUNT_CAP if left is None else min(left, COUNT_CAP) for left in allowed]
    counts = sql.LEFT.first(
        connection,
        user_id=limits.user_id,
        today=today,
        review_cap=caps[0],
        new_cap=caps[1],
        redrill_cap=caps[2],
    )
    assert counts is not None  # one row of three counts
    # More are left only where the cap stopped a count before the daily limit did.
    more = any(
        count == COUNT_CAP and (left is None or left > COUNT_CAP)
        for count, left in zip(counts, allowed, strict=True)
    )
    return sum(counts), more


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
    with core_transaction(session, write=True) as connection:
        answered = _grade(connection, limits, state_id, version, quality, now, duration_ms)
    _forget(session, state_id)
    return answered


def answer_and_next(
    session: Session,
    limits: StudyLimits,
    *,
    state_id: int,
    version: int,
    grade: int,
    now: datetime,
    duration_ms: int | None = None,
) -> tuple[Answered, QueueItem | None]:
    """:func:`answer`, then :func:`next_card`, in the one transaction: the review page's step.
    The next card is read under the answer's write lock, so it already counts that answer."""
    quality = sm2.as_grade(grade)
    with core_transaction(session, write=True) as connection:
        answered = _grade(connection, limits, state_id, version, quality, now, duration_ms)
        item = _pick(connection, limits, local_day(now, limits.timezone), None)
    _forget(session, state_id)
    return answered, item


def _grade(
    connection: Connection,
    limits: StudyLimits,
    state_id: int,
    version: int,
    quality: sm2.Grade,
    now: datetime,
    duration_ms: int | None,
) -> Answered:
    """Apply one answer inside the caller's write unit."""
    today = local_day(now, limits.timezone)
    row = sql.STATE_FOR_ANSWER.first(connection, state_id=state_id, user_id=limits.user_id)
    if row is None:
        raise LookupError(state_id)
    state = StateView(*row)
    if state.version != version:
        return Answered(applied=False, state_id=state_id)
    before = sm2.SM2State(state.repetitions, state.ease, state.interval_days)
    if state.redrill_on == today:
        kind, after, due_after = ReviewKind.REDRILL, before, state.due_on or today
        redrill_after = None if quality >= sm2.REDRILL_BELOW else today
        lapses = state.lapses
    else:
        kind = ReviewKind.LEARN if state.last_reviewed_at is None else ReviewKind.REVIEW
        after = sm2.review(before, quality)
        due_after = due_on(now, after.interval_days, limits.timezone)
        redrill_after = today if quality < sm2.REDRILL_BELOW else None
        lapses = state.lapses + (not quality.passed and kind is ReviewKind.REVIEW)
    log_id = sql.INSERT_LOG.scalar(
        connection,
        user_id=limits.user_id,
        card_id=state.card_id,
        reviewed_at=now,
        reviewed_on=today,
        grade=int(quality),
        kind=kind,
        repetitions_before=state.repetitions,
        ease_before=state.ease,
        interval_before=state.interval_days,
        due_before=state.due_on,
        lapses_before=state.lapses,
        last_reviewed_before=state.last_reviewed_at,
        redrill_before=state.redrill_on,
        repetitions_after=after.repetitions,
        ease_after=after.ease,
        interval_after=after.interval_days,
        due_after=due_after,
        duration_ms=None if duration_ms is None else max(0, min(duration_ms, _MAX_DURATION_MS)),
    )
    updated = sql.UPDATE_STATE.run(
        connection,
        target_id=state_id,
        seen_version=state.version,
        repetitions=after.repetitions,
        ease=after.ease,
        interval_days=after.interval_days,
        due_on=due_after if kind is not ReviewKind.REDRILL else state.due_on,
        redrill_on=redrill_after,
        lapses=lapses,
        last_reviewed_at=now,
        version=state.version + 1,
    )
    if updated != 1:  # the row is locked: only a broken invariant gets here
        raise RuntimeError(f"review state {state_id} changed under its lock")
    return Answered(applied=True, state_id=state_id, log_id=log_id)


def _forget(session: Session, state_id: int) -> None:
    """Expire a copy of the state that this session's identity map may hold: the answer wrote
    the row without the ORM."""
    held = session.identity_map.get(session.identity_key(ReviewState, state_id))
    if held is not None:
        session.expire(held)


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
            select(ReviewState)
            .where(ReviewState.user_id == limits.user_id, ReviewState.card_id == log.card_id)
            .execution_options(populate_existing=True)
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
