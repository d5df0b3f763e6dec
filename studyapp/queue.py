"""The job queue: huey, with storage chosen by the QUEUE_URL setting.

Empty QUEUE_URL (the default) puts the queue beside the database: a SQLite file next to a
SQLite database (``studyapp.db`` → ``studyapp.queue.db``), or huey's tables in the same
PostgreSQL database. ``redis://…`` uses Redis. Web processes only enqueue; ``studyapp worker``
(which ``make run`` and ``deploy/serve.py`` start) runs the consumer: it takes job ids off the
queue, runs them (:func:`studyapp.services.jobs.run`), and once a minute runs the tick hooks
(:func:`studyapp.services.jobs.run_tick`), such as fetching followed series.

The queue holds only job ids and tick times; everything else is in the app's database.
"""

from __future__ import annotations

import importlib
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from flask import Flask, current_app
from huey import Huey, MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey, crontab
from huey.api import TaskWrapper
from huey.consumer import Consumer
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from studyapp.db import session_factory
from studyapp.models import utcnow
from studyapp.services import jobs
from studyapp.services.errors import QueueUnavailable

__all__ = ["QUEUE_TABLE_PREFIX", "JobQueue", "current_queue", "init_app", "submit"]

#: huey's tables in a PostgreSQL database start with this.
QUEUE_TABLE_PREFIX = "huey_"

#: Modules whose import registers job handlers and tick hooks with studyapp.services.jobs.
_HANDLER_MODULES: tuple[str, ...] = (
    "studyapp.services.import_jobs",
    "studyapp.services.url_imports",
    "studyapp.services.follow_runs",
    "studyapp.services.fsrs_fitting",
)


class JobQueue:
    """One app's queue: the huey instance and the tasks it knows.

    huey opens its storage (and makes its tables) when it is made, so it is made on first
    use: creating the app touches no database.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self._huey: Huey | None = None
        self._lock = threading.Lock()
        self._tasks: dict[str, TaskWrapper] = {}

    @property
    def huey(self) -> Huey:
        return self._made()[0]

    def _made(self) -> tuple[Huey, dict[str, TaskWrapper]]:
        with self._lock:
            if self._huey is None:
                huey = _huey(self.app.config)
                self._tasks["run_job"] = huey.task(name="run_job")(self._run)
                self._tasks["tick"] = huey.task(name="tick")(self._tick)
                huey.periodic_task(crontab(minute="*"), name="tick_every_minute")(self._tick_now)
                self._huey = huey
            return self._huey, self._tasks

    def enqueue(self, job_id: int) -> None:
        self._made()[1]["run_job"](job_id)

    def tick(self, now: datetime) -> None:
        """Queue a tick for the time ``now`` (the scheduler queues one every minute)."""
        self._made()[1]["tick"](now.isoformat())

    def consumer(self, *, workers: int = 2, periodic: bool = True, **options: Any) -> Consumer:
        # An idle worker looks for work at least every half second: a job queued from a page
        # starts at once, whatever the storage.
        options.setdefault("max_delay", 0.5)
        return self.huey.create_consumer(workers=workers, periodic=periodic, **options)

    def close(self) -> None:
        """Close this process's connection to the queue's storage, if it has one."""
        if self._huey is not None:
            self._huey.storage.close()

    @contextmanager
    def running(self, *, workers: int = 1, periodic: bool = False) -> Iterator[Consumer]:
        """The consumer running in threads of this process until the block ends (the tests use
        it; ``studyapp import`` does not use the queue at all, it imports in its own process).
        Signal handlers stay as they were."""
        consumer = self.consumer(
            workers=workers, periodic=periodic, initial_delay=0.01, max_delay=0.1
        )
        saved = {number: signal.getsignal(number) for number in _SIGNALS}
        consumer.start()
        for number, previous in saved.items():
            signal.signal(number, previous)
        try:
            yield consumer
        finally:
            consumer.stop(graceful=True)
            self.close()

    # Handlers and tick hooks run in the app's context: they read its settings and may queue
    # more jobs (current_queue()).
    def _run(self, job_id: int) -> None:
        with self.app.app_context():
            jobs.run(session_factory(self.app), job_id)

    def _tick(self, when: str) -> None:
        with self.app.app_context():
            jobs.run_tick(session_factory(self.app), datetime.fromisoformat(when))

    def _tick_now(self) -> None:
        with self.app.app_context():
            jobs.run_tick(session_factory(self.app), utcnow())


_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def _huey(config: dict[str, Any]) -> Huey:
    url = config["QUEUE_URL"] or _beside(config["DATABASE_URL"])
    scheme = url.split(":", 1)[0]
    if scheme in ("redis", "rediss"):
        return RedisHuey("studyapp", url=url, results=False)
    if scheme.startswith("postgresql"):
        dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        # Polled (every half second at most, see JobQueue.consumer) rather than woken by
        # LISTEN, whose connection per worker thread huey leaves open.
        return PostgresHuey("studyapp", dsn=dsn, results=False, blocking=False)
    if scheme == "memory":
        return MemoryHuey("studyapp", results=False)
    if scheme == "sqlite":
        database = make_url(url).database
        if database and database != ":memory:":
            return SqliteHuey("studyapp", filename=database, results=False)
    raise ValueError(f"QUEUE_URL: cannot keep a queue at {url!r}")


def _beside(database_url: str) -> str:
    """Where the queue goes when QUEUE_URL is empty: next to the database."""
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        if not url.database or url.database == ":memory:":
            return "memory://"
        stem = url.database.removesuffix(".db")
        return f"sqlite:///{stem}.queue.db"
    return database_url


def init_app(app: Flask) -> None:
    for name in _HANDLER_MODULES:
        importlib.import_module(name)
    app.extensions["queue"] = JobQueue(app)


def current_queue() -> JobQueue:
    queue: JobQueue = current_app.extensions["queue"]
    return queue


def submit(
    session: Session,
    *,
    kind: str,
    user_id: int | None,
    payload: dict[str, Any],
    total: int = 0,
) -> int:
    """Store a job of ``kind`` and hand it to the queue; returns its id.

    Raises :class:`~studyapp.services.errors.QueueUnavailable` when the queue does not take it
    (its Redis or database is down): the job is then marked failed, never left waiting.
    """
    job_id = jobs.submit_row(session, kind=kind, user_id=user_id, payload=payload, total=total)
    try:
        current_queue().enqueue(job_id)
    except Exception as error:  # whatever the storage raises (Redis, psycopg, sqlite3)
        jobs.fail_unqueued(session, job_id, repr(error))
        raise QueueUnavailable(job_id) from error
    return job_id
