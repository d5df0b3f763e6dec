"""What the review page shows: a card's state, its text in each language, its paper, and the
queue around it. Plain values read by :mod:`.review`, never ORM objects, so that showing a card
costs no ORM loading."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from studyapp.identity import CardKind
from studyapp.models import ReviewKind
from studyapp.srs import sm2

__all__ = ["CardFace", "PaperLine", "QueueItem", "ReviewCard", "StateView", "TopicName"]


@dataclass(frozen=True, slots=True)
class StateView:
    """A card's SM-2 state as read for the review page."""

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

    def text(self, lang: str) -> CardFace:
        """The card's text in ``lang``, or in its own language when not translated."""
        by_lang = {face.lang: face for face in self.faces}
        return by_lang.get(lang) or by_lang[self.lang]


@dataclass(frozen=True, slots=True)
class QueueItem:
    """The card to show next, with what the review page shows around it."""

    state: StateView
    card: ReviewCard
    kind: ReviewKind
    done_today: int
    remaining: int
    #: True when some count reached :data:`COUNT_CAP`: there are at least ``remaining`` left.
    more: bool = False

    @property
    def progress_percent(self) -> int:
        total = self.done_today + self.remaining
        return round(100 * self.done_today / total) if total else 100

    def next_intervals(self) -> dict[int, int]:
        """Days until the card is due again after each grade, for the grade buttons; empty for
        a same-day re-drill, which never moves the schedule."""
        if self.kind is ReviewKind.REDRILL:
            return {}
        state = sm2.SM2State(self.state.repetitions, self.state.ease, self.state.interval_days)
        return {grade: sm2.review(state, grade).interval_days for grade in sm2.Grade}
