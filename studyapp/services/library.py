"""What one user sees of decks, papers and cards; searching them; adding a library deck.

A user sees the shared library (decks without an owner) and their own decks. Anything else is
reported exactly like an id that does not exist (``NotFound``), so another user's ids give
nothing away. Schedules are always the asking user's own :class:`ReviewState` rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, exists, func, or_, select
from sqlalchemy.orm import Session, joinedload, selectinload

from studyapp.db import run_write_unit
from studyapp.models import (
    Card,
    Deck,
    Paper,
    PaperText,
    PaperTopic,
    ReviewState,
    Topic,
    UserDeck,
)
from studyapp.services.enrollment import enroll
from studyapp.services.errors import NotFound
from studyapp.services.paper_views import PaperView, paper_view, states_of, with_content

__all__ = [
    "PAPERS_PER_PAGE",
    "QUERY_MAX",
    "Added",
    "DeckPage",
    "DeckSummary",
    "LibraryCounts",
    "LibraryOverview",
    "SearchResults",
    "add_to_my_cards",
    "deck_page",
    "library_counts",
    "library_overview",
    "paper_detail",
    "search",
    "visible_to",
]

PAPERS_PER_PAGE = 50
#: Longer queries are cut to this many characters.
QUERY_MAX = 200
_SEARCH_LIMIT = 100


@dataclass(frozen=True, slots=True)
class DeckSummary:
    """One deck as the library lists it, with the user's own counts when they study it."""

    id: int
    name: str
    description: str
    is_library: bool
    #: The user imported it (their own deck).
    owned: bool
    #: A library deck the user added to "my cards".
    added: bool
    papers: int
    cards: int
    #: The user's cards of the deck not yet seen, not suspended.
    new: int = 0
    #: The user's cards due today or earlier, not suspended.
    due: int = 0
    suspended: int = 0

    @property
    def studied(self) -> bool:
        return self.owned or self.added


@dataclass(frozen=True, slots=True)
class LibraryOverview:
    #: Decks the user studies: their own and the library decks they added.
    mine: tuple[DeckSummary, ...]
    #: Library decks the user has not added yet.
    available: tuple[DeckSummary, ...]


@dataclass(frozen=True, slots=True)
class SearchResults:
    query: str
    #: Papers with their deck and topics loaded, at most ``_SEARCH_LIMIT`` of them.
    papers: tuple[Paper, ...]
    #: More papers matched than are listed.
    truncated: bool


@dataclass(frozen=True, slots=True)
class DeckPage:
    deck: Deck
    summary: DeckSummary
    papers: tuple[PaperView, ...]
    page: int
    pages: int
    per_page: int

    @property
    def first_number(self) -> int:
        """The position in the deck of this page's first paper, counting from 1."""
        return (self.page - 1) * self.per_page + 1


@dataclass(frozen=True, slots=True)
class Added:
    deck_id: int
    deck_name: str
    #: False when the deck was in the user's cards already.
    added: bool
    #: How many review states were created.
    cards: int


def visible_to(user_id: int) -> ColumnElement[bool]:
    """Decks a user may open: the shared library's and their own."""
    return or_(Deck.in_library(), Deck.owned_by(user_id))


def library_overview(session: Session, user_id: int, *, today: date) -> LibraryOverview:
    """The user's decks and the library decks they can still add, each sorted by name.

    ``today`` is the user's local date: cards due on it or before count as due.
    """
    with session.begin():
        summaries = _summaries(session, user_id, today)
    return LibraryOverview(
        mine=tuple(s for s in summaries if s.studied),
        available=tuple(s for s in summaries if s.is_library and not s.added),
    )


