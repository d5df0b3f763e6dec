"""What FSRS knows of a card, as the library shows it: the chance of recalling it now, how long
its memory lasts (stability, in days) and how hard it is (difficulty, 1 to 10)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from studyapp.models import ReviewState
from studyapp.services.review_items import schedule_of
from studyapp.srs.scheduler import SchedulerName, Scheduling, scheduler_for

__all__ = ["CardMemory", "memories_of", "memory_of"]


@dataclass(frozen=True, slots=True)
class CardMemory:
    """FSRS's memory of one card."""

    #: The chance of recalling the card now, from 0 to 1.
    recall: float
    #: Days until the chance of recall falls to 90 %.
    stability: float
    #: From 1 (easy) to 10 (hard).
    difficulty: float


def memory_of(state: ReviewState, scheduling: Scheduling, *, now: datetime) -> CardMemory | None:
    """FSRS's memory of the card at ``now``; ``None`` when SM-2 keeps it or FSRS has not
    seen it answered yet."""
    if state.scheduler is not SchedulerName.FSRS:
        return None
    schedule = schedule_of(state)
    recall = scheduler_for(schedule.scheduler, scheduling).retrievability(schedule, now=now)
    if recall is None or state.stability is None or state.difficulty is None:
        return None
    return CardMemory(recall=recall, stability=state.stability, difficulty=state.difficulty)


def memories_of(
    states: Iterable[ReviewState | None], scheduling: Scheduling, *, now: datetime
) -> dict[int, CardMemory]:
    """FSRS's memory of each card FSRS keeps among ``states``, by card id."""
    memories = {}
    for state in states:
        memory = None if state is None else memory_of(state, scheduling, now=now)
        if state is not None and memory is not None:
            memories[state.card_id] = memory
    return memories
