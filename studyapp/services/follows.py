"""Subscriptions to a series: subscribing, pausing, deleting, and starting a run or a backfill
as a background job (what a run does: :mod:`studyapp.services.follow_runs`; what the pages
show: :mod:`studyapp.services.follow_views`).

Every function takes the time as ``now``; a follow is only ever its owner's (another user's id
is :class:`FollowNotFound`, as if it did not exist).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.models import Deck, Follow, User
from studyapp.queue import submit
from studyapp.series import PRESETS, day_url, days_from, has_day_placeholder, next_run_after
from studyapp.services import jobs
from studyapp.services.errors import ServiceError
from studyapp.services.fetch_addresses import vet
from studyapp.services.fetch_errors import FetchError, FetchFailed
from studyapp.services.fetching import FetchSettings
from studyapp.services.follow_views import FollowNotFound, job_active
from studyapp.services.importing import DeckNotFound, clean_deck_name, slugify
from studyapp.srs.calendar import local_day

__all__ = [
    "BUSY_FOR",
    "MAX_BACKFILL_DAYS",
    "BadRange",
    "FollowBusy",
    "FollowNotFound",
    "NewFollow",
    "SourceRefused",
    "check_source",
    "delete_follow",
    "due_follows",
    "earliest_start",
    "release",
    "set_paused",
    "source_template",
    "start_backfill",
    "start_run",
    "subscribe",
]

#: A claim whose job was never named (the process died between claiming and queueing) and is
#: older than this is lost. A claim with a job holds as long as that job is queued or running.
BUSY_FOR = timedelta(hours=1)
#: The longest date range one backfill fetches, the most days one run fetches, and how far
#: back a follow may start.
MAX_BACKFILL_DAYS = 366


class FollowBusy(ServiceError):
    """A run or a backfill of this follow is already queued or running."""

    status = 409


class SourceRefused(ServiceError):
    """A source that cannot be followed: ``error`` says what the fetcher refuses (its address),
    or it is None when the template names no day."""

    status = 422

    def __init__(self, source: str, error: FetchError | None) -> None:
        super().__init__(source)
        self.error = error


class BadRange(ServiceError):
    """A backfill's dates: the first after the last, a day after today, or too many days; or
    a follow's start day more than :data:`MAX_BACKFILL_DAYS` days before today
    (``too_old``)."""

    status = 422

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class NewFollow:
    """What a subscription asks for. ``deck_id`` is one of the user's decks; without it a deck
    called ``deck_name`` is used, made when the user has none of that name."""

    source: str
    run_at: time
    deck_id: int | None = None
    deck_name: str = ""
    min_votes: int | None = None
    topics: tuple[str, ...] = ()
    max_new: int | None = None
    start_on: date | None = None


def earliest_start(today: date) -> date:
    """The earliest day a follow may start from, ``today`` being the user's."""
    return today - timedelta(days=MAX_BACKFILL_DAYS)


def source_template(source: str, config: Mapping[str, Any]) -> str:
    """The URL template of ``source``: a preset's setting, or the source itself."""
    setting = PRESETS.get(source)
    return str(config[setting]) if setting else source


def check_source(source: str, *, config: Mapping[str, Any], today: date) -> str:
    """``source`` if it can be followed, else :class:`SourceRefused`: a preset, or an http(s)
    URL template with a day in it whose host the fetcher may reach (FETCH_ALLOWED_HOSTS; a
    host that does not resolve now is not held against it: a run retries)."""
    source = source.strip()
    if source in PRESETS:
        return source
    if not has_day_placeholder(source):
        raise SourceRefused(source, None)
    try:
        vet(day_url(source, today), allowed=FetchSettings.from_config(config).allowed_hosts)
    except FetchFailed:
        pass
    except FetchError as error:
        raise SourceRefused(source, error) from None
    return source


def subscribe(
    session: Session, *, user_id: int, new: NewFollow, now: datetime, config: Mapping[str, Any]
) -> int:
    """Follow ``new.source`` into one of the user's decks; returns the follow's id. The first
    run is due at the next ``run_at`` in the user's zone, or at once when ``start_on`` is
    already past (its days are caught up). :class:`BadRange` ``too_old`` when ``start_on`` is
    more than :data:`MAX_BACKFILL_DAYS` days before today."""
    with session.begin():
        timezone = _timezone(session, user_id)
    today = local_day(now, timezone)
    source = check_source(new.source, config=config, today=today)
    start_on = new.start_on or today
    if start_on < earliest_start(today):
        raise BadRange("too_old")
    with write_unit(session):
        deck = _deck(session, user_id, new)
        follow = Follow(
            owner_id=user_id,
            deck_id=deck.id,
            source=source,
            run_at=new.run_at,
            min_votes=new.min_votes,
            topics=sorted(set(new.topics)),
            max_new=new.max_new,
            start_on=start_on,
            paused=False,
            papers_added=0,
            retries=0,
            next_run_at=now if start_on < today else next_run_after(now, new.run_at, timezone),
        )
        session.add(follow)
        session.flush()
        return follow.id


def _timezone(session: Session, user_id: int) -> str:
    timezone = session.scalar(select(User.timezone).where(User.id == user_id))
    if timezone is None:
        raise FollowNotFound(user_id)
    return timezone


