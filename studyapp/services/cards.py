"""Changing one card: suspending it in a user's reviews, and editing or deleting a card of
their own.

Suspending touches only the user's own :class:`ReviewState`. Editing touches only a
:class:`CardText` row of a card in a deck the user owns: the card keeps its id, its GUID and
everyone's review history, and the text is marked edited (``edited_at``), so that importing the
same summary again keeps the user's wording. Deleting removes the card with everything that
hangs on it through ``ON DELETE CASCADE``: its texts, the schedules, the review log rows of its
answers and the quiz questions about it. Library decks are read-only; their cards are reported
as missing, exactly like cards that do not exist.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from studyapp.db import write_unit
from studyapp.identity import CardKind
from studyapp.models import (
    Card,
    CardText,
    Deck,
    Paper,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    utcnow,
)
from studyapp.services.errors import NotFound

__all__ = [
    "BACK_MAX",
    "FRONT_MAX",
    "SOURCE_MAX",
    "CardDeletion",
    "CardNotFound",
    "CardTextError",
    "Suspension",
    "card_deletion",
    "checked_wording",
    "clean_text",
    "delete_card",
    "edit_text",
    "editable_card",
    "set_suspended",
]

#: Control characters card text never holds (a tab and a line break it may).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

FRONT_MAX = 500
BACK_MAX = 2000
SOURCE_MAX = 2000


class CardNotFound(NotFound):
    """No such card for this user: it does not exist, or is not theirs to change (a library
    card, another user's). The cases are not told apart."""


class CardTextError(ValueError):
    """Card text that cannot be stored; ``field`` and ``code`` say what and why."""

    def __init__(self, field: str, code: str) -> None:
        super().__init__(f"{field}: {code}")
        self.field = field
        self.code = code


@dataclass(frozen=True, slots=True)
class Suspension:
    card_id: int
    deck_id: int
    suspended: bool


@dataclass(frozen=True, slots=True)
class CardDeletion:
    """A card of the user's own deck, and what goes with it when it is deleted."""

    card_id: int
    kind: CardKind
    #: The card's front in its own language, to say which card this is.
    front: str
    paper_id: int
    paper_title: str
    deck_id: int
    deck_name: str
    #: Rows of the review log about the card (its answers), removed with it.
    answers: int
    #: Questions of past quizzes about the card, removed with it.
    quiz_questions: int


def set_suspended(session: Session, user_id: int, card_id: int, *, suspended: bool) -> Suspension:
    """Take the card out of the user's reviews, or put it back; its schedule is kept.

    Raises ``NotFound`` when the user does not study the card.
    """
    with write_unit(session):
        state = session.scalars(
            select(ReviewState)
            .where(ReviewState.user_id == user_id, ReviewState.card_id == card_id)
            .options(joinedload(ReviewState.card).joinedload(Card.paper))
            .with_for_update(of=ReviewState)
        ).one_or_none()
        if state is None:
            raise NotFound(card_id)
        state.suspended = suspended
        deck_id = state.card.paper.deck_id
    return Suspension(card_id=card_id, deck_id=deck_id, suspended=suspended)


def _owned_card(session: Session, user_id: int, card_id: int, *, lock: bool = False) -> Card:
    statement = (
        select(Card)
        .join(Paper, Paper.id == Card.paper_id)
        .join(Deck, Deck.id == Paper.deck_id)
        .where(Card.id == card_id, Deck.owned_by(user_id))
        .options(selectinload(Card.texts), joinedload(Card.paper).joinedload(Paper.deck))
    )
    if lock:
        # Until commit (PostgreSQL): a second request for the card waits, then finds it gone.
        statement = statement.with_for_update(of=Card)
    card = session.scalars(statement).one_or_none()
    if card is None:
        raise CardNotFound(card_id)
    return card


def editable_card(session: Session, user_id: int, card_id: int) -> Card:
    """A card of a deck the user owns, with its texts, paper and deck loaded.

    Raises :class:`CardNotFound` for any other card (a library card, another user's, none).
    """
    with session.begin():
        return _owned_card(session, user_id, card_id)


def edit_text(
    session: Session,
    user_id: int,
    card_id: int,
    *,
    lang: str,
    front: str,
    back: str,
    source_sentence: str | None,
) -> CardText:
    """Store new wording for the card's text in ``lang`` (its own language when it has no
    text in ``lang``). Whitespace around each field is dropped; an empty source sentence is
    stored as none. A change marks the text edited: importing the summary again keeps it.

    Raises :class:`CardNotFound` when the user does not own the card and
    :class:`CardTextError` when the front or back is empty or a field is longer than its
    maximum.
    """
    values = _checked(front=front, back=back, source_sentence=source_sentence)
    with write_unit(session):
        text = _owned_card(session, user_id, card_id).text(lang)
        if (text.front, text.back, text.source_sentence) != values:
            text.front, text.back, text.source_sentence = values
            text.edited_at = utcnow()
    return text


def card_deletion(session: Session, user_id: int, card_id: int) -> CardDeletion:
    """What deleting the card would remove, for the confirmation.

    Raises :class:`CardNotFound` unless the card is in one of the user's own decks.
    """
    with session.begin():
        return _deletion(session, _owned_card(session, user_id, card_id))


def delete_card(session: Session, user_id: int, card_id: int) -> CardDeletion:
    """Delete a card of the user's own deck, with its texts, schedules, review log rows and
    quiz questions (``ON DELETE CASCADE``). Its paper stays, with its other card.

    Raises :class:`CardNotFound` unless the card is in one of the user's own decks; so a second
    request for the same card raises it, having deleted nothing more.
    """
    with write_unit(session):
        card = _owned_card(session, user_id, card_id, lock=True)
        deleted = _deletion(session, card)
        session.execute(delete(Card).where(Card.id == card.id))
        session.expunge(card)
    return deleted


def _deletion(session: Session, card: Card) -> CardDeletion:
    answers = session.scalar(
        select(func.count()).select_from(ReviewLog).where(ReviewLog.card_id == card.id)
    )
    questions = session.scalar(
        select(func.count()).select_from(QuizQuestion).where(QuizQuestion.card_id == card.id)
    )
    return CardDeletion(
        card_id=card.id,
        kind=card.kind,
        front=card.text(card.lang).front,
        paper_id=card.paper_id,
        paper_title=card.paper.title,
        deck_id=card.paper.deck_id,
        deck_name=card.paper.deck.name,
        answers=answers or 0,
        quiz_questions=questions or 0,
    )


def checked_wording(front: str, back: str) -> tuple[str, str]:
    """``front`` and ``back`` as stored, or :class:`CardTextError` when one is empty or longer
    than its maximum (what the card edit page refuses)."""
    front, back = clean_text(front), clean_text(back)
    for field, value, limit in (("front", front, FRONT_MAX), ("back", back, BACK_MAX)):
        if not value:
            raise CardTextError(field, "required")
        if len(value) > limit:
            raise CardTextError(field, "too_long")
    return front, back


def _checked(*, front: str, back: str, source_sentence: str | None) -> tuple[str, str, str | None]:
    front, back = checked_wording(front, back)
    source = clean_text(source_sentence or "") or None
    if len(source or "") > SOURCE_MAX:
        raise CardTextError("source_sentence", "too_long")
    return front, back, source


def clean_text(value: str) -> str:
    """Card text as stored: plain newlines, no other control characters (PostgreSQL cannot
    store NUL), no surrounding whitespace."""
    # Browsers send textarea line breaks as CRLF; cards store plain newlines.
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text).strip()
