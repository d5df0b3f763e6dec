"""Answers given in Anki, in our terms: each review Anki logged becomes a row of our review log,
and the card's state becomes the one Anki left it in.

We *adopt* Anki's state rather than replay the answers through our own scheduler. Anki's SM-2
is not ours (its Hard and Easy factors, its fuzz, its learning steps), so a replay would give
other due dates than the ones the user saw on the phone; adopting keeps the card due when Anki
said, with Anki's interval, ease, lapses and (under FSRS) memory, and our scheduler carries on
from there at the next answer. The log rows keep what Anki logged: the button, the interval
before and after, the ease, the time taken. Under FSRS the memory before and after each answer
is computed by our FSRS from the card's memory before the first merged answer, and the last
one yields to Anki's own memory when Anki kept one.

Anki's day numbers count from the collection's creation day, which starts at its rollover hour
(4 am by default) in the user's time zone: a review card due on day 1,234 is due on the
creation day plus 1,234 days.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any

from studyapp.apkg.reading import AnkiCard, AnkiCollection, DamagedPackage, RevlogEntry
from studyapp.srs import fsrs
from studyapp.srs.calendar import local_day
from studyapp.srs.fsrs_rules import SM2_GRADE
from studyapp.srs.schedule import AnswerKind, CardSchedule, SchedulerName, Scheduling
from studyapp.srs.sm2 import INITIAL_EASE, MIN_EASE

__all__ = [
    "Adopted",
    "anki_date",
    "anki_state",
    "creation_day",
    "grade_of",
    "is_answer",
    "merge",
]

# Anki's revlog types (0 learning, 1 review, 2 relearning, 3 filtered deck, 4 manual) and card
# types and queues.
_LEARN, _REVIEW, _RELEARN, _FILTERED, _MANUAL = 0, 1, 2, 3, 4
_CARD_NEW, _CARD_LEARNING, _CARD_REVIEW, _CARD_RELEARNING = 0, 1, 2, 3
_QUEUE_SUSPENDED = -1
#: Anki's lowest ease factor (130 %); a smaller factor is FSRS's difficulty, not an ease.
_LOWEST_FACTOR = round(MIN_EASE * 1000)
#: The longest look at one card kept in the log.
_LONGEST_LOOK_MS = 3_600_000


def is_answer(entry: RevlogEntry) -> bool:
    """An answer given to the card: not a reschedule by hand (type 4, or no button pressed)."""
    return entry.type != _MANUAL and 1 <= entry.ease <= 4


def grade_of(ease: int, scheduler: SchedulerName) -> int:
    """Anki's button (1 Again … 4 Easy) as a grade of the scheduler keeping the card."""
    # Under SM-2: the grades SM-2's own four-button layout gives.
    return ease if scheduler is SchedulerName.FSRS else int(SM2_GRADE[fsrs.Rating(ease)])


def creation_day(collection: AnkiCollection, timezone: str) -> date:
    """The date of Anki's day 0: the collection's creation date where it was made (Anki's
    ``creationOffset``), else in the user's ``timezone``."""
    created = _instant(collection.created)
    if collection.creation_offset is None:
        return local_day(created, timezone)
    return created.astimezone(dt_timezone(timedelta(minutes=-collection.creation_offset))).date()


#: Day numbers and times past these are not Anki's (a damaged or crafted file).
_MAX_DAYS = 100_000
_MAX_SECONDS = 10**11


def anki_date(day: int, collection: AnkiCollection, timezone: str) -> date:
    """The local date of Anki's day number ``day``."""
    if not -_MAX_DAYS < day < _MAX_DAYS:
        raise DamagedPackage(f"A card is due on day {day}, which no Anki collection has.")
    return creation_day(collection, timezone) + timedelta(days=day)


def _instant(seconds: float) -> datetime:
    if not 0 <= seconds < _MAX_SECONDS:
        raise DamagedPackage(f"The package holds a time ({seconds}) no Anki collection has.")
    return datetime.fromtimestamp(seconds, UTC)


def _moment(entry: RevlogEntry) -> datetime:
    return _instant(entry.id / 1000)


@dataclass(slots=True)
class Adopted:
    """What merging a card's Anki answers gives: the new log rows (column values) and the
    card's state afterwards (``None``: leave the state as it is)."""

    log: list[dict[str, Any]] = field(default_factory=list)
    state: CardSchedule | None = None
    suspended: bool | None = None


def _due(card: AnkiCard, collection: AnkiCollection, timezone: str) -> tuple[date, datetime]:
    """When Anki has the card due: its local date, and the moment (a learning step's exact
    time; for a day, the start of that day)."""
    # A card in a filtered deck keeps its home due in odue.
    due = card.odue if card.odid and card.odue else card.due
    # A learning step is due at a moment (epoch seconds), anything else on a day number.
    if card.type in (_CARD_LEARNING, _CARD_RELEARNING) and abs(due) > _MAX_DAYS:
        moment = _instant(due)
        return local_day(moment, timezone), moment
    day = anki_date(due, collection, timezone)
    return day, datetime.combine(day, datetime.min.time(), UTC)


def _trailing_passes(history: Sequence[RevlogEntry]) -> int:
    """SM-2's repetitions: the answers in a row, up to the last, that recalled the card."""
    count = 0
    for entry in reversed(history):
        if entry.ease <= 1:
            break
        count += 1
    return count


