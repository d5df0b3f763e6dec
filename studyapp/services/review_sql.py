"""The review step's SQL: the queue's conditions, and every statement the step runs, built
once at import as :class:`~studyapp.prepared.Prepared` statements with bound parameters
(``user_id``, ``today``, ``state_id``...). :mod:`.review` runs them."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Integer,
    ScalarSelect,
    Select,
    and_,
    bindparam,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)

from studyapp.models import (
    Card,
    CardText,
    Paper,
    PaperTopic,
    ReviewKind,
    ReviewLog,
    ReviewState,
    Topic,
)
from studyapp.prepared import Prepared


def active_of(user: Any) -> ColumnElement[bool]:
    return and_(ReviewState.user_id == user, ReviewState.suspended.is_(False))


def review_due_of(user: Any, today: Any) -> ColumnElement[bool]:
    return and_(
        active_of(user),
        ReviewState.due_on <= today,
        or_(ReviewState.redrill_on.is_(None), ReviewState.redrill_on != today),
    )


def new_cards_of(user: Any) -> ColumnElement[bool]:
    return and_(active_of(user), ReviewState.due_on.is_(None))


def redrills_of(user: Any, today: Any) -> ColumnElement[bool]:
    return and_(active_of(user), ReviewState.redrill_on == today)


_USER: BindParameter[int] = bindparam("user_id")
_TODAY: BindParameter[date] = bindparam("today")
_STATE: BindParameter[int] = bindparam("state_id")
STATE_COLUMNS = (
    ReviewState.id,
    ReviewState.card_id,
    ReviewState.version,
    ReviewState.repetitions,
    ReviewState.ease,
    ReviewState.interval_days,
    ReviewState.due_on,
    ReviewState.lapses,
    ReviewState.last_reviewed_at,
    ReviewState.redrill_on,
)

KINDS = tuple(ReviewKind)


def _answered_as(kind: ReviewKind) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(ReviewLog.user_id == _USER, ReviewLog.reviewed_on == _TODAY, ReviewLog.kind == kind)
        .scalar_subquery()
    )


# Today's answers of each kind: three ranges of the log's day index, counted without grouping.
DONE_TODAY = Prepared(select(*(_answered_as(kind) for kind in KINDS)))
PREFERRED = Prepared(select(ReviewState.id).where(ReviewState.id == _STATE, active_of(_USER)))
# Today's answers and the first due review and new card, in one statement. Reviews come
# oldest due first, in the queue index's own order (user, due date, card), so each pick reads
# one index entry however many cards are due.
CANDIDATES = Prepared(
    select(
        *(_answered_as(kind) for kind in KINDS),
        select(ReviewState.id)
        .where(review_due_of(_USER, _TODAY))
        .order_by(ReviewState.due_on, ReviewState.card_id)
        .limit(1)
        .scalar_subquery(),
        select(ReviewState.id)
        .where(new_cards_of(_USER))
        .order_by(ReviewState.card_id)
        .limit(1)
        .scalar_subquery(),
    )
)
# Re-drills come last, in the order they were failed: sorting them reads every one, so this
# runs only when nothing else is left.
FIRST_REDRILL = Prepared(
    select(ReviewState.id)
    .where(redrills_of(_USER, _TODAY))
    .order_by(ReviewState.last_reviewed_at, ReviewState.id)
    .limit(1)
)


def _bounded(condition: ColumnElement[bool], cap: str) -> ScalarSelect[int]:
    rows: Select[Any] = (
        select(literal_column("1")).where(condition).limit(bindparam(cap, type_=Integer))
    )
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


# Cards left today, each kind counted only as far as the daily limit (and COUNT_CAP) reach.
LEFT = Prepared(
    select(
        _bounded(review_due_of(_USER, _TODAY), "review_cap"),
        _bounded(new_cards_of(_USER), "new_cap"),
        _bounded(redrills_of(_USER, _TODAY), "redrill_cap"),
    )
)
# The state with its card, paper and the card's texts: one row per language.
ITEM = Prepared(
    select(
        *STATE_COLUMNS,
        Card.kind,
        Card.lang,
        Paper.id,
        Paper.title,
        Paper.url,
        Paper.arxiv_id,
        CardText.lang,
        CardText.front,
        CardText.back,
        CardText.source_sentence,
    )
    .join(Card, Card.id == ReviewState.card_id)
    .join(Paper, Paper.id == Card.paper_id)
    .join(CardText, CardText.card_id == Card.id)
    .where(ReviewState.id == _STATE)
)
TOPICS = Prepared(
    select(Topic.name_en, Topic.name_ko)
    .join(PaperTopic, PaperTopic.topic_id == Topic.id)
    .where(PaperTopic.paper_id == bindparam("paper_id"))
    .order_by(Topic.slug)
)
STATE_FOR_ANSWER = Prepared(
    select(*STATE_COLUMNS)
    .where(ReviewState.id == _STATE, ReviewState.user_id == _USER)
    .with_for_update()
)
_LOGGED = (
    "user_id",
    "card_id",
    "reviewed_at",
    "reviewed_on",
    "grade",
    "kind",
    "repetitions_before",
    "ease_before",
    "interval_before",
    "due_before",
    "lapses_before",
    "last_reviewed_before",
    "redrill_before",
    "repetitions_after",
    "ease_after",
    "interval_after",
    "due_after",
    "duration_ms",
)
INSERT_LOG = Prepared(insert(ReviewLog).returning(ReviewLog.id), columns=_LOGGED)
_SCHEDULED = (
    "repetitions",
    "ease",
    "interval_days",
    "due_on",
    "redrill_on",
    "lapses",
    "last_reviewed_at",
    "version",
)
# The version check makes a write from a stale read match nothing.
UPDATE_STATE = Prepared(
    update(ReviewState).where(
        ReviewState.id == bindparam("target_id"),
        ReviewState.version == bindparam("seen_version"),
    ),
    columns=_SCHEDULED,
)