def _summaries(
    session: Session, user_id: int, today: date, *, deck_id: int | None = None
) -> list[DeckSummary]:
    in_deck = [Paper.deck_id == deck_id] if deck_id is not None else []
    papers = (
        select(Paper.deck_id, func.count(Paper.id).label("n"))
        .where(*in_deck)
        .group_by(Paper.deck_id)
        .subquery()
    )
    cards = (
        select(Paper.deck_id, func.count(Card.id).label("n"))
        .join(Card, Card.paper_id == Paper.id)
        .where(*in_deck)
        .group_by(Paper.deck_id)
        .subquery()
    )
    active = ReviewState.suspended.is_(False)
    states = (
        select(
            Paper.deck_id,
            func.count().filter(and_(active, ReviewState.due_on.is_(None))).label("new"),
            func.count().filter(and_(active, ReviewState.due_on <= today)).label("due"),
            func.count().filter(ReviewState.suspended.is_(True)).label("suspended"),
        )
        .select_from(ReviewState)
        .join(Card, Card.id == ReviewState.card_id)
        .join(Paper, Paper.id == Card.paper_id)
        .where(ReviewState.user_id == user_id, *in_deck)
        .group_by(Paper.deck_id)
        .subquery()
    )
    added = select(UserDeck.deck_id).where(UserDeck.user_id == user_id)
    rows = session.execute(
        select(
            Deck.id,
            Deck.name,
            Deck.description,
            Deck.owner_id,
            Deck.id.in_(added),
            func.coalesce(papers.c.n, 0),
            func.coalesce(cards.c.n, 0),
            func.coalesce(states.c.new, 0),
            func.coalesce(states.c.due, 0),
            func.coalesce(states.c.suspended, 0),
        )
        .outerjoin(papers, papers.c.deck_id == Deck.id)
        .outerjoin(cards, cards.c.deck_id == Deck.id)
        .outerjoin(states, states.c.deck_id == Deck.id)
        .where(visible_to(user_id), *([Deck.id == deck_id] if deck_id is not None else []))
        .order_by(Deck.name, Deck.id)
    ).all()
    return [
        DeckSummary(
            id=row[0],
            name=row[1],
            description=row[2],
            is_library=row[3] is None,
            owned=row[3] == user_id,
            added=row[3] is None and bool(row[4]),
            papers=int(row[5]),
            cards=int(row[6]),
            new=int(row[7]),
            due=int(row[8]),
            suspended=int(row[9]),
        )
        for row in rows
    ]


def search(session: Session, user_id: int, query: str) -> SearchResults:
    """Papers of the decks the user can see whose title (original or translated), method
    name or topic (slug, English or Korean name) contains ``query``, ignoring case."""
    # No stored text holds NUL, and PostgreSQL cannot even compare with it.
    needle = " ".join(query.replace("\x00", "").split())[:QUERY_MAX]
    if not needle:
        return SearchResults(query="", papers=(), truncated=False)
    topic_match = exists().where(
        PaperTopic.paper_id == Paper.id,
        Topic.id == PaperTopic.topic_id,
        or_(*(column.icontains(needle, autoescape=True) for column in _TOPIC_COLUMNS)),
    )
    translated_title = exists().where(
        PaperText.paper_id == Paper.id, PaperText.title.icontains(needle, autoescape=True)
    )
    with session.begin():
        papers = session.scalars(
            select(Paper)
            .join(Deck, Deck.id == Paper.deck_id)
            .where(
                visible_to(user_id),
                or_(
                    Paper.title.icontains(needle, autoescape=True),
                    Paper.method.icontains(needle, autoescape=True),
                    translated_title,
                    topic_match,
                ),
            )
            .order_by(Paper.title, Paper.id)
            .limit(_SEARCH_LIMIT + 1)
            .options(joinedload(Paper.deck), selectinload(Paper.topics))
        ).all()
    return SearchResults(
        query=needle,
        papers=tuple(papers[:_SEARCH_LIMIT]),
        truncated=len(papers) > _SEARCH_LIMIT,
    )


_TOPIC_COLUMNS = (Topic.slug, Topic.name_en, Topic.name_ko)


