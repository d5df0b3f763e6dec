"""A paper as one user sees it: its summary in the asked language, its cards in kind order,
and the user's own schedule for each."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Select, select
from sqlalchemy.orm import Session, selectinload

from studyapp.identity import CardKind
from studyapp.models import Card, Paper, PaperText, ReviewState

__all__ = ["CardView", "PaperView", "paper_view", "states_of", "with_content"]

_KIND_ORDER = {kind: position for position, kind in enumerate(CardKind)}


@dataclass(frozen=True, slots=True)
class CardView:
    """A card (with its texts) and the user's state for it; no state: not studied."""

    card: Card
    state: ReviewState | None


@dataclass(frozen=True, slots=True)
class PaperView:
    """A paper with its deck, topics and cards (in kind order), for one user."""

    paper: Paper
    #: The summary in the asked language, else in the paper's own; None when there is none.
    text: PaperText | None
    cards: tuple[CardView, ...]
    #: The user owns the deck: its cards may be edited.
    editable: bool
    #: The user studies the deck (owns it or added it).
    studied: bool
    #: The summary in the paper's other languages (the built-in library has two), offered
    #: beside the one shown.
    other_texts: tuple[PaperText, ...] = ()


def with_content(statement: Select[Paper]) -> Select[Paper]:
    return statement.options(
        selectinload(Paper.texts),
        selectinload(Paper.topics),
        selectinload(Paper.cards).selectinload(Card.texts),
    )


def states_of(session: Session, user_id: int, card_ids: Iterable[int]) -> dict[int, ReviewState]:
    ids = list(card_ids)
    if not ids:
        return {}
    return {
        state.card_id: state
        for state in session.scalars(
            select(ReviewState).where(ReviewState.user_id == user_id, ReviewState.card_id.in_(ids))
        )
    }


def paper_view(
    paper: Paper, states: dict[int, ReviewState], *, lang: str, editable: bool, studied: bool
) -> PaperView:
    texts = {text.lang: text for text in paper.texts}
    cards = sorted(paper.cards, key=lambda card: _KIND_ORDER[card.kind])
    shown = texts.get(lang) or texts.get(paper.lang)
    return PaperView(
        paper=paper,
        text=shown,
        cards=tuple(CardView(card=card, state=states.get(card.id)) for card in cards),
        editable=editable,
        studied=studied,
        other_texts=tuple(
            text for code, text in sorted(texts.items()) if text is not shown and text.sentences
        ),
    )