def merge(
    before: CardSchedule,
    entries: Sequence[RevlogEntry],
    card: AnkiCard,
    history: Sequence[RevlogEntry],
    *,
    collection: AnkiCollection,
    timezone: str,
    scheduling: Scheduling,
) -> Adopted:
    """The log rows of ``entries`` (answers newer than any of ours, oldest first) for a card
    standing at ``before``, and the state Anki left the card in (``card``; ``history`` is all
    of its Anki answers, for SM-2's repetitions)."""
    adopted = Adopted()
    if not entries:
        return adopted
    scheduler = before.scheduler
    settings = scheduling.fsrs
    fsrs_in_anki = "s" in card.data
    current = before
    seen = before.last_reviewed_at is not None
    memory: fsrs.FSRSState | None = None
    for entry in entries:
        moment = _moment(entry)
        today = local_day(moment, timezone)
        recalled = entry.ease > 1
        interval = min(max(entry.ivl, 0), _MAX_DAYS)
        # Under Anki's FSRS the factor holds a difficulty, not an ease.
        if entry.factor >= _LOWEST_FACTOR and scheduler is SchedulerName.SM2 and not fsrs_in_anki:
            ease = entry.factor / 1000
        else:
            ease = current.ease
        if not seen:
            kind = AnswerKind.LEARN
        elif entry.type in (_REVIEW, _FILTERED):
            kind = AnswerKind.REVIEW
        else:
            kind = AnswerKind.REDRILL
        after = replace(
            current,
            repetitions=current.repetitions + 1 if recalled else 0,
            ease=ease,
            interval_days=interval,
            due_on=today + timedelta(days=interval),
            lapses=current.lapses + (kind is AnswerKind.REVIEW and not recalled),
            last_reviewed_at=moment,
            redrill_on=None,
        )
        if scheduler is SchedulerName.FSRS:
            memory = fsrs.review(
                memory or current.fsrs_memory(now=moment), entry.ease, now=moment, settings=settings
            )
            after = replace(
                after,
                stability=memory.stability,
                difficulty=memory.difficulty,
                phase=memory.phase,
                step=memory.step,
                due_at=memory.due,
            )
        adopted.log.append(
            {
                "reviewed_at": moment,
                "reviewed_on": today,
                "grade": grade_of(entry.ease, scheduler),
                "kind": kind,
                "repetitions_before": current.repetitions,
                "ease_before": current.ease,
                "interval_before": current.interval_days,
                "due_before": current.due_on,
                "repetitions_after": after.repetitions,
                "ease_after": after.ease,
                "interval_after": after.interval_days,
                "due_after": after.due_on,
                "lapses_before": current.lapses,
                "last_reviewed_before": current.last_reviewed_at,
                "redrill_before": current.redrill_on,
                "duration_ms": min(max(entry.time_ms, 0), _LONGEST_LOOK_MS) or None,
                "scheduler": scheduler,
                "memory_before": current.memory(),
                "memory_after": after.memory(),
            }
        )
        current, seen = after, True
    adopted.state, adopted.suspended = anki_state(current, card, history, collection, timezone)
    return adopted


def anki_state(
    current: CardSchedule,
    card: AnkiCard,
    history: Sequence[RevlogEntry],
    collection: AnkiCollection,
    timezone: str,
) -> tuple[CardSchedule, bool]:
    """The state Anki left the card in, over the one the merged answers led to."""
    if card.type == _CARD_NEW:
        # Forgotten in Anki ("reset to new"): the log keeps the answers, the card starts again.
        return (
            replace(
                current,
                repetitions=0,
                ease=INITIAL_EASE,
                interval_days=0,
                due_on=None,
                last_reviewed_at=None,
                redrill_on=None,
                stability=None,
                difficulty=None,
                phase=None,
                step=None,
                due_at=None,
            ),
            card.queue == _QUEUE_SUSPENDED,
        )
    due, moment = _due(card, collection, timezone)
    learning = card.type in (_CARD_LEARNING, _CARD_RELEARNING)
    interval = 0 if card.type == _CARD_LEARNING else min(max(card.ivl, 0), _MAX_DAYS)
    stability, difficulty = card.data.get("s"), card.data.get("d")
    fsrs_in_anki = isinstance(stability, int | float) and isinstance(difficulty, int | float)
    state = replace(
        current,
        repetitions=_trailing_passes(history),
        ease=card.factor / 1000
        if card.factor >= _LOWEST_FACTOR and not fsrs_in_anki
        else current.ease,
        interval_days=interval,
        due_on=due,
        lapses=card.lapses,
        # A learning step is asked again on its day, as a re-drill here.
        redrill_on=due if learning else None,
        last_reviewed_at=current.last_reviewed_at or _last_review(card, due, interval),
    )
    if state.scheduler is SchedulerName.FSRS:
        if isinstance(stability, int | float) and isinstance(difficulty, int | float):
            state = replace(state, stability=float(stability), difficulty=float(difficulty))
        elif state.stability is None and state.last_reviewed_at is not None:
            memory = fsrs.from_sm2(
                ease=state.ease,
                interval_days=max(interval, 1),
                last_review=state.last_reviewed_at,
            )
            state = replace(state, stability=memory.stability, difficulty=memory.difficulty)
        phase = {
            _CARD_LEARNING: fsrs.Phase.LEARNING,
            _CARD_RELEARNING: fsrs.Phase.RELEARNING,
        }.get(card.type, fsrs.Phase.REVIEW)
        state = replace(
            state,
            phase=phase,
            step=None if phase is fsrs.Phase.REVIEW else (state.step or 0),
            due_at=moment,
        )
    return state, card.queue == _QUEUE_SUSPENDED


def _last_review(card: AnkiCard, due: date, interval: int) -> datetime:
    """When Anki last answered a card whose answers the package does not hold: the time Anki
    keeps in its data (``lrt``), else the due date less the interval."""
    last = card.data.get("lrt")
    if isinstance(last, int) and not isinstance(last, bool) and 0 < last < _MAX_SECONDS:
        return datetime.fromtimestamp(last, UTC)
    return datetime.combine(due - timedelta(days=interval), datetime.min.time(), UTC)
