"""The daily review: what is due today, and answering a card (undoing it: services/undo.py).

"Today" is the user's local date in their time zone. The queue, in order: scheduled reviews due
today or earlier (oldest first, up to the daily review limit), then new cards (up to the daily
new-card limit), then the day's re-drills — cards graded below 4 today, which SM-2 asks again
after the rest of the session until they score 4 or more. Re-drills are logged but never change
the schedule. The rules of one answer live in :mod:`studyapp.srs` (SM-2 or FSRS, whichever keeps
the card); this module reads a state, asks the card's scheduler, writes.

Siblings (the other card of a paper) are buried as in Anki, when the user's ``bury_siblings``
is on: once a card is answered, the rest of its paper waits until the next local day, and a
paper offers one card a day, so the counts of what is left are what the queue will serve. It is
read from today's review log, so undoing the answer brings the sibling back. A session may be
limited to one deck (``deck_id``): the same queue and limits, over that deck's cards only.

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
)
from sqlalchemy.orm import Session

from studyapp.db import core_transaction
from studyapp.models import (
    ReviewKind,
    ReviewState,
)
from studyapp.services import review_sql as sql
from studyapp.services.errors import InvalidGrade, NotFound
from studyapp.services.review_items import (
    CardFace,
    PaperLine,
    QueueItem,
    ReviewCard,
    StateView,
    StudyDeck,
    TopicName,
)
from studyapp.srs import scheduler, sm2
from studyapp.srs.calendar import local_day

__all__ = [
    "COUNT_CAP",
    "Answered",
    "DeckNotFound",
    "CardFace",
    "PaperLine",
    "QueueItem",
    "ReviewCard",
    "StateView",
    "StudyDeck",
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
    "studied_deck",
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
    #: The user's scheduler and FSRS's settings.
    scheduling: scheduler.Scheduling = scheduler.Scheduling()


@dataclass(frozen=True, slots=True)
class Answered:
    """``applied`` is False when the answer was for a version of the card that is no longer
    current: it was answered (or suspended, or undone) meanwhile, in this tab or another."""

    applied: bool
    state_id: int
    log_id: int | None = None


class DeckNotFound(NotFound):
    """No deck the user studies has this id (none, another user's, a library deck not added)."""


# The queue's conditions, over values or over the bound parameters of the statements below.
def active(limits: StudyLimits) -> ColumnElement[bool]:
    return sql.active_of(limits.user_id)


def review_due(limits: StudyLimits, today: date, deck_id: int | None = None) -> ColumnElement[bool]:
    return sql.review_due_of(limits.user_id, today, deck_id)


def new_cards(limits: StudyLimits, today: date, deck_id: int | None = None) -> ColumnElement[bool]:
    return sql.new_cards_of(limits.user_id, today, deck_id)


def redrills(limits: StudyLimits, today: date, deck_id: int | None = None) -> ColumnElement[bool]:
    return sql.redrills_of(limits.user_id, today, deck_id)


def studied_deck(session: Session, limits: StudyLimits, deck_id: int) -> StudyDeck:
    """The deck, when the user studies it (their own, or a library deck they added).

    Raises :class:`DeckNotFound` otherwise.
    """
    with core_transaction(session, write=False) as connection:
        row = sql.STUDIED_DECK.first(connection, user_id=limits.user_id, deck_id=deck_id)
    if row is None:
        raise DeckNotFound(deck_id)
    return StudyDeck(*row)


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
    session: Session,
    limits: StudyLimits,
    *,
    now: datetime,
    prefer: int | None = None,
    deck_id: int | None = None,
) -> QueueItem | None:
    """The next card of today's session, or ``None`` when the session is over.

    ``prefer`` asks for one state first (the card just undone), if it is still actionable.
    ``deck_id`` limits the session to one deck (check it with :func:`studied_deck`).
    """
    with core_transaction(session, write=False) as connection:
        return _pick(connection, limits, now, prefer, deck_id, None)


def _pick(
    connection: Connection,
    limits: StudyLimits,
    now: datetime,
    prefer: int | None,
    deck_id: int | None,
    last_answer: int | None,
) -> QueueItem | None:
    """The next card, inside the caller's transaction. ``last_answer``: the log row the caller
    has just written, when it has (so the step need not look it up)."""
    user_id = limits.user_id
    today = local_day(now, limits.timezone)
    queue, scope = (sql.EVERYTHING, {}) if deck_id is None else (sql.ONE_DECK, {"deck_id": deck_id})
    row = queue.candidates.first(connection, user_id=user_id, today=today, **scope)
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
        state_id = queue.first_redrill.scalar(connection, user_id=user_id, today=today, **scope)
    if state_id is None:
        return None
    remaining, more = _remaining(connection, queue, scope, limits, today, done)
    if last_answer is None and done:
        last_answer = sql.LAST_ANSWER.scalar(connection, user_id=user_id, today=today)
    return _queue_item(connection, limits, now, state_id, done, remaining, more, last_answer)


