"""Followed series as their pages and the command line show them: each follow with its
record, and what "download all my data" holds of them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import Exists, exists, select
from sqlalchemy.orm import Session

from studyapp.models import Deck, Follow, Job, User
from studyapp.series import PRESETS
from studyapp.services.errors import NotFound

__all__ = [
    "FOLLOW_DATA",
    "FollowNotFound",
    "FollowView",
    "follow_owners",
    "follow_view",
    "follow_views",
    "follows_data",
    "job_active",
    "owner_of",
]


class FollowNotFound(NotFound):
    """No such follow for this user."""


@dataclass(frozen=True, slots=True)
class FollowView:
    id: int
    deck_id: int
    deck_name: str
    source: str
    preset: bool
    run_at: time
    timezone: str
    min_votes: int | None
    topics: tuple[str, ...]
    max_new: int | None
    start_on: date
    paused: bool
    last_fetched_at: datetime | None
    last_imported_on: date | None
    next_run_at: datetime
    papers_added: int
    last_error: str | None
    last_error_at: datetime | None
    last_error_detail: str | None
    retries: int
    busy: bool
    job_id: int | None


def job_active() -> Exists:
    """Whether the job a follow claimed for is queued or running (a restore leaves none): the
    one test of it, for the pages and for claiming a follow."""
    return exists().where(Job.id == Follow.job_id, Job.status.in_(("queued", "running")))


_running = job_active().correlate(Follow).label("running")


def _views(session: Session, user_id: int, follow_id: int | None) -> list[FollowView]:
    query = (
        select(Follow, Deck.name, User.timezone, _running)
        .join(Deck, Deck.id == Follow.deck_id)
        .join(User, User.id == Follow.owner_id)
        .where(Follow.owner_id == user_id)
        .order_by(Follow.id)
    )
    if follow_id is not None:
        query = query.where(Follow.id == follow_id)
    return [
        FollowView(
            id=follow.id,
            deck_id=follow.deck_id,
            deck_name=deck_name,
            source=follow.source,
            preset=follow.source in PRESETS,
            run_at=follow.run_at,
            timezone=timezone,
            min_votes=follow.min_votes,
            topics=tuple(follow.topics),
            max_new=follow.max_new,
            start_on=follow.start_on,
            paused=follow.paused,
            last_fetched_at=follow.last_fetched_at,
            last_imported_on=follow.last_imported_on,
            next_run_at=follow.next_run_at,
            papers_added=follow.papers_added,
            last_error=follow.last_error,
            last_error_at=follow.last_error_at,
            last_error_detail=follow.last_error_detail,
            retries=follow.retries,
            busy=follow.busy_since is not None and running,
            job_id=follow.job_id,
        )
        for follow, deck_name, timezone, running in session.execute(query)
    ]


def follow_views(session: Session, user_id: int) -> list[FollowView]:
    """The user's follows, oldest first."""
    with session.begin():
        return _views(session, user_id, None)


def follow_view(session: Session, user_id: int, follow_id: int) -> FollowView:
    with session.begin():
        found = _views(session, user_id, follow_id)
    if not found:
        raise FollowNotFound(follow_id)
    return found[0]


def follow_owners(session: Session) -> list[int]:
    """Every account that follows something (the command line lists them all)."""
    with session.begin():
        return list(session.scalars(select(Follow.owner_id).distinct().order_by(Follow.owner_id)))


def owner_of(session: Session, follow_id: int) -> int | None:
    """Whose follow ``follow_id`` is, or None when there is no such follow."""
    with session.begin():
        return session.scalar(select(Follow.owner_id).where(Follow.id == follow_id))


#: The columns "download all my data" holds for each follow.
FOLLOW_DATA = (
    "id",
    "deck_id",
    "source",
    "run_at",
    "min_votes",
    "topics",
    "max_new",
    "start_on",
    "paused",
    "created_at",
    "last_fetched_at",
    "last_imported_on",
    "next_run_at",
    "papers_added",
    "last_error",
    "last_error_at",
)


def follows_data(session: Session, user_id: int) -> list[Follow]:
    """The user's follows, for "download all my data" (call inside its transaction)."""
    return list(
        session.scalars(select(Follow).where(Follow.owner_id == user_id).order_by(Follow.id))
    )
