"""Importing summaries into a user's own decks, on top of :mod:`studyapp.services.library`.

The import preview lets the user leave papers out and correct a method name and each card's
front and back before saving (:func:`apply_corrections`). A correction is validated like the
card edit page's (:func:`studyapp.services.cards.checked_wording`), stored over the extracted
wording and marked edited, so that importing the same summary again keeps it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.extract.cards import card_name
from studyapp.extract.drafts import CardDraft, PaperDraft
from studyapp.identity import CardKind, paper_identity
from studyapp.models import Deck, Paper
from studyapp.services.cards import CardTextError, checked_wording, clean_text
from studyapp.services.errors import NotFound
from studyapp.services.library import Corrections, DeckImport, ImportReport, import_decks

__all__ = [
    "MAX_DECK_NAME",
    "METHOD_MAX",
    "NO_CORRECTIONS",
    "CardCorrection",
    "Corrected",
    "DeckNotFound",
    "NothingToSave",
    "OwnDeck",
    "PaperCorrection",
    "PreviewMismatch",
    "apply_corrections",
    "clean_deck_name",
    "clean_method",
    "one_line",
    "own_decks",
    "save_into_deck",
    "save_into_new_deck",
]

#: As long as ``Deck.name`` allows.
MAX_DECK_NAME = 200
#: As long as ``Paper.method`` allows.
METHOD_MAX = 200
#: Papers saved as extracted, as when saving without a preview.
NO_CORRECTIONS = Corrections()


class DeckNotFound(NotFound):
    """The deck does not exist, or belongs to someone else (the two are not told apart)."""


class PreviewMismatch(ValueError):
    """Corrections that do not fit the document's papers: the summary or its format changed
    since the preview (or the form was made up)."""


class NothingToSave(ValueError):
    """Every paper was left out."""


@dataclass(frozen=True, slots=True)
class OwnDeck:
    id: int
    name: str
    papers: int


@dataclass(frozen=True, slots=True)
class CardCorrection:
    kind: CardKind
    front: str
    back: str


@dataclass(frozen=True, slots=True)
class PaperCorrection:
    """What the user chose in the preview for the paper at ``position`` of the document."""

    position: int
    #: The paper's identity as the preview showed it, to check that it is the same paper.
    identity: str
    keep: bool
    #: The method name; None or empty: the paper names no method.
    method: str | None
    cards: tuple[CardCorrection, ...] = ()


@dataclass(frozen=True, slots=True)
class Corrected:
    """The papers to save, as corrected, and what the user corrected."""

    papers: tuple[PaperDraft, ...]
    corrections: Corrections
    #: How many papers were left out.
    left_out: int = 0


def one_line(text: str) -> str:
    """``text`` on one line: runs of whitespace (line breaks, tabs) become one space, other
    control characters go."""
    printable = "".join(char for char in text if char.isprintable() or char.isspace())
    return " ".join(printable.split())


def clean_deck_name(name: str) -> str:
    """``name`` on one line (:func:`one_line`), cut to :data:`MAX_DECK_NAME`. A deck's name
    ends up in page titles, Anki and the download's file name, where a line break has no
    place."""
    return one_line(name)[:MAX_DECK_NAME]


def clean_method(name: str | None) -> str | None:
    """A method name as stored: on one line (:func:`one_line`); None when empty."""
    return one_line(name or "") or None


def apply_corrections(
    papers: Sequence[PaperDraft], corrections: Sequence[PaperCorrection]
) -> Corrected:
    """``papers`` as the user left them in the preview: without the papers they unticked, with
    the method names and card wordings they corrected.

    A card front the user left as extracted follows a corrected method name (the name opens
    it). Papers without a correction (a preview shows only the first hundred) are saved as
    extracted. Raises :class:`PreviewMismatch` when a correction names no paper of ``papers``
    (by position and identity) or no card of its paper, :class:`NothingToSave` when every
    paper is left out, and :class:`~studyapp.services.cards.CardTextError` for a corrected
    front or back that the card edit page would refuse (empty, or too long), and a method name
    longer than :data:`METHOD_MAX` (field ``method``).
    """
    by_position: dict[int, PaperCorrection] = {}
    for correction in corrections:
        if not 0 <= correction.position < len(papers) or correction.position in by_position:
            raise PreviewMismatch(correction.position)
        draft = papers[correction.position]
        if correction.identity != paper_identity(arxiv_id=draft.arxiv_id, title=draft.title):
            raise PreviewMismatch(correction.position)
        by_position[correction.position] = correction

    kept: list[PaperDraft] = []
    methods: set[str] = set()
    texts: set[tuple[str, CardKind]] = set()
    for position, draft in enumerate(papers):
        chosen = by_position.get(position)
        if chosen is None:
            kept.append(draft)
            continue
        if not chosen.keep:
            continue
        identity = chosen.identity
        method = clean_method(chosen.method)
        if len(method or "") > METHOD_MAX:
            raise CardTextError("method", "too_long")
        if method != draft.method:
            methods.add(identity)
        cards = _corrected_cards(draft, method, chosen.cards)
        texts |= {
            (identity, card.kind)
            for card, old in zip(cards, draft.cards, strict=True)
            if card != old
        }
        kept.append(dataclasses.replace(draft, method=method, cards=cards))
    if not kept:
        raise NothingToSave()
    return Corrected(
        papers=tuple(kept),
        corrections=Corrections(methods=frozenset(methods), texts=frozenset(texts)),
        left_out=len(papers) - len(kept),
    )


def _corrected_cards(
    draft: PaperDraft, method: str | None, fixes: Sequence[CardCorrection]
) -> tuple[CardDraft, ...]:
    by_kind: dict[CardKind, CardCorrection] = {}
    for given in fixes:
        if given.kind in by_kind or not any(card.kind is given.kind for card in draft.cards):
            raise PreviewMismatch(given.kind)
        by_kind[given.kind] = given
    old_name, new_name = card_name(draft.title, draft.method), card_name(draft.title, method)
    cards = []
    for card in draft.cards:
        fix = by_kind.get(card.kind)
        front, back = (fix.front, fix.back) if fix else (card.front, card.back)
        if clean_text(back) == clean_text(card.back):
            back = card.back
        if clean_text(front) == clean_text(card.front):
            front = card.front
            if front.startswith(old_name):
                # Left as it was: the front names the paper as the method name now does.
                front = new_name + front[len(old_name) :]
        if (front, back) != (card.front, card.back):
            front, back = checked_wording(front, back)
        cards.append(dataclasses.replace(card, front=front, back=back))
    return tuple(cards)


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
    session: Session,
    *,
    user_id: int,
    name: str,
    papers: Sequence[PaperDraft],
    corrections: Corrections = NO_CORRECTIONS,
) -> ImportReport:
    """Store ``papers`` in the user's deck called ``name``, created when missing.

    A name that matches one of the user's decks (by slug) adds to that deck, so saving the
    same summary twice under the same name changes nothing. ``corrections`` says what the user
    corrected (see :func:`apply_corrections`).
    """
    name = clean_deck_name(name)
    item = DeckImport(name=name, papers=papers, owner_id=user_id, corrections=corrections)
    return import_decks(session, [item])[0]


def save_into_deck(
    session: Session,
    *,
    user_id: int,
    deck_id: int,
    papers: Sequence[PaperDraft],
    corrections: Corrections = NO_CORRECTIONS,
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
        item = DeckImport(
            name=deck.name,
            slug=deck.slug,
            papers=papers,
            owner_id=user_id,
            corrections=corrections,
        )
    return import_decks(session, [item])[0]
