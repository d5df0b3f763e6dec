"""Background jobs as the app sees them: submitting one, running it, reporting how far it got.

A job is a :class:`~studyapp.models.Job` row; the queue (:mod:`studyapp.queue`) carries only
its id to a worker, which calls :func:`run`. What a job does is its kind's *handler*,
registered with :func:`handler`: it gets a :class:`JobContext` (the session, the payload, a way
to report progress) and returns a small JSON-able result. A handler that refuses raises
:class:`JobFailed` with a code the pages translate; any other exception is a bug: the job
fails as "internal", and the traceback goes to the worker's log.

Periodic work (a followed series' new days) registers with :func:`on_tick`: every tick hook
runs with the tick's time, which the queue's scheduler passes in once a minute (and tests, or
``studyapp follow run --at``, pass in themselves).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session, sessionmaker

from studyapp.db import write_unit
from studyapp.models import Job, utcnow
from studyapp.services.errors import NotFound

__all__ = [
    "INTERRUPTED_AFTER",
    "KEPT_FOR",
    "JobContext",
    "JobFailed",
    "JobNotFound",
    "JobView",
    "delete_finished",
    "fail_interrupted",
    "fail_unqueued",
    "handler",
    "job_view",
    "on_tick",
    "run",
    "run_tick",
    "submit_row",
]

_log = logging.getLogger(__name__)

#: A running job that has not reported progress for this long lost its worker.
INTERRUPTED_AFTER = timedelta(minutes=10)
#: How long a finished job stays (its page, the import page's list of recent imports).
KEPT_FOR = timedelta(days=7)
#: Progress is written at most this often (seconds): each write is a short transaction.
_PROGRESS_EVERY = 0.5

Handler = Callable[["JobContext"], dict[str, Any]]
TickHook = Callable[[Session, datetime], None]

_HANDLERS: dict[str, Handler] = {}
_TICK_HOOKS: list[TickHook] = []


class JobNotFound(NotFound):
    """No such job for this user."""


class JobFailed(Exception):
    """A handler's refusal: ``code`` names the reason (the pages translate it), ``detail``
    says more for the log and the command line."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code, detail)
        self.code = code
        self.detail = detail


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the function that runs jobs of ``kind``."""

    def register(function: Handler) -> Handler:
        _HANDLERS[kind] = function
        return function

    return register


def on_tick(hook: TickHook) -> TickHook:
    """Register ``hook(session, now)`` to run on every tick of the queue's clock."""
    _TICK_HOOKS.append(hook)
    return hook


