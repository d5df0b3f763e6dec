"""Changing the decks a user has: renaming and deleting their own, moving papers between them,
and removing a library deck from their cards.

Owner-only changes look for the deck or paper among the user's own decks only: a library deck,
another user's deck and an id that does not exist all raise the same error, so nothing is given
away. Each change is one transaction, and sending it twice does no harm: a deck deleted twice
is not found the second time, a paper moved twice is already there, a deck removed twice from
one's cards was no longer in them.

What goes with what:

* Deleting an own deck deletes its papers and cards and, through ``ON DELETE CASCADE``, every
  schedule, review log row and quiz question of those cards.
* Removing a library deck from one's cards deletes one's schedules for its cards (suspended or
  not) and keeps one's review log: the answers were given, and the stats and the streak count
  them. Adding the deck again starts its cards as new.
* Moving a paper changes only its deck: its cards keep their ids, GUIDs, schedules and log.

:func:`own_decks` lists the decks a user can import into.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, delete, func, select
from sqlalchemy.orm import Session

from studyapp.db import run_write_unit, write_unit
from studyapp.models import (
    Card,
    Deck,
    Paper,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    UserDeck,
)
from studyapp.services.errors import NotFound
from studyapp.services.importing import DeckNotFound, clean_deck_name, slugify

__all__ = [
    "DeckContents",
    "DeckNameRequired",
    "DeckNameTaken",
    "DeckNotFound",
    "Enrollment",
    "Moved",
    "OwnDeck",
    "PaperAlreadyInDeck",
    "PaperNotFound",
    "Renamed",
    "delete_deck",
    "enrollment",
    "move_paper",
    "own_decks",
    "own_deck_contents",
    "remove_from_my_cards",
    "rename_deck",
]


class DeckNameRequired(ValueError):
    """A deck needs a name with at least one printable character."""


class DeckNameTaken(ValueError):
    """Another of the user's decks has that name (their names give the same slug, which
    importing by name looks decks up by). ``name`` is that deck's name."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


class PaperNotFound(NotFound):
    """The paper does not exist, or is not in one of the user's own decks."""


class PaperAlreadyInDeck(ValueError):
    """The target deck holds the same paper (by identity) already: two copies of one paper
    cannot share a deck. ``deck_name`` names the target, ``paper_id`` the copy there."""

    def __init__(self, deck_name: str, paper_id: int) -> None:
        super().__init__(deck_name)
        self.deck_name = deck_name
        self.paper_id = paper_id


@dataclass(frozen=True, slots=True)
class DeckContents:
    """One of the user's decks and everything deleting it deletes."""

    id: int
    name: str
    papers: int
    cards: int
    #: Rows of the review log about its cards: the answers given to them.
    answers: int
    #: Questions of past quizzes about its cards.
    quiz_questions: int


@dataclass(frozen=True, slots=True)
class Enrollment:
    """A library deck and what the user has of it."""

    id: int
    name: str
    #: The deck is in the user's cards.
    added: bool
    #: The user's schedules for its cards: what removing the deck deletes.
    cards: int
    #: The user's answers to its cards in the review log: kept when the deck is removed.
    answers: int


@dataclass(frozen=True, slots=True)
class Renamed:
    id: int
    name: str
    old_name: str

    @property
    def changed(self) -> bool:
        return self.name != self.old_name


@dataclass(frozen=True, slots=True)
class Moved:
    paper_id: int
    paper_title: str
    cards: int
    from_id: int
    from_name: str
    to_id: int
    to_name: str
    #: False when the paper was in the target deck already (a second click, say).
    moved: bool


def _own_deck(session: Session, user_id: int, deck_id: int) -> Deck:
    # Locked until commit (PostgreSQL), as imports lock the deck they grow.
    deck = session.scalars(
        select(Deck).where(Deck.id == deck_id, Deck.owned_by(user_id)).with_for_update()
    ).one_or_none()
    if deck is None:
        raise DeckNotFound(deck_id)
    return deck


def _library_deck(session: Session, deck_id: int) -> Deck:
    deck = session.scalars(
        select(Deck).where(Deck.id == deck_id, Deck.in_library()).with_for_update()
    ).one_or_none()
    if deck is None:
        raise DeckNotFound(deck_id)
    return deck


