"""What a follow's jobs do: fetch each day's document, keep the papers its filters allow, and
import them into its deck, one day per transaction.

A *run* (job kind ``follow.run``, queued by the minute tick when a follow is due, or by "Fetch
now") fetches every day not yet settled, from the start day to the owner's local today (at
most ``MAX_BACKFILL_DAYS`` of them, the earliest first; the rest at the next run). A
*backfill* (``follow.backfill``) fetches a date range the user chose, again, with a progress
bar; a day it finds unchanged since the last fetch (the server says 304) imports nothing.

A day is settled when it is imported, failed, or missing (404/410) and at least
``MISSING_AFTER`` days before the owner's today: weekends and holidays have no digest. A
younger day's missing digest is tried again at the next run (it may be published late).
A network failure or timeout stops the run: the days imported so far stay,
the error is recorded and the next run is due after a growing wait (15 min, 1 h, 4 h); an
unexpected error (a bug, the database) is logged and handled the same way, recorded as
``internal``, so the minute tick does not start the run again every minute. A
document that is there but unusable (too large, not a digest) is recorded as failed and
skipped, since fetching it again gives the same.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.extract import extract_text
from studyapp.extract.documents import DocumentError
from studyapp.models import DayOutcome, Follow, FollowDay, User
from studyapp.series import day_url, days_from, next_run_after, pick_papers, retry_after
from studyapp.services import jobs
from studyapp.services.fetch_errors import DocumentMissing, FetchError, TooLarge
from studyapp.services.fetching import FetchSettings
from studyapp.services.follow_views import FollowNotFound
from studyapp.services.follows import (
    MAX_BACKFILL_DAYS,
    FollowBusy,
    due_follows,
    release,
    source_template,
    start_run,
)
from studyapp.services.importing import DeckNotFound, save_into_deck
from studyapp.services.url_documents import fetch_document, forget_document
from studyapp.srs.calendar import local_day

__all__ = ["DayResult", "FollowPlan", "RunStopped", "fetch_day", "run_due_follows"]

_log = logging.getLogger(__name__)


class RunStopped(Exception):
    """A day could not be fetched for a reason that may pass (the network, the server, the
    allowlist): the run stops here and is tried again later."""

    def __init__(self, error: FetchError) -> None:
        super().__init__(str(error))
        self.error = error


@dataclass(frozen=True, slots=True)
class DayResult:
    day: date
    #: None: nothing recorded (a recent day's document is not there yet).
    outcome: DayOutcome | None
    papers: int = 0
    unchanged: bool = False


@dataclass(frozen=True, slots=True)
class FollowPlan:
    """A follow as a job reads it, outside any transaction."""

    follow_id: int
    owner_id: int
    deck_id: int
    template: str
    timezone: str
    min_votes: int | None
    topics: tuple[str, ...]
    max_new: int | None
    start_on: date


def _plan(session: Session, follow_id: int) -> FollowPlan | None:
    with session.begin():
        row = session.execute(
            select(Follow, User.timezone)
            .join(User, User.id == Follow.owner_id)
            .where(Follow.id == follow_id)
        ).one_or_none()
        if row is None:
            return None
        follow, timezone = row
        return FollowPlan(
            follow_id=follow.id,
            owner_id=follow.owner_id,
            deck_id=follow.deck_id,
            template=source_template(follow.source, current_app.config),
            timezone=timezone,
            min_votes=follow.min_votes,
            topics=tuple(follow.topics),
            max_new=follow.max_new,
            start_on=follow.start_on,
        )


#: A day whose document is still missing this many days after it (the owner's days) has none.
MISSING_AFTER = timedelta(days=2)


def _settled(session: Session, follow_id: int, since: date) -> set[date]:
    """The days a run does not fetch again: every day recorded (imported, missing, failed)."""
    with session.begin():
        return set(
            session.scalars(
                select(FollowDay.day).where(
                    FollowDay.follow_id == follow_id, FollowDay.day >= since
                )
            )
        )


def fetch_day(
    session: Session, plan: FollowPlan, day: date, *, today: date, settings: FetchSettings
) -> DayResult:
    """Fetch, filter and import one day (one transaction for its papers, then its record);
    raises :class:`RunStopped` when the fetch may work later."""
    url = day_url(plan.template, day)
    try:
        document = fetch_document(session, user_id=plan.owner_id, url=url, settings=settings)
        if document.unchanged and not _imported(session, plan.follow_id, day):
            # The validators are ours, but the day never got in (an import that failed after
            # its fetch): ask for the whole document again.
            forget_document(session, user_id=plan.owner_id, url=url)
            document = fetch_document(session, user_id=plan.owner_id, url=url, settings=settings)
    except DocumentMissing:
        if day > today - MISSING_AFTER:  # may be published late: asked for again next run
            return DayResult(day, None)
        return _record(session, plan, day, DayOutcome.MISSING)
    except (TooLarge, DocumentError):
        return _record(session, plan, day, DayOutcome.FAILED)
    except FetchError as error:
        raise RunStopped(error) from None
    if document.unchanged:
        return DayResult(day, DayOutcome.IMPORTED, unchanged=True)
    try:
        papers = extract_text(document.text, source=url).papers
    except DocumentError:
        forget_document(session, user_id=plan.owner_id, url=url)
        return _record(session, plan, day, DayOutcome.FAILED)
    kept = pick_papers(papers, min_votes=plan.min_votes, topics=plan.topics, max_new=plan.max_new)
    added = 0
    if kept:
        try:
            report = save_into_deck(
                session, user_id=plan.owner_id, deck_id=plan.deck_id, papers=kept
            )
        except BaseException:
            forget_document(session, user_id=plan.owner_id, url=url)
            raise
        added = report.papers_new
    return _record(session, plan, day, DayOutcome.IMPORTED, papers=added)


def _imported(session: Session, follow_id: int, day: date) -> bool:
    with session.begin():
        outcome = session.scalar(
            select(FollowDay.outcome).where(FollowDay.follow_id == follow_id, FollowDay.day == day)
        )
    return outcome is DayOutcome.IMPORTED


def _record(
    session: Session, plan: FollowPlan, day: date, outcome: DayOutcome, *, papers: int = 0
) -> DayResult:
    with write_unit(session):
        row = session.scalars(
            select(FollowDay).where(FollowDay.follow_id == plan.follow_id, FollowDay.day == day)
        ).one_or_none()
        if row is None:
            row = FollowDay(follow_id=plan.follow_id, day=day, outcome=outcome, papers=0)
            session.add(row)
        row.outcome = outcome
        row.papers += papers
        follow = session.get(Follow, plan.follow_id)
        if follow is None:  # unsubscribed while this ran: the day's papers stay in the deck
            return DayResult(day, outcome, papers)
        follow.papers_added += papers
        if outcome is DayOutcome.IMPORTED and (
            follow.last_imported_on is None or day > follow.last_imported_on
        ):
            follow.last_imported_on = day
    return DayResult(day, outcome, papers)


#: The error recorded when a run ends on an exception nobody expected (logged with its trace).
INTERNAL = "internal"


def _finish(
    session: Session,
    plan: FollowPlan,
    now: datetime,
    stopped: RunStopped | None,
    *,
    backfill: bool,
    internal: str | None = None,
) -> None:
    """Write the follow's record after a run (or a backfill: its schedule stays). ``internal``:
    the run ended on an unexpected exception (this text), retried as a stopped run is."""
    if session.in_transaction():  # what failed may have left its transaction open
        session.rollback()
    with write_unit(session):
        follow = session.get(Follow, plan.follow_id)
        if follow is None:
            return
        follow.last_fetched_at = now
        if stopped is not None or internal is not None:
            follow.last_error = stopped.error.code if stopped is not None else INTERNAL
            follow.last_error_detail = str(stopped.error) if stopped is not None else internal
            follow.last_error_at = now
            if not backfill:
                follow.retries += 1
                follow.next_run_at = now + retry_after(follow.retries)
            return
        if not backfill:
            follow.last_error = follow.last_error_detail = follow.last_error_at = None
            follow.retries = 0
            follow.next_run_at = next_run_after(now, follow.run_at, plan.timezone)


def _summary(
    results: list[DayResult], stopped: RunStopped | None, *, internal: bool = False
) -> dict[str, Any]:
    return {
        "days": len(results),
        "imported": sum(r.outcome is DayOutcome.IMPORTED and not r.unchanged for r in results),
        "unchanged": sum(r.unchanged for r in results),
        "missing": sum(r.outcome is DayOutcome.MISSING for r in results),
        "failed": sum(r.outcome is DayOutcome.FAILED for r in results),
        "papers": sum(r.papers for r in results),
        "error": stopped.error.code if stopped else INTERNAL if internal else None,
    }


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


@jobs.handler("follow.run")
def _run(context: jobs.JobContext) -> dict[str, Any]:
    follow_id = int(context.payload["follow_id"])
    now = datetime.fromisoformat(context.payload["now"])
    session = context.session
    try:
        plan = _plan(session, follow_id)
        if plan is None:
            return {"days": 0, "gone": True}
        today = local_day(now, plan.timezone)
        settled = _settled(session, follow_id, plan.start_on)
        pending = [day for day in days_from(plan.start_on, today) if day not in settled]
        del pending[MAX_BACKFILL_DAYS:]  # the rest at the next run
        context.set_total(len(pending))
        settings = FetchSettings.from_config(current_app.config)
        results: list[DayResult] = []
        stopped: RunStopped | None = None
        for day in pending:
            try:
                results.append(fetch_day(session, plan, day, today=today, settings=settings))
            except RunStopped as error:
                stopped = error
                break
            except DeckNotFound:  # the deck was deleted meanwhile, and the follow with it
                return {**_summary(results, None), "gone": True}
            except Exception as error:  # noqa: BLE001 - recorded and retried later, not every minute
                _log.exception("follow %s: the run stopped at %s", follow_id, day)
                _finish(session, plan, now, None, backfill=False, internal=_describe(error))
                return _summary(results, None, internal=True)
            context.progress(1)
        _finish(session, plan, now, stopped, backfill=False)
        return _summary(results, stopped)
    finally:
        release(session, follow_id, context.job_id)


@jobs.handler("follow.backfill")
def _backfill(context: jobs.JobContext) -> dict[str, Any]:
    follow_id = int(context.payload["follow_id"])
    now = datetime.fromisoformat(context.payload["now"])
    first = date.fromisoformat(context.payload["first"])
    last = date.fromisoformat(context.payload["last"])
    session = context.session
    try:
        plan = _plan(session, follow_id)
        if plan is None:
            raise jobs.JobFailed("follow.gone", "the follow was deleted")
        today = local_day(now, plan.timezone)
        days = days_from(first, last)
        context.set_total(len(days))
        settings = FetchSettings.from_config(current_app.config)
        results: list[DayResult] = []
        for day in days:
            try:
                results.append(fetch_day(session, plan, day, today=today, settings=settings))
            except RunStopped as stopped:
                _finish(session, plan, now, stopped, backfill=True)
                raise jobs.JobFailed(stopped.error.code, str(stopped.error)) from None
            except DeckNotFound:
                raise jobs.JobFailed("follow.gone", "the deck was deleted") from None
            except Exception as error:  # noqa: BLE001 - recorded on the follow, then the job fails
                _log.exception("follow %s: the backfill stopped at %s", follow_id, day)
                _finish(session, plan, now, None, backfill=True, internal=_describe(error))
                raise jobs.JobFailed(INTERNAL, _describe(error)) from None
            context.progress(1)
        _finish(session, plan, now, None, backfill=True)
        return _summary(results, None)
    finally:
        release(session, follow_id, context.job_id)


@jobs.on_tick
def run_due_follows(session: Session, now: datetime) -> None:
    """Queue a run of every follow due at ``now`` (the queue's minute tick)."""
    for follow_id in due_follows(session, now):
        try:
            start_run(session, follow_id, now=now)
        except (FollowBusy, FollowNotFound):
            pass  # another tick queued it a moment ago, or it was deleted meanwhile
