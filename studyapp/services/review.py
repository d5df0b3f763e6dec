"""The daily review: what is due today, and answering a card (undoing it: services/undo.py).

"Today" is the user's local date in their time zone. The queue, in order: scheduled reviews due
today or earlier (oldest first, up to the daily review limit), then new cards (up to the daily
new-card limit), then the day's re-drills — under SM-2, cards graded below 4 today, asked again
after the rest of the session until they score 4 or more (logged, never moving the schedule);
under FSRS, cards in a learning step due later today. The rules of one answer live in
:mod:`studyapp.srs` (SM-2 or FSRS, whichever keeps the card); this module reads a state, asks
the card's scheduler, writes.

Siblings (the other card of a paper) are buried as in Anki, when the user's ``bury_siblings``
is on: once a card is answered, the rest of its paper waits until the next local day, and a
paper offers one card a day, so the counts of what is left are what the queue will serve. It is
read from today's review log, so undoing the answer brings the sibling back. A session may be
limited to one deck (``deck_id``): the same queue and limits, over that deck's cards only.

Every answer is one transaction: the new state and its log row are committed together before
the caller responds. A state carries a version; an answer for a version that is no longer
current (a double click, a retried request, a second tab) changes nothing.

Showing a card and answering it is the path every study minute takes, so its statements are
built once, in :mod:`.review_sql`, and run as Core statements: no statement building, no ORM
loading per step (``bench/review_vs_anki.py`` measures it). The state is read without a lock;
the write names the version it was computed from, so an answer computed from a state that
changed meanwhile writes nothing. On PostgreSQL the answer's state and log row are one
statement, and no statement of the step needs BEGIN or COMMIT (``tests/test_round_trips.py``
counts them).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import (
    Connection,
)
from sqlalchemy.orm import Session

from studyapp.db import core_statements
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
from studyapp.services.study_queue import StudyLimits, allowance
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
    "allowance",
    "answer",
    "answer_and_next",
    "done_today",
    "next_card",
    "studied_deck",
]

#: Longest plausible look at one card; longer means the tab was left open.
_MAX_DURATION_MS = 10 * 60 * 1000
#: The session counts cards left up to this many per kind ("200+ left today"), the default
#: daily review limit, so that under the default limits every count is exact: counting a
#: backlog of 20,000 exactly would cost more than the rest of the step.
COUNT_CAP = 200


@dataclass(frozen=True, slots=True)
class Answered:
    """``applied`` is False when the answer was for a version of the card that is no longer
    current: it was answered (or suspended, or undone) meanwhile, in this tab or another."""

    applied: bool
    state_id: int
    log_id: int | None = None


class DeckNotFound(NotFound):
    """No deck the user studies has this id (none, another user's, a library deck not added)."""


def studied_deck(session: Session, limits: StudyLimits, deck_id: int) -> StudyDeck:
    """The deck, when the user studies it (their own, or a library deck they added).

    Raises :class:`DeckNotFound` otherwise.
    """
    with core_statements(session, write=False) as connection:
        row = connection.execute(
            sql.STUDIED_DECK, {"user_id": limits.user_id, "deck_id": deck_id}
        ).first()
    if row is None:
        raise DeckNotFound(deck_id)
    return StudyDeck(*row)


def done_today(session: Session, limits: StudyLimits, today: date) -> dict[ReviewKind, int]:
    return _done(session.connection(), limits.user_id, today)


def _done(connection: Connection, user_id: int, today: date) -> dict[ReviewKind, int]:
    counts = connection.execute(sql.DONE_TODAY, {"user_id": user_id, "today": today}).one()
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
    with core_statements(session, write=False) as connection:
        return _pick(connection, limits, now, prefer, deck_id)


def _pick(
    connection: Connection,
    limits: StudyLimits,
    now: datetime,
    prefer: int | None,
    deck_id: int | None,
) -> QueueItem | None:
    """The next card and today's progress around it, in one statement."""
    today = local_day(now, limits.timezone)
    queue, scope = (sql.EVERYTHING, {}) if deck_id is None else (sql.ONE_DECK, {"deck_id": deck_id})
    rows = connection.execute(
        queue.pick,
        {
            "user_id": limits.user_id,
            "today": today,
            "reviews_per_day": limits.reviews_per_day,
            "new_per_day": limits.new_per_day,
            "prefer": prefer,
            "count_cap": COUNT_CAP,
            **scope,
        },
    ).all()
    first = rows[0]  # the head's row is always there
    if first[sql.STATE_AT] is None:
        return None
    done_counts = first[sql.DONE_AT : sql.LEFT_AT]
    done = {kind: count for kind, count in zip(sql.KINDS, done_counts, strict=True) if count}
    remaining, more = _remaining(limits, done, first[sql.LEFT_AT : sql.LAST_ANSWER_AT])
    state = StateView(*first[sql.STATE_AT : sql.CARD_AT])
    kind, lang, paper_id, title, url, arxiv_id, deck, owner_id = first[sql.CARD_AT : sql.FACE_AT]
    # One row per text language and topic: each face and each topic once, in the rows' order.
    faces = {
        row[sql.FACE_AT]: CardFace(*row[sql.FACE_AT : sql.TOPIC_AT])
        for row in rows
        if row[sql.FACE_AT] is not None
    }
    if not faces:  # every card is stored with its text: only a broken invariant gets here
        raise RuntimeError(f"card {state.card_id} has no text to show")
    topics = {
        row[sql.TOPIC_AT]: TopicName(*row[sql.TOPIC_AT + 1 :])
        for row in rows
        if row[sql.TOPIC_AT] is not None
    }
    card = ReviewCard(
        id=state.card_id,
        kind=kind,
        lang=lang,
        faces=tuple(faces.values()),
        paper=PaperLine(paper_id, title, url, arxiv_id, tuple(topics.values())),
        deck_id=deck,
        editable=owner_id == limits.user_id,
    )
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
        last_answer=first[sql.LAST_ANSWER_AT],
    )


