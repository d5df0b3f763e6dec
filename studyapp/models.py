"""The database tables, as typed SQLAlchemy 2 models.

Content: a :class:`Deck` (in the shared library when it has no owner, else one user's) holds
:class:`Paper` rows; a paper has up to one :class:`Card` of each :class:`CardKind`. Text lives
in per-language rows (:class:`PaperText`, :class:`CardText`) so one card can carry its Korean
and English wording while having one schedule and one GUID.

Study: one :class:`ReviewState` per user and card, and an append-only :class:`ReviewLog`.
"""

from __future__ import annotations

import enum
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

from studyapp.identity import CardKind
from studyapp.srs.sm2 import INITIAL_EASE

__all__ = [
    "Base",
    "Card",
    "CardKind",
    "CardText",
    "Deck",
    "Paper",
    "PaperText",
    "Quiz",
    "QuizQuestion",
    "ReviewKind",
    "ReviewLog",
    "ReviewState",
    "Topic",
    "User",
    "UserDeck",
    "utcnow",
]

# Named constraints, so migrations can refer to them the same way on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on every database (SQLite keeps no offsets)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError("refusing to store a naive datetime; pass an aware one")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets a 64-bit key for the log.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime()}


class ReviewKind(enum.StrEnum):
    """Why an answer was given: a first sight, a scheduled review, or a same-day re-drill."""

    LEARN = "learn"
    REVIEW = "review"
    REDRILL = "redrill"


def _enum(kind: type[enum.StrEnum], name: str) -> Enum:
    # Stored as the value text with a CHECK constraint: portable, readable in a SQL shell.
    return Enum(
        kind,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
    )


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
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    decks: Mapped[list[Deck]] = relationship(back_populates="owner", passive_deletes=True)

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
    kind: Mapped[CardKind] = mapped_column(_enum(CardKind, "card_kind"))
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

    card: Mapped[Card] = relationship(back_populates="texts")


class ReviewState(Base):
    """One user's SM-2 state for one card. No row: the user does not study the card."""

    __tablename__ = "review_states"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    repetitions: Mapped[int] = mapped_column(Integer, default=0)
    ease: Mapped[float] = mapped_column(Float, default=INITIAL_EASE)
    interval_days: Mapped[int] = mapped_column(Integer, default=0)
    # None until the first review: the card is new.
    due_on: Mapped[date | None] = mapped_column(Date)
    lapses: Mapped[int] = mapped_column(Integer, default=0)
    last_reviewed_at: Mapped[datetime | None] = mapped_column()
    # Set when the card was graded below 4 on this local date: SM-2's same-day rule asks it
    # again in that day's session, without touching the schedule, until it scores 4 or more.
    redrill_on: Mapped[date | None] = mapped_column(Date)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    # Optimistic concurrency: an update made from a stale read matches no row and fails.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    card: Mapped[Card] = relationship()

    __mapper_args__: dict[str, Any] = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("user_id", "card_id"),
        Index("ix_review_states_due_queue", "user_id", "due_on"),
        # Everything the stats page counts per card (mastery by topic, ease and interval
        # histograms), so that those counts never read the table.
        Index(
            "ix_review_states_stats",
            "user_id",
            "suspended",
            "card_id",
            "last_reviewed_at",
            "interval_days",
            "ease",
        ),
        # Today's re-drills are few among many cards: index only the rows that have one.
        Index(
            "ix_review_states_redrill",
            "user_id",
            "redrill_on",
            sqlite_where=text("redrill_on IS NOT NULL"),
            postgresql_where=text("redrill_on IS NOT NULL"),
        ),
        CheckConstraint("ease >= 1.3", name="ease_at_least_1_3"),
        CheckConstraint("repetitions >= 0 AND interval_days >= 0", name="counts_not_negative"),
    )

    @property
    def is_new(self) -> bool:
        return self.last_reviewed_at is None


class ReviewLog(Base):
    """One answer, as given: never updated, never deleted but with its user or card."""

    __tablename__ = "review_log"

    id: Mapped[int] = mapped_column(BigIntId, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    reviewed_at: Mapped[datetime] = mapped_column()
    # The local date of the answer in the user's time zone at the time: what "a day" meant then.
    reviewed_on: Mapped[date] = mapped_column(Date)
    grade: Mapped[int] = mapped_column(SmallInteger)
    kind: Mapped[ReviewKind] = mapped_column(_enum(ReviewKind, "review_kind"))
    repetitions_before: Mapped[int] = mapped_column(Integer)
    ease_before: Mapped[float] = mapped_column(Float)
    interval_before: Mapped[int] = mapped_column(Integer)
    due_before: Mapped[date | None] = mapped_column(Date)
    repetitions_after: Mapped[int] = mapped_column(Integer)
    ease_after: Mapped[float] = mapped_column(Float)
    interval_after: Mapped[int] = mapped_column(Integer)
    due_after: Mapped[date] = mapped_column(Date)
    # The rest of the state before the answer, so that undo restores it exactly.
    lapses_before: Mapped[int] = mapped_column(Integer, default=0)
    last_reviewed_before: Mapped[datetime | None] = mapped_column()
    redrill_before: Mapped[date | None] = mapped_column(Date)
    # How long the user looked at the card before answering.
    duration_ms: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        # A user's answers by local day; the grade and the interval before ride along so that
        # the stats page's counts (per day, retention) read the index alone.
        Index("ix_review_log_user_day", "user_id", "reviewed_on", "interval_before", "grade"),
        CheckConstraint("grade BETWEEN 0 AND 5", name="grade_0_to_5"),
    )


class Quiz(Base):
    """A quiz on one topic or deck: questions fixed when it starts, scored as they are answered.
    Quizzes never touch review states or the review log."""

    __tablename__ = "quizzes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # What it was on, as shown when it started (the topic's or deck's name in the UI language).
    title: Mapped[str] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8))
    seed: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When the missed cards were made due today (once per quiz).
    missed_due_at: Mapped[datetime | None] = mapped_column()

    questions: Mapped[list[QuizQuestion]] = relationship(
        back_populates="quiz",
        cascade="all, delete-orphan",
        passive_deletes=True,
        order_by="QuizQuestion.position",
    )


class QuizQuestion(Base):
    __tablename__ = "quiz_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(SmallInteger)
    card_id: Mapped[int] = mapped_column(ForeignKey("cards.id", ondelete="CASCADE"), index=True)
    # idea_choice, number_choice, number_typed, paper_from_idea, paper_from_number.
    kind: Mapped[str] = mapped_column(String(32))
    prompt: Mapped[str] = mapped_column(Text)
    context: Mapped[str | None] = mapped_column(Text)
    # The choices, shuffled; empty for a typed answer.
    options: Mapped[list[str]] = mapped_column(JSON, default=list)
    correct_index: Mapped[int | None] = mapped_column(SmallInteger)
    answer: Mapped[str] = mapped_column(Text)
    given: Mapped[str | None] = mapped_column(Text)
    correct: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime | None] = mapped_column()

    quiz: Mapped[Quiz] = relationship(back_populates="questions")
    card: Mapped[Card] = relationship()

    __table_args__ = (UniqueConstraint("quiz_id", "position"),)
