"""What one answer does to one card: every scheduling rule of a review step, as a pure function.

:func:`answer` takes a card's schedule, a grade and the moment of the answer, and returns the
schedule after it and what kind of answer it was. It is the only place these rules live: the
review service calls it to store an answer, and the review page calls it (through
:func:`outcomes`) to label each grade button with what that grade would really do.

The rules:

* a card asked again today (graded below :data:`~studyapp.srs.sm2.REDRILL_BELOW` earlier
  today) is a *re-drill*: SM-2's same-day repeat, logged but never moving the schedule; it
  leaves today's session once graded 4 or more;
* otherwise the answer is a first sight (*learn*) or a scheduled *review*: SM-2
  (:func:`~studyapp.srs.sm2.review`) gives the next interval, due on the local date of the
  answer plus that many days (:func:`~studyapp.srs.calendar.due_on`); a grade below 4 also
  asks the card again later today; a failed review counts a lapse.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime

from studyapp.srs import sm2
from studyapp.srs.calendar import due_on, local_day

__all__ = ["AnswerKind", "CardSchedule", "Outcome", "answer", "kind_of", "outcomes"]


class AnswerKind(enum.StrEnum):
    """Why a card is asked: a first sight, a scheduled review, or a same-day re-drill. The
    values are those of the review log's kind."""

    LEARN = "learn"
    REVIEW = "review"
    REDRILL = "redrill"


@dataclass(frozen=True, slots=True)
class CardSchedule:
    """Where one card stands for one user."""

    repetitions: int
    ease: float
    interval_days: int
    #: None until the first answer: the card is new.
    due_on: date | None
    lapses: int
    last_reviewed_at: datetime | None
    #: The local date on which the card is asked again (a grade below 4 that day).
    redrill_on: date | None

    @property
    def sm2(self) -> sm2.SM2State:
        return sm2.SM2State(self.repetitions, self.ease, self.interval_days)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One answer's effect: its kind and the card's schedule after it, on the answer's day."""

    kind: AnswerKind
    after: CardSchedule
    #: The local date of the answer.
    today: date

    @property
    def again_today(self) -> bool:
        """True when the card comes back in today's session."""
        return self.after.redrill_on == self.today

    @property
    def days_until_due(self) -> int:
        """Days from the answer until the card is next due (0: today)."""
        return max(0, ((self.after.due_on or self.today) - self.today).days)


def kind_of(before: CardSchedule, today: date) -> AnswerKind:
    """What an answer given ``today`` to a card in ``before`` would be."""
    if before.redrill_on == today:
        return AnswerKind.REDRILL
    return AnswerKind.LEARN if before.last_reviewed_at is None else AnswerKind.REVIEW


def answer(before: CardSchedule, grade: int, *, now: datetime, timezone: str) -> Outcome:
    """The card's schedule after answering it with ``grade`` at ``now`` (aware) for someone
    living in ``timezone``. ``before`` is not modified; ``ValueError`` for a bad grade."""
    quality = sm2.as_grade(grade)
    today = local_day(now, timezone)
    kind = kind_of(before, today)
    if kind is AnswerKind.REDRILL:
        after = replace(
            before,
            last_reviewed_at=now,
            redrill_on=None if quality >= sm2.REDRILL_BELOW else today,
        )
        return Outcome(kind, after, today)
    scheduled = sm2.review(before.sm2, quality)
    after = CardSchedule(
        repetitions=scheduled.repetitions,
        ease=scheduled.ease,
        interval_days=scheduled.interval_days,
        due_on=due_on(now, scheduled.interval_days, timezone),
        lapses=before.lapses + (not quality.passed and kind is AnswerKind.REVIEW),
        last_reviewed_at=now,
        redrill_on=today if quality < sm2.REDRILL_BELOW else None,
    )
    return Outcome(kind, after, today)


def outcomes(before: CardSchedule, *, now: datetime, timezone: str) -> dict[sm2.Grade, Outcome]:
    """What each grade would do to the card if given at ``now``: :func:`answer` for each."""
    return {grade: answer(before, grade, now=now, timezone=timezone) for grade in sm2.Grade}
