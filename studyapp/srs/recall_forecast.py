"""How many of a user's cards FSRS expects them to recall on each of the coming days.

The expected number of cards recalled at a moment is the sum of every card's retrievability
then: FSRS's forgetting curve ``R = (1 + FACTOR · t / S) ** DECAY`` of the card's stability
``S`` and the whole days ``t`` since its last answer, where ``DECAY`` is minus the last of the
21 parameters and ``FACTOR`` makes ``R`` 90 % when ``t`` equals ``S``. It is the curve
:func:`studyapp.srs.fsrs.retrievability` asks py-fsrs for; it is written out here because a
stats page sums it over 20,000 cards for 30 days, and building a py-fsrs card for each of those
600,000 values costs seconds. The tests hold the two to the same numbers.

Even written out, 600,000 powers cost about 100 ms of pure Python, the stats page's whole budget:
above :data:`SAMPLE` cards the sum is taken over an evenly spaced sample of that many (every
k-th card in the order given) and scaled up to all of them. A sum of many probabilities between
0 and 1 is estimated this way to well within a percent (the tests check it on 20,000 cards).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from studyapp.srs.fsrs import DEFAULT_PARAMETERS

__all__ = ["SAMPLE", "Memory", "expected_recalls"]

#: The most cards whose forgetting curves are summed; more are sampled down to this many.
SAMPLE = 4000


@dataclass(frozen=True, slots=True)
class Memory:
    """What FSRS's forgetting curve reads of one card."""

    stability: float
    #: Aware.
    last_review: datetime


def expected_recalls(
    memories: Sequence[Memory],
    *,
    now: datetime,
    days: int,
    parameters: tuple[float, ...] = DEFAULT_PARAMETERS,
    sample: int = SAMPLE,
) -> tuple[float, ...]:
    """The sum of the cards' retrievability at ``now`` and at the same time on each of the
    next ``days - 1`` days: what the user would be expected to recall if asked every card.
    Exact for up to ``sample`` cards; estimated from an evenly spaced sample above that."""
    scale = 1.0
    if len(memories) > sample:
        step = len(memories) / sample
        scale = step
        memories = [memories[int(i * step)] for i in range(sample)]
    decay = -parameters[20]
    factor = 0.9 ** (1 / decay) - 1
    # A whole day later every card is exactly one more whole day past its last answer, so one
    # subtraction per card serves all the days.
    ahead: list[tuple[float, int]] = []
    behind: list[tuple[float, int]] = []  # answered "after" now: a clock that ran ahead
    for memory in memories:
        elapsed = (now - memory.last_review).days
        (ahead if elapsed >= 0 else behind).append((factor / memory.stability, elapsed))
    return tuple(
        scale
        * (
            sum([(1 + slope * (elapsed + day)) ** decay for slope, elapsed in ahead])
            + sum([(1 + slope * max(0, elapsed + day)) ** decay for slope, elapsed in behind])
        )
        for day in range(days)
    )
