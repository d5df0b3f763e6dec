"""Choosing what goes to Anki: a deck's cards, or every card of one topic.

Deck names follow Anki's hierarchy: the deck's own name, or ``Papers::<Topic>`` for a topic.
Cards are written in the chosen language where a translation exists, else in their own; note
types and labels follow the chosen language.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from sqlalchemy import Select, exists, func, select
from sqlalchemy.orm import Session

from studyapp.apkg.package import ExportNote, collector_paused
from studyapp.apkg.scheduling import CardProgress, LoggedAnswer
from studyapp.identity import PAPER_KINDS, CardKind
from studyapp.models import (
    Card,
    CardText,
    Deck,
    Paper,
    PaperTopic,
    ReviewLog,
    ReviewState,
    Topic,
    User,
    UserDeck,
)
from studyapp.services.accounts import normalize_email
from studyapp.services.errors import NotFound

__all__ = [
    "ExportChoice",
    "ExportUser",
    "UnknownSelection",
    "UnknownUser",
    "export_user",
    "exportable_decks",
    "exportable_topics",
    "notes_for_decks",
    "notes_for_topic",
    "progress_for",
]

TOPIC_ROOT = "Papers"


class UnknownSelection(NotFound):
    """No such deck or topic (or not one this user can export)."""


class UnknownUser(NotFound):
    """No account has this email address."""


@dataclass(frozen=True, slots=True)
class ExportUser:
    """The account whose decks and progress an export carries."""

    id: int
    timezone: str


@dataclass(frozen=True, slots=True)
class ExportChoice:
    id: int
    slug: str
    name: str
    cards: int


def _visible_decks(user_id: int | None) -> Select[Deck]:
    """Library decks for the CLI; for a user, their own decks and the library decks they added."""
    if user_id is None:
        return select(Deck).where(Deck.in_library())
    added = exists().where(UserDeck.deck_id == Deck.id, UserDeck.user_id == user_id)
    return select(Deck).where(Deck.owned_by(user_id) | (Deck.in_library() & added))


@collector_paused()
def _notes(
    session: Session,
    deck_ids: Sequence[int],
    *,
    lang: str,
    deck_name: str | None = None,
    topic_id: int | None = None,
) -> list[ExportNote]:
    """The notes of these decks' cards (of one topic, if given), as flat rows: a 10,000-card
    export reads two result sets instead of building 40,000 ORM objects."""
    query = (
        select(
            Card.id, Card.guid, Card.kind, Card.lang, Paper.id, Paper.title, Paper.url, Deck.name
        )
        .join(Paper, Paper.id == Card.paper_id)
        .join(Deck, Deck.id == Paper.deck_id)
        # Cards brought from Anki stay here: Anki has their notes already.
        .where(Paper.deck_id.in_(deck_ids), Card.kind.in_(PAPER_KINDS))
        .order_by(Paper.deck_id, Paper.id, Card.kind)
    )
    if topic_id is not None:
        query = query.join(PaperTopic, PaperTopic.paper_id == Paper.id).where(
            PaperTopic.topic_id == topic_id
        )
    # Core results on the session's connection: the ORM's row processing is not needed here.
    connection = session.connection()
    rows = connection.execute(query).all()
    # Each card's text in the chosen language, else in its own: chosen here, not in SQL.
    texts: dict[tuple[int, str], tuple[str, str, str | None]] = {
        (card_id, text_lang): (front, back, source)
        for card_id, text_lang, front, back, source in connection.execute(
            select(
                CardText.card_id,
                CardText.lang,
                CardText.front,
                CardText.back,
                CardText.source_sentence,
            )
            .join(Card, Card.id == CardText.card_id)
            .join(Paper, Paper.id == Card.paper_id)
            .where(Paper.deck_id.in_(deck_ids))
        )
    }
    topics: dict[int, list[tuple[str, str]]] = {}
    for paper_id, slug, name_en, name_ko in connection.execute(
        select(PaperTopic.paper_id, Topic.slug, Topic.name_en, Topic.name_ko)
        .join(Topic, Topic.id == PaperTopic.topic_id)
        .join(Paper, Paper.id == PaperTopic.paper_id)
        .where(Paper.deck_id.in_(deck_ids))
        .order_by(Topic.slug)
    ):
        topics.setdefault(paper_id, []).append((slug, name_ko if lang == "ko" else name_en))
    # A paper's topic names and tags, once per paper rather than once per card.
    labels = {
        paper_id: (
            tuple(name for _, name in pairs),
            # Anki tags cannot hold spaces; "::" nests them under one root.
            tuple(f"{TOPIC_ROOT.lower()}::{slug}" for slug, _ in pairs),
        )
        for paper_id, pairs in topics.items()
    }
    notes = []
    for card_id, guid, kind, own_lang, paper_id, title, url, deck in rows:
        front, back, source = texts.get((card_id, lang)) or texts[(card_id, own_lang)]
        question, _, context = front.partition("\n")
        topic_names, tags = labels.get(paper_id, ((), ()))
        notes.append(
            ExportNote(
                guid=guid,
                kind=CardKind(kind),
                lang=lang,
                deck=deck_name or deck,
                question=question,
                context=context or None,
                answer=back,
                source=source,
                paper=title,
                link=url,
                topics=topic_names,
                tags=tags,
            )
        )
    return notes


def notes_for_decks(
    session: Session, deck_refs: Sequence[str | int], *, lang: str, user_id: int | None = None
) -> list[ExportNote]:
    """Every card of the named decks (names, slugs or ids). Raises :class:`UnknownSelection`."""
    with session.begin():
        deck_ids = []
        for ref in deck_refs:
            query = _visible_decks(user_id)
            if isinstance(ref, int):
                query = query.where(Deck.id == ref)
            else:
                query = query.where((Deck.name == ref) | (Deck.slug == ref))
            deck = session.scalars(query).first()
            if deck is None:
                raise UnknownSelection(str(ref))
            deck_ids.append(deck.id)
        return _notes(session, deck_ids, lang=lang)


def notes_for_topic(
    session: Session, slug: str, *, lang: str, user_id: int | None = None
) -> list[ExportNote]:
    """Every card on one topic, from the decks this user (or the CLI) can export."""
    with session.begin():
        topic = session.scalars(select(Topic).where(Topic.slug == slug)).one_or_none()
        if topic is None:
            raise UnknownSelection(slug)
        deck_ids = list(session.scalars(_visible_decks(user_id).with_only_columns(Deck.id)))
        name = topic.name_ko if lang == "ko" else topic.name_en
        notes = _notes(
            session, deck_ids, lang=lang, deck_name=f"{TOPIC_ROOT}::{name}", topic_id=topic.id
        )
        if not notes:
            raise UnknownSelection(slug)
        return notes


def exportable_decks(session: Session, user_id: int) -> list[ExportChoice]:
    """The user's decks with their card counts, for the export page."""
    with session.begin():
        decks = session.scalars(_visible_decks(user_id).order_by(Deck.name)).all()
        counts = {
            deck_id: count
            for deck_id, count in session.execute(
                select(Paper.deck_id, func.count(Card.id))
                .join(Card, Card.paper_id == Paper.id)
                .where(Paper.deck_id.in_([d.id for d in decks]), Card.kind.in_(PAPER_KINDS))
                .group_by(Paper.deck_id)
            )
        }
        return [ExportChoice(d.id, d.slug, d.name, counts.get(d.id, 0)) for d in decks]


