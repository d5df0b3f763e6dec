"""Bringing an Anki collection in: answers given in Anki to our cards, and Anki's other notes as
the user's own cards.

Two steps, as the page and the command show them: :func:`check_import` reads what the package
would change and writes nothing (the report); :func:`run_import` does it, all or nothing, and
returns the same report, counted again inside its transaction.

- A note of one of our note types is matched to the card the user studies with its GUID. Its
  answers in Anki newer than every answer in our log are added to the log, and the card's state
  becomes Anki's (:mod:`studyapp.services.anki_history` says why we adopt rather than replay).
  An answer we have already (same moment, to the millisecond: our exports write each answer's
  time as its Anki id) counts as unchanged; one older than a later answer here cannot be placed
  in the log's order and is left out, counted as such.
- Any other note (Basic, Basic and reversed, Cloze, the user's own types) gives one card per
  Anki card, as Anki renders it, in plain text, in the user's deck of the same name (created
  when missing), with its answers and state. Its GUID is the note's with the card's number, so
  importing again finds it instead of adding it twice.
- Pictures, sounds and other media are not shown on our cards: they are counted as skipped.
"""

from __future__ import annotations

import enum
import hashlib
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from studyapp.apkg.notetypes import MODEL_IDS
from studyapp.apkg.reading import AnkiCard, AnkiCollection, AnkiNote, RevlogEntry
from studyapp.apkg.rendering import media_references, render_card
from studyapp.apkg.scheduling import epoch_ms
from studyapp.db import write_unit
from studyapp.identity import PAPER_KINDS, CardKind
from studyapp.models import Card, Deck, ReviewLog, ReviewState, User
from studyapp.services import anki_history
from studyapp.services.anki_writes import NewCard, add_cards, write_state
from studyapp.services.errors import ServiceError
from studyapp.services.export import UnknownUser
from studyapp.services.importing import (
    clean_deck_name,
    slugify,
)
from studyapp.services.paper_store import chunks
from studyapp.services.review_items import schedule_of

__all__ = [
    "AnkiImportReport",
    "CardsChanged",
    "SkipReason",
    "UnknownUser",
    "check_import",
    "note_card_guid",
    "run_import",
]

_OUR_NOTE_TYPES = frozenset(MODEL_IDS.values())
_CHUNK = 500
#: The longest front or back a card brought from Anki may have.
_TEXT_MAX = 20_000
#: The longest field read at all: rendering is not made for larger ones.
_FIELD_MAX = 100_000


class CardsChanged(ServiceError):
    """A card was answered here while the import ran: nothing was imported; try again."""

    status = 409


class SkipReason(enum.StrEnum):
    """Why an Anki card is not brought in."""

    #: A card of our note types that the user does not study (not in their decks).
    NOT_STUDIED = "not_studied"
    #: Its note type is missing from the package.
    NO_NOTE_TYPE = "no_note_type"
    #: Nothing is left to show once pictures and sounds are left out.
    EMPTY = "empty"
    #: Its text is longer than any card's (or its template nests past reason).
    TOO_LONG = "too_long"


@dataclass(slots=True)
class AnkiImportReport:
    """What an import changes (or changed)."""

    #: Answers given in Anki that join the review log.
    reviews: int = 0
    #: Cards already here whose state follows Anki's.
    cards_updated: int = 0
    new_cards: int = 0
    #: The user's decks the new cards go into that do not exist yet.
    new_decks: list[str] = field(default_factory=list)
    #: Cards already here with nothing new from Anki.
    unchanged: int = 0
    skipped: Counter[SkipReason] = field(default_factory=Counter)
    #: Answers given in Anki before a later answer here: the log's order has no place for them.
    older_answers: int = 0
    #: Media files (pictures, sounds) in the package or named by its new cards: never kept.
    media_skipped: int = 0

    @property
    def changes_anything(self) -> bool:
        return bool(self.reviews or self.new_cards or self.cards_updated)