def _deck(session: Session, user_id: int, new: NewFollow) -> Deck:
    if new.deck_id is not None:
        deck = session.scalars(
            select(Deck).where(Deck.id == new.deck_id, Deck.owned_by(user_id))
        ).one_or_none()
        if deck is None:
            raise DeckNotFound(new.deck_id)
        return deck
    name = clean_deck_name(new.deck_name)
    slug = slugify(name)
    deck = session.scalars(
        select(Deck).where(Deck.owned_by(user_id), Deck.slug == slug)
    ).one_or_none()
    if deck is None:
        deck = Deck(owner_id=user_id, slug=slug, name=name)
        session.add(deck)
        session.flush()
    return deck


def _own(session: Session, user_id: int, follow_id: int) -> Follow:
    follow = session.scalars(
        select(Follow).where(Follow.id == follow_id, Follow.owner_id == user_id)
    ).one_or_none()
    if follow is None:
        raise FollowNotFound(follow_id)
    return follow


def set_paused(
    session: Session, user_id: int, follow_id: int, *, paused: bool, now: datetime
) -> None:
    """Pause the follow (no runs until resumed) or resume it: then its next run is due at
    once, and catches up the days it missed."""
    with write_unit(session):
        follow = _own(session, user_id, follow_id)
        if follow.paused and not paused:
            follow.next_run_at = now
        follow.paused = paused


def delete_follow(session: Session, user_id: int, follow_id: int) -> None:
    """Stop following; the deck and the cards it brought stay."""
    with write_unit(session):
        session.delete(_own(session, user_id, follow_id))


def _free(now: datetime) -> ColumnElement[bool]:
    """A follow no job of which is queued or running: never claimed, claimed by a job that has
    ended or is gone (a restore empties the jobs), or claimed too long ago without a job ever
    being named (a job still running holds its claim however long it takes)."""
    return or_(
        Follow.busy_since.is_(None),
        and_(Follow.job_id.is_(None), Follow.busy_since < now - BUSY_FOR),
        and_(Follow.job_id.is_not(None), ~job_active()),
    )


def _claim(session: Session, follow_id: int, now: datetime) -> bool:
    """Mark the follow busy unless a run or backfill of it is queued or running (its job is
    named once queued; until then the claim alone holds it)."""
    with write_unit(session):
        claimed = session.execute(
            update(Follow)
            .where(Follow.id == follow_id, _free(now))
            .values(busy_since=now, job_id=None)
            .returning(Follow.id)
        ).first()
        return claimed is not None


def release(session: Session, follow_id: int, job_id: int | None) -> None:
    """Job ``job_id`` of the follow ended (None: queueing it failed): another may start. A
    claim that another job holds by now stays."""
    held_by = Follow.job_id.is_(None) if job_id is None else Follow.job_id == job_id
    with write_unit(session):
        session.execute(
            update(Follow)
            .where(Follow.id == follow_id, held_by)
            .values(busy_since=None, job_id=None)
        )


def _start(
    session: Session,
    follow: Follow,
    now: datetime,
    kind: str,
    payload: dict[str, Any],
    *,
    enqueue: bool,
) -> int:
    follow_id, owner_id = follow.id, follow.owner_id
    if not _claim(session, follow_id, now):
        raise FollowBusy(follow_id)
    store = submit if enqueue else jobs.submit_row
    try:
        job_id = store(
            session, kind=kind, user_id=owner_id, payload={"follow_id": follow_id, **payload}
        )
    except BaseException:
        release(session, follow_id, None)
        raise
    with write_unit(session):
        session.execute(update(Follow).where(Follow.id == follow_id).values(job_id=job_id))
    return job_id


def start_run(
    session: Session,
    follow_id: int,
    *,
    now: datetime,
    user_id: int | None = None,
    enqueue: bool = True,
) -> int:
    """Queue a run of the follow for the time ``now`` ("Fetch now", or the tick when it is
    due); ``user_id`` given, the follow must be theirs. :class:`FollowBusy` when one is queued
    or running already. ``enqueue`` False: the job is only stored, for the caller to run
    itself (:func:`studyapp.services.jobs.run`); no worker takes it."""
    with session.begin():
        follow = session.get(Follow, follow_id)
        if follow is None or (user_id is not None and follow.owner_id != user_id):
            raise FollowNotFound(follow_id)
    return _start(session, follow, now, "follow.run", {"now": now.isoformat()}, enqueue=enqueue)


def start_backfill(
    session: Session,
    user_id: int,
    follow_id: int,
    *,
    first: date,
    last: date,
    now: datetime,
    enqueue: bool = True,
) -> int:
    """Queue a backfill of the days ``first`` to ``last`` (at most today, in the user's zone,
    and :data:`MAX_BACKFILL_DAYS` of them); returns the job's id. ``enqueue`` as for
    :func:`start_run`."""
    with session.begin():
        follow = _own(session, user_id, follow_id)
        today = local_day(now, _timezone(session, user_id))
    if first > last:
        raise BadRange("order")
    if last > today:
        raise BadRange("future")
    if len(days_from(first, last)) > MAX_BACKFILL_DAYS:
        raise BadRange("too_long")
    payload = {"first": first.isoformat(), "last": last.isoformat(), "now": now.isoformat()}
    return _start(session, follow, now, "follow.backfill", payload, enqueue=enqueue)


def due_follows(session: Session, now: datetime) -> Sequence[int]:
    """The follows whose next run is due at ``now``, not paused and not busy."""
    with session.begin():
        return session.scalars(
            select(Follow.id)
            .where(
                Follow.next_run_at <= now,
                Follow.paused.is_(False),
                _free(now),
            )
            .order_by(Follow.next_run_at, Follow.id)
        ).all()
