"""Which cards today's review queue holds, as SQL conditions over a user's review states: the
active cards, the reviews due, the new cards and today's re-drills, each limited to one deck
when asked, with siblings buried as in Anki; and the daily limits they are counted against.
The review step's statements (:mod:`.review_sql`) are built from them over bound parameters;
Today's counts (:mod:`.progress`) over values."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, ScalarSelect, and_, exists, or_, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from studyapp.models import Card, Paper, ReviewKind, ReviewLog, ReviewState, User
from studyapp.srs import scheduler

__all__ = [
    "StudyLimits",
    "active",
    "active_of",
    "allowance",
    "buried_of",
    "in_deck_of",
    "new_cards",
    "new_cards_of",
    "redrills",
    "redrills_of",
    "review_due",
    "review_due_of",
]


@dataclass(frozen=True, slots=True)
class StudyLimits:
    """Who is studying, where, and how much per day."""

    user_id: int
    timezone: str
    new_per_day: int
    reviews_per_day: int
    #: The user's scheduler and FSRS's settings.
    scheduling: scheduler.Scheduling = scheduler.Scheduling()


def allowance(limits: StudyLimits, done: dict[ReviewKind, int]) -> tuple[int, int]:
    """How many more reviews and new cards today's limits allow."""
    reviews_left = max(0, limits.reviews_per_day - done.get(ReviewKind.REVIEW, 0))
    new_left = max(0, limits.new_per_day - done.get(ReviewKind.LEARN, 0))
    return reviews_left, new_left


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


class _Unindexed(FunctionElement[Any]):
    """A column no index may serve: SQLite's unary ``+`` (a no-op on any value), plain
    elsewhere. Without statistics SQLite would read a sibling's state by its due date, a range
    over every due card, rather than by its (user, card) key.

    A function element, as SQLAlchemy's guide to custom constructs has them, so that its one
    argument is part of the statement's cache key: a construct without a cache key makes
    every statement that holds it compile again on each run."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any] | QueryableAttribute[Any]) -> None:
        super().__init__(column)
        # Compared with this, a bound date is processed as a date (ISO text on SQLite).
        self.type = column.type


@compiles(_Unindexed)
def _plain(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return compiler.process(element.clauses, **kw)


@compiles(_Unindexed, "sqlite")
def _unary_plus(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return "+" + compiler.process(element.clauses, **kw)


def _burying(user: Any) -> ScalarSelect[bool]:
    """The user buries siblings: read once per statement (nothing in it refers to the row), so
    that with burying off the checks that need it are skipped for every row."""
    return select(User.bury_siblings).where(User.id == user).scalar_subquery()


def _sibling_first(
    user: Any,
    ahead: Callable[[ColumnElement[Any], QueryableAttribute[int]], ColumnElement[bool]],
) -> ColumnElement[bool]:
    """A sibling of the state's card comes first in today's queue (``ahead`` says when), and the
    user buries siblings: the card waits, since answering the sibling will bury it. So a paper
    offers one card a day, and the counts of what is left are what the queue will serve."""
    own, sibling = aliased(Card), aliased(Card)
    other = aliased(ReviewState)
    # Written from the card outwards (its paper, the paper's other cards, each one's state by
    # the (user, card) key) so that each check is a few index lookups: as one flat join the
    # planner may read the siblings' states through the due-date index, every due card for
    # every row. Nested EXISTS rather than ``card_id IN (siblings)``: a correlated IN list is
    # built into a temporary table for every row.
    paper = select(own.paper_id).where(own.id == ReviewState.card_id).correlate(ReviewState)
    sibling_ahead = (
        exists()
        .where(
            other.user_id == user,
            other.card_id == sibling.id,
            other.suspended.is_(False),
            ahead(_Unindexed(other.due_on), other.card_id),
        )
        .correlate(ReviewState, sibling)
    )
    return and_(
        _burying(user),
        exists()
        .where(
            sibling.paper_id == paper.scalar_subquery(),
            sibling.id != ReviewState.card_id,
            sibling_ahead,
        )
        .correlate(ReviewState),
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
            user,
            lambda due_on, card_id: and_(
                due_on <= today,
                or_(
                    due_on < ReviewState.due_on,
                    and_(due_on == ReviewState.due_on, card_id < ReviewState.card_id),
                ),
            ),
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
            user,
            lambda due_on, card_id: or_(
                due_on <= today,
                and_(due_on.is_(None), card_id < ReviewState.card_id),
            ),
        ),
    )


def redrills_of(user: Any, today: Any, deck: Any = None) -> ColumnElement[bool]:
    """Today's re-drills: never buried, since their paper was answered today by definition."""
    return and_(
        active_of(user),
        ReviewState.redrill_on == today,
        *([] if deck is None else [in_deck_of(deck)]),
    )


# The same conditions for one user's limits, over values.
def active(limits: StudyLimits) -> ColumnElement[bool]:
    return active_of(limits.user_id)


def review_due(limits: StudyLimits, today: date, deck_id: int | None = None) -> ColumnElement[bool]:
    return review_due_of(limits.user_id, today, deck_id)


def new_cards(limits: StudyLimits, today: date, deck_id: int | None = None) -> ColumnElement[bool]:
    return new_cards_of(limits.user_id, today, deck_id)


def redrills(limits: StudyLimits, today: date, deck_id: int | None = None) -> ColumnElement[bool]:
    return redrills_of(limits.user_id, today, deck_id)