@dataclass(slots=True)
class _Plan:
    report: AnkiImportReport
    #: Each card's review state, the answers to add and the state after them.
    merges: list[tuple[ReviewState, anki_history.Adopted]]
    new_cards: list[NewCard]
    #: Each Anki card's answers, oldest first.
    answers: dict[int, list[RevlogEntry]]


def note_card_guid(note_guid: str, ord_: int) -> str:
    """Our GUID for card ``ord_`` of an Anki note that is not of our note types."""
    guid = f"{note_guid}#{ord_}"
    if len(guid) <= 64:
        return guid
    return "anki-" + hashlib.sha256(guid.encode("utf-8")).hexdigest()[:40]


def _user(session: Session, user_id: int, *, lock: bool) -> User:
    query = select(User).where(User.id == user_id).execution_options(populate_existing=True)
    user = session.scalars(query.with_for_update() if lock else query).one_or_none()
    if user is None:
        raise UnknownUser(str(user_id))
    return user


def _states_by_guid(
    session: Session, user_id: int, guids: Sequence[str], kinds: Sequence[CardKind]
) -> dict[str, ReviewState]:
    """The user's review states of the cards with these GUIDs (the studied card, when two of
    the user's decks hold the same paper: the one answered last)."""
    found: dict[str, ReviewState] = {}
    for chunk in chunks(guids, _CHUNK):
        rows = session.execute(
            select(Card.guid, ReviewState)
            .join(ReviewState, ReviewState.card_id == Card.id)
            .where(ReviewState.user_id == user_id, Card.guid.in_(chunk), Card.kind.in_(kinds))
            .order_by(ReviewState.last_reviewed_at.desc().nulls_last(), ReviewState.id)
        ).all()
        for guid, state in rows:
            found.setdefault(guid, state)
    return found


def _answered_at(session: Session, user_id: int, card_ids: Sequence[int]) -> dict[int, list[int]]:
    """Each card's answers in our log, as our exports write their Anki ids (epoch milliseconds;
    two answers at one moment are two entries)."""
    moments: dict[int, list[int]] = defaultdict(list)
    for chunk in chunks(card_ids, _CHUNK):
        for card_id, reviewed_at in session.execute(
            select(ReviewLog.card_id, ReviewLog.reviewed_at).where(
                ReviewLog.user_id == user_id, ReviewLog.card_id.in_(chunk)
            )
        ):
            moments[card_id].append(epoch_ms(reviewed_at))
    return moments


def _plan(session: Session, user: User, collection: AnkiCollection) -> _Plan:
    report = AnkiImportReport()
    # The package's media files, and those the new cards name (a package exported without
    # its media still names them).
    pictures = set(collection.media)
    answers: dict[int, list[RevlogEntry]] = defaultdict(list)
    for entry in sorted(collection.revlog, key=lambda e: e.id):
        if anki_history.is_answer(entry):
            answers[entry.card_id].append(entry)
    plan = _Plan(report, [], [], answers)
    notes = {note.id: note for note in collection.notes}
    ours: list[tuple[str, AnkiCard]] = []
    others: list[tuple[str, AnkiNote, AnkiCard]] = []
    for card in collection.cards:
        note = notes.get(card.note_id)
        if note is None:
            continue
        if note.notetype_id in _OUR_NOTE_TYPES:
            ours.append((note.guid, card))
        else:
            others.append((note_card_guid(note.guid, card.ord), note, card))
    states = _states_by_guid(session, user.id, [g for g, _ in ours], PAPER_KINDS)
    states |= _states_by_guid(session, user.id, [g for g, _, _ in others], (CardKind.NOTE,))
    logged = _answered_at(session, user.id, [s.card_id for s in states.values()])
    scheduling = user.scheduling

    def merge(state: ReviewState, card: AnkiCard) -> None:
        history = answers.get(card.id, [])
        known = sorted(logged.get(state.card_id, ()))
        newer, older = _unknown(history, known)
        report.older_answers += len(older)
        if not newer:
            report.unchanged += 1
            return
        adopted = anki_history.merge(
            schedule_of(state),
            newer,
            card,
            history,
            collection=collection,
            timezone=user.timezone,
            scheduling=scheduling,
        )
        plan.merges.append((state, adopted))
        report.reviews += len(newer)
        report.cards_updated += 1

    for guid, card in ours:
        state = states.get(guid)
        if state is None:
            report.skipped[SkipReason.NOT_STUDIED] += 1
        else:
            merge(state, card)
    # A deck is found by its name's slug, as deck_for finds it.
    existing_decks = set(session.scalars(select(Deck.slug).where(Deck.owned_by(user.id))))
    for guid, note, card in others:
        state = states.get(guid)
        if state is not None:
            merge(state, card)
            continue
        if any(len(value) > _FIELD_MAX for value in note.fields):
            report.skipped[SkipReason.TOO_LONG] += 1
            continue
        notetype = collection.notetypes.get(note.notetype_id)
        if notetype is None:
            report.skipped[SkipReason.NO_NOTE_TYPE] += 1
            continue
        try:
            faces = render_card(notetype, note, card.ord)
        except RecursionError:  # templates or fields nested past reason
            report.skipped[SkipReason.TOO_LONG] += 1
            continue
        if faces is None:
            report.skipped[SkipReason.EMPTY] += 1
            continue
        if len(faces[0]) > _TEXT_MAX or len(faces[1]) > _TEXT_MAX:
            report.skipped[SkipReason.TOO_LONG] += 1
            continue
        deck = clean_deck_name(collection.decks.get(card.odid or card.deck_id, "")) or "Anki"
        pictures |= media_references(note)
        plan.new_cards.append(NewCard(deck, guid, faces[0], faces[1], card))
        report.new_cards += 1
        if slugify(deck) not in existing_decks:
            existing_decks.add(slugify(deck))
            report.new_decks.append(deck)
    report.reviews += sum(len(answers.get(new.card.id, [])) for new in plan.new_cards)
    report.media_skipped = len(pictures)
    return plan


#: How far past an answer's moment its id in Anki may be: our exports write each answer's time
#: as its id, moved on by a millisecond for each answer that shares that moment.
_ID_SLACK_MS = 60_000


def _unknown(
    history: Sequence[RevlogEntry], known: Sequence[int]
) -> tuple[list[RevlogEntry], list[RevlogEntry]]:
    """The card's Anki answers (``history``, oldest first) that are not in our log (``known``:
    our answers' moments, ascending), split into those after our last answer and those before.

    Each answer of ours claims the first unclaimed Anki answer at or after its moment (within
    :data:`_ID_SLACK_MS`): that is the one our export wrote for it. Both lists are in order,
    so one pass over each does it."""
    claimed: set[int] = set()
    position = 0
    for moment in known:
        while position < len(history) and history[position].id < moment:
            position += 1
        if position < len(history) and history[position].id < moment + _ID_SLACK_MS:
            claimed.add(history[position].id)
            position += 1
    latest = max(known, default=0)
    left = [entry for entry in history if entry.id not in claimed]
    return [e for e in left if e.id > latest], [e for e in left if e.id <= latest]


def check_import(session: Session, user_id: int, collection: AnkiCollection) -> AnkiImportReport:
    """What importing ``collection`` for the user would change; writes nothing."""
    with session.begin():
        return _plan(session, _user(session, user_id, lock=False), collection).report


def run_import(session: Session, user_id: int, collection: AnkiCollection) -> AnkiImportReport:
    """Import ``collection`` for the user, all or nothing; the report of what it changed.

    The user's row is locked for the import, so that a second import of the same package (a
    double click) waits and then finds everything unchanged. A card answered here while the
    import runs (PostgreSQL) makes it write nothing: :class:`CardsChanged`."""
    try:
        with write_unit(session):
            user = _user(session, user_id, lock=True)
            plan = _plan(session, user, collection)
            log: list[dict[str, Any]] = []
            for state, adopted in plan.merges:
                write_state(state, adopted, log)
            add_cards(session, user, collection, plan.new_cards, plan.answers, user.scheduling, log)
            if log:
                session.execute(insert(ReviewLog), log)
    except StaleDataError:
        raise CardsChanged() from None
    return plan.report
