"""FSRS (the Free Spaced Repetition Scheduler) as a pure function over frozen dataclasses.

The maths is py-fsrs's (PyPI ``fsrs``), called through its public API: :func:`review` builds
one ``fsrs.Card`` from an :class:`FSRSState` and asks a ``fsrs.Scheduler`` for the next one.
This module adds what py-fsrs leaves to its caller: an immutable state that survives JSON, any
aware ``now`` (py-fsrs accepts only UTC), one scheduler per distinct :class:`FSRSSettings`
instead of one per answer, and the two ways a card's memory is recovered when FSRS is switched
on for a collection that was scheduled by SM-2 — :func:`replay` of its whole log, or
:func:`from_sm2` when the log does not reach back to the card's first sight.

Fuzz is off: the same answers at the same times always give the same due date, so the review
page can show what each button would do and the scheduling tests can replay exact histories.
The learning steps are py-fsrs's defaults (1 and 10 minutes; 10 minutes to relearn).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import IntEnum
from typing import Any

import fsrs as pyfsrs
import fsrs_rs_python
from fsrs import scheduler as pyfsrs_scheduler

from studyapp.srs.sm2 import as_grade

__all__ = [
    "DEFAULT_PARAMETERS",
    "DEFAULT_RETENTION",
    "DEFAULT_SETTINGS",
    "MAXIMUM_INTERVAL",
    "MAX_RETENTION",
    "MIN_RETENTION",
    "FSRSSettings",
    "FSRSState",
    "Phase",
    "Rating",
    "as_rating",
    "from_sm2",
    "from_sm2_grade",
    "interval_days",
    "replay",
    "retrievability",
    "review",
]

#: FSRS-6's 21 parameters as py-fsrs ships them, fitted by its authors on many users' logs.
DEFAULT_PARAMETERS: tuple[float, ...] = tuple(pyfsrs_scheduler.DEFAULT_PARAMETERS)
#: The probability of recall a card is scheduled for: Anki's default.
DEFAULT_RETENTION = 0.9
#: The range Anki's deck options allow: below it reviews are mostly relearning, above it the
#: workload grows steeply for little gain.
MIN_RETENTION = 0.70
MAX_RETENTION = 0.97
#: A hundred years: py-fsrs's and Anki's cap on a review interval, in days.
MAXIMUM_INTERVAL = 36500

# py-fsrs names a card it schedules; the id is never read, and leaving it out costs a 1 ms sleep.
_CARD_ID = 0


class Rating(IntEnum):
    """Anki's four answer buttons."""

    AGAIN = 1  #: forgotten
    HARD = 2  #: recalled, with serious difficulty
    GOOD = 3  #: recalled
    EASY = 4  #: recalled at once


class Phase(IntEnum):
    """Where a card is in FSRS; the values are ``fsrs.State``'s."""

    LEARNING = 1  #: new, or climbing the same-day learning steps
    REVIEW = 2  #: scheduled in whole days
    RELEARNING = 3  #: forgotten in review, on the same-day relearning step


@functools.lru_cache(maxsize=64)
def _scheduler(settings: FSRSSettings) -> pyfsrs.Scheduler:
    # Building a scheduler validates 21 parameters: once per settings, never per answer.
    return pyfsrs.Scheduler(
        parameters=settings.parameters,
        desired_retention=settings.desired_retention,
        maximum_interval=settings.maximum_interval,
        enable_fuzzing=False,
    )


@dataclass(frozen=True, slots=True)
class FSRSSettings:
    """How one user's cards are scheduled. Hashable: one py-fsrs scheduler is kept per value."""

    parameters: tuple[float, ...] = DEFAULT_PARAMETERS
    desired_retention: float = DEFAULT_RETENTION
    maximum_interval: int = MAXIMUM_INTERVAL

    def __post_init__(self) -> None:
        # A list would make the settings unhashable and the scheduler cache fail far from here.
        if not isinstance(self.parameters, tuple):
            raise ValueError("parameters must be a tuple of floats")
        if not MIN_RETENTION <= self.desired_retention <= MAX_RETENTION:
            raise ValueError(
                f"desired retention must be from {MIN_RETENTION} to {MAX_RETENTION}, "
                f"got {self.desired_retention}"
            )
        if not 1 <= self.maximum_interval <= MAXIMUM_INTERVAL:
            raise ValueError(
                f"maximum interval must be from 1 to {MAXIMUM_INTERVAL} days, "
                f"got {self.maximum_interval}"
            )
        # py-fsrs checks each parameter against its bounds; doing it now puts a bad fit's
        # error where the settings are made, and leaves the scheduler cached for the answers.
        _scheduler(self)


DEFAULT_SETTINGS = FSRSSettings()


