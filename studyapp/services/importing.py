"""Importing papers into the shared library's decks and into users' own decks.

An import is one transaction: every paper of every document lands, or nothing does. Papers are
matched by identity (arXiv id, else folded title) within their deck and cards by kind within
their paper, so importing the same summary twice changes nothing and importing an edited one
updates cards in place, keeping their ids, GUIDs and review history.

A card text the user edited (``CardText.edited_at`` set) is theirs: importing again leaves its
wording, and the headline number it was made from, alone, and a paper with an edited card keeps
its method name. Only corrections the user makes while importing (:class:`Corrections`, from
the import preview, :mod:`studyapp.services.import_corrections`) replace it, and mark what
they store as edited.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from studyapp.db import run_write_unit
from studyapp.extract.drafts import CardDraft, PaperDraft
from studyapp.extract.topics import topic_by_slug
from studyapp.identity import CardKind, card_guid, paper_identity, web_link
from studyapp.models import (
    Card,
    CardText,
    Deck,
    Paper,
    PaperText,
    Topic,
    utcnow,
)
from studyapp.services.enrollment import enroll
from studyapp.services.errors import NotFound

__all__ = [
    "MAX_DECK_NAME",
    "NO_CORRECTIONS",
    "Corrections",
    "DeckImport",
    "DeckNotFound",
    "ImportReport",
    "clean_deck_name",
    "import_decks",
    "one_line",
    "save_into_deck",
    "save_into_new_deck",
    "slugify",
]

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class Corrections:
    """What the user corrected in the papers before saving them (in the import preview), by
    paper identity: stored over an earlier edit, and marked edited themselves."""

    #: Papers whose method name the user corrected.
    methods: frozenset[str] = frozenset()
    #: Cards, as (paper identity, kind), whose wording in the paper's language the user
    #: corrected.
    texts: frozenset[tuple[str, CardKind]] = frozenset()


@dataclass(frozen=True, slots=True)
class DeckImport:
    """Papers to store in one deck, found by ``slug`` and created as ``name`` if missing."""

    name: str
    papers: Sequence[PaperDraft]
    owner_id: int | None = None
    slug: str | None = None
    #: Replaces the deck's description when given (the built-in library's files carry one).
    description: str | None = None
    corrections: Corrections = Corrections()


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


def slugify(name: str) -> str:
    """A URL-safe, readable slug: ``Daily Papers (2024-02-08)`` → ``daily-papers-2024-02-08``."""
    folded = unicodedata.normalize("NFKC", name).casefold()
    slug = re.sub(r"[^\w]+", "-", folded).strip("-_")
    return slug[:120] or "deck"


def import_decks(
    session: Session,
    imports: Sequence[DeckImport],
    *,
    progress: Callable[[int], None] | None = None,
) -> list[ImportReport]:
    """Store every deck's papers and cards in one transaction; report what changed.

    ``progress`` is called with the number of papers stored since its last call. When a
    concurrent import of the same papers wins a race, the unit is retried once, and finds them.
    """
    return run_write_unit(
        session, lambda: [_import_deck(session, item, progress) for item in imports]
    )


def _import_deck(
    session: Session, item: DeckImport, progress: Callable[[int], None] | None
) -> ImportReport:
    deck = _deck(session, item)
    report = ImportReport(deck_id=deck.id, deck_name=deck.name)
    # The last of several drafts of one paper wins, as it would on a second import.
    drafts: dict[str, PaperDraft] = {}
    for draft in item.papers:
        drafts[paper_identity(arxiv_id=draft.arxiv_id, title=draft.title)] = draft
    topics = _topics(session, {slug for d in drafts.values() for slug in d.topics})

    identities = list(drafts)
    for start in range(0, len(identities), _CHUNK):
        chunk = identities[start : start + _CHUNK]
        existing = {
            paper.identity: paper
            for paper in session.scalars(
                select(Paper)
                .where(Paper.deck_id == deck.id, Paper.identity.in_(chunk))
                .options(
                    selectinload(Paper.texts),
                    selectinload(Paper.topics),
                    selectinload(Paper.cards).selectinload(Card.texts),
                )
            )
        }
        for identity in chunk:
            _store_paper(
                session,
                deck,
                identity,
                drafts[identity],
                existing.get(identity),
                topics,
                report,
                item.corrections,
            )
        session.flush()
        if progress is not None:
            progress(len(chunk))
    # Whoever studies this deck gets its new cards in their queue.
    enroll(session, deck.id)
    return report


def _deck(session: Session, item: DeckImport) -> Deck:
    slug = item.slug or slugify(item.name)
    owner_clause = (
        Deck.owner_id.is_(None) if item.owner_id is None else Deck.owner_id == item.owner_id
    )
    # Locked until commit (PostgreSQL): a user adding this deck at the same time waits, so one
    # of the two enrolls after the other and sees its rows (cards, or the user's deck entry).
    deck = session.scalars(
        select(Deck).where(owner_clause, Deck.slug == slug).with_for_update()
    ).one_or_none()
    if deck is None:
        deck = Deck(owner_id=item.owner_id, slug=slug, name=item.name)
        session.add(deck)
        session.flush()
    if item.description is not None:
        _set_if_changed(deck, name=item.name, description=item.description)
    return deck


def _topics(session: Session, slugs: set[str]) -> dict[str, Topic]:
    found = {t.slug: t for t in session.scalars(select(Topic).where(Topic.slug.in_(slugs)))}
    for slug in sorted(slugs - found.keys()):
        known = topic_by_slug(slug)
        topic = Topic(slug=slug, name_en=known.name_en, name_ko=known.name_ko)
        session.add(topic)
        found[slug] = topic
    return found


def _store_paper(
    session: Session,
    deck: Deck,
    identity: str,
    draft: PaperDraft,
    paper: Paper | None,
    topics: dict[str, Topic],
    report: ImportReport,
    corrections: Corrections,
) -> None:
    report.papers += 1
    method = draft.method
    if paper is None:
        paper = Paper(deck=deck, identity=identity)
        session.add(paper)
        report.papers_new += 1
    elif identity not in corrections.methods and any(
        text.edited_at is not None for card in paper.cards for text in card.texts
    ):
        # The user's wording names the paper as it is named now.
        method = paper.method
    _set_if_changed(
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
            _set_if_changed(texts[lang], title=title, sentences=list(sentences))
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
            if _set_if_changed(text, **values) or text.edited_at is None:
                text.edited_at = utcnow()
                changed = True
        elif text is None:
            card.texts.append(CardText(lang=text_lang, **values))
            changed = True
        elif text.edited_at is not None:
            kept |= any(getattr(text, name) != value for name, value in values.items())
        else:
            changed |= _set_if_changed(text, **values)
    own = texts.get(card.lang)
    if corrected or own is None or own.edited_at is None:
        # The headline number goes with the wording of the card's own language: an edited
        # wording keeps the number it was made from.
        changed |= _set_if_changed(
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


def _set_if_changed(row: object, **values: object) -> bool:
    """Assign only what differs, so an unchanged re-import writes nothing at all."""
    changed = False
    for name, value in values.items():
        if getattr(row, name) != value:
            setattr(row, name, value)
            changed = True
    return changed


#: Papers saved as extracted, as when saving without a preview.
NO_CORRECTIONS = Corrections()
#: As long as ``Deck.name`` allows.
MAX_DECK_NAME = 200


class DeckNotFound(NotFound):
    """The deck does not exist, or belongs to someone else (the two are not told apart)."""


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


def save_into_new_deck(
    session: Session,
    *,
    user_id: int,
    name: str,
    papers: Sequence[PaperDraft],
    corrections: Corrections = NO_CORRECTIONS,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Store ``papers`` in the user's deck called ``name``, created when missing.

    A name that matches one of the user's decks (by slug) adds to that deck, so saving the
    same summary twice under the same name changes nothing. ``corrections`` says what the user
    corrected (see :func:`apply_corrections`); ``progress`` is as :func:`import_decks`'s.
    """
    name = clean_deck_name(name)
    item = DeckImport(name=name, papers=papers, owner_id=user_id, corrections=corrections)
    return import_decks(session, [item], progress=progress)[0]


def save_into_deck(
    session: Session,
    *,
    user_id: int,
    deck_id: int,
    papers: Sequence[PaperDraft],
    corrections: Corrections = NO_CORRECTIONS,
    progress: Callable[[int], None] | None = None,
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
    return import_decks(session, [item], progress=progress)[0]
