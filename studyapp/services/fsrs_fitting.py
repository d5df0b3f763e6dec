"""Fitting FSRS's parameters to one user's own review log, as a background job.

:func:`start_fit` queues a job of kind :data:`FIT_KIND` (or names the user's fit that is
already waiting or running: a second click starts nothing). Its handler reads the user's whole
log, turns each card's answers into FSRS ratings (SM-2's grades through
:func:`~studyapp.srs.fsrs.from_sm2_grade`), and hands them to :func:`studyapp.srs.fsrs_fit.fit`;
the job's result is the fit and how it scored against the defaults on held-out cards. Nothing
changes for the user until :func:`apply_fit`, which takes only a fit that did better than the
defaults; :func:`reset_parameters` goes back to the defaults.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.models import Job, ReviewLog, User
from studyapp.queue import current_queue
from studyapp.services import jobs
from studyapp.services.errors import QueueUnavailable, ServiceError
from studyapp.srs import fsrs_fit
from studyapp.srs.fsrs import Rating, from_sm2_grade
from studyapp.srs.schedule import SchedulerName

__all__ = [
    "FIT_KIND",
    "NOT_ENOUGH_REVIEWS",
    "FitNotBetter",
    "FittingState",
    "apply_fit",
    "fitting_state",
    "not_enough_reviews",
    "reset_parameters",
    "start_fit",
]

FIT_KIND = "fsrs.fit"
#: A fit job's failure when the log is too short; its detail is "<reviews>/<needed>".
NOT_ENOUGH_REVIEWS = "fsrs.not_enough_reviews"


class FitNotBetter(ServiceError):
    """The fit predicted the user's held-out reviews worse than the defaults: not applied."""

    status = 409


def not_enough_reviews(job: jobs.JobView) -> tuple[int, int] | None:
    """(reviews the log has, reviews needed) when ``job`` failed for a short log, else None."""
    if job.error != NOT_ENOUGH_REVIEWS or not job.detail:
        return None
    have, _sep, needed = job.detail.partition("/")
    return int(have), int(needed)


def _live_fit(session: Session, user_id: int) -> int | None:
    return session.scalar(
        select(Job.id)
        .where(
            Job.user_id == user_id,
            Job.kind == FIT_KIND,
            Job.status.in_(("queued", "running")),
        )
        .order_by(Job.id.desc())
        .limit(1)
    )


def start_fit(session: Session, user_id: int, *, now: datetime) -> int:
    """Queue a fit of the user's parameters and return its job id; the id of the fit already
    queued or running, if there is one (a double click starts one fit). Raises
    :class:`~studyapp.services.errors.QueueUnavailable` when the queue refuses the job."""
    with write_unit(session):
        # The user's row is the lock two simultaneous clicks queue on (SQLite's write lock
        # serialises them anyway), so exactly one of them makes the job.
        session.scalars(select(User.id).where(User.id == user_id).with_for_update()).one()
        existing = _live_fit(session, user_id)
        if existing is not None:
            return existing
        job = Job(kind=FIT_KIND, user_id=user_id, payload={"requested_at": now.isoformat()})
        session.add(job)
        session.flush()
        job_id = job.id
    try:
        current_queue().enqueue(job_id)
    except Exception as error:  # whatever the storage raises (Redis, psycopg, sqlite3)
        jobs.fail_unqueued(session, job_id, repr(error))
        raise QueueUnavailable(job_id) from error
    return job_id


def _histories(session: Session, user_id: int) -> dict[int, list[tuple[date, Rating]]]:
    """Each card's answers, in the order given, as FSRS ratings on local dates. A local date
    never goes back within a card: after a move to a zone further west, an answer's date may be
    earlier than the one before it, and it counts as that same day."""
    rows = session.execute(
        select(ReviewLog.card_id, ReviewLog.reviewed_on, ReviewLog.grade, ReviewLog.scheduler)
        .where(ReviewLog.user_id == user_id)
        .order_by(ReviewLog.card_id, ReviewLog.reviewed_at, ReviewLog.id)
    ).all()
    histories: dict[int, list[tuple[date, Rating]]] = defaultdict(list)
    for card_id, day, grade, scheduler in rows:
        rating = Rating(grade) if scheduler == SchedulerName.FSRS else from_sm2_grade(grade)
        history = histories[card_id]
        if history and day < history[-1][0]:
            day = history[-1][0]
        history.append((day, rating))
    return histories


@jobs.handler(FIT_KIND)
def _fit(context: jobs.JobContext) -> dict[str, Any]:
    assert context.user_id is not None, "a fit job is a user's"
    with context.session.begin():
        histories = _histories(context.session, context.user_id)
    context.set_total(3)
    reported = 0

    def progress(done: int, _total: int) -> None:
        nonlocal reported
        context.progress(done - reported)
        reported = done

    try:
        fitted = fsrs_fit.fit(histories, progress=progress)
    except fsrs_fit.NotEnoughReviews as short:
        raise jobs.JobFailed(NOT_ENOUGH_REVIEWS, f"{short.reviews}/{short.needed}") from None
    return fitted.to_dict()


def apply_fit(session: Session, user_id: int, job_id: int, *, now: datetime) -> fsrs_fit.Fit:
    """Schedule the user's cards with the parameters of their finished fit ``job_id``.

    :class:`~studyapp.services.jobs.JobNotFound` for any job but a finished fit of this user;
    :class:`FitNotBetter` for a fit that did not beat the defaults. The cards' memories stay
    as they are; the new parameters shape every answer from now on.
    """
    with write_unit(session):
        job = session.get(Job, job_id)
        if (
            job is None
            or job.user_id != user_id
            or job.kind != FIT_KIND
            or job.status != "done"
            or job.result is None
        ):
            raise jobs.JobNotFound(job_id)
        result = fsrs_fit.Fit.from_dict(job.result)
        if not result.better:
            raise FitNotBetter(job_id)
        user = session.get_one(User, user_id)
        user.fsrs_parameters = list(result.parameters)
        user.fsrs_fitted_at = now
        return result


def reset_parameters(session: Session, user_id: int) -> None:
    """Back to FSRS's default parameters."""
    with write_unit(session):
        user = session.get_one(User, user_id)
        user.fsrs_parameters = None
        user.fsrs_fitted_at = None


@dataclass(frozen=True, slots=True)
class FittingState:
    """What the fit page shows: the parameters in use, and the user's latest fit job."""

    #: None: FSRS's defaults.
    parameters: tuple[float, ...] | None
    fitted_at: datetime | None
    latest: jobs.JobView | None

    @property
    def latest_applied(self) -> bool:
        """Whether the latest fit's parameters are the ones in use."""
        if self.latest is None or self.latest.result is None or self.parameters is None:
            return False
        return fsrs_fit.Fit.from_dict(self.latest.result).parameters == self.parameters


def fitting_state(session: Session, user_id: int) -> FittingState:
    with session.begin():
        user = session.get_one(User, user_id)
        latest_id = session.scalar(
            select(Job.id)
            .where(Job.user_id == user_id, Job.kind == FIT_KIND)
            .order_by(Job.id.desc())
            .limit(1)
        )
        parameters = None if user.fsrs_parameters is None else tuple(user.fsrs_parameters)
        fitted_at = user.fsrs_fitted_at
    latest = None if latest_id is None else jobs.job_view(session, latest_id, user_id=user_id)
    return FittingState(parameters, fitted_at, latest)
