"""Followed series: a user's subscription to a source that publishes one document a day (the
Korean Daily Papers digests, or any URL with the date in it), imported into one of their decks
at a time of day in their zone; and what became of each day.

A :class:`Follow` keeps its record (last fetch, next run, papers added, the last error and how
many retries it led to); a :class:`FollowDay` says what became of one day — imported, missing
(no document that day: a weekend, a holiday) or failed (a document that is no digest) — so
that the days not yet imported are known exactly, whatever order they were fetched in.
"""

from __future__ import annotations

import enum
from datetime import date, datetime, time

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.models.base import Base, enum_column, utcnow

__all__ = ["DayOutcome", "Follow", "FollowDay"]


class DayOutcome(enum.StrEnum):
    IMPORTED = "imported"  # its papers are in the deck (perhaps none passed the filters)
    MISSING = "missing"  # the source has no document for that day
    FAILED = "failed"  # the document was there but could not be used (too large, no digest)


class Follow(Base):
    __tablename__ = "follows"

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    deck_id: Mapped[int] = mapped_column(ForeignKey("decks.id", ondelete="CASCADE"), index=True)
    # A preset's name ("daily_papers_ko") or a URL template with {yyyy} {mm} {dd} {date}.
    source: Mapped[str] = mapped_column(String(2000))
    # The time of day to run, in the owner's time zone (User.timezone).
    run_at: Mapped[time] = mapped_column(Time())
    # Filters: papers with at least this many votes (papers without a vote count are kept),
    # on any of these topics (empty: any topic), at most this many a day (by votes).
    min_votes: Mapped[int | None]
    topics: Mapped[list[str]] = mapped_column(JSON, default=list)
    max_new: Mapped[int | None]
    # The first day the series is followed from (earlier days: a backfill).
    start_on: Mapped[date] = mapped_column(Date())
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    # Its record.
    last_fetched_at: Mapped[datetime | None]
    last_imported_on: Mapped[date | None] = mapped_column(Date())
    # When the next run is due (UTC): the next run time of day, or a retry after an error.
    next_run_at: Mapped[datetime] = mapped_column(index=True)
    papers_added: Mapped[int] = mapped_column(default=0)
    # Why the last run stopped (a stable code the pages translate), when, and the detail.
    last_error: Mapped[str | None] = mapped_column(String(60))
    last_error_at: Mapped[datetime | None]
    last_error_detail: Mapped[str | None] = mapped_column(Text)
    # Runs that failed in a row: how long the next retry waits.
    retries: Mapped[int] = mapped_column(default=0)
    # Set while a job of this follow (a run or a backfill) is queued or running, so that no
    # second one starts. The claim lapses when that job has ended or is gone (a restore empties
    # the jobs table, so this is no foreign key), or after an hour (a worker that died).
    busy_since: Mapped[datetime | None]
    job_id: Mapped[int | None]


class FollowDay(Base):
    __tablename__ = "follow_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    follow_id: Mapped[int] = mapped_column(ForeignKey("follows.id", ondelete="CASCADE"))
    day: Mapped[date] = mapped_column(Date())
    outcome: Mapped[DayOutcome] = mapped_column(enum_column(DayOutcome, "day_outcome"))
    # Papers added to the deck that day (new ones; a repeat adds none).
    papers: Mapped[int] = mapped_column(default=0)
    recorded_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("follow_id", "day"),)