def _cards_of(deck_id: int) -> Select[int]:
    """The ids of a deck's cards, for ``IN``."""
    return select(Card.id).join(Paper, Paper.id == Card.paper_id).where(Paper.deck_id == deck_id)


# ---- Own decks -----------------------------------------------------------------------------


def own_deck_contents(session: Session, user_id: int, deck_id: int) -> DeckContents:
    """What deleting the deck would delete, for the confirmation.

    Raises :class:`DeckNotFound` unless the deck is one of the user's own.
    """
    with session.begin():
        deck = session.scalars(
            select(Deck).where(Deck.id == deck_id, Deck.owned_by(user_id))
        ).one_or_none()
        if deck is None:
            raise DeckNotFound(deck_id)
        return _contents(session, deck)


def _contents(session: Session, deck: Deck) -> DeckContents:
    cards = _cards_of(deck.id)
    row = session.execute(
        select(
            select(func.count(Paper.id)).where(Paper.deck_id == deck.id).scalar_subquery(),
            select(func.count()).select_from(Card).where(Card.id.in_(cards)).scalar_subquery(),
            select(func.count())
            .select_from(ReviewLog)
            .where(ReviewLog.card_id.in_(cards))
            .scalar_subquery(),
            select(func.count())
            .select_from(QuizQuestion)
            .where(QuizQuestion.card_id.in_(cards))
            .scalar_subquery(),
        )
    ).one()
    return DeckContents(
        id=deck.id,
        name=deck.name,
        papers=row[0] or 0,
        cards=row[1] or 0,
        answers=row[2] or 0,
        quiz_questions=row[3] or 0,
    )


def rename_deck(session: Session, user_id: int, deck_id: int, name: str) -> Renamed:
    """Give one of the user's decks a new name (on one line, as :func:`clean_deck_name` makes
    it). Importing under the new name then adds to this deck; under the old one, to a new deck.

    Raises :class:`DeckNotFound` unless the deck is the user's own, :class:`DeckNameRequired`
    for a name with nothing printable in it and :class:`DeckNameTaken` when another of their
    decks has that name.
    """
    cleaned = clean_deck_name(name)
    if not cleaned:
        raise DeckNameRequired()
    slug = slugify(cleaned)

    def rename() -> Renamed:
        deck = _own_deck(session, user_id, deck_id)
        old_name = deck.name
        if slug != deck.slug:
            other = session.scalar(
                select(Deck.name).where(
                    Deck.owned_by(user_id), Deck.slug == slug, Deck.id != deck.id
                )
            )
            if other is not None:
                raise DeckNameTaken(other)
            deck.slug = slug
        deck.name = cleaned
        session.flush()
        return Renamed(id=deck.id, name=cleaned, old_name=old_name)

    # A concurrent rename or import that takes the slug first makes this one run again and
    # find it taken.
    return run_write_unit(session, rename)


def delete_deck(session: Session, user_id: int, deck_id: int) -> DeckContents:
    """Delete one of the user's decks with its papers and cards and, with them, every
    schedule, review log row and quiz question of those cards. Returns what went.

    Raises :class:`DeckNotFound` unless the deck is the user's own (so a second request for the
    same deck raises it, having deleted nothing more).
    """
    with write_unit(session):
        deck = _own_deck(session, user_id, deck_id)
        contents = _contents(session, deck)
        session.execute(delete(Deck).where(Deck.id == deck.id))
        session.expunge(deck)
    return contents