@dataclass(frozen=True, slots=True)
class FSRSState:
    """Where one card stands in FSRS for one user."""

    phase: Phase
    #: The learning or relearning step; None in REVIEW.
    step: int | None
    #: Days until recall probability falls to 90 %; None before the first answer.
    stability: float | None
    #: 1 (easy) to 10 (hard); None before the first answer.
    difficulty: float | None
    #: Aware, in UTC.
    due: datetime
    last_review: datetime | None

    @classmethod
    def initial(cls, *, now: datetime) -> FSRSState:
        """A new card, due at ``now``."""
        return cls(
            phase=Phase.LEARNING,
            step=0,
            stability=None,
            difficulty=None,
            due=_utc(now),
            last_review=None,
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "phase": int(self.phase),
            "step": self.step,
            "stability": self.stability,
            "difficulty": self.difficulty,
            "due": self.due.isoformat(),
            "last_review": None if self.last_review is None else self.last_review.isoformat(),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FSRSState:
        last_review = data["last_review"]
        return cls(
            phase=Phase(int(data["phase"])),
            step=None if data["step"] is None else int(data["step"]),
            stability=None if data["stability"] is None else float(data["stability"]),
            difficulty=None if data["difficulty"] is None else float(data["difficulty"]),
            due=_utc(datetime.fromisoformat(data["due"])),
            last_review=None if last_review is None else _utc(datetime.fromisoformat(last_review)),
        )


def as_rating(grade: object) -> Rating:
    """``grade`` as a :class:`Rating`; ``ValueError`` for anything but an integer 1–4."""
    # bool is an int subclass, and 4.0 is not a button anyone pressed: both are refused.
    if isinstance(grade, bool) or not isinstance(grade, int):
        raise ValueError(f"rating must be an integer from 1 to 4, got {grade!r}")
    if not 1 <= grade <= 4:
        raise ValueError(f"rating must be an integer from 1 to 4, got {grade}")
    return Rating(grade)


def from_sm2_grade(grade: int) -> Rating:
    """The FSRS rating closest to an SM-2 grade (0–5): every failure is AGAIN, and the three
    passing grades map onto HARD, GOOD and EASY in order."""
    quality = as_grade(grade)
    return Rating(max(1, quality - 1))


def review(
    state: FSRSState, rating: int, *, now: datetime, settings: FSRSSettings = DEFAULT_SETTINGS
) -> FSRSState:
    """The card's state after answering it with ``rating`` (1–4) at ``now`` (aware, any zone).

    ``state`` is not modified. Raises ``ValueError`` for a bad rating or a naive ``now``.
    """
    button = pyfsrs.Rating(as_rating(rating))
    after, _log = _scheduler(settings).review_card(_card_of(state), button, _utc(now))
    return _state_of(after)


def interval_days(state: FSRSState, *, now: datetime) -> int:
    """Whole days from ``now`` until the card is due: 0 for a card in (re)learning, which comes
    back the same day, and for one already due."""
    if state.phase is not Phase.REVIEW:
        return 0
    return max(0, (state.due - _utc(now)).days)


def retrievability(
    state: FSRSState, *, now: datetime, settings: FSRSSettings = DEFAULT_SETTINGS
) -> float | None:
    """The predicted probability of recalling the card at ``now``; None for a new card, which
    has no memory to predict from."""
    if state.stability is None or state.last_review is None:
        return None
    return _scheduler(settings).get_card_retrievability(_card_of(state), _utc(now))


def replay(
    answers: Iterable[tuple[datetime, Rating]], *, settings: FSRSSettings = DEFAULT_SETTINGS
) -> FSRSState:
    """The state of a card first seen at the first of ``answers`` and answered with each rating
    at each time (in time order), as Anki recomputes memory when FSRS is switched on.

    ``ValueError`` for no answers: a card never answered has no first sight to start from.
    """
    state: FSRSState | None = None
    for when, rating in answers:
        if state is None:
            state = FSRSState.initial(now=when)
        state = review(state, rating, now=when, settings=settings)
    if state is None:
        raise ValueError("replay needs at least one answer")
    return state


def from_sm2(
    *,
    ease: float,
    interval_days: int,
    last_review: datetime,
    settings: FSRSSettings = DEFAULT_SETTINGS,
) -> FSRSState:
    """The FSRS memory of a card SM-2 left with ``ease`` and ``interval_days`` at
    ``last_review``, for a card whose log does not reach back to its first sight.

    fsrs-rs reads SM-2's interval as the time recall fell to the desired retention, and its
    ease as how hard the card is; the card stays due when SM-2 had it due.
    """
    if interval_days < 1:
        raise ValueError(f"an SM-2 review interval is at least 1 day, got {interval_days}")
    memory = _rust_model(settings.parameters).memory_state_from_sm2(
        ease, float(interval_days), settings.desired_retention
    )
    reviewed = _utc(last_review)
    return FSRSState(
        phase=Phase.REVIEW,
        step=None,
        stability=float(memory.stability),
        difficulty=float(memory.difficulty),
        due=reviewed + timedelta(days=interval_days),
        last_review=reviewed,
    )


@functools.lru_cache(maxsize=64)
def _rust_model(parameters: tuple[float, ...]) -> fsrs_rs_python.FSRS:
    return fsrs_rs_python.FSRS(list(parameters))


def _card_of(state: FSRSState) -> pyfsrs.Card:
    # card_id and due always given: py-fsrs's Card sleeps 1 ms to make an id when none is.
    return pyfsrs.Card(
        card_id=_CARD_ID,
        state=pyfsrs.State(state.phase),
        step=state.step,
        stability=state.stability,
        difficulty=state.difficulty,
        due=state.due,
        last_review=state.last_review,
    )


def _state_of(card: pyfsrs.Card) -> FSRSState:
    return FSRSState(
        phase=Phase(card.state),
        step=card.step,
        stability=card.stability,
        difficulty=card.difficulty,
        due=card.due,
        last_review=card.last_review,
    )


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"a datetime with a time zone is needed, got {moment!r}")
    # py-fsrs compares tzinfo with timezone.utc, so an equal zone of another class is refused.
    return moment if moment.tzinfo is UTC else moment.astimezone(UTC)
