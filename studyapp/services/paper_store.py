"""Storing one paper of an import in its deck: the per-paper half of every import path.

Papers are matched by identity within their deck and cards by kind within their paper, so
storing the same draft twice changes nothing and storing an edited one updates cards in place,
keeping their ids, GUIDs and review history. A card text the user edited
(``CardText.edited_at`` set) keeps its wording, unless the user corrected it while importing
(:class:`Corrections`). :mod:`studyapp.services.importing` (one transaction) and
:mod:`studyapp.services.importing_steps` (many short ones) both store papers through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from studyapp.extract.drafts import CardDraft, PaperDraft
from studyapp.extract.topics import topic_by_slug
from studyapp.identity import CardKind, card_guid, paper_identity, web_link
from studyapp.models import Card, CardText, Deck, Paper, PaperText, Topic, utcnow

_T = TypeVar("_T")

__all__ = [
    "Corrections",
    "ImportReport",
    "chunks",
    "ensure_topics",
    "existing_papers",
    "latest_drafts",
    "set_if_changed",
    "store_paper",
]


@dataclass(frozen=True, slots=True)
class Corrections:
    """What the user corrected in the papers before saving them (in the import preview), by
    paper identity: stored over an earlier edit, and marked edited themselves."""

    #: Papers whose method name the user corrected.
    methods: frozenset[str] = frozenset()
    #: Cards, as (paper identity, kind), whose wording in the paper's language the user
    #: corrected.
    texts: frozenset[tuple[str, CardKind]] = frozenset()


@dataclass(slots=True)
class ImportReport:
    deck_id: int
    deck_name: str
    papers: int = 0
    papers_new: int = 0
    cards_new: int = 0
    cards_updated: int = 0
    cards_unchanged: int = 0
    #: Cards whose edited wording was kept although the import worded them differently.
    cards_kept: int = 0

    @property
    def cards(self) -> int:
        return self.cards_new + self.cards_updated + self.cards_unchanged


def latest_drafts(papers: Iterable[PaperDraft]) -> dict[str, PaperDraft]:
    """The drafts by paper identity, in document order; the last of several drafts of one
    paper wins, as it would on a second import."""
    drafts: dict[str, PaperDraft] = {}
    for draft in papers:
        drafts[paper_identity(arxiv_id=draft.arxiv_id, title=draft.title)] = draft
    return drafts


def chunks(items: Sequence[_T], size: int) -> Iterator[Sequence[_T]]:
    """``items`` in consecutive runs of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


def existing_papers(session: Session, deck_id: int, identities: Sequence[str]) -> dict[str, Paper]:
    """The deck's papers among ``identities``, with what :func:`store_paper` reads loaded."""
    return {
        paper.identity: paper
        for paper in session.scalars(
            select(Paper)
            .where(Paper.deck_id == deck_id, Paper.identity.in_(identities))
            .options(
                selectinload(Paper.texts),
                selectinload(Paper.topics),
                selectinload(Paper.cards).selectinload(Card.texts),
            )
        )
    }


def ensure_topics(session: Session, slugs: set[str]) -> dict[str, Topic]:
    """The topics named by ``slugs``, the missing ones added to the session."""
    found = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(slugs)))}
    for slug in sorted(slugs - found.keys()):
        known = topic_by_slug(slug)
        topic = Topic(slug=slug, name_en=known.name_en, name_ko=known.name_ko)
        session.add(topic)
        found[slug] = topic
    return found


def store_paper(
    session: Session,
    deck: Deck,
    identity: str,
    draft: PaperDraft,
    paper: Paper | None,
    topics: dict[str, Topic],
    report: ImportReport,
    corrections: Corrections,
) -> None:
    """Store one paper of ``deck``: ``paper`` is its row when the deck holds it already (with
    texts, topics and cards loaded, see :func:`existing_papers`), else ``None`` for a new one.
    Counts what changed in ``report``."""
    report.papers += 1
    method = draft.method
    if paper is None:
        paper = Paper(deck_id=deck.id, identity=identity)
        session.add(paper)
        report.papers_new += 1
    elif identity not in corrections.methods and any(
        text.edited_at is not None for card in paper.cards for text in card.texts
    ):
        # The user's wording names the paper as it is named now.
        method = paper.method
    set_if_changed(
        paper,
        title=draft.title,
        arxiv_id=draft.arxiv_id,
        url=web_link(draft.url),
        authors=list(draft.authors),
        published_on=draft.published_on,
        lang=draft.lang,
        method=method,
    )
    wanted_topics = [topics[slug] for slug in draft.topics]
    if [t.slug for t in paper.topics] != [t.slug for t in wanted_topics]:
        paper.topics = wanted_topics
    versions = [(draft.lang, draft.translated_title, draft.sentences, draft.cards)]
    versions += [(t.lang, t.title, t.sentences, t.cards) for t in draft.translations]
    texts = {text.lang: text for text in paper.texts}
    for lang, title, sentences, _ in versions:
        if lang in texts:
            set_if_changed(texts[lang], title=title, sentences=list(sentences))
        else:
            paper.texts.append(PaperText(lang=lang, title=title, sentences=list(sentences)))

    by_kind = {card.kind: card for card in paper.cards}
    for card_draft in draft.cards:
        wordings = [
            (lang, wording)
            for lang, _, _, cards in versions
            for wording in cards
            if wording.kind is card_draft.kind
        ]
        corrected = (identity, card_draft.kind) in corrections.texts
        card = by_kind.get(card_draft.kind)
        _store_card(paper, identity, wordings, card, report, corrected=corrected)


def _store_card(
    paper: Paper,
    identity: str,
    wordings: list[tuple[str, CardDraft]],
    card: Card | None,
    report: ImportReport,
    *,
    corrected: bool = False,
) -> None:
    """Store one card: the first wording is its own language's, the others translations.

    A text the user edited keeps its wording, unless ``corrected`` says the first wording is
    the user's own correction: that one is stored, and marked edited.
    """
    lang, draft = wordings[0]
    is_new = card is None
    if card is None:
        card = Card(kind=draft.kind, guid=card_guid(identity, draft.kind), lang=lang)
        paper.cards.append(card)
    texts = {text.lang: text for text in card.texts}
    changed = kept = False
    for position, (text_lang, wording) in enumerate(wordings):
        values = {
            "front": wording.front,
            "back": wording.back,
            "source_sentence": wording.source_sentence,
        }
        text = texts.get(text_lang)
        if corrected and position == 0:
            if text is None:
                text = CardText(lang=text_lang, **values)
                card.texts.append(text)
            if set_if_changed(text, **values) or text.edited_at is None:
                text.edited_at = utcnow()
                changed = True
        elif text is None:
            card.texts.append(CardText(lang=text_lang, **values))
            changed = True
        elif text.edited_at is not None:
            kept |= any(getattr(text, name) != value for name, value in values.items())
        else:
            changed |= set_if_changed(text, **values)
    own = texts.get(card.lang)
    if corrected or own is None or own.edited_at is None:
        # The headline number goes with the wording of the card's own language: an edited
        # wording keeps the number it was made from.
        changed |= set_if_changed(
            card,
            number_value=draft.number.value if draft.number else None,
            number_unit=draft.number.unit if draft.number else None,
        )
    if is_new:
        report.cards_new += 1
    elif changed:
        report.cards_updated += 1
    else:
        report.cards_unchanged += 1
    report.cards_kept += kept


def set_if_changed(row: object, **values: object) -> bool:
    """Assign only what differs, so an unchanged re-import writes nothing at all."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed
