"""Writing an Anki import (:mod:`studyapp.services.anki_import` plans it): the states Anki
left the user's cards in, and the new cards its other notes give, each on a paper of its own in
the user's deck named as in Anki, with their states and answers. Every answer goes into one
list that the caller writes in one statement."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.apkg.reading import AnkiCard, AnkiCollection, RevlogEntry
from studyapp.extract.text import detect_lang
from studyapp.identity import CardKind
from studyapp.models import Card, CardText, Paper, ReviewState, User
from studyapp.services import anki_history
from studyapp.services.enrollment import enroll
from studyapp.services.importing import DeckImport, deck_for, one_line
from studyapp.services.paper_store import chunks, existing_papers
from studyapp.services.review_items import schedule_of
from studyapp.srs.schedule import CardSchedule, Scheduling

__all__ = ["NewCard", "add_cards", "note_paper_identity", "write_state"]

_CHUNK = 500
_TITLE_MAX = 200


@dataclass(slots=True)
class NewCard:
    """One Anki card of a note not of our note types, as it will be stored."""

    deck: str
    guid: str
    front: str
    back: str
    card: AnkiCard


def note_paper_identity(guid: str) -> str:
    """The identity of the paper that holds the card brought from Anki with this GUID."""
    return f"anki:{guid}"[:300]


def write_state(
    state: ReviewState, adopted: anki_history.Adopted, log: list[dict[str, Any]]
) -> None:
    """Set the state Anki left the card in; its answers join ``log``. A suspension is taken
    from Anki, never lifted: a card suspended here stays suspended."""
    log.extend({"user_id": state.user_id, "card_id": state.card_id, **row} for row in adopted.log)
    after = adopted.state
    if after is None:
        return
    _set_state(state, after)
    if adopted.suspended:
        state.suspended = True


def _set_state(state: ReviewState, after: CardSchedule) -> None:
    state.repetitions = after.repetitions
    state.ease = after.ease
    state.interval_days = after.interval_days
    state.due_on = after.due_on
    state.lapses = after.lapses
    state.last_reviewed_at = after.last_reviewed_at
    state.redrill_on = after.redrill_on
    state.stability = after.stability
    state.difficulty = after.difficulty
    state.phase = None if after.phase is None else int(after.phase)
    state.step = after.step
    state.due_at = after.due_at


def add_cards(
    session: Session,
    user: User,
    collection: AnkiCollection,
    new_cards: Sequence[NewCard],
    answers: Mapping[int, Sequence[RevlogEntry]],
    scheduling: Scheduling,
    log: list[dict[str, Any]],
) -> None:
    """Store the new cards with their states; their answers join ``log``."""
    by_deck: dict[str, list[NewCard]] = defaultdict(list)
    for new in new_cards:
        by_deck[new.deck].append(new)
    now = datetime.now(UTC)
    for name, cards in by_deck.items():
        deck = deck_for(session, DeckImport(name=name, papers=(), owner_id=user.id))
        # A paper left behind when its card was deleted here takes the card again.
        identities = [note_paper_identity(new.guid) for new in cards]
        papers: dict[str, Paper] = {}
        for chunk in chunks(identities, _CHUNK):
            papers.update(existing_papers(session, deck.id, chunk))
        made: list[tuple[Card, NewCard]] = []
        for new in cards:
            lang = detect_lang((new.front, new.back))
            paper = papers.get(note_paper_identity(new.guid))
            if paper is None:
                paper = Paper(
                    deck_id=deck.id,
                    identity=note_paper_identity(new.guid),
                    title=one_line(new.front)[:_TITLE_MAX],
                    lang=lang,
                    created_at=now,
                )
                session.add(paper)
            card = Card(paper=paper, kind=CardKind.NOTE, guid=new.guid, lang=lang)
            card.texts = [CardText(lang=lang, front=new.front, back=new.back)]
            session.add(card)
            made.append((card, new))
        session.flush()
        enroll(session, deck.id, [user.id])
        states: dict[int, ReviewState] = {}
        for card_ids in chunks([card.id for card, _ in made], _CHUNK):
            states.update(
                (state.card_id, state)
                for state in session.scalars(
                    select(ReviewState).where(
                        ReviewState.user_id == user.id, ReviewState.card_id.in_(card_ids)
                    )
                )
            )
        for card, new in made:
            state = states[card.id]
            history = answers.get(new.card.id, [])
            before = schedule_of(state)
            adopted = anki_history.merge(
                before,
                history,
                new.card,
                history,
                collection=collection,
                timezone=user.timezone,
                scheduling=scheduling,
            )
            if not history:
                # No answers in the package (Anki exported it without them): its state alone.
                adopted.state, adopted.suspended = anki_history.anki_state(
                    before, new.card, history, collection, user.timezone
                )
            write_state(state, adopted, log)
    session.flush()
