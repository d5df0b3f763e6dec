"""A user's scheduler and its settings: choosing SM-2 or FSRS, FSRS's desired retention, the
longest interval, and FSRS's parameters. Switching loses nothing:

* SM-2 → FSRS builds each card's memory from its review log, as Anki does (the log replayed
  through FSRS, SM-2's grades read as FSRS's ratings), or, when the log does not reach back to
  the card's first sight (progress brought from elsewhere), from its ease and interval; new
  cards stay new;
* FSRS → SM-2 finds SM-2's memory where SM-2 would have it (FSRS's answers keep it up to date,
  see :mod:`studyapp.srs.fsrs_rules`).

Due dates stay as they are either way: the next answer is the new scheduler's. One write unit:
every card switches, or none does. Each card's version moves on, so a grade given on a page
shown before the switch (with the other scheduler's buttons) changes nothing.
"""

from __future__ import annotations

import enum
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.models import ReviewLog, ReviewState, User
from studyapp.services.errors import ServiceError
from studyapp.srs import fsrs
from studyapp.srs.schedule import AnswerKind, SchedulerName, Scheduling

__all__ = [
    "IntervalOutOfRange",
    "RetentionOutOfRange",
    "SchedulingChange",
    "Switched",
    "update_scheduling",
]

MAX_INTERVAL_LIMIT = fsrs.MAXIMUM_INTERVAL
#: Up to this many cards, a rebuild reads only their answers rather than the whole log.
_FEW = 500


class RetentionOutOfRange(ServiceError):
    """The desired retention lies outside what FSRS is meant for."""

    status = 400


class IntervalOutOfRange(ServiceError):
    """The maximum interval is not a whole number of days from 1 to 36,500."""

    status = 400


@dataclass(frozen=True, slots=True)
class SchedulingChange:
    """What the user asks for on the scheduling settings."""

    scheduler: SchedulerName
    desired_retention: float
    maximum_interval: int


@dataclass(frozen=True, slots=True)
class Switched:
    """What saving did: the scheduler before and after, and for a switch to FSRS, how each
    card's memory was built."""

    before: SchedulerName
    after: SchedulerName
    #: Cards whose memory FSRS rebuilt from their whole review log.
    replayed: int = 0
    #: Cards whose log begins after their first sight: memory from their ease and interval.
    from_ease: int = 0
    #: Cards never answered: FSRS starts them new.
    new: int = 0

    @property
    def switched(self) -> bool:
        return self.before is not self.after


def update_scheduling(session: Session, user_id: int, change: SchedulingChange) -> Switched:
    """Save the user's scheduling settings, switching every card of theirs to the chosen
    scheduler when it changes. Raises :class:`RetentionOutOfRange`,
    :class:`IntervalOutOfRange` before writing anything."""
    if not fsrs.MIN_RETENTION <= change.desired_retention <= fsrs.MAX_RETENTION:
        raise RetentionOutOfRange()
    if not 1 <= change.maximum_interval <= MAX_INTERVAL_LIMIT:
        raise IntervalOutOfRange()
    rebuilt: dict[int, _Rebuilt] = {}
    if change.scheduler is SchedulerName.FSRS:
        # Replaying a long log is the slow part (seconds for 100,000 answers): it runs before
        # the write unit, which then only stores the memories and rebuilds the few cards
        # answered meanwhile.
        with session.begin():
            user = session.get_one(User, user_id)
            if user.scheduler is not SchedulerName.FSRS:
                rebuilt = _rebuild(session, user_id, _scheduling(user, change))
    with write_unit(session):
        # populate_existing: the read above left a copy of the user in the session, which may
        # be stale by now (another tab saved meanwhile).
        user = session.scalars(
            select(User)
            .where(User.id == user_id)
            .with_for_update()
            .execution_options(populate_existing=True)
        ).one()
        before = user.scheduler
        settings = _scheduling(user, change)
        user.desired_retention = change.desired_retention
        user.maximum_interval = change.maximum_interval
        user.scheduler = change.scheduler
        switched = Switched(before=before, after=change.scheduler)
        if before is not change.scheduler:
            if change.scheduler is SchedulerName.FSRS:
                _write(session, rebuilt.values())
                # Cards answered (or added) since the replay kept their old version, so the
                # write above passed them by: they are locked (an answer to one now waits, then
                # finds its version gone) and rebuilt again.
                rebuilt.update(_rebuild(session, user_id, settings, lock=True))
                _write(session, rebuilt.values(), only_left=True)
                switched = _counted(before, rebuilt.values())
            else:
                _to_sm2(session, user_id)
        session.flush()
    return switched


def _scheduling(user: User, change: SchedulingChange) -> Scheduling:
    parameters = user.fsrs_parameters
    return Scheduling(
        name=change.scheduler,
        desired_retention=change.desired_retention,
        maximum_interval=change.maximum_interval,
        fsrs_parameters=None if parameters is None else tuple(parameters),
    )


def _rating(scheduler: SchedulerName, grade: int) -> fsrs.Rating:
    """A logged grade as FSRS's rating: SM-2's six grades as Anki reads them (0-2 Again,
    3 Hard, 4 Good, 5 Easy), FSRS's own as they are."""
    if scheduler is SchedulerName.FSRS:
        return fsrs.Rating(grade)
    return fsrs.from_sm2_grade(grade)


