"""A user's progress on our cards as Anki's own scheduling columns and review log.

Pure: nothing here reads the app's database. :class:`CardProgress` is what one card carries to
Anki (its review state and its logged answers); :func:`anki_card` turns it into the columns of
Anki's ``cards`` row and :func:`revlog_rows` its answers into ``revlog`` rows.

How our model maps onto Anki's:

* a card never answered is new (type 0, queue 0), due at its position in the export;
* a card on a schedule in whole days is a review card (type 2, queue 2), its due date counted
  in days from the collection's creation day (Anki's ``crt``), so Anki shows the same date;
* a card in a same-day step (SM-2's re-drill today, FSRS's learning or relearning step) is in
  Anki's learning queue (queue 1, due at a moment in epoch seconds): type 1 while it has never
  reached a schedule in days, type 3 (relearning) once it has;
* a card kept by FSRS carries its stability and difficulty in the ``data`` column, rounded as
  Anki rounds them, with the user's desired retention;
* every answer becomes a ``revlog`` row: Anki's button (SM-2's 0-5 grades folded onto Again,
  Hard, Good, Easy), the interval after and before it (a same-day step as negative seconds,
  as Anki writes steps), the ease, the time taken (capped as Anki caps it) and the kind of
  answer (learning, review, relearning).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import NamedTuple

from studyapp.srs.fsrs import Phase
from studyapp.srs.schedule import AnswerKind, SchedulerName
from studyapp.srs.sm2 import INITIAL_EASE

__all__ = [
    "ANSWER_CAP_MS",
    "STEP_SECONDS",
    "AnkiCard",
    "CardProgress",
    "LoggedAnswer",
    "RevlogIds",
    "RevlogRow",
    "anki_button",
    "anki_card",
    "creation_day",
    "epoch_ms",
    "revlog_rows",
]

#: The length of a same-day step as the review log records it: our re-drills come back later
#: the same day, which Anki's default steps write as ten minutes.
STEP_SECONDS = 600
#: Anki counts at most this long per answer (its "maximum answer seconds", 60 by default).
ANSWER_CAP_MS = 60_000

# Anki's card types and queues (rslib's CardType and CardQueue).
_NEW, _LEARN, _REVIEW, _RELEARN = 0, 1, 2, 3
_QUEUE_LEARN, _QUEUE_REVIEW, _QUEUE_SUSPENDED = 1, 2, -1
# Anki's review log kinds (RevlogReviewKind).
_LOG_LEARN, _LOG_REVIEW, _LOG_RELEARN = 0, 1, 2


class LoggedAnswer(NamedTuple):
    """One answer of the review log, with what Anki's review log needs of it."""

    reviewed_at: datetime  # UTC; naive values are read as UTC
    reviewed_on: date  # the user's local date of the answer
    grade: int  # on the scale of ``scheduler``: SM-2's 0-5, FSRS's 1-4
    kind: AnswerKind
    scheduler: SchedulerName
    interval_before: int
    interval_after: int
    ease_after: float
    duration_ms: int | None
    #: The re-drill date the card had before this answer: the previous answer's outcome.
    redrill_before: date | None


@dataclass(frozen=True, slots=True)
class CardProgress:
    """One user's progress on one card: its review state and its answers, oldest first."""

    repetitions: int = 0
    ease: float = INITIAL_EASE
    interval_days: int = 0
    due_on: date | None = None
    lapses: int = 0
    last_reviewed_at: datetime | None = None
    redrill_on: date | None = None
    suspended: bool = False
    scheduler: SchedulerName = SchedulerName.SM2
    stability: float | None = None
    difficulty: float | None = None
    phase: int | None = None
    due_at: datetime | None = None
    #: The retention FSRS schedules for (the user's setting), written beside its memory.
    desired_retention: float = 0.9
    log: tuple[LoggedAnswer, ...] = field(default=())

    @property
    def is_new(self) -> bool:
        return self.last_reviewed_at is None


class AnkiCard(NamedTuple):
    """The scheduling columns of one Anki ``cards`` row."""

    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    data: str


class RevlogIds:
    """The revlog ids given out in one package. An id is the answer's time in milliseconds,
    moved on to the next free millisecond while taken; answers sharing a moment (many, in a
    history imported in bulk) are not walked over again for each."""

    def __init__(self) -> None:
        self._taken: set[int] = set()
        # For each moment already met, the last id given for it.
        self._last: dict[int, int] = {}

    def claim(self, moment_ms: int) -> int:
        candidate = self._last.get(moment_ms, moment_ms)
        while candidate in self._taken:
            candidate += 1
        self._taken.add(candidate)
        self._last[moment_ms] = candidate
        return candidate


class RevlogRow(NamedTuple):
    """One Anki ``revlog`` row, in the table's column order."""

    id: int
    cid: int
    usn: int
    ease: int
    ivl: int
    lastIvl: int  # noqa: N815 (Anki's column name)
    factor: int
    time: int
    type: int


