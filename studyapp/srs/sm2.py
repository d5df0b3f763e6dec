"""SuperMemo-2 (Wozniak, 1990) as a pure function.

``review(state, grade)`` computes the next state of one item from its current state and the
quality of the answer. It does not know the time, the user or the database; the service layer
turns the returned interval into a due date (see :mod:`studyapp.srs.calendar`).

The rules, as in SuperMemo's reference implementation:

* grade ≥ 3 (a successful recall): the interval is 1 day after the first successful
  repetition, 6 days after the second, and ``round(previous_interval × EF)`` after that,
  using the EF from *before* this review; repetitions go up by one;
* grade < 3 (a failed recall): repetitions restart at 0 and the interval is 1 day;
* after either branch, ``EF' = EF + (0.1 − (5 − q)(0.08 + (5 − q)·0.02))``, never below 1.3.

Rounding is half-up, and EF is kept on its exact two-decimal grid (every adjustment is a
multiple of 0.02), so a long history never drifts through binary floating point.

The same-day rule of SM-2 — after a day's session, items graded below 4 are asked again until
they score at least 4 — belongs to the review session, not to this function: those repeats are
logged but must not be fed back into ``review``, or one bad morning would reset an item twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import IntEnum
from typing import Any

__all__ = [
    "MIN_EASE",
    "INITIAL_EASE",
    "PASSING_GRADE",
    "REDRILL_BELOW",
    "Grade",
    "SM2State",
    "as_grade",
    "ease_delta",
    "review",
]

INITIAL_EASE = 2.5
MIN_EASE = 1.3
#: The lowest grade that counts as a successful recall.
PASSING_GRADE = 3
#: Items graded below this come back again in the same day's session.
REDRILL_BELOW = 4


class Grade(IntEnum):
    """Quality of a response, on SuperMemo's 0–5 scale."""

    BLACKOUT = 0  #: complete blackout
    WRONG_FAMILIAR = 1  #: wrong, but the answer was recognised when shown
    WRONG_EASY = 2  #: wrong, but the answer seemed easy to recall once shown
    HARD = 3  #: right, with serious difficulty
    HESITANT = 4  #: right, after some hesitation
    PERFECT = 5  #: right, at once

    @property
    def passed(self) -> bool:
        return self >= PASSING_GRADE


@dataclass(frozen=True, slots=True)
class SM2State:
    """Where one item stands in SM-2: successful repetitions in a row, ease factor, interval."""

    repetitions: int
    ease: float
    interval_days: int

    @classmethod
    def initial(cls) -> SM2State:
        return cls(repetitions=0, ease=INITIAL_EASE, interval_days=0)

    def to_dict(self) -> dict[str, Any]:
        return {
            "repetitions": self.repetitions,
            "ease": self.ease,
            "interval_days": self.interval_days,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SM2State:
        return cls(
            repetitions=int(data["repetitions"]),
            ease=float(data["ease"]),
            interval_days=int(data["interval_days"]),
        )


def as_grade(grade: object) -> Grade:
    """``grade`` as a :class:`Grade`; ``ValueError`` for anything but an integer 0–5."""
    # bool is an int subclass, and 4.0 is not a grade a person gave: both are refused.
    if isinstance(grade, bool) or not isinstance(grade, int):
        raise ValueError(f"grade must be an integer from 0 to 5, got {grade!r}")
    if not 0 <= grade <= 5:
        raise ValueError(f"grade must be an integer from 0 to 5, got {grade}")
    return Grade(grade)


def ease_delta(grade: int) -> Decimal:
    """How much a review with ``grade`` moves the ease factor (before the 1.3 floor)."""
    q = Decimal(5 - as_grade(grade))
    return Decimal("0.1") - q * (Decimal("0.08") + q * Decimal("0.02"))


def _exact(value: float) -> Decimal:
    # Ease factors live on a 0.01 grid; str() recovers the decimal a float was meant to hold.
    return Decimal(str(value)).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def review(state: SM2State, grade: int) -> SM2State:
    """Return the state after answering an item in ``state`` with ``grade`` (0–5).

    ``state`` is not modified. Raises ``ValueError`` for anything but an integer 0–5.
    """
    quality = as_grade(grade)
    ease = _exact(state.ease)

    if quality.passed:
        if state.repetitions == 0:
            interval = 1
        elif state.repetitions == 1:
            interval = 6
        else:
            scaled = Decimal(state.interval_days) * ease
            # A reachable state has an interval of 6 or more here; the floor only matters for
            # states that came from elsewhere (an edited row, another app's export).
            interval = max(1, int(scaled.quantize(Decimal(1), rounding=ROUND_HALF_UP)))
        repetitions = state.repetitions + 1
    else:
        repetitions = 0
        interval = 1

    new_ease = max(Decimal(str(MIN_EASE)), ease + ease_delta(quality))
    return SM2State(repetitions=repetitions, ease=float(new_ease), interval_days=interval)