class _How(enum.Enum):
    """How a card's FSRS memory was built."""

    REPLAYED = "replayed"  # from its whole review log
    FROM_EASE = "from_ease"  # from SM-2's ease and interval: the log begins later
    NEW = "new"  # never answered: no memory


@dataclass(frozen=True, slots=True)
class _Rebuilt:
    """One card's FSRS memory, built from the state at ``version``, and how."""

    state_id: int
    version: int
    memory: fsrs.FSRSState | None
    how: _How


def _rebuild(
    session: Session, user_id: int, settings: Scheduling, *, lock: bool = False
) -> dict[int, _Rebuilt]:
    """FSRS's memory of each of the user's cards that FSRS does not keep yet (with ``lock``,
    those states locked until the transaction ends)."""
    chosen = select(
        ReviewState.id,
        ReviewState.version,
        ReviewState.card_id,
        ReviewState.ease,
        ReviewState.interval_days,
        ReviewState.last_reviewed_at,
    ).where(ReviewState.user_id == user_id, ReviewState.scheduler != SchedulerName.FSRS)
    states = session.execute(chosen.with_for_update() if lock else chosen).all()
    if not states:
        return {}
    only = [card_id for _id, _version, card_id, *_rest in states]
    histories: dict[int, list[tuple[datetime, fsrs.Rating]]] = defaultdict(list)
    first_kind: dict[int, AnswerKind] = {}
    logged = session.execute(
        select(
            ReviewLog.card_id,
            ReviewLog.reviewed_at,
            ReviewLog.grade,
            ReviewLog.kind,
            ReviewLog.scheduler,
        )
        .where(
            ReviewLog.user_id == user_id,
            # The few cards left for a second pass read their own answers only.
            *([ReviewLog.card_id.in_(only)] if len(only) <= _FEW else []),
        )
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
    )
    for card_id, reviewed_at, grade, kind, scheduler in logged:
        first_kind.setdefault(card_id, kind)
        histories[card_id].append((reviewed_at, _rating(scheduler, grade)))
    rebuilt: dict[int, _Rebuilt] = {}
    for state_id, version, card_id, ease, interval_days, last_reviewed_at in states:
        if first_kind.get(card_id) is AnswerKind.LEARN:
            memory = fsrs.replay(histories[card_id], settings=settings.fsrs)
            how = _How.REPLAYED
        elif last_reviewed_at is not None:
            memory = fsrs.from_sm2(
                ease=ease,
                interval_days=max(1, interval_days),
                last_review=last_reviewed_at,
                settings=settings.fsrs,
            )
            how = _How.FROM_EASE
        else:
            memory, how = None, _How.NEW
        rebuilt[state_id] = _Rebuilt(state_id, version, memory, how)
    return rebuilt


def _counted(before: SchedulerName, rebuilt: Iterable[_Rebuilt]) -> Switched:
    hows = Counter(card.how for card in rebuilt)
    return Switched(
        before,
        SchedulerName.FSRS,
        replayed=hows[_How.REPLAYED],
        from_ease=hows[_How.FROM_EASE],
        new=hows[_How.NEW],
    )


def _write(session: Session, rebuilt: Iterable[_Rebuilt], *, only_left: bool = False) -> None:
    """Store the memories, each only on the version it was built from (and, with
    ``only_left``, only on a card FSRS does not keep yet)."""
    rows = [
        {
            "target": card.state_id,
            "seen": card.version,
            "stability": None if card.memory is None else card.memory.stability,
            "difficulty": None if card.memory is None else card.memory.difficulty,
            "phase": None if card.memory is None else int(card.memory.phase),
            "step": None if card.memory is None else card.memory.step,
            "due_at": None if card.memory is None else card.memory.due,
        }
        for card in rebuilt
    ]
    if not rows:
        return
    table = ReviewState.__table__
    assert isinstance(table, Table)
    conditions = [table.c.id == bindparam("target"), table.c.version == bindparam("seen")]
    if only_left:
        conditions.append(table.c.scheduler != SchedulerName.FSRS)
    # Core's executemany: one statement, a row of values per card.
    session.connection().execute(
        update(table)
        .where(*conditions)
        .values(
            scheduler=SchedulerName.FSRS,
            stability=bindparam("stability"),
            difficulty=bindparam("difficulty"),
            phase=bindparam("phase"),
            step=bindparam("step"),
            due_at=bindparam("due_at"),
            version=table.c.version + 1,
        ),
        rows,
    )


def _to_sm2(session: Session, user_id: int) -> None:
    # SM-2's memory is up to date (FSRS's answers keep it), and FSRS's stays in its columns
    # for a switch back; only who keeps the card changes.
    session.execute(
        update(ReviewState)
        .where(ReviewState.user_id == user_id, ReviewState.scheduler != SchedulerName.SM2)
        .values(scheduler=SchedulerName.SM2, version=ReviewState.version + 1)
        .execution_options(synchronize_session=False)
    )
