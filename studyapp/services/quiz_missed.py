"""What "review the missed cards today" does after a quiz.

:func:`missed_plan` decides, and :func:`make_missed_due` carries out, which missed cards move
their due date to today: only those whose move adds them to today's queue, so the number on the
button, the number the flash reports and the growth of the home page's count are one number. A
missed card that is new, already due today, suspended, past today's review limit or — when the
user buries siblings — behind another card of its paper today stays as it is, and the results
say why.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload

from studyapp.db import write_unit
from studyapp.models import Card, Quiz, ReviewLog, ReviewState, User
from studyapp.services import progress, review
from studyapp.services.errors import NotFound
from studyapp.srs.calendar import local_day

__all__ = ["MissedPlan", "make_missed_due", "missed_plan"]


@dataclass(frozen=True, slots=True)
class MissedPlan:
    """What "review the missed cards today" does with each card a quiz missed: ``moving``
    join today's reviews; the others stay as they are, counted by why."""

    moving: tuple[int, ...] = ()
    #: Never studied yet: they come as new cards.
    new: int = 0
    #: Already in today's queue: due today or earlier, or to be asked again today.
    in_queue: int = 0
    suspended: int = 0
    #: Behind another card of their paper today (answered today, due today, new, or another
    #: missed card of it), when the user buries siblings: a paper gives one card a day.
    waiting: int = 0
    #: Past today's review limit.
    over_limit: int = 0
    #: No longer in the user's decks.
    not_studied: int = 0
    #: The quiz's missed cards were already made due today.
    done: bool = False

    @property
    def count(self) -> int:
        return len(self.moving)

    @property
    def staying(self) -> int:
        return (
            self.new
            + self.in_queue
            + self.suspended
            + self.waiting
            + self.over_limit
            + self.not_studied
        )


def _limits(session: Session, user_id: int) -> tuple[review.StudyLimits, bool]:
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise NotFound(user_id)
        limits = review.StudyLimits(
            user_id=user.id,
            timezone=user.timezone,
            new_per_day=user.new_cards_per_day,
            reviews_per_day=user.reviews_per_day,
        )
        return limits, user.bury_siblings


def _room(session: Session, limits: review.StudyLimits, now: datetime) -> int:
    """How many more reviews today's limit lets into today's queue."""
    today = local_day(now, limits.timezone)
    with session.begin():
        reviews_left, _ = review.allowance(limits, review.done_today(session, limits, today))
    return max(0, reviews_left - progress.overview(session, limits, now=now).reviews_due)


def _plan(
    session: Session,
    quiz: Quiz,
    limits: review.StudyLimits,
    *,
    bury_siblings: bool,
    today: date,
    room: int,
) -> MissedPlan:
    """The plan for ``quiz``'s missed cards, read in the caller's transaction."""
    missed = sorted({q.card_id for q in quiz.questions if q.correct is False})
    if quiz.missed_due_at is not None:
        return MissedPlan(done=True)
    if not missed:
        return MissedPlan()
    states = {
        s.card_id: s
        for s in session.scalars(
            select(ReviewState).where(
                ReviewState.user_id == limits.user_id, ReviewState.card_id.in_(missed)
            )
        )
    }
    counts = dict.fromkeys(("new", "in_queue", "suspended", "not_studied"), 0)
    candidates: list[int] = []
    for card_id in missed:
        state = states.get(card_id)
        if state is None:
            counts["not_studied"] += 1
        elif state.suspended:
            counts["suspended"] += 1
        elif state.due_on is None:
            counts["new"] += 1
        elif state.due_on <= today or state.redrill_on == today:
            counts["in_queue"] += 1
        else:
            candidates.append(card_id)
    waiting = 0
    if bury_siblings and candidates:
        candidates, waiting = _first_of_their_papers(session, limits.user_id, candidates, today)
    moving = candidates[:room]
    return MissedPlan(
        moving=tuple(moving),
        new=counts["new"],
        in_queue=counts["in_queue"],
        suspended=counts["suspended"],
        waiting=waiting,
        over_limit=len(candidates) - len(moving),
        not_studied=counts["not_studied"],
    )