def _queue_item(
    connection: Connection,
    limits: StudyLimits,
    now: datetime,
    state_id: int,
    done: dict[ReviewKind, int],
    remaining: int,
    more: bool,
    last_answer: int | None,
) -> QueueItem:
    """The state with its card, and today's progress around it (inside a transaction)."""
    rows = sql.ITEM.rows(connection, state_id=state_id)
    first = rows[0]
    width = len(sql.STATE_COLUMNS)
    state = StateView(*first[:width])
    kind, lang, paper_id, title, url, arxiv_id, deck_id, owner_id = first[width : width + 8]
    topics = sql.TOPICS.rows(connection, paper_id=paper_id)
    card = ReviewCard(
        id=state.card_id,
        kind=kind,
        lang=lang,
        faces=tuple(CardFace(*row[width + 8 :]) for row in rows),
        paper=PaperLine(
            paper_id, title, url, arxiv_id, tuple(TopicName(en, ko) for en, ko in topics)
        ),
        deck_id=deck_id,
        editable=owner_id == limits.user_id,
    )
    today = local_day(now, limits.timezone)
    return QueueItem(
        state=state,
        card=card,
        kind=ReviewKind(scheduler.kind_of(state.schedule(), today)),
        done_today=sum(done.values()),
        remaining=max(remaining, 1),
        shown_at=now,
        timezone=limits.timezone,
        scheduling=limits.scheduling,
        more=more,
        last_answer=last_answer,
    )


def _remaining(
    connection: Connection,
    queue: sql.Queue,
    scope: dict[str, int],
    limits: StudyLimits,
    today: date,
    done: dict[ReviewKind, int],
) -> tuple[int, bool]:
    """Cards left today in one statement, and whether a count stopped at :data:`COUNT_CAP`.
    Each count stops at what the daily limits still allow and at the cap, so a user with
    20,000 due cards costs no more than one with a few hundred."""
    reviews_left, new_left = allowance(limits, done)
    # What each count may reach today; re-drills have no daily limit.
    allowed = (reviews_left, new_left, None)
    caps = [COUNT_CAP if left is None else min(left, COUNT_CAP) for left in allowed]
    counts = queue.left.first(
        connection,
        user_id=limits.user_id,
        today=today,
        review_cap=caps[0],
        new_cap=caps[1],
        redrill_cap=caps[2],
        **scope,
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

    Raises ``NotFound`` when the state is not the user's, ``InvalidGrade`` for a grade that the
    card's scheduler has no button for.
    """
    quality = _as_grade(grade)
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
    deck_id: int | None = None,
) -> tuple[Answered, QueueItem | None]:
    """:func:`answer`, then :func:`next_card`, in the one transaction: the review page's step.
    The next card is read under the answer's write lock, so it already counts that answer."""
    quality = _as_grade(grade)
    with core_transaction(session, write=True) as connection:
        answered = _grade(connection, limits, state_id, version, quality, now, duration_ms)
        # An answer just logged is the user's latest: the undo button names it.
        item = _pick(connection, limits, now, None, deck_id, answered.log_id)
    _forget(session, state_id)
    return answered, item


def _as_grade(grade: int) -> int:
    # Every scheduler's grades lie in 0-5 (SM-2's 0-5, FSRS's 1-4): anything else is refused
    # before the transaction; the card's own scheduler checks its scale inside it.
    try:
        return int(sm2.as_grade(grade))
    except ValueError:
        raise InvalidGrade(grade) from None


def _grade(
    connection: Connection,
    limits: StudyLimits,
    state_id: int,
    version: int,
    quality: int,
    now: datetime,
    duration_ms: int | None,
) -> Answered:
    """Apply one answer inside the caller's write unit."""
    row = sql.STATE_FOR_ANSWER.first(connection, state_id=state_id, user_id=limits.user_id)
    if row is None:
        raise NotFound(state_id)
    state = StateView(*row)
    if state.version != version:
        return Answered(applied=False, state_id=state_id)
    before = state.schedule()
    answering = scheduler.scheduler_for(before.scheduler, limits.scheduling)
    try:
        answering.check_grade(quality)
    except ValueError:
        raise InvalidGrade(quality) from None
    outcome = answering.answer(before, quality, now=now, timezone=limits.timezone)
    after, kind = outcome.after, outcome.kind
    log_id = sql.INSERT_LOG.scalar(
        connection,
        user_id=limits.user_id,
        card_id=state.card_id,
        reviewed_at=now,
        reviewed_on=outcome.today,
        grade=quality,
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
        # A re-drill keeps the schedule; its log row still names a due date.
        due_after=after.due_on or outcome.today,
        duration_ms=None if duration_ms is None else max(0, min(duration_ms, _MAX_DURATION_MS)),
        scheduler=before.scheduler,
        memory_before=before.memory(),
        memory_after=after.memory(),
    )
    updated = sql.UPDATE_STATE.run(
        connection,
        target_id=state_id,
        seen_version=state.version,
        repetitions=after.repetitions,
        ease=after.ease,
        interval_days=after.interval_days,
        due_on=after.due_on,
        redrill_on=after.redrill_on,
        lapses=after.lapses,
        last_reviewed_at=after.last_reviewed_at,
        stability=after.stability,
        difficulty=after.difficulty,
        phase=after.phase,
        step=after.step,
        due_at=after.due_at,
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