def deck_page(
    session: Session,
    user_id: int,
    deck_id: int,
    *,
    lang: str,
    today: date,
    page: int = 1,
    per_page: int = PAPERS_PER_PAGE,
) -> DeckPage:
    """One page of a deck's papers with their cards and the user's schedules.

    Papers come in the order they were imported. A page past the end gives the last page.
    Raises ``NotFound`` when the user cannot see the deck.
    """
    with session.begin():
        deck = session.scalars(
            select(Deck).where(Deck.id == deck_id, visible_to(user_id))
        ).one_or_none()
        if deck is None:
            raise NotFound(deck_id)
        summary = _summaries(session, user_id, today, deck_id=deck_id)[0]
        pages = max(1, math.ceil(summary.papers / per_page))
        page = min(max(page, 1), pages)
        papers = session.scalars(
            with_content(select(Paper))
            .where(Paper.deck_id == deck_id)
            .order_by(Paper.id)
            .offset((page - 1) * per_page)
            .limit(per_page)
        ).all()
        states = states_of(session, user_id, (card.id for p in papers for card in p.cards))
    views = tuple(
        paper_view(paper, states, lang=lang, editable=summary.owned, studied=summary.studied)
        for paper in papers
    )
    return DeckPage(
        deck=deck, summary=summary, papers=views, page=page, pages=pages, per_page=per_page
    )


def paper_detail(session: Session, user_id: int, paper_id: int, *, lang: str) -> PaperView:
    """A paper with its deck, summary, cards and the user's schedules.

    Raises ``NotFound`` when the user cannot see the paper's deck.
    """
    with session.begin():
        paper = session.scalars(
            with_content(select(Paper))
            .join(Deck, Deck.id == Paper.deck_id)
            .where(Paper.id == paper_id, visible_to(user_id))
            .options(joinedload(Paper.deck))
        ).one_or_none()
        if paper is None:
            raise NotFound(paper_id)
        owned = paper.deck.owner_id == user_id
        studied = owned or (session.get(UserDeck, (user_id, paper.deck_id)) is not None)
        states = states_of(session, user_id, (card.id for card in paper.cards))
    return paper_view(paper, states, lang=lang, editable=owned, studied=studied)


def add_to_my_cards(session: Session, user_id: int, deck_id: int) -> Added:
    """Add a library deck to the user's cards: a new review state for each of its cards.

    Adding a deck again creates nothing more (it only fills in cards the user lacks). Raises
    ``NotFound`` for anything but a library deck. A concurrent add that wins the race makes
    this one retry once, and find the deck added.
    """

    def add() -> Added:
        # Locked: an import growing this deck meanwhile waits, then enrolls this user too.
        deck = session.scalars(
            select(Deck).where(Deck.id == deck_id, Deck.in_library()).with_for_update()
        ).one_or_none()
        if deck is None:
            raise NotFound(deck_id)
        already = session.get(UserDeck, (user_id, deck_id)) is not None
        if not already:
            session.add(UserDeck(user_id=user_id, deck_id=deck_id))
            session.flush()
        created = enroll(session, deck_id, [user_id])
        return Added(deck_id=deck.id, deck_name=deck.name, added=not already, cards=created)

    return run_write_unit(session, add)


@dataclass(frozen=True, slots=True)
class LibraryCounts:
    decks: int
    papers: int
    cards: int


def library_counts(session: Session) -> LibraryCounts:
    """How many decks, papers and cards the shared library holds."""
    with session.begin():
        row = session.execute(
            select(
                func.count(func.distinct(Deck.id)),
                func.count(func.distinct(Paper.id)),
                func.count(Card.id),
            )
            .select_from(Deck)
            .outerjoin(Paper, Paper.deck_id == Deck.id)
            .outerjoin(Card, Card.paper_id == Paper.id)
            .where(Deck.in_library())
        ).one()
    return LibraryCounts(decks=row[0], papers=row[1], cards=row[2])
