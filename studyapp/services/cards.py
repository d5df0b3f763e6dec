"""Changing one card: suspending it in a user's reviews, and editing the text of their own.

Suspending touches only the user's own :class:`ReviewState`. Editing touches only a
:class:`CardText` row of a card in a deck the user owns: the card keeps its id, its GUID and
everyone's review history. Library decks are read-only; their cards are reported as missing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from studyapp.db import write_unit
from studyapp.models import Card, CardText, Deck, Paper, ReviewState

__all__ = [
    "BACK_MAX",
    "FRONT_MAX",
    "SOURCE_MAX",
    "CardTextError",
    "clean_text",
    "Suspension",
    "edit_text",
    "editable_card",
    "set_suspended",
]

FRONT_MAX = 500
BACK_MAX = 2000
SOURCE_MAX = 2000


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


def set_suspended(session: Session, user_id: int, card_id: int, *, suspended: bool) -> Suspension:
    """Take the card out of the user's reviews, or put it back; its schedule is kept.

    Raises ``LookupError`` when the user does not study the card.
    """
    with write_unit(session):
        state = session.scalars(
            select(ReviewState)
            .where(ReviewState.user_id == user_id, ReviewState.card_id == card_id)
            .options(joinedload(ReviewState.card).joinedload(Card.paper))
            .with_for_update(of=ReviewState)
        ).one_or_none()
        if state is None:
            raise LookupError(card_id)
        state.suspended = suspended
        deck_id = state.card.paper.deck_id
    return Suspension(card_id=card_id, deck_id=deck_id, suspended=suspended)


def _owned_card(session: Session, user_id: int, card_id: int) -> Card:
    card = session.scalars(
        select(Card)
        .join(Paper, Paper.id == Card.paper_id)
        .join(Deck, Deck.id == Paper.deck_id)
        .where(Card.id == card_id, Deck.owner_id == user_id)
        .options(selectinload(Card.texts), joinedload(Card.paper).joinedload(Paper.deck))
    ).one_or_none()
    if card is None:
        raise LookupError(card_id)
    return card


def editable_card(session: Session, user_id: int, card_id: int) -> Card:
    """A card of a deck the user owns, with its texts, paper and deck loaded.

    Raises ``LookupError`` for any other card (a library card, another user's, none).
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
    stored as none.

    Raises ``LookupError`` when the user does not own the card and :class:`CardTextError`
    when the front or back is empty or a field is longer than its maximum.
    """
    values = _checked(front=front, back=back, source_sentence=source_sentence)
    with write_unit(session):
        text = _owned_card(session, user_id, card_id).text(lang)
        text.front, text.back, text.source_sentence = values
    return text


def _checked(*, front: str, back: str, source_sentence: str | None) -> tuple[str, str, str | None]:
    front, back = clean_text(front), clean_text(back)
    source = clean_text(source_sentence or "") or None
    for field, value, limit in (
        ("front", front, FRONT_MAX),
        ("back", back, BACK_MAX),
        ("source_sentence", source or "", SOURCE_MAX),
    ):
        if field != "source_sentence" and not value:
            raise CardTextError(field, "required")
        if len(value) > limit:
            raise CardTextError(field, "too_long")
    return front, back, source


def clean_text(value: str) -> str:
    """Card text as stored: plain newlines, no surrounding whitespace."""
    # Browsers send textarea line breaks as CRLF; cards store plain newlines.
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()