@dataclass(frozen=True, slots=True)
class JobView:
    id: int
    kind: str
    status: str
    done: int
    total: int
    result: dict[str, Any] | None
    error: str | None
    detail: str | None
    payload: dict[str, Any]
    created_at: datetime
    finished_at: datetime | None

    @property
    def finished(self) -> bool:
        return self.status in ("done", "failed")

    @property
    def percent(self) -> int | None:
        """How far it got, 0–100; None while the total is not known."""
        if self.status == "done":
            return 100
        if self.total <= 0:
            return None
        return min(100, self.done * 100 // self.total)


@dataclass(slots=True)
class JobContext:
    """What a handler gets: the job's payload, a session, and :meth:`progress`."""

    session: Session
    job_id: int
    user_id: int | None
    payload: dict[str, Any]
    _sessions: sessionmaker[Session]
    _done: int = 0
    _total: int = 0
    _written: float = field(default=0.0)

    def set_total(self, total: int) -> None:
        """The job's size in its units; written at once, with the progress so far."""
        self._total = total
        self._write(force=True)

    def progress(self, count: int) -> None:
        """``count`` more units done. Call it between transactions, never inside one: it
        writes in a session of its own (at most every half second)."""
        self._done += count
        self._write(force=False)

    def _write(self, *, force: bool) -> None:
        now = time.monotonic()
        if not force and now - self._written < _PROGRESS_EVERY:
            return
        self._written = now
        with self._sessions() as session, write_unit(session):
            session.execute(
                update(Job)
                .where(Job.id == self.job_id)
                .values(done=self._done, total=self._total, updated_at=utcnow())
            )


def submit_row(
    session: Session,
    *,
    kind: str,
    user_id: int | None,
    payload: dict[str, Any],
    total: int = 0,
) -> int:
    """Store a queued job and return its id (:func:`studyapp.queue.submit` also hands it to
    the queue, after this commits)."""
    if kind not in _HANDLERS:
        raise KeyError(kind)
    with write_unit(session):
        job = Job(kind=kind, user_id=user_id, payload=payload, total=total)
        session.add(job)
        session.flush()
        return job.id


def job_view(session: Session, job_id: int, *, user_id: int | None) -> JobView:
    """The job ``job_id`` if it is ``user_id``'s; :class:`JobNotFound` otherwise."""
    with session.begin():
        job = session.get(Job, job_id)
        if job is None or job.user_id != user_id:
            raise JobNotFound(job_id)
        return _view(job)


def _view(job: Job) -> JobView:
    return JobView(
        id=job.id,
        kind=job.kind,
        status=job.status,
        done=job.done,
        total=job.total,
        result=job.result,
        error=job.error,
        detail=job.detail,
        payload=job.payload,
        created_at=job.created_at,
        finished_at=job.finished_at,
    )


def run(sessions: sessionmaker[Session], job_id: int) -> JobView | None:
    """Run the queued job ``job_id`` to its end (the queue's worker calls this).

    A job runs once: one that is not queued any more (run already, or running on another
    worker) is left alone and None returned.
    """
    with sessions() as session:
        with write_unit(session):
            # One statement claims it: of two workers (or a worker and a command) starting the
            # same job at once, on any database, exactly one changes the row.
            started = utcnow()
            claimed = session.execute(
                update(Job)
                .where(Job.id == job_id, Job.status == "queued")
                .values(status="running", started_at=started, updated_at=started)
            )
            if claimed.rowcount != 1:  # type: ignore[attr-defined]
                return None
            row = session.get_one(Job, job_id)
            kind, user_id, payload, total = row.kind, row.user_id, dict(row.payload), row.total
        context = JobContext(session, job_id, user_id, payload, sessions, _total=total)
        outcome: dict[str, Any] = {"status": "done", "error": None, "detail": None}
        try:
            if kind not in _HANDLERS:
                # A worker older than the web process that queued the job.
                raise JobFailed("job.unknown_kind", f"this worker cannot run {kind!r} jobs")
            result = _HANDLERS[kind](context)
        except JobFailed as refusal:
            session.rollback()
            outcome = {"status": "failed", "error": refusal.code, "detail": refusal.detail}
            result = None
        except Exception as error:  # a bug: say so on the page, keep the traceback in the log
            session.rollback()
            _log.exception("job %s (%s) failed", job_id, kind)
            outcome = {"status": "failed", "error": "internal", "detail": repr(error)}
            result = None
        with write_unit(session):
            job = session.get(Job, job_id)
            if job is None:  # the account went while the job ran
                return None
            job.status, job.error, job.detail = (
                outcome["status"],
                outcome["error"],
                outcome["detail"],
            )
            job.result = result
            job.finished_at = job.updated_at = utcnow()
            if job.status == "done":
                job.total = max(job.total, context._total, context._done)
                job.done = job.total
            else:
                job.done = context._done
            return _view(job)


def run_tick(sessions: sessionmaker[Session], now: datetime) -> None:
    """Run every tick hook for the time ``now``; one hook's bug does not stop the others."""
    for hook in _TICK_HOOKS:
        with sessions() as session:
            try:
                hook(session, now)
            except Exception:
                _log.exception("tick hook %s failed at %s", hook.__qualname__, now.isoformat())


def fail_unqueued(session: Session, job_id: int, detail: str) -> None:
    """Mark a job the queue refused failed (its page says so instead of waiting)."""
    with write_unit(session):
        session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="failed", error="job.not_queued", detail=detail, finished_at=utcnow())
        )


def delete_finished(session: Session, *, now: datetime) -> int:
    """Delete jobs that finished more than :data:`KEPT_FOR` before ``now`` (their payloads
    can be whole documents); returns how many."""
    with write_unit(session):
        gone = session.execute(
            delete(Job).where(Job.status.in_(("done", "failed")), Job.finished_at < now - KEPT_FOR)
        )
        return int(gone.rowcount)  # type: ignore[attr-defined]


def fail_interrupted(session: Session, *, now: datetime | None = None) -> int:
    """Mark jobs whose worker died (running, silent for :data:`INTERRUPTED_AFTER`) failed,
    so that their pages stop waiting; returns how many. Their work left nothing half-written
    (each handler's writes are all-or-nothing); the user can start them again."""
    now = now or utcnow()
    with write_unit(session):
        stale = session.scalars(
            select(Job).where(Job.status == "running", Job.updated_at < now - INTERRUPTED_AFTER)
        ).all()
        for job in stale:
            job.status, job.error = "failed", "interrupted"
            job.detail = "the worker stopped while running this job"
            job.finished_at = job.updated_at = now
        return len(stale)
