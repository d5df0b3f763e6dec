"""Content: a :class:`Deck` (in the shared library when it has no owner, else one user's) holds
:class:`Paper` rows; a paper has up to one :class:`Card` of each :class:`CardKind`. Text lives
in per-language rows (:class:`PaperText`, :class:`CardText`) so one card can carry its Korean
and English wording while having one schedule and one GUID. And the :class:`User` who owns
decks."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    and_,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from studyapp.identity import CardKind
from studyapp.models.base import Base, enum_column, utcnow
from studyapp.srs.fsrs import DEFAULT_RETENTION, MAXIMUM_INTERVAL
from studyapp.srs.schedule import SchedulerName, Scheduling

__all__ = [
    "Card",
    "CardText",
    "Deck",
    "Paper",
    "PaperText",
    "PaperTopic",
    "Topic",
    "User",
    "UserDeck",
]


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    password_hash: Mapped[str] = mapped_column(String(255))
    # None: follow the browser's language.
    locale: Mapped[str | None] = mapped_column(String(8))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    new_cards_per_day: Mapped[int] = mapped_column(Integer, default=20)
    reviews_per_day: Mapped[int] = mapped_column(Integer, default=200)
    # The four-button layout (Again/Hard/Good/Easy) instead of the six SM-2 grades.
    four_grade_buttons: Mapped[bool] = mapped_column(Boolean, default=False)
    # A card's sibling (the other card of its paper) waits until tomorrow once one is answered.
    bury_siblings: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    # Which scheduler keeps the user's cards, and FSRS's settings (studyapp/srs/).
    scheduler: Mapped[SchedulerName] = mapped_column(
        enum_column(SchedulerName, "scheduler_name"),
        default=SchedulerName.SM2,
        server_default=SchedulerName.SM2.value,
    )
    desired_retention: Mapped[float] = mapped_column(
        Float, default=DEFAULT_RETENTION, server_default=str(DEFAULT_RETENTION)
    )
    maximum_interval: Mapped[int] = mapped_column(
        Integer, default=MAXIMUM_INTERVAL, server_default=str(MAXIMUM_INTERVAL)
    )
    # FSRS's parameters fitted to the user's own reviews; None: FSRS's defaults.
    fsrs_parameters: Mapped[list[float] | None] = mapped_column(JSON)
    # When those parameters were fitted (applied from a fit job); None with FSRS's defaults.
    fsrs_fitted_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decks: Mapped[list[Deck]] = relationship(back_populates="owner", passive_deletes=True)

    @property
    def scheduling(self) -> Scheduling:
        """The scheduler the user chose and FSRS's settings."""
        parameters = self.fsrs_parameters
        return Scheduling(
            name=self.scheduler,
            desired_retention=self.desired_retention,
            maximum_interval=self.maximum_interval,
            fsrs_parameters=None if parameters is None else tuple(parameters),
        )

    __table_args__ = (
        CheckConstraint("new_cards_per_day >= 0", name="new_cards_per_day_not_negative"),
        CheckConstraint("reviews_per_day >= 0", name="reviews_per_day_not_negative"),
    )


class Deck(Base):
    __tablename__ = "decks"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the deck is in the shared library, read-only to every user.
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    slug: Mapped[str] = mapped_column(String(120))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set on the hidden deck a large import fills step by step before it publishes the papers
    # into their real deck (studyapp.services.importing_steps): no page, count, export or
    # download shows such a deck or anything in it. None for every real deck.
    staged_at: Mapped[datetime | None] = mapped_column()

    owner: Mapped[User | None] = relationship(back_populates="decks")
    papers: Mapped[list[Paper]] = relationship(
        back_populates="deck", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("owner_id", "slug"),
        # NULL owners never collide in a UNIQUE constraint, so library slugs get their own.
        Index(
            "uq_decks_library_slug",
            "slug",
            unique=True,
            sqlite_where=text("owner_id IS NULL"),
            postgresql_where=text("owner_id IS NULL"),
        ),
    )

    @property
    def is_library(self) -> bool:
        return self.owner_id is None

    @classmethod
    def published(cls) -> ColumnElement[bool]:
        """Decks anyone may see: every deck but an import's hidden staging deck."""
        return cls.staged_at.is_(None)

    @classmethod
    def owned_by(cls, user_id: int | ColumnElement[int]) -> ColumnElement[bool]:
        """The user's own decks (never a staging deck): use this, not ``owner_id`` alone."""
        return and_(cls.owner_id == user_id, cls.published())

    @classmethod
    def in_library(cls) -> ColumnElement[bool]:
        """The shared library's decks (never a staging deck): use this, not ``owner_id``
        alone."""
        return and_(cls.owner_id.is_(None), cls.published())


