"""The scheduler seam: every scheduling rule lives in ``srs/``, behind one protocol
(:class:`~studyapp.srs.schedule.Scheduler`). Services read a card's schedule, ask
:func:`scheduler_for` the card's scheduler, and write what it returns; the review page asks
:func:`outcomes` what each grade button would do. A scheduler is a module
(:mod:`.sm2_rules`, :mod:`.fsrs_rules`) plus its button table (``web/review.py``)."""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache

from studyapp.srs.fsrs_rules import FSRSScheduler
from studyapp.srs.schedule import (
    AnswerKind,
    CardSchedule,
    Outcome,
    Scheduler,
    SchedulerName,
    Scheduling,
    kind_of,
)
from studyapp.srs.sm2_rules import SM2Scheduler

__all__ = [
    "AnswerKind",
    "CardSchedule",
    "Outcome",
    "Scheduler",
    "SchedulerName",
    "Scheduling",
    "kind_of",
    "outcomes",
    "scheduler_for",
]


@lru_cache(maxsize=256)
def scheduler_for(name: SchedulerName, scheduling: Scheduling) -> Scheduler:
    """The scheduler called ``name``, with the user's settings (``scheduling``)."""
    if name is SchedulerName.FSRS:
        return FSRSScheduler(scheduling.fsrs)
    return SM2Scheduler(maximum_interval=scheduling.maximum_interval)


def outcomes(
    before: CardSchedule, scheduling: Scheduling, *, now: datetime, timezone: str
) -> dict[int, Outcome]:
    """What each grade of the card's scheduler would do to it if given at ``now``."""
    scheduler = scheduler_for(before.scheduler, scheduling)
    return {
        grade: scheduler.answer(before, grade, now=now, timezone=timezone)
        for grade in scheduler.grades
    }
