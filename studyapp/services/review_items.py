"""What the review page shows: a card's state, its text in each language, its paper, and the
queue around it. Plain values read by :mod:`.review`, never ORM objects, so that showing a card
costs no ORM loading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from studyapp.identity import CardKind
from studyapp.models import ReviewKind, ReviewState
from studyapp.srs.fsrs import Phase
from studyapp.srs.scheduler import (
    CardSchedule,
    Outcome,
    SchedulerName,
    Scheduling,
    outcomes,
    scheduler_for,
)

__all__ = [
    "CardFace",
    "PaperLine",
    "QueueItem",
    "ReviewCard",
    "StateView",
    "StudyDeck",
    "TopicName",
    "schedule_of",
]


@dataclass(frozen=True, slots=True)
class StateView:
    """A card's schedule as read for the review page."""

    id: int
    card_id: int
    version: int
    repetitions: int
    ease: float
    interval_days: int
    due_on: date | None
    lapses: int
    last_reviewed_at: datetime | None
    redrill_on: date | None
    scheduler: SchedulerName
    stability: float | None
    difficulty: float | None
    phase: int | None
    step: int | None
    due_at: datetime | None

    def schedule(self) -> CardSchedule:
        """The state as the scheduler reads it."""
        return schedule_of(self)


def schedule_of(state: ReviewState | StateView) -> CardSchedule:
    """A review state as the scheduler reads it: a row read for the review page, or an ORM
    object (pages that load states as objects)."""
    return CardSchedule(
        scheduler=state.scheduler,
        repetitions=state.repetitions,
        ease=state.ease,
        interval_days=state.interval_days,
        due_on=state.due_on,
        lapses=state.lapses,
        last_reviewed_at=state.last_reviewed_at,
        redrill_on=state.redrill_on,
        stability=state.stability,
        difficulty=state.difficulty,
        phase=None if state.phase is None else Phase(state.phase),
        step=state.step,
        due_at=state.due_at,
    )


@dataclass(frozen=True, slots=True)
class CardFace:
    """One language's front, back and source sentence of a card."""

    lang: str
    front: str
    back: str
    source_sentence: str | None


@dataclass(frozen=True, slots=True)
class TopicName:
    name_en: str
    name_ko: str


@dataclass(frozen=True, slots=True)
class PaperLine:
    """What the revealed card says about its paper."""

    id: int
    title: str
    url: str | None
    arxiv_id: str | None
    topics: tuple[TopicName, ...]


@dataclass(frozen=True, slots=True)
class ReviewCard:
    id: int
    kind: CardKind
    lang: str
    faces: tuple[CardFace, ...]
    paper: PaperLine
    deck_id: int
    #: The card is in a deck the user owns: they may edit its text (library cards: no).
    editable: bool

    def text(self, lang: str) -> CardFace:
        """The card's text in ``lang``, or in its own language when not translated."""
        by_lang = {face.lang: face for face in self.faces}
        return by_lang.get(lang) or by_lang[self.lang]


@dataclass(frozen=True, slots=True)
class StudyDeck:
    """The one deck a session is limited to (``/review?deck=``)."""

    id: int
    name: str


@dataclass(frozen=True, slots=True)
class QueueItem:
    """The card to show next, with what the review page shows around it."""

    state: StateView
    card: ReviewCard
    kind: ReviewKind
    done_today: int
    remaining: int
    #: When the card was picked, and the user's time zone: what the grade buttons foretell.
    shown_at: datetime
    timezone: str
    #: The user's scheduling settings: what the grade buttons foretell depends on them.
    scheduling: Scheduling
    #: True when some count reached :data:`COUNT_CAP`: there are at least ``remaining`` left.
    more: bool = False
    #: The id of the user's latest answer of today (its review log row), which the undo
    #: button names; ``None`` before the first answer of the day.
    last_answer: int | None = None

    @property
    def progress_percent(self) -> int:
        total = self.done_today + self.remaining
        return round(100 * self.done_today / total) if total else 100

    def outcomes(self) -> dict[int, Outcome]:
        """What each grade would do to the card: the scheduler's own answer, not a copy of
        its rules, so the grade buttons say what the answer will do."""
        return outcomes(
            self.state.schedule(), self.scheduling, now=self.shown_at, timezone=self.timezone
        )

    def retrievability(self) -> float | None:
        """The chance the card is recalled now, by its scheduler's model (FSRS's; SM-2 has
        none)."""
        schedule = self.state.schedule()
        return scheduler_for(schedule.scheduler, self.scheduling).retrievability(
            schedule, now=self.shown_at
        )
