"""Importing papers into the shared library's decks and into users' own decks.

An import is one transaction: every paper of every document lands, or nothing does. Papers are
matched by identity (arXiv id, else folded title) within their deck and cards by kind within
their paper, so importing the same summary twice changes nothing and importing an edited one
updates cards in place, keeping their ids, GUIDs and review history (the per-paper code is in
:mod:`studyapp.services.paper_store`; :mod:`studyapp.services.importing_steps` stores a large
import through it in short transactions, so as not to hold SQLite's write lock for long).

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
from sqlalchemy.orm import Session

from studyapp.db import run_write_unit
from studyapp.extract.drafts import PaperDraft
from studyapp.models import Deck
from studyapp.services.enrollment import enroll
from studyapp.services.errors import NotFound
from studyapp.services.paper_store import (
    Corrections,
    ImportReport,
    chunks,
    ensure_topics,
    existing_papers,
    latest_drafts,
    set_if_changed,
    store_paper,
)

__all__ = [
    "MAX_DECK_NAME",
    "NO_CORRECTIONS",
    "Corrections",
    "DeckImport",
    "DeckNotFound",
    "ImportReport",
    "clean_deck_name",
    "deck_for",
    "find_deck",
    "import_decks",
    "one_line",
    "save_into_deck",
    "save_into_new_deck",
    "slugify",
]

_CHUNK = 500


@dataclass(frozen=True, slots=True)
class DeckImport:
    """Papers to store in one deck, found by ``slug`` and created as ``name`` if missing; or,
    with ``deck_id``, in that existing deck of ``owner_id``'s, whatever its slug by then
    (:class:`DeckNotFound` when it is gone)."""

    name: str
    papers: Sequence[PaperDraft]
    owner_id: int | None = None
    slug: str | None = None
    #: An existing deck to store into, found by id at every step (a rename meanwhile changes
    #: its slug, not its id); never created.
    deck_id: int | None = None
    #: Replaces the deck's description when given (the built-in library's files carry one).
    description: str | None = None
    corrections: Corrections = Corrections()


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
    deck = deck_for(session, item)
    report = ImportReport(deck_id=deck.id, deck_name=deck.name)
    drafts = latest_drafts(item.papers)
    topics = ensure_topics(session, {slug for d in drafts.values() for slug in d.topics})
    for chunk in chunks(list(drafts), _CHUNK):
        existing = existing_papers(session, deck.id, chunk)
        for identity in chunk:
            store_paper(
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


def find_deck(session: Session, item: DeckImport, *, lock: bool = False) -> Deck | None:
    """The deck ``item`` stores into, if it exists (never a staging deck); ``lock`` locks it
    until commit (PostgreSQL).

    An ``item`` naming its ``deck_id`` is found by that id among its owner's decks, and raises
    :class:`DeckNotFound` when the deck is gone (deleted since it was chosen).
    """
    owner_clause = Deck.in_library() if item.owner_id is None else Deck.owned_by(item.owner_id)
    if item.deck_id is not None:
        query = select(Deck).where(owner_clause, Deck.id == item.deck_id)
    else:
        query = select(Deck).where(owner_clause, Deck.slug == (item.slug or slugify(item.name)))
    # Read from the database, not the session's identity map: it may hold the deck as it was
    # before a rename.
    query = query.execution_options(populate_existing=True)
    deck = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if deck is None and item.deck_id is not None:
        raise DeckNotFound(item.deck_id)
    return deck


def deck_for(session: Session, item: DeckImport) -> Deck:
    """The deck ``item`` stores into, created when missing; call inside a write unit."""
    # Locked until commit (PostgreSQL): a user adding this deck at the same time waits, so one
    # of the two enrolls after the other and sees its rows (cards, or the user's deck entry).
    deck = find_deck(session, item, lock=True)
    if deck is None:
        deck = Deck(owner_id=item.owner_id, slug=item.slug or slugify(item.name), name=item.name)
        session.add(deck)
        session.flush()
    if item.description is not None:
        set_if_changed(deck, name=item.name, description=item.description)
    return deck


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
    in_steps: bool = False,
) -> ImportReport:
    """Store ``papers`` in the user's deck called ``name``, created when missing.

    A name that matches one of the user's decks (by slug) adds to that deck, so saving the
    same summary twice under the same name changes nothing. ``corrections`` says what the user
    corrected (see :func:`apply_corrections`); ``progress`` is as :func:`import_decks`'s.
    ``in_steps`` stores them through ``importing_steps.import_in_steps`` (a job's large import).
    """
    name = clean_deck_name(name)
    item = DeckImport(name=name, papers=papers, owner_id=user_id, corrections=corrections)
    return _store(session, item, progress=progress, in_steps=in_steps)


def save_into_deck(
    session: Session,
    *,
    user_id: int,
    deck_id: int,
    papers: Sequence[PaperDraft],
    corrections: Corrections = NO_CORRECTIONS,
    progress: Callable[[int], None] | None = None,
    in_steps: bool = False,
) -> ImportReport:
    """Store ``papers`` in the user's existing deck ``deck_id`` (``in_steps``: as
    :func:`save_into_new_deck`).

    Raises :class:`DeckNotFound` when ``deck_id`` is not one of the user's own decks (a shared
    library deck included), also when it is deleted while the papers are stored: nothing is
    written then. A deck renamed meanwhile still gets them (it is found by id at every step).
    """
    with session.begin():
        deck = session.scalars(
            select(Deck).where(Deck.id == deck_id, Deck.owned_by(user_id))
        ).one_or_none()
        if deck is None:
            raise DeckNotFound(deck_id)
        item = DeckImport(
            name=deck.name,
            slug=deck.slug,
            deck_id=deck.id,
            papers=papers,
            owner_id=user_id,
            corrections=corrections,
        )
    return _store(session, item, progress=progress, in_steps=in_steps)


def _store(
    session: Session,
    item: DeckImport,
    *,
    progress: Callable[[int], None] | None,
    in_steps: bool,
) -> ImportReport:
    if in_steps:
        # Imported here: importing_steps builds on this module.
        from studyapp.services.importing_steps import import_in_steps

        return import_in_steps(session, item, progress=progress)
    return import_decks(session, [item], progress=progress)[0]
