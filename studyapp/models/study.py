"""Study: one :class:`ReviewState` per user and card, an append-only :class:`ReviewLog`, and
quizzes (:class:`Quiz`, :class:`QuizQuestion`), which never touch either."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    and_,
    or_,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.elements import ColumnElement

from studyapp.models.base import Base, BigIntId, enum_column, utcnow
from studyapp.models.content import Card
from studyapp.srs.fsrs import Rating
from studyapp.srs.schedule import AnswerKind, SchedulerName
from studyapp.srs.sm2 import INITIAL_EASE, PASSING_GRADE

__all__ = ["Quiz", "QuizQuestion", "ReviewKind", "ReviewLog", "ReviewState", "recalled"]


#: Why an answer was given: a first sight, a scheduled review, or a same-day re-drill.
ReviewKind = AnswerKind


class ReviewState(Base):
    """One user's schedule of one card: the scheduler that keeps it and its memory (SM-2's
    repetitions, ease and interval; FSRS's stability, difficulty, phase and step). No row: the
    user does not study the card."""

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
    # The local date on which the card is asked again in that day's session: under SM-2, after
    # a grade below 4 (without touching the schedule, until it scores 4 or more); under FSRS,
    # a learning step due later that day.
    redrill_on: Mapped[date | None] = mapped_column(Date)
    suspended: Mapped[bool] = mapped_column(Boolean, default=False)
    scheduler: Mapped[SchedulerName] = mapped_column(
        enum_column(SchedulerName, "scheduler_name"),
        default=SchedulerName.SM2,
        server_default=SchedulerName.SM2.value,
    )
    # FSRS's memory, None until FSRS keeps the card (SM-2's stays in the columns above, so that
    # switching back finds it). due_at is FSRS's exact due time: learning steps are minutes.
    stability: Mapped[float | None] = mapped_column(Float)
    difficulty: Mapped[float | None] = mapped_column(Float)
    # FSRS's learning state (studyapp.srs.fsrs.Phase): 1 learning, 2 review, 3 relearning.
    phase: Mapped[int | None] = mapped_column(SmallInteger)
    step: Mapped[int | None] = mapped_column(SmallInteger)
    due_at: Mapped[datetime | None] = mapped_column()
    # Optimistic concurrency: an update made from a stale read matches no row and fails.
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    card: Mapped[Card] = relationship()

    __mapper_args__: dict[str, Any] = {"version_id_col": version}
    __table_args__ = (
        UniqueConstraint("user_id", "card_id"),
        # Everything the review queue reads: picking the next card follows this order (due
        # date, then card), and counting what is left reads the index alone.
        Index(
            "ix_review_states_due_queue",
            "user_id",
            "due_on",
            "card_id",
            "suspended",
            "redrill_on",
        ),
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
        # Today's re-drills are few among many cards: index only the rows that have one (with
        # what the queue checks, so that counting them reads this small index alone).
        Index(
            "ix_review_states_redrill",
            "user_id",
            "redrill_on",
            "suspended",
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
    kind: Mapped[ReviewKind] = mapped_column(enum_column(ReviewKind, "review_kind"))
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
    # The scheduler that answered (its grade scale: SM-2's 0-5, FSRS's 1-4) and, under FSRS,
    # its memory before and after the answer (SM-2's is in the columns above): undo restores
    # from it, and switching to FSRS replays the grades.
    scheduler: Mapped[SchedulerName] = mapped_column(
        enum_column(SchedulerName, "scheduler_name"),
        default=SchedulerName.SM2,
        server_default=SchedulerName.SM2.value,
    )
    memory_before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    memory_after: Mapped[dict[str, Any] | None] = mapped_column(JSON)

    __table_args__ = (
        # A user's answers by local day; the kind, the interval before, the grade and the
        # scheduler (whose scale the grade is on) ride along so that the review queue's
        # answers-today and the stats page's counts (per day, recalled) read the index alone.
        Index(
            "ix_review_log_user_day",
            "user_id",
            "reviewed_on",
            "kind",
            "interval_before",
            "grade",
            "scheduler",
        ),
        CheckConstraint("grade BETWEEN 0 AND 5", name="grade_0_to_5"),
    )


def recalled() -> ColumnElement[bool]:
    """The answer recalled the card, on the grade scale of the scheduler that took it: SM-2's
    3-5, FSRS's Hard, Good and Easy (2-4)."""
    return or_(
        and_(ReviewLog.scheduler == SchedulerName.SM2, ReviewLog.grade >= PASSING_GRADE),
        and_(ReviewLog.scheduler == SchedulerName.FSRS, ReviewLog.grade >= Rating.HARD),
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
