"""The review step's SQL: every statement the step runs, built from the queue's conditions
(:mod:`.study_queue`) once at import with bound parameters (``user_id``, ``today``,
``state_id``...), so that SQLAlchemy compiles each once and finds it in its cache after.
:mod:`.review` runs them.

An answer costs three statements on PostgreSQL, none of them BEGIN or COMMIT: read the state
(:data:`STATE`), write the answer (:data:`ANSWER`: the new state and its log row in one
statement, atomic on its own) and read the next card with all that the page shows around it
(:attr:`Queue.pick`)."""

from __future__ import annotations

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
    case,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.orm import QueryableAttribute

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
from studyapp.services.study_queue import (
    active_of,
    new_cards_of,
    redrills_of,
    review_due_of,
)

_USER: BindParameter[int] = bindparam("user_id")
_TODAY: BindParameter[date] = bindparam("today")
_STATE: BindParameter[int] = bindparam("state_id")
#: The state as the step reads it (the lead may add columns: StateView takes them in order).
STATE_COLUMNS: tuple[QueryableAttribute[Any], ...] = (
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


def _bounded(condition: ColumnElement[bool]) -> ScalarSelect[int]:
    """How many rows match, counting no further than ``count_cap``."""
    cap = bindparam("count_cap", type_=Integer)
    rows: Select[Any] = select(literal_column("1")).where(condition).limit(cap)
    return select(func.count()).select_from(rows.subquery()).scalar_subquery()


def _first_rows(
    condition: ColumnElement[bool], order: tuple[QueryableAttribute[Any], ...], name: str
) -> Any:
    """The first ``count_cap`` states that match, in the queue's order, as a CTE of their ids
    and the order's columns."""
    cap = bindparam("count_cap", type_=Integer)
    return select(ReviewState.id, *order).where(condition).order_by(*order).limit(cap).cte(name)


def _first_of(rows: Any, order: tuple[str, ...]) -> ScalarSelect[int]:
    """The first state of :func:`_first_rows`, in its order."""
    return (
        select(rows.c.id).order_by(*(rows.c[column] for column in order)).limit(1)
    ).scalar_subquery()


@dataclass(frozen=True, slots=True)
class Queue:
    """The statement that picks the next card, for the whole queue or for one deck
    (``deck_id``)."""

    #: One statement: today's answers of each kind, the cards left of each kind (each count
    #: stopped at ``count_cap``), the latest answer of today, then the card picked with
    #: its paper, one row per text language and topic. No rows: the session is over.
    pick: Select[Any]


#: Where each part of a :attr:`Queue.pick` row starts.
DONE_AT = 0
LEFT_AT = DONE_AT + len(KINDS)
LAST_ANSWER_AT = LEFT_AT + 3
STATE_AT = LAST_ANSWER_AT + 1
CARD_AT = STATE_AT + len(STATE_COLUMNS)
FACE_AT = CARD_AT + 8
TOPIC_AT = FACE_AT + 4


def _queue(deck: Any) -> Queue:
    done = {kind: _answered_as(kind) for kind in KINDS}
    # Reviews come oldest due first, in the queue index's own order (user, due date, card).
    # The first ``count_cap`` of them, read once (a CTE used twice is materialized on both
    # databases) for both the count of what is left and the card picked, which is their first:
    # each row costs a check of its siblings, and the pick's rows are the count's first rows.
    due_rows = _first_rows(
        review_due_of(_USER, _TODAY, deck), (ReviewState.due_on, ReviewState.card_id), "due"
    )
    new_rows = _first_rows(new_cards_of(_USER, _TODAY, deck), (ReviewState.card_id,), "new")
    first_due = _first_of(due_rows, ("due_on", "card_id"))
    first_new = _first_of(new_rows, ("card_id",))
    # Re-drills come last, in the order they were failed: sorting them reads every one, and
    # COALESCE evaluates it only when nothing comes before (on both databases).
    first_redrill = (
        select(ReviewState.id)
        .where(redrills_of(_USER, _TODAY, deck))
        .order_by(ReviewState.last_reviewed_at, ReviewState.id)
        .limit(1)
        .scalar_subquery()
    )
    # The card asked for first (the one just undone), if it is still actionable.
    preferred = (
        select(ReviewState.id)
        .where(ReviewState.id == bindparam("prefer", type_=Integer), active_of(_USER))
        .scalar_subquery()
    )
    reviews_allowed = bindparam("reviews_per_day", type_=Integer) > done[ReviewKind.REVIEW]
    new_allowed = bindparam("new_per_day", type_=Integer) > done[ReviewKind.LEARN]
    # In a CTE, so that the subqueries are compiled apart from the joins below: nothing in
    # them may be correlated to the tables the card is read from.
    head = select(
        *(done[kind].label(f"done_{kind.value}") for kind in KINDS),
        select(func.count()).select_from(due_rows).scalar_subquery().label("left_review"),
        select(func.count()).select_from(new_rows).scalar_subquery().label("left_new"),
        _bounded(redrills_of(_USER, _TODAY, deck)).label("left_redrill"),
        # The user's latest answer of today: what the undo button names. One given under the
        # other scheduler (before a switch) cannot be taken back, so it offers no button.
        select(func.max(ReviewLog.id))
        .where(
            ReviewLog.user_id == _USER,
            ReviewLog.reviewed_on == _TODAY,
            ReviewLog.scheduler == select(User.scheduler).where(User.id == _USER).scalar_subquery(),
        )
        .scalar_subquery()
        .label("last_answer"),
        func.coalesce(
            preferred,
            case((reviews_allowed, first_due)),
            case((new_allowed, first_new)),
            first_redrill,
        ).label("state_id"),
    ).cte("head")
    pick = (
        select(
            *(head.c[f"done_{kind.value}"] for kind in KINDS),
            head.c.left_review,
            head.c.left_new,
            head.c.left_redrill,
            head.c.last_answer,
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
            Topic.slug,
            Topic.name_en,
            Topic.name_ko,
        )
        .select_from(head)
        # Outer joins: the head's row comes back whatever follows, so that "no card left" (no
        # state) and a card that cannot be shown (no text: a bug) are told apart.
        .outerjoin(ReviewState, ReviewState.id == head.c.state_id)
        .outerjoin(Card, Card.id == ReviewState.card_id)
        .outerjoin(Paper, Paper.id == Card.paper_id)
        .outerjoin(Deck, Deck.id == Paper.deck_id)
        .outerjoin(CardText, CardText.card_id == Card.id)
        # One row per text language and topic: a paper has one or two of each.
        .outerjoin(PaperTopic, PaperTopic.paper_id == Paper.id)
        .outerjoin(Topic, Topic.id == PaperTopic.topic_id)
        .order_by(CardText.lang, Topic.slug)
    )
    return Queue(pick=pick)


#: The whole queue, and one deck's (bound as ``deck_id``).
EVERYTHING = _queue(None)
ONE_DECK = _queue(bindparam("deck_id"))

# Today's answers of each kind: three ranges of the log's day index, counted without grouping.
DONE_TODAY = select(*(_answered_as(kind) for kind in KINDS))
# A deck the user studies: their own, or a library deck they added.
STUDIED_DECK = select(Deck.id, Deck.name).where(
    Deck.id == bindparam("deck_id"),
    or_(
        Deck.owned_by(_USER),
        and_(
            Deck.in_library(),
            exists().where(UserDeck.deck_id == Deck.id, UserDeck.user_id == _USER),
        ),
    ),
)
# No lock: the answer's write checks the version it was computed from (an optimistic lock).
STATE = select(*STATE_COLUMNS).where(ReviewState.id == _STATE, ReviewState.user_id == _USER)

#: What an answer changes in the state (bound by column name), and what its log row keeps
#: (bound as ``log_`` and the column name; :data:`ANSWER` takes ``card_id`` from the state).
SCHEDULED: tuple[QueryableAttribute[Any], ...] = (
    ReviewState.repetitions,
    ReviewState.ease,
    ReviewState.interval_days,
    ReviewState.due_on,
    ReviewState.redrill_on,
    ReviewState.lapses,
    ReviewState.last_reviewed_at,
    ReviewState.stability,
    ReviewState.difficulty,
    ReviewState.phase,
    ReviewState.step,
    ReviewState.due_at,
)
LOGGED: tuple[QueryableAttribute[Any], ...] = (
    ReviewLog.user_id,
    ReviewLog.card_id,
    ReviewLog.reviewed_at,
    ReviewLog.reviewed_on,
    ReviewLog.grade,
    ReviewLog.kind,
    ReviewLog.repetitions_before,
    ReviewLog.ease_before,
    ReviewLog.interval_before,
    ReviewLog.due_before,
    ReviewLog.lapses_before,
    ReviewLog.last_reviewed_before,
    ReviewLog.redrill_before,
    ReviewLog.repetitions_after,
    ReviewLog.ease_after,
    ReviewLog.interval_after,
    ReviewLog.due_after,
    ReviewLog.duration_ms,
    ReviewLog.scheduler,
    ReviewLog.memory_before,
    ReviewLog.memory_after,
)


def _bound(column: QueryableAttribute[Any], prefix: str = "") -> BindParameter[Any]:
    return bindparam(prefix + column.key, type_=column.type)


# The log row's values are bound as "log_<column>": a parameter named as a column of
# review_states (user_id, card_id) would make SQLAlchemy set that column in the update too.
_LOG = "log_"


def log_values(values: dict[str, Any]) -> dict[str, Any]:
    """The parameters of a log row's values (named by ReviewLog column) for :data:`ANSWER`
    and :data:`INSERT_LOG`."""
    return {_LOG + key: value for key, value in values.items()}


# The version check is the lock: a write computed from a state that has changed since it was
# read (a double click, a second tab) matches no row. Returns the card, for the log row.
UPDATE_STATE = (
    update(ReviewState)
    .where(ReviewState.id == _STATE, ReviewState.version == bindparam("seen_version"))
    .values(
        {**{column: _bound(column) for column in SCHEDULED}, "version": ReviewState.version + 1}
    )
    .returning(ReviewState.card_id)
)
INSERT_LOG = (
    insert(ReviewLog)
    .values({column: _bound(column, _LOG) for column in LOGGED})
    .returning(ReviewLog.id)
)


def _answer_in_one() -> Any:
    """The state's update and its log row as one statement (a data-modifying CTE), so that on
    PostgreSQL an answer is one round trip and atomic without a transaction around it: the log
    row is written from the updated row, and only if there was one."""
    updated = UPDATE_STATE.cte("updated")
    logged = select(
        *(
            updated.c.card_id if column is ReviewLog.card_id else _bound(column, _LOG)
            for column in LOGGED
        )
    )
    return (
        insert(ReviewLog)
        .from_select([column.key for column in LOGGED], logged)
        .returning(ReviewLog.id)
    )


#: Where the database has data-modifying CTEs (PostgreSQL); SQLite runs UPDATE_STATE and then
#: INSERT_LOG in one transaction.
ANSWER = _answer_in_one()
