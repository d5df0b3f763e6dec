"""What every scheduler reads and returns: a card's schedule, one answer's outcome, and the
protocol a scheduler follows (:class:`Scheduler`). The schedulers themselves are
:mod:`.sm2_rules` and :mod:`.fsrs_rules`; :mod:`.scheduler` picks one."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Protocol

from studyapp.srs import fsrs
from studyapp.srs.fsrs import FSRSState, Phase

__all__ = [
    "AnswerKind",
    "CardSchedule",
    "Outcome",
    "Scheduler",
    "SchedulerName",
    "Scheduling",
    "StoredMemory",
    "kind_of",
]


class SchedulerName(enum.StrEnum):
    """The schedulers a user may choose; the values are stored on review states and log rows."""

    SM2 = "sm2"
    FSRS = "fsrs"


class AnswerKind(enum.StrEnum):
    """Why a card is asked: a first sight, a scheduled review, or a same-day re-drill (SM-2's
    repeat of a failed card, FSRS's learning steps). The values are those of the review log."""

    LEARN = "learn"
    REVIEW = "review"
    REDRILL = "redrill"


@dataclass(frozen=True, slots=True)
class Scheduling:
    """A user's scheduling settings: which scheduler, and FSRS's retention and parameters.
    Hashable, so that a scheduler is built once per distinct settings."""

    name: SchedulerName = SchedulerName.SM2
    desired_retention: float = fsrs.DEFAULT_RETENTION
    maximum_interval: int = fsrs.MAXIMUM_INTERVAL
    #: Parameters fitted to the user's own log; ``None``: FSRS's defaults.
    fsrs_parameters: tuple[float, ...] | None = None

    @property
    def fsrs(self) -> fsrs.FSRSSettings:
        return fsrs.FSRSSettings(
            parameters=self.fsrs_parameters or fsrs.DEFAULT_PARAMETERS,
            desired_retention=self.desired_retention,
            maximum_interval=self.maximum_interval,
        )


@dataclass(frozen=True, slots=True)
class CardSchedule:
    """Where one card stands for one user: the scheduler that keeps it and that scheduler's
    memory, and what every scheduler shares (due date, lapses, today's re-drill)."""

    scheduler: SchedulerName
    #: SM-2's memory. Kept as it was while FSRS keeps the card, so that switching back to SM-2
    #: finds it; the interval is shared, as in Anki.
    repetitions: int
    ease: float
    interval_days: int
    #: None until the first answer: the card is new.
    due_on: date | None
    lapses: int
    last_reviewed_at: datetime | None
    #: The local date on which the card is asked again (a failed card, a learning step).
    redrill_on: date | None
    #: FSRS's memory; ``None`` for a card FSRS has not kept yet.
    stability: float | None = None
    difficulty: float | None = None
    phase: Phase | None = None
    step: int | None = None
    #: FSRS's exact due time (a learning step is minutes away).
    due_at: datetime | None = None

    def fsrs_memory(self, *, now: datetime) -> FSRSState:
        """FSRS's view of the card at ``now``: a new card when FSRS holds no memory of it."""
        if self.phase is None:
            return FSRSState.initial(now=now)
        return FSRSState(
            phase=self.phase,
            step=self.step,
            stability=self.stability,
            difficulty=self.difficulty,
            due=self.due_at or now,
            last_review=self.last_reviewed_at,
        )

    def memory(self) -> dict[str, Any] | None:
        """FSRS's memory as the review log keeps it (``None`` under SM-2, whose memory is in
        the log's own columns)."""
        if self.scheduler is not SchedulerName.FSRS:
            return None
        return {
            "stability": self.stability,
            "difficulty": self.difficulty,
            "phase": None if self.phase is None else int(self.phase),
            "step": self.step,
            "due_at": None if self.due_at is None else self.due_at.isoformat(),
        }


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


class Scheduler(Protocol):
    """What a scheduler does: answer a card, and say how well it is remembered."""

    @property
    def name(self) -> SchedulerName: ...

    @property
    def grades(self) -> tuple[int, ...]:
        """The grades its buttons give, lowest first."""
        ...

    def check_grade(self, grade: object) -> int:
        """``grade`` as this scheduler's grade; ``ValueError`` for anything else."""
        ...

    def answer(self, before: CardSchedule, grade: int, *, now: datetime, timezone: str) -> Outcome:
        """The card's schedule after answering it with ``grade`` at ``now`` (aware) for
        someone living in ``timezone``. ``before`` is not modified."""
        ...

    def retrievability(self, schedule: CardSchedule, *, now: datetime) -> float | None:
        """The chance the card is recalled at ``now``; ``None`` when unknown."""
        ...


def kind_of(before: CardSchedule, today: date) -> AnswerKind:
    """What an answer given ``today`` to a card in ``before`` would be."""
    if before.redrill_on == today:
        return AnswerKind.REDRILL
    return AnswerKind.LEARN if before.last_reviewed_at is None else AnswerKind.REVIEW


@dataclass(frozen=True, slots=True)
class StoredMemory:
    """FSRS's memory as the review state's columns hold it (all ``None``: FSRS holds none)."""

    stability: float | None = None
    difficulty: float | None = None
    phase: Phase | None = None
    step: int | None = None
    due_at: datetime | None = None

    @classmethod
    def from_log(cls, memory: Mapping[str, Any] | None) -> StoredMemory:
        """The memory a log row kept (:meth:`CardSchedule.memory`)."""
        if memory is None:
            return cls()
        due_at, phase = memory.get("due_at"), memory.get("phase")
        return cls(
            stability=memory.get("stability"),
            difficulty=memory.get("difficulty"),
            phase=None if phase is None else Phase(int(phase)),
            step=memory.get("step"),
            due_at=None if due_at is None else datetime.fromisoformat(due_at),
        )
