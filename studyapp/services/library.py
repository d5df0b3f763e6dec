"""The shared library and users' decks: what they hold."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.models import Card, Deck, Paper

__all__ = ["LibraryCounts", "library_counts"]


@dataclass(frozen=True, slots=True)
class LibraryCounts:
    decks: int
    papers: int
    cards: int


def library_counts(session: Session) -> LibraryCounts:
    """How many decks, papers and cards the shared library holds."""
    with session.begin():
        row = session.execute(
            select(
                func.count(func.distinct(Deck.id)),
                func.count(func.distinct(Paper.id)),
                func.count(Card.id),
            )
            .select_from(Deck)
            .outerjoin(Paper, Paper.deck_id == Deck.id)
            .outerjoin(Card, Card.paper_id == Paper.id)
            .where(Deck.owner_id.is_(None))
        ).one()
    return LibraryCounts(decks=row[0], papers=row[1], cards=row[2])