def move_paper(session: Session, user_id: int, paper_id: int, deck_id: int) -> Moved:
    """Move a paper, with its cards, from one of the user's decks into another of theirs. The
    cards keep their ids and GUIDs, so every schedule and review log row stays theirs.

    Raises :class:`PaperNotFound` unless the paper is in one of the user's decks,
    :class:`DeckNotFound` unless the target is one of them, and :class:`PaperAlreadyInDeck`
    when the target holds the same paper. A paper already in the target stays (``moved`` is
    False).
    """

    def move() -> Moved:
        found = session.execute(
            select(Paper.deck_id, Paper.identity, Paper.title)
            .join(Deck, Deck.id == Paper.deck_id)
            .where(Paper.id == paper_id, Deck.owned_by(user_id))
        ).one_or_none()
        if found is None:
            raise PaperNotFound(paper_id)
        source_id, identity, title = found
        # Both decks locked, in id order, as imports lock the deck they grow.
        locked = {
            deck.id: deck
            for deck in session.scalars(
                select(Deck)
                .where(Deck.id.in_({source_id, deck_id}), Deck.owned_by(user_id))
                .order_by(Deck.id)
                .with_for_update()
            )
        }
        if deck_id not in locked:
            raise DeckNotFound(deck_id)
        source, target = locked[source_id], locked[deck_id]
        paper = session.get_one(Paper, paper_id, populate_existing=True)
        cards = session.scalar(
            select(func.count()).select_from(Card).where(Card.paper_id == paper_id)
        )
        moved = paper.deck_id != target.id
        if moved:
            clash = session.scalar(
                select(Paper.id).where(Paper.deck_id == target.id, Paper.identity == identity)
            )
            if clash is not None:
                raise PaperAlreadyInDeck(target.name, clash)
            paper.deck_id = target.id
            session.flush()
        return Moved(
            paper_id=paper_id,
            paper_title=title,
            cards=cards or 0,
            from_id=source.id,
            from_name=source.name,
            to_id=target.id,
            to_name=target.name,
            moved=moved,
        )

    # An import that adds the same paper to the target meanwhile makes this run again, and
    # find it there.
    return run_write_unit(session, move)


# ---- Library decks in one's cards ------------------------------------------------------------


def enrollment(session: Session, user_id: int, deck_id: int) -> Enrollment:
    """A library deck and how many of the user's schedules and answers concern it.

    Raises :class:`DeckNotFound` for anything but a library deck.
    """
    with session.begin():
        deck = session.scalars(
            select(Deck).where(Deck.id == deck_id, Deck.in_library())
        ).one_or_none()
        if deck is None:
            raise DeckNotFound(deck_id)
        return _enrollment(session, user_id, deck)


def _enrollment(session: Session, user_id: int, deck: Deck) -> Enrollment:
    cards = _cards_of(deck.id)
    states = session.scalar(
        select(func.count())
        .select_from(ReviewState)
        .where(ReviewState.user_id == user_id, ReviewState.card_id.in_(cards))
    )
    answers = session.scalar(
        select(func.count())
        .select_from(ReviewLog)
        .where(ReviewLog.user_id == user_id, ReviewLog.card_id.in_(cards))
    )
    return Enrollment(
        id=deck.id,
        name=deck.name,
        added=session.get(UserDeck, (user_id, deck.id)) is not None,
        cards=states or 0,
        answers=answers or 0,
    )


def remove_from_my_cards(session: Session, user_id: int, deck_id: int) -> Enrollment:
    """Take a library deck out of the user's cards: their schedules for its cards go, their
    answers stay in the review log. Returns what the user had (``added`` False: the deck was
    not in their cards, and nothing changed).

    Raises :class:`DeckNotFound` for anything but a library deck.
    """
    with write_unit(session):
        # Locked: an import growing the deck meanwhile waits, then finds the user gone.
        deck = _library_deck(session, deck_id)
        had = _enrollment(session, user_id, deck)
        session.execute(
            delete(UserDeck).where(UserDeck.user_id == user_id, UserDeck.deck_id == deck.id)
        )
        session.execute(
            delete(ReviewState).where(
                ReviewState.user_id == user_id, ReviewState.card_id.in_(_cards_of(deck.id))
            )
        )
    return had


@dataclass(frozen=True, slots=True)
class OwnDeck:
    id: int
    name: str
    papers: int


def own_decks(session: Session, user_id: int) -> list[OwnDeck]:
    """The decks ``user_id`` owns, by name, with how many papers each holds."""
    with session.begin():
        rows = session.execute(
            select(Deck.id, Deck.name, func.count(Paper.id))
            .outerjoin(Paper, Paper.deck_id == Deck.id)
            .where(Deck.owned_by(user_id))
            .group_by(Deck.id, Deck.name)
            .order_by(func.lower(Deck.name), Deck.id)
        ).all()
    return [OwnDeck(id=row[0], name=row[1], papers=row[2]) for row in rows]
