"""The review step's SQL: the queue's conditions, and every statement the step runs, built
once at import as :class:`~studyapp.prepared.Prepared` statements with bound parameters
(``user_id``, ``today``, ``state_id``...). :mod:`.review` runs them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.compiler import SQLCompiler

from studyapp.models import (
    Card,
    CardText,
    Deck,
    Paper,
    PaperTopic,
    ReviewKind,
    ReviewLog,
    ReviewState,
    Topic,
    User,
    UserDeck,
)
from studyapp.prepared import Prepared


def active_of(user: Any) -> ColumnElement[bool]:
    return and_(ReviewState.user_id == user, ReviewState.suspended.is_(False))


def in_deck_of(deck: Any) -> ColumnElement[bool]:
    """The state's card is in ``deck``."""
    return ReviewState.card_id.in_(
        select(Card.id).join(Paper, Paper.id == Card.paper_id).where(Paper.deck_id == deck)
    )


def buried_of(user: Any, today: Any) -> ColumnElement[bool]:
    """The card's sibling (another card of its paper) was answered today, and the user buries
    siblings: as Anki's bury, it waits until tomorrow. Read from today's log, so undoing the
    answer un-buries it."""
    answered, sibling = aliased(Card), aliased(Card)
    return ReviewState.card_id.in_(
        select(sibling.id)
        .select_from(ReviewLog)
        .join(answered, answered.id == ReviewLog.card_id)
        .join(sibling, and_(sibling.paper_id == answered.paper_id, sibling.id != answered.id))
        .join(User, User.id == ReviewLog.user_id)
        .where(
            ReviewLog.user_id == user,
            ReviewLog.reviewed_on == today,
            User.bury_siblings.is_(True),
        )
    )


class _Unindexed(ColumnElement[Any]):
    """A column no index may serve: SQLite's unary ``+`` (a no-op on any value), plain
    elsewhere. Without statistics SQLite would read a sibling's state by its due date, a range
    over every due card, rather than by its (user, card) key."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        self.column = column.__clause_element__()
        self.type = column.type


@compiles(_Unindexed)
def _plain(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.column, **kw)


@compiles(_Unindexed, "sqlite")
def _unary_plus(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.column, **kw)


def _sibling_first(
    ahead: Callable[[ColumnElement[Any], QueryableAttribute[int]], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """A sibling of the state's card comes first in today's queue (``ahead`` says when), and the
    user buries siblings: the card waits, since answering the sibling will bury it. So a paper
    offers one card a day, and the counts of what is left are what the queue will serve."""
    own, sibling = aliased(Card), aliased(Card)
    other = aliased(ReviewState)
    # Written from the card outwards (its paper, the paper's other cards, their states by the
    # (user, card) key) so that each check is a few index lookups: as one flat join the planner
    # may read the sibling's states through the due-date index, every due card for every row.
    paper = select(own.paper_id).where(own.id == ReviewState.card_id).correlate(ReviewState)
    siblings = (
        select(sibling.id)
        .where(sibling.paper_id == paper.scalar_subquery(), sibling.id != ReviewState.card_id)
        .correlate(ReviewState)
    )
    return and_(
        select(User.bury_siblings).where(User.id == ReviewState.user_id).scalar_subquery(),
        exists().where(
            other.user_id == ReviewState.user_id,
            other.card_id.in_(siblings),
            other.suspended.is_(False),
            ahead(_Unindexed(other.due_on), other.card_id),
        ),
    )


def review_due_of(user: Any, today: Any, deck: Any = None) -> ColumnElement[bool]:
    """Due reviews: oldest due first (then by card), the order the queue asks them in."""
    return and_(
        active_of(user),
        ReviewState.due_on <= today,
        or_(ReviewState.redrill_on.is_(None), ReviewState.redrill_on != today),
        *([] if deck is None else [in_deck_of(deck)]),
        ~buried_of(user, today),
        ~_sibling_first(
            lambda due_on, card_id: and_(
                due_on <= today,
                or_(
                    due_on < ReviewState.due_on,
                    and_(due_on == ReviewState.due_on, card_id < ReviewState.card_id),
                ),
            )
        ),
    )


def new_cards_of(user: Any, today: Any, deck: Any = None) -> ColumnElement[bool]:
    """New cards, in card order; one whose sibling is a due review or an earlier new card
    waits (when the user buries siblings)."""
    return and_(
        active_of(user),
        ReviewState.due_on.is_(None),
        *([] if deck is None else [in_deck_of(deck)]),
        ~buried_of(user, today),
        ~_sibling_first(
            lambda due_on, card_id: or_(
                due_on <= today,
                and_(due_on.is_(None), card_id < ReviewState.card_id),
            )
        ),
    )


def redrills_of(user: Any, today: Any, deck: Any = None) -> ColumnElement[bool]:
    """Today's re-drills: never buried, since their paper was answered today by definition."""
    return and_(
        active_of(user),
        ReviewState.redrill_on == today,
        *([] if deck is None else [in_deck_of(deck)]),
    )


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
    ReviewState.scheduler,
    ReviewState.stability,
    ReviewState.difficulty,
    ReviewState.phase,
    ReviewState.step,
    ReviewState.due_at,
)

