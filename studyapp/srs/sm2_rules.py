"""SM-2's answer rules (:class:`SM2Scheduler`): what one answer does to a card that SM-2 keeps.

* a card asked again today (graded below :data:`~studyapp.srs.sm2.REDRILL_BELOW` earlier
  today) is a *re-drill*: SM-2's same-day repeat, logged but never moving the schedule; it
  leaves today's session once graded 4 or more;
* otherwise the answer is a first sight (*learn*) or a scheduled *review*: SM-2
  (:func:`~studyapp.srs.sm2.review`) gives the next interval (at most the user's maximum),
  due on the local date of the answer plus that many days
  (:func:`~studyapp.srs.calendar.due_on`); a grade below 4 also asks the card again later
  today; a failed review counts a lapse.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from studyapp.srs import sm2
from studyapp.srs.calendar import due_on, local_day
from studyapp.srs.schedule import AnswerKind, CardSchedule, Outcome, SchedulerName, kind_of

__all__ = ["SM2Scheduler"]


@dataclass(frozen=True, slots=True)
class SM2Scheduler:
    maximum_interval: int
    name: SchedulerName = SchedulerName.SM2
    grades: tuple[int, ...] = tuple(sm2.Grade)

    def check_grade(self, grade: object) -> int:
        return sm2.as_grade(grade)

    def answer(self, before: CardSchedule, grade: int, *, now: datetime, timezone: str) -> Outcome:
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
        scheduled = sm2.review(
            sm2.SM2State(before.repetitions, before.ease, before.interval_days), quality
        )
        interval = min(scheduled.interval_days, self.maximum_interval)
        after = replace(
            before,
            repetitions=scheduled.repetitions,
            ease=scheduled.ease,
            interval_days=interval,
            due_on=due_on(now, interval, timezone),
            lapses=before.lapses + (not quality.passed and kind is AnswerKind.REVIEW),
            last_reviewed_at=now,
            redrill_on=today if quality < sm2.REDRILL_BELOW else None,
        )
        return Outcome(kind, after, today)

    def retrievability(self, schedule: CardSchedule, *, now: datetime) -> float | None:
        # SM-2 models no forgetting curve: it has no estimate to give.
        return None