def exportable_topics(session: Session, user_id: int, *, lang: str) -> list[ExportChoice]:
    """Topics with cards in the user's decks, for the export page."""
    with session.begin():
        deck_ids = list(session.scalars(_visible_decks(user_id).with_only_columns(Deck.id)))
        rows = session.execute(
            select(Topic, func.count(Card.id))
            .join(PaperTopic, PaperTopic.topic_id == Topic.id)
            .join(Paper, Paper.id == PaperTopic.paper_id)
            .join(Card, Card.paper_id == Paper.id)
            .where(Paper.deck_id.in_(deck_ids), Card.kind.in_(PAPER_KINDS))
            .group_by(Topic.id)
            .order_by(Topic.slug)
        ).all()
        return [
            ExportChoice(t.id, t.slug, t.name_ko if lang == "ko" else t.name_en, count)
            for t, count in rows
        ]


def export_user(session: Session, email: str) -> ExportUser:
    """The account with this email address (in any case). Raises :class:`UnknownUser`."""
    with session.begin():
        row = session.execute(
            select(User.id, User.timezone).where(func.lower(User.email) == normalize_email(email))
        ).first()
    if row is None:
        raise UnknownUser(email)
    return ExportUser(row.id, row.timezone)


@collector_paused()
def progress_for(session: Session, user_id: int, guids: Collection[str]) -> dict[str, CardProgress]:
    """The user's progress on the cards with these GUIDs, by GUID: each card's review state and
    its answers, oldest first. Cards the user does not study are left out (they go to Anki as
    new). Only this user's rows are read: one query for the states, one for the answers."""
    wanted = guids if isinstance(guids, (set, frozenset)) else set(guids)
    with session.begin():
        connection = session.connection()
        retention = connection.execute(
            select(User.desired_retention).where(User.id == user_id)
        ).scalar_one()
        answers: dict[str, list[LoggedAnswer]] = {}
        for guid, *answer in connection.execute(
            select(
                Card.guid,
                ReviewLog.reviewed_at,
                ReviewLog.reviewed_on,
                ReviewLog.grade,
                ReviewLog.kind,
                ReviewLog.scheduler,
                ReviewLog.interval_before,
                ReviewLog.interval_after,
                ReviewLog.ease_after,
                ReviewLog.duration_ms,
                ReviewLog.redrill_before,
            )
            .join(Card, Card.id == ReviewLog.card_id)
            .where(ReviewLog.user_id == user_id)
            .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
        ):
            if guid in wanted:
                answers.setdefault(guid, []).append(LoggedAnswer(*answer))
        progress = {}
        for state in connection.execute(
            select(
                Card.guid,
                ReviewState.repetitions,
                ReviewState.ease,
                ReviewState.interval_days,
                ReviewState.due_on,
                ReviewState.lapses,
                ReviewState.last_reviewed_at,
                ReviewState.redrill_on,
                ReviewState.suspended,
                ReviewState.scheduler,
                ReviewState.stability,
                ReviewState.difficulty,
                ReviewState.phase,
                ReviewState.due_at,
            )
            .join(Card, Card.id == ReviewState.card_id)
            .where(ReviewState.user_id == user_id)
        ):
            if state.guid in wanted:
                progress[state.guid] = CardProgress(
                    repetitions=state.repetitions,
                    ease=state.ease,
                    interval_days=state.interval_days,
                    due_on=state.due_on,
                    lapses=state.lapses,
                    last_reviewed_at=state.last_reviewed_at,
                    redrill_on=state.redrill_on,
                    suspended=state.suspended,
                    scheduler=state.scheduler,
                    stability=state.stability,
                    difficulty=state.difficulty,
                    phase=state.phase,
                    due_at=state.due_at,
                    desired_retention=retention,
                    log=tuple(answers.get(state.guid, ())),
                )
        return progress