def _first_of_their_papers(
    session: Session, user_id: int, cards: list[int], today: date
) -> tuple[list[int], int]:
    """``cards`` that would be their paper's one card today if made due today: no other card
    of the paper answered today, due, new or to be asked again today, and the first of the
    paper's ``cards``. Returns them and how many wait behind another."""
    papers: dict[int, int] = {
        card_id: paper_id
        for card_id, paper_id in session.execute(
            select(Card.id, Card.paper_id).where(Card.id.in_(cards))
        )
    }
    siblings = select(Card.id).where(Card.paper_id.in_(set(papers.values())))
    answered = set(
        session.scalars(
            select(Card.paper_id)
            .join(ReviewLog, ReviewLog.card_id == Card.id)
            .where(
                ReviewLog.user_id == user_id,
                ReviewLog.reviewed_on == today,
                Card.id.in_(siblings),
            )
        )
    )
    ahead = set(
        session.scalars(
            select(Card.paper_id)
            .join(ReviewState, ReviewState.card_id == Card.id)
            .where(
                ReviewState.user_id == user_id,
                ReviewState.suspended.is_(False),
                Card.id.in_(siblings),
                Card.id.not_in(cards),
                (ReviewState.due_on.is_(None))
                | (ReviewState.due_on <= today)
                | (ReviewState.redrill_on == today),
            )
        )
    )
    first: list[int] = []
    taken: set[int] = set()
    for card_id in cards:  # in card order, as the queue asks cards due the same day
        paper_id = papers[card_id]
        if paper_id in answered or paper_id in ahead or paper_id in taken:
            continue
        taken.add(paper_id)
        first.append(card_id)
    return first, len(cards) - len(first)


def missed_plan(session: Session, user_id: int, quiz_id: int, *, now: datetime) -> MissedPlan:
    """What "review the missed cards today" would do now (see :class:`MissedPlan`). Raises
    ``NotFound`` for another user's quiz."""
    limits, bury_siblings = _limits(session, user_id)
    room = _room(session, limits, now)
    with session.begin():
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions))
        ).one_or_none()
        if quiz is None:
            raise NotFound(quiz_id)
        today = local_day(now, limits.timezone)
        return _plan(session, quiz, limits, bury_siblings=bury_siblings, today=today, room=room)


def make_missed_due(
    session: Session,
    user_id: int,
    quiz_id: int,
    *,
    now: datetime,
    timezone: str | None = None,
) -> int:
    """Make the cards missed in a quiz due today, without touching ease, interval or
    repetitions; once per quiz. Only cards that join today's queue move (see
    :func:`missed_plan`): returns how many, which is how much today's count grows.
    ``timezone`` overrides the user's own for what "today" is."""
    limits, bury_siblings = _limits(session, user_id)
    if timezone is not None:
        limits = replace(limits, timezone=timezone)
    room = _room(session, limits, now)
    today = local_day(now, limits.timezone)
    with write_unit(session):
        quiz = session.scalars(
            select(Quiz)
            .where(Quiz.id == quiz_id, Quiz.user_id == user_id)
            .options(selectinload(Quiz.questions))
            .with_for_update()
        ).one_or_none()
        if quiz is None:
            raise NotFound(quiz_id)
        plan = _plan(session, quiz, limits, bury_siblings=bury_siblings, today=today, room=room)
        if plan.done:
            return 0
        quiz.missed_due_at = now
        if plan.moving:
            session.execute(
                update(ReviewState)
                .where(
                    ReviewState.user_id == user_id,
                    ReviewState.card_id.in_(plan.moving),
                    ReviewState.due_on > today,
                )
                .values(due_on=today)
            )
        return plan.count