def _remaining(
    limits: StudyLimits, done: dict[ReviewKind, int], counted: tuple[int, ...]
) -> tuple[int, bool]:
    """Cards left today, from the counts of each kind (each stopped at :data:`COUNT_CAP`) and
    what the daily limits still allow, and whether a count stopped at the cap. The counts
    stop at the cap, so a user with 20,000 due cards costs no more than one with a few
    hundred."""
    # What each count may reach today; re-drills have no daily limit.
    allowed = (*allowance(limits, done), None)
    left = [
        count if limit is None else min(count, limit)
        for count, limit in zip(counted, allowed, strict=True)
    ]
    # More are left only where the cap stopped a count before the daily limit did.
    more = any(
        count == COUNT_CAP and (limit is None or limit > COUNT_CAP)
        for count, limit in zip(counted, allowed, strict=True)
    )
    return sum(left), more


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
    grade = _as_grade(grade)
    with core_statements(session, write=True) as connection:
        answered = _grade(connection, limits, state_id, version, grade, now, duration_ms)
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
    """:func:`answer`, then :func:`next_card`, on one connection: the review page's step. The
    next card is read after the answer is written (on SQLite, in its transaction), so it
    already counts that answer."""
    grade = _as_grade(grade)
    with core_statements(session, write=True) as connection:
        answered = _grade(connection, limits, state_id, version, grade, now, duration_ms)
        item = _pick(connection, limits, now, None, deck_id)
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
    grade: int,
    now: datetime,
    duration_ms: int | None,
) -> Answered:
    """Apply one answer on the caller's connection (:func:`~studyapp.db.core_statements`)."""
    row = connection.execute(sql.STATE, {"state_id": state_id, "user_id": limits.user_id}).first()
    if row is None:
        raise NotFound(state_id)
    state = StateView(*row)
    if state.version != version:
        return Answered(applied=False, state_id=state_id)
    before = state.schedule()
    answering = scheduler.scheduler_for(before.scheduler, limits.scheduling)
    try:
        answering.check_grade(grade)
    except ValueError:
        raise InvalidGrade(grade) from None
    outcome = answering.answer(before, grade, now=now, timezone=limits.timezone)
    after, kind = outcome.after, outcome.kind
    # The state after the answer, written only if its version is still the one read.
    values = {
        "state_id": state_id,
        "seen_version": state.version,
        "repetitions": after.repetitions,
        "ease": after.ease,
        "interval_days": after.interval_days,
        "due_on": after.due_on,
        "redrill_on": after.redrill_on,
        "lapses": after.lapses,
        "last_reviewed_at": after.last_reviewed_at,
        "stability": after.stability,
        "difficulty": after.difficulty,
        "phase": after.phase,
        "step": after.step,
        "due_at": after.due_at,
    }
    logged = {
        "user_id": limits.user_id,
        "card_id": state.card_id,
        "reviewed_at": now,
        "reviewed_on": outcome.today,
        "grade": grade,
        "kind": kind,
        "repetitions_before": state.repetitions,
        "ease_before": state.ease,
        "interval_before": state.interval_days,
        "due_before": state.due_on,
        "lapses_before": state.lapses,
        "last_reviewed_before": state.last_reviewed_at,
        "redrill_before": state.redrill_on,
        "repetitions_after": after.repetitions,
        "ease_after": after.ease,
        "interval_after": after.interval_days,
        # A re-drill keeps the schedule; its log row still names a due date.
        "due_after": after.due_on or outcome.today,
        "duration_ms": None if duration_ms is None else max(0, min(duration_ms, _MAX_DURATION_MS)),
        "scheduler": before.scheduler,
        "memory_before": before.memory(),
        "memory_after": after.memory(),
    }
    log_id = _write_answer(connection, {**values, **sql.log_values(logged)})
    # None: the version changed between the read and the write (PostgreSQL reads unlocked).
    return Answered(applied=log_id is not None, state_id=state_id, log_id=log_id)


def _write_answer(connection: Connection, values: dict[str, object]) -> int | None:
    """The new state and its log row; the log row's id, or ``None`` when the state's version
    is no longer the one the answer was computed from (nothing written)."""
    if connection.dialect.name != "sqlite":
        # One statement (a data-modifying CTE): atomic without a transaction around it.
        log_id: int | None = connection.execute(sql.ANSWER, values).scalar()
        return log_id
    # SQLite has no data-modifying CTE: two statements, in the caller's BEGIN IMMEDIATE.
    if connection.execute(sql.UPDATE_STATE, values).scalar() is None:
        return None
    logged: int = connection.execute(sql.INSERT_LOG, values).scalar_one()
    return logged


def _forget(session: Session, state_id: int) -> None:
    """Expire a copy of the state that this session's identity map may hold: the answer wrote
    the row without the ORM."""
    held = session.identity_map.get(session.identity_key(ReviewState, state_id))
    if held is not None:
        session.expire(held)