def epoch_ms(instant: datetime) -> int:
    """Milliseconds since the epoch; a naive ``instant`` is UTC, as the review log stores it."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return int(instant.timestamp() * 1000)


def anki_button(grade: int, scheduler: SchedulerName) -> int:
    """Anki's answer button (1 Again, 2 Hard, 3 Good, 4 Easy) for one of our grades."""
    if scheduler is SchedulerName.FSRS:
        return grade  # FSRS's ratings are Anki's buttons
    # SM-2's failing grades are Again; 3 (recalled with serious difficulty) Hard; 4 Good; 5 Easy.
    return max(1, grade - 1)


def creation_day(progress: Iterable[CardProgress], today: date) -> date:
    """The collection's creation day: today, or the earliest due date if one is earlier, so
    that no review card's due day (counted from it) is negative."""
    return min([today, *(p.due_on for p in progress if p.due_on is not None)])


def _memory(progress: CardProgress) -> str:
    """FSRS's memory in Anki's ``data`` column, rounded as Anki rounds it; else empty."""
    if (
        progress.scheduler is not SchedulerName.FSRS
        or progress.stability is None
        or progress.difficulty is None
    ):
        return ""
    memory = {
        "s": round(progress.stability, 4),
        "d": round(progress.difficulty, 3),
        "dr": round(progress.desired_retention, 2),
    }
    return json.dumps(memory, separators=(",", ":"))


def _steps(progress: CardProgress) -> list[bool]:
    """For each logged answer: whether it left the card in a same-day step (the next answer's
    ``redrill_before``, or for the last one the card's own re-drill date, is its day)."""
    log = progress.log
    if not log:
        return []
    after = [row.redrill_before for row in log[1:]] + [progress.redrill_on]
    return [
        redrill is not None and redrill == row.reviewed_on
        for row, redrill in zip(log, after, strict=True)
    ]


def _reached_review(progress: CardProgress, steps: Sequence[bool]) -> bool:
    """True when the card was on a schedule in days before its current step: some answer
    left it in days (with no log, SM-2's interval says whether it ever got one)."""
    if not progress.log:
        return progress.interval_days > 0
    return not all(steps)


def _in_step(progress: CardProgress, today: date) -> bool:
    if progress.scheduler is SchedulerName.FSRS and progress.phase is not None:
        return progress.phase in (Phase.LEARNING, Phase.RELEARNING)
    return progress.redrill_on == today


def anki_card(
    progress: CardProgress, *, position: int, crt_day: date, today: date, now: datetime
) -> AnkiCard:
    """The scheduling columns of Anki's ``cards`` row for one card.

    ``position`` is the card's place among the new cards, ``crt_day`` the collection's creation
    day (review cards' due days count from it), ``today`` the user's local date and ``now``
    the moment of the export (a card in a same-day step is due then, unless FSRS says later).
    """
    queue_if_suspended = _QUEUE_SUSPENDED if progress.suspended else None
    if progress.is_new:
        return AnkiCard(_NEW, queue_if_suspended or 0, position, 0, 0, 0, 0, 0, "")
    reps = len(progress.log) or progress.repetitions
    factor = round(progress.ease * 1000)
    data = _memory(progress)
    if _in_step(progress, today):
        if progress.scheduler is SchedulerName.FSRS and progress.phase is not None:
            relearning = progress.phase == Phase.RELEARNING
            moment = progress.due_at or now
        else:
            relearning = _reached_review(progress, _steps(progress))
            moment = now
        ctype = _RELEARN if relearning else _LEARN
        queue = queue_if_suspended or _QUEUE_LEARN
        due = epoch_ms(moment) // 1000
        return AnkiCard(
            ctype, queue, due, progress.interval_days, factor, reps, progress.lapses, 1, data
        )
    due_on = progress.due_on or today
    return AnkiCard(
        _REVIEW,
        queue_if_suspended or _QUEUE_REVIEW,
        (due_on - crt_day).days,
        progress.interval_days,
        factor,
        reps,
        progress.lapses,
        0,
        data,
    )


def revlog_rows(progress: CardProgress, card_id: int, ids: RevlogIds) -> list[RevlogRow]:
    """Anki's review log rows for one card's answers, their ids claimed from ``ids`` (those of
    the whole package)."""
    rows = []
    steps = _steps(progress)
    reached = False
    previous_ivl = 0
    for row, left_in_step in zip(progress.log, steps, strict=True):
        revlog_id = ids.claim(epoch_ms(row.reviewed_at))
        ivl = -STEP_SECONDS if left_in_step else row.interval_after
        if row.kind is AnswerKind.REDRILL:
            last_ivl = previous_ivl
            log_type = _LOG_RELEARN if reached else _LOG_LEARN
        else:
            last_ivl = row.interval_before
            log_type = _LOG_LEARN if row.kind is AnswerKind.LEARN else _LOG_REVIEW
        rows.append(
            RevlogRow(
                id=revlog_id,
                cid=card_id,
                usn=-1,
                ease=anki_button(row.grade, row.scheduler),
                ivl=ivl,
                lastIvl=last_ivl,
                factor=round(row.ease_after * 1000),
                time=min(max(row.duration_ms or 0, 0), ANSWER_CAP_MS),
                type=log_type,
            )
        )
        reached = reached or not left_in_step
        previous_ivl = ivl
    return rows
