"""FSRS's answer rules (:class:`FSRSScheduler`): what one answer does to a card FSRS keeps.

Every answer, same-day steps included, goes through FSRS (:func:`~studyapp.srs.fsrs.review`),
which keeps the card's stability and difficulty. Where the result lands in our day-based queue:

* a card in a learning or relearning step due later today is a *re-drill* today: it comes back
  after the day's other cards, as SM-2's re-drills do (Anki would show it once its minutes
  have passed);
* a card in review is due on the local date of the answer plus FSRS's interval
  (:func:`~studyapp.srs.calendar.due_on`), so daylight-saving shifts never move it a day;
* Again on a card in review counts a lapse.

SM-2's memory (repetitions, ease) follows along, from the answers it would have counted (the
rating as SM-2's grade, re-drills left out), so that switching back to SM-2 finds each card
where SM-2 would have it; the interval and due date are FSRS's, shared, as in Anki.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from studyapp.srs import fsrs, sm2
from studyapp.srs.calendar import due_on, local_day
from studyapp.srs.schedule import AnswerKind, CardSchedule, Outcome, SchedulerName, kind_of

__all__ = ["SM2_GRADE", "FSRSScheduler"]

#: Each FSRS rating as SM-2's grade: the grades of SM-2's own four-button layout.
SM2_GRADE = {
    fsrs.Rating.AGAIN: sm2.Grade.WRONG_FAMILIAR,
    fsrs.Rating.HARD: sm2.Grade.HARD,
    fsrs.Rating.GOOD: sm2.Grade.HESITANT,
    fsrs.Rating.EASY: sm2.Grade.PERFECT,
}


@dataclass(frozen=True, slots=True)
class FSRSScheduler:
    settings: fsrs.FSRSSettings
    name: SchedulerName = SchedulerName.FSRS
    grades: tuple[int, ...] = tuple(fsrs.Rating)

    def check_grade(self, grade: object) -> int:
        return fsrs.as_rating(grade)

    def answer(self, before: CardSchedule, grade: int, *, now: datetime, timezone: str) -> Outcome:
        rating = fsrs.as_rating(grade)
        today = local_day(now, timezone)
        kind = kind_of(before, today)
        memory = before.fsrs_memory(now=now)
        after = fsrs.review(memory, rating, now=now, settings=self.settings)
        if after.phase is fsrs.Phase.REVIEW:
            interval = fsrs.interval_days(after, now=now)
            due, redrill = due_on(now, interval, timezone), None
        else:
            interval, due = 0, local_day(after.due, timezone)
            redrill = today if due <= today else None
        lapsed = rating is fsrs.Rating.AGAIN and memory.phase is fsrs.Phase.REVIEW
        repetitions, ease = before.repetitions, before.ease
        if kind is not AnswerKind.REDRILL:
            kept = sm2.review(
                sm2.SM2State(repetitions, ease, before.interval_days), SM2_GRADE[rating]
            )
            repetitions, ease = kept.repetitions, kept.ease
        schedule = replace(
            before,
            repetitions=repetitions,
            ease=ease,
            interval_days=interval,
            due_on=due,
            lapses=before.lapses + lapsed,
            last_reviewed_at=now,
            redrill_on=redrill,
            stability=after.stability,
            difficulty=after.difficulty,
            phase=after.phase,
            step=after.step,
            due_at=after.due,
        )
        return Outcome(kind, schedule, today)

    def retrievability(self, schedule: CardSchedule, *, now: datetime) -> float | None:
        if schedule.phase is None or schedule.stability is None:
            return None
        return fsrs.retrievability(schedule.fsrs_memory(now=now), now=now, settings=self.settings)
