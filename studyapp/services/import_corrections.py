"""What the user corrects in the import preview before saving, applied to the extracted papers.

The import preview lets the user leave papers out and correct a method name and each card's
front and back before saving (:func:`apply_corrections`). A correction is validated like the
card edit page's (:func:`studyapp.services.cards.checked_wording`), stored over the extracted
wording and marked edited, so that importing the same summary again keeps it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from studyapp.extract.cards import card_name
from studyapp.extract.drafts import CardDraft, PaperDraft
from studyapp.identity import CardKind, paper_identity
from studyapp.services.cards import CardTextError, checked_wording, clean_text
from studyapp.services.importing import Corrections, one_line

__all__ = [
    "METHOD_MAX",
    "CardCorrection",
    "Corrected",
    "NothingToSave",
    "PaperCorrection",
    "PreviewMismatch",
    "apply_corrections",
    "clean_method",
]

#: As long as ``Paper.method`` allows.
METHOD_MAX = 200


class PreviewMismatch(ValueError):
    """Corrections that do not fit the document's papers: the summary or its format changed
    since the preview (or the form was made up)."""


class NothingToSave(ValueError):
    """Every paper was left out."""


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