class UserDeck(Base):
    """A shared library deck a user has added to "my cards"; their own decks need no row."""

    __tablename__ = "user_decks"

    user_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    deck_id: Mapped[int] = mapped_column(
        ForeignKey("decks.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    added_at: Mapped[datetime] = mapped_column(default=utcnow)


class Topic(Base):
    __tablename__ = "topics"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(80), unique=True)
    name_en: Mapped[str] = mapped_column(String(120))
    name_ko: Mapped[str] = mapped_column(String(120))


class PaperTopic(Base):
    __tablename__ = "paper_topics"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    topic_id: Mapped[int] = mapped_column(
        ForeignKey("topics.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class Paper(Base):
    __tablename__ = "papers"

    id: Mapped[int] = mapped_column(primary_key=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"))
    # What makes two imports the same paper: "arxiv:<id>" when known, else the folded title.
    identity: Mapped[str] = mapped_column(String(300))
    arxiv_id: Mapped[str | None] = mapped_column(String(32), index=True)
    title: Mapped[str] = mapped_column(Text)
    url: Mapped[str | None] = mapped_column(Text)
    authors: Mapped[list[str]] = mapped_column(JSON, default=list)
    published_on: Mapped[date | None] = mapped_column(Date)
    # The language the paper's summary was written in.
    lang: Mapped[str] = mapped_column(String(8))
    # The paper's own name for its method; None when it names nothing of its own.
    method: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    deck: Mapped[Deck] = relationship(back_populates="papers")
    texts: Mapped[list[PaperText]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", passive_deletes=True
    )
    cards: Mapped[list[Card]] = relationship(
        back_populates="paper", cascade="all, delete-orphan", passive_deletes=True
    )
    topics: Mapped[list[Topic]] = relationship(secondary="paper_topics", order_by=Topic.slug)

    __table_args__ = (UniqueConstraint("deck_id", "identity"),)


class PaperText(Base):
    """A paper's summary in one language (and its title, when translated)."""

    __tablename__ = "paper_texts"

    paper_id: Mapped[int] = mapped_column(
        ForeignKey("papers.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    title: Mapped[str | None] = mapped_column(Text)
    sentences: Mapped[list[str]] = mapped_column(JSON, default=list)

    paper: Mapped[Paper] = relationship(back_populates="texts")


class Card(Base):
    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    paper_id: Mapped[int] = mapped_column(ForeignKey("papers.id", ondelete="CASCADE"))
    kind: Mapped[CardKind] = mapped_column(enum_column(CardKind, "card_kind"))
    # Derived from the paper's identity and the kind, never from text: stable across edits,
    # reloads and exports (see studyapp.identity).
    guid: Mapped[str] = mapped_column(String(64), index=True)
    # The language the card was written in first.
    lang: Mapped[str] = mapped_column(String(8))
    # Headline cards only: the number normalised to a float, and its unit as written.
    number_value: Mapped[float | None] = mapped_column(Float)
    number_unit: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    paper: Mapped[Paper] = relationship(back_populates="cards")
    texts: Mapped[list[CardText]] = relationship(
        back_populates="card", cascade="all, delete-orphan", passive_deletes=True
    )

    __table_args__ = (
        UniqueConstraint("paper_id", "kind"),
        CheckConstraint(
            "(kind = 'headline_number') = (number_value IS NOT NULL)",
            name="number_only_on_headline_cards",
        ),
    )

    def text(self, lang: str) -> CardText:
        """The card's text in ``lang``, or in its own language when not translated."""
        by_lang = {t.lang: t for t in self.texts}
        return by_lang.get(lang) or by_lang[self.lang]


class CardText(Base):
    """A card's front, back and source sentence in one language."""

    __tablename__ = "card_texts"

    card_id: Mapped[int] = mapped_column(
        ForeignKey("cards.id", ondelete="CASCADE"), primary_key=True
    )
    lang: Mapped[str] = mapped_column(String(8), primary_key=True)
    front: Mapped[str] = mapped_column(Text)
    back: Mapped[str] = mapped_column(Text)
    # The summary sentence the card was made from, shown with the answer.
    source_sentence: Mapped[str | None] = mapped_column(Text)
    # Set when the user edits the text: importing the same summary again keeps the edit.
    edited_at: Mapped[datetime | None] = mapped_column()

    card: Mapped[Card] = relationship(back_populates="texts")
