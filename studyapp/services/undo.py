"""Taking back the user's latest answer of today: the card's state as it was before, from the
values its review log row kept (SM-2's columns, FSRS's memory), and the row deleted."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.models import ReviewLog, ReviewState
from studyapp.services.review import StudyLimits
from studyapp.srs.calendar import local_day
from studyapp.srs.schedule import StoredMemory

__all__ = ["Undone", "undo_last"]


@dataclass(frozen=True, slots=True)
class Undone:
    """What an undo did. ``state_id``: the card whose answer was taken back (``None`` when
    none was). ``stale``: the answer named is no longer the user's latest of today (it was
    undone already, by a second press or another tab, or a later answer came since), so
    nothing changed."""

    state_id: int | None
    stale: bool = False
    #: The answer was given under the other scheduler, before the user switched.
    switched: bool = False


def undo_last(session: Session, limits: StudyLimits, *, answer_id: int, now: datetime) -> Undone:
    """Take back the user's most recent answer of today, if it is still ``answer_id`` (the log
    row the undo button named): restore the card's state exactly and delete the log row.

    Naming the row makes undo idempotent, as the version makes an answer: the same press sent
    twice (a double click, a retried request, a second tab) finds its row gone, and changes
    nothing rather than taking back the answer before it. An answer given under another
    scheduler than the card's now (the user switched since) is not taken back either: the
    switch rebuilt the card's memory from the log, answer included, as Anki's does.
    """
    today = local_day(now, limits.timezone)
    with write_unit(session):
        # Locked, so that of two identical undos on PostgreSQL the second waits for the first
        # and then finds the row gone (on SQLite, BEGIN IMMEDIATE already queues them).
        log = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == limits.user_id, ReviewLog.reviewed_on == today)
            .order_by(ReviewLog.id.desc())
            .limit(1)
            .with_for_update()
        ).first()
        if log is None or log.id != answer_id:
            return Undone(state_id=None, stale=True)
        state = session.scalars(
            select(ReviewState)
            .where(ReviewState.user_id == limits.user_id, ReviewState.card_id == log.card_id)
            .execution_options(populate_existing=True)
        ).first()
        if state is None:
            # The card left the user's study since (its library deck removed): the answer
            # stays in the log as history, and there is no schedule to put back.
            return Undone(state_id=None)
        if state.scheduler != log.scheduler:
            return Undone(state_id=None, stale=True, switched=True)
        state.repetitions = log.repetitions_before
        state.ease = log.ease_before
        state.interval_days = log.interval_before
        state.due_on = log.due_before
        state.lapses = log.lapses_before
        state.last_reviewed_at = log.last_reviewed_before
        state.redrill_on = log.redrill_before
        if log.memory_before is not None:
            memory = StoredMemory.from_log(log.memory_before)
            state.stability, state.difficulty = memory.stability, memory.difficulty
            state.phase = None if memory.phase is None else int(memory.phase)
            state.step, state.due_at = memory.step, memory.due_at
        session.delete(log)
        state_id = state.id
    return Undone(state_id=state_id)
