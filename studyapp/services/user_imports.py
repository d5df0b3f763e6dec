"""Importing summaries into a user's own decks, on top of :mod:`studyapp.services.library`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.extract.drafts import PaperDraft
from studyapp.models import Deck, Paper
from studyapp.services.library import DeckImport, ImportReport, import_decks

__all__ = [
    "DeckNotFound",
    "OwnDeck",
    "clean_deck_name",
    "own_decks",
    "save_into_deck",
    "save_into_new_deck",
]

#: As long as ``Deck.name`` allows.
MAX_DECK_NAME = 200


class DeckNotFound(LookupError):
    """The deck does not exist, or belongs to someone else (the two are not told apart)."""


@dataclass(frozen=True, slots=True)
class OwnDeck:
    id: int
    name: str
    papers: int


def clean_deck_name(name: str) -> str:
    """``name`` on one line: runs of whitespace (line breaks, tabs) become one space, other
    control characters go, and it is cut to :data:`MAX_DECK_NAME`. A deck's name ends up in
    page titles, Anki and the download's file name, where a line break has no place."""
    printable = "".join(char for char in name if char.isprintable() or char.isspace())
    return " ".join(printable.split())[:MAX_DECK_NAME]


def own_decks(session: Session, user_id: int) -> list[OwnDeck]:
    """The decks ``user_id`` owns, by name, with how many papers each holds."""
    with session.begin():
        rows = session.execute(
            select(Deck.id, Deck.name, func.count(Paper.id))
            .outerjoin(Paper, Paper.deck_id == Deck.id)
            .where(Deck.owner_id == user_id)
            .group_by(Deck.id, Deck.name)
            .order_by(func.lower(Deck.name), Deck.id)
        ).all()
    return [OwnDeck(id=row[0], name=row[1], papers=row[2]) for row in rows]


def save_into_new_deck(
    session: Session, *, user_id: int, name: str, papers: Sequence[PaperDraft]
) -> ImportReport:
    """Store ``papers`` in the user's deck called ``name``, created when missing.

    A name that matches one of the user's decks (by slug) adds to that deck, so saving the
    same summary twice under the same name changes nothing.
    """
    name = clean_deck_name(name)
    item = DeckImport(name=name, papers=papers, owner_id=user_id)
    return import_decks(session, [item])[0]


def save_into_deck(
    session: Session, *, user_id: int, deck_id: int, papers: Sequence[PaperDraft]
) -> ImportReport:
    """Store ``papers`` in the user's existing deck ``deck_id``.

    Raises :class:`DeckNotFound` when ``deck_id`` is not one of the user's own decks (a shared
    library deck included): nothing is written then.
    """
    with session.begin():
        deck = session.scalars(
            select(Deck).where(Deck.id == deck_id, Deck.owner_id == user_id)
        ).one_or_none()
        if deck is None:
            raise DeckNotFound(deck_id)
        item = DeckImport(name=deck.name, slug=deck.slug, papers=papers, owner_id=user_id)
    return import_decks(session, [item])[0]