KINDS = tuple(ReviewKind)


def _answered_as(kind: ReviewKind) -> ScalarSelect[int]:
    return (
        select(func.count())
        .where(ReviewLog.user_id == _USER, ReviewLog.reviewed_on == _TODAY, ReviewLog.kind == kind)
        .scalar_subquery()
    )


def _bounded(condition: ColumnElement[bool], cap: str) -> ScalarSelect[int]:
    rows: Select[Any] = (
        select(literal_column("1")).where(condition).limit(bindparam(cap, type_=Integer))
    )
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


@dataclass(frozen=True, slots=True)
class Queue:
    """The statements that pick the next card and count what is left, for the whole queue or
    for one deck (``deck_id``)."""

    #: Today's answers of each kind and the first due review and new card, in one statement.
    candidates: Prepared
    #: The first of today's re-drills.
    first_redrill: Prepared
    #: Cards left today, each kind counted only as far as the daily limit (and the cap) reach.
    left: Prepared


def _queue(deck: Any) -> Queue:
    # Reviews come oldest due first, in the queue index's own order (user, due date, card),
    # so each pick reads one index entry however many cards are due.
    first_due = (
        select(ReviewState.id)
        .where(review_due_of(_USER, _TODAY, deck))
        .order_by(ReviewState.due_on, ReviewState.card_id)
        .limit(1)
        .scalar_subquery()
    )
    first_new = (
        select(ReviewState.id)
        .where(new_cards_of(_USER, _TODAY, deck))
        .order_by(ReviewState.card_id)
        .limit(1)
        .scalar_subquery()
    )
    return Queue(
        candidates=Prepared(select(*(_answered_as(kind) for kind in KINDS), first_due, first_new)),
        # Re-drills come last, in the order they were failed: sorting them reads every one, so
        # this runs only when nothing else is left.
        first_redrill=Prepared(
            select(ReviewState.id)
            .where(redrills_of(_USER, _TODAY, deck))
            .order_by(ReviewState.last_reviewed_at, ReviewState.id)
            .limit(1)
        ),
        left=Prepared(
            select(
                _bounded(review_due_of(_USER, _TODAY, deck), "review_cap"),
                _bounded(new_cards_of(_USER, _TODAY, deck), "new_cap"),
                _bounded(redrills_of(_USER, _TODAY, deck), "redrill_cap"),
            )
        ),
    )


#: The whole queue, and one deck's (bound as ``deck_id``).
EVERYTHING = _queue(None)
ONE_DECK = _queue(bindparam("deck_id"))
CANDIDATES, FIRST_REDRILL, LEFT = EVERYTHING.candidates, EVERYTHING.first_redrill, EVERYTHING.left

# Today's answers of each kind: three ranges of the log's day index, counted without grouping.
DONE_TODAY = Prepared(select(*(_answered_as(kind) for kind in KINDS)))
# The user's latest answer of today: what the undo button names (a range of the log's day index).
LAST_ANSWER = Prepared(
    select(func.max(ReviewLog.id)).where(
        ReviewLog.user_id == _USER, ReviewLog.reviewed_on == _TODAY
    )
)
PREFERRED = Prepared(select(ReviewState.id).where(ReviewState.id == _STATE, active_of(_USER)))
# A deck the user studies: their own, or a library deck they added.
STUDIED_DECK = Prepared(
    select(Deck.id, Deck.name).where(
        Deck.id == bindparam("deck_id"),
        or_(
            Deck.owned_by(_USER),
            and_(
                Deck.in_library(),
                exists().where(UserDeck.deck_id == Deck.id, UserDeck.user_id == _USER),
            ),
        ),
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
        Paper.deck_id,
        Deck.owner_id,
        CardText.lang,
        CardText.front,
        CardText.back,
        CardText.source_sentence,
    )
    .join(Card, Card.id == ReviewState.card_id)
    .join(Paper, Paper.id == Card.paper_id)
    .join(Deck, Deck.id == Paper.deck_id)
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
    "scheduler",
    "memory_before",
    "memory_after",
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
    "stability",
    "difficulty",
    "phase",
    "step",
    "due_at",
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
