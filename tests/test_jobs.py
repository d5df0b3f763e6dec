"""Background jobs on the real queue: huey's consumer takes the job's id, the handler runs,
the job row says how far it got and how it ended."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from huey import MemoryHuey, PostgresHuey, RedisHuey, SqliteHuey
from sqlalchemy import select

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.models import Job, User
from studyapp.queue import _huey, current_queue, submit
from studyapp.services import jobs
from studyapp.services.errors import QueueUnavailable
from tests.conftest import engine_of
from tests.queue_support import JOB_TIMEOUT, job_row, wait_for_job

_release = threading.Event()
_ticks: list[datetime] = []


@jobs.handler("test.count")
def _count(context: jobs.JobContext) -> dict[str, Any]:
    steps = int(context.payload["steps"])
    context.set_total(steps)
    for _ in range(steps):
        context.progress(1)
    if context.payload.get("wait"):
        context.set_total(steps)  # writes the progress now
        assert _release.wait(JOB_TIMEOUT)
    return {"counted": steps}


@jobs.handler("test.refuse")
def _refuse(context: jobs.JobContext) -> dict[str, Any]:
    context.progress(3)
    raise jobs.JobFailed("test.refused", "the payload said no")


@jobs.handler("test.bug")
def _bug(context: jobs.JobContext) -> dict[str, Any]:
    raise ZeroDivisionError("a bug")


@jobs.on_tick
def _remember_tick(session: object, now: datetime) -> None:
    _ticks.append(now)


def _user(app: Flask, email: str = "worker@example.com") -> int:
    with session_factory(app)() as session, session.begin():
        user = User(email=email, password_hash="x")
        session.add(user)
        session.flush()
        return user.id


def _submit(app: Flask, kind: str, user_id: int | None, **payload: Any) -> int:
    with app.app_context(), session_factory(app)() as session:
        return submit(session, kind=kind, user_id=user_id, payload=payload)


def test_a_job_runs_on_the_consumer_and_reports_its_result(app: Flask, worker: None) -> None:
    user = _user(app)
    job_id = _submit(app, "test.count", user, steps=5)
    view = wait_for_job(app, job_id, user_id=user)
    assert (view.status, view.result, view.done, view.total) == ("done", {"counted": 5}, 5, 5)
    assert view.percent == 100 and view.error is None
    row = job_row(app, job_id)
    assert row.started_at is not None and row.finished_at is not None


def test_progress_is_visible_while_the_job_runs(app: Flask, worker: None) -> None:
    user = _user(app)
    _release.clear()
    job_id = _submit(app, "test.count", user, steps=4, wait=True)
    try:
        deadline = datetime.now(UTC) + timedelta(seconds=JOB_TIMEOUT)
        while True:
            row = job_row(app, job_id)
            if row.status == "running" and row.done == 4:
                break
            assert datetime.now(UTC) < deadline, (row.status, row.done)
        with session_factory(app)() as session:
            view = jobs.job_view(session, job_id, user_id=user)
        assert (view.status, view.done, view.total, view.percent) == ("running", 4, 4, 100)
    finally:
        _release.set()
    assert wait_for_job(app, job_id, user_id=user).status == "done"


def test_a_refusal_fails_the_job_with_its_reason(app: Flask, worker: None) -> None:
    user = _user(app)
    view = wait_for_job(app, _submit(app, "test.refuse", user), user_id=user)
    assert (view.status, view.error, view.detail) == (
        "failed",
        "test.refused",
        "the payload said no",
    )
    assert view.result is None and view.percent is None


def test_a_bug_fails_the_job_as_internal_and_is_logged(
    app: Flask, worker: None, caplog: pytest.LogCaptureFixture
) -> None:
    user = _user(app)
    with caplog.at_level(logging.ERROR, logger="studyapp.services.jobs"):
        view = wait_for_job(app, _submit(app, "test.bug", user), user_id=user)
    assert (view.status, view.error) == ("failed", "internal")
    assert any("ZeroDivisionError" in (record.exc_text or "") for record in caplog.records)


def test_a_job_runs_once(app: Flask, worker: None) -> None:
    user = _user(app)
    job_id = _submit(app, "test.count", user, steps=1)
    assert wait_for_job(app, job_id, user_id=user).status == "done"
    assert jobs.run(session_factory(app), job_id) is None
    assert job_row(app, job_id).result == {"counted": 1}


def test_another_users_job_is_not_found(app: Flask) -> None:
    owner, other = _user(app), _user(app, "other@example.com")
    with app.app_context(), session_factory(app)() as session:
        job_id = jobs.submit_row(session, kind="test.count", user_id=owner, payload={"steps": 1})
        with pytest.raises(jobs.JobNotFound):
            jobs.job_view(session, job_id, user_id=other)
        with pytest.raises(jobs.JobNotFound):
            jobs.job_view(session, job_id + 1, user_id=owner)
        with pytest.raises(KeyError):
            jobs.submit_row(session, kind="no.such.kind", user_id=owner, payload={})


def test_of_workers_starting_one_job_together_exactly_one_runs_it(app: Flask) -> None:
    user = _user(app)
    with app.app_context(), session_factory(app)() as session:
        job_id = jobs.submit_row(session, kind="test.count", user_id=user, payload={"steps": 1})
    start = threading.Barrier(4)
    ran: list[object] = []

    def start_it() -> None:
        start.wait()
        with app.app_context():
            ran.append(jobs.run(session_factory(app), job_id))

    threads = [threading.Thread(target=start_it) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(view is not None for view in ran) == 1
    assert job_row(app, job_id).result == {"counted": 1}


def test_a_job_the_queue_refuses_fails_at_once_with_503(database_url: str) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            # Nothing listens on port 1: the queue cannot take the job.
            "QUEUE_URL": "redis://127.0.0.1:1/0",
        }
    )
    migrate.upgrade(engine_of(app))
    user = _user(app)
    with pytest.raises(QueueUnavailable):
        _submit(app, "test.count", user, steps=1)
    with session_factory(app)() as session:
        (job,) = session.scalars(select(Job)).all()
    assert (job.status, job.error) == ("failed", "job.not_queued")
    engine_of(app).dispose()


def test_the_minute_tick_deletes_jobs_finished_a_week_ago(app: Flask) -> None:
    user = _user(app)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with session_factory(app)() as session, session.begin():
        for status, age in (("done", 8), ("failed", 8), ("done", 6), ("queued", 30)):
            session.add(
                Job(
                    kind="test.count",
                    user_id=user,
                    payload={"steps": age},
                    status=status,
                    finished_at=None if status == "queued" else now - timedelta(days=age),
                )
            )
    jobs.run_tick(session_factory(app), now)
    with session_factory(app)() as session:
        left = session.execute(select(Job.status, Job.payload).order_by(Job.id)).all()
    assert [(status, payload["steps"]) for status, payload in left] == [("done", 6), ("queued", 30)]


def test_a_job_whose_worker_died_is_marked_failed(app: Flask) -> None:
    user = _user(app)
    start = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with session_factory(app)() as session:
        with session.begin():
            for minutes in (1, 30):
                session.add(
                    Job(
                        kind="test.count",
                        user_id=user,
                        payload={},
                        status="running",
                        updated_at=start - timedelta(minutes=minutes),
                    )
                )
        assert jobs.fail_interrupted(session, now=start) == 1
        rows = session.scalars(select(Job).order_by(Job.id)).all()
        assert [(row.status, row.error) for row in rows] == [
            ("running", None),
            ("failed", "interrupted"),
        ]


def test_the_minute_tick_marks_a_job_whose_worker_died_failed(app: Flask) -> None:
    user = _user(app)
    now = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)
    with session_factory(app)() as session, session.begin():
        session.add(
            Job(
                kind="import.save",
                user_id=user,
                payload={},
                status="running",
                updated_at=now - jobs.INTERRUPTED_AFTER - timedelta(seconds=1),
            )
        )
    jobs.run_tick(session_factory(app), now)
    with session_factory(app)() as session:
        (job,) = session.scalars(select(Job)).all()
    assert (job.status, job.error) == ("failed", "interrupted")


def test_a_tick_runs_the_hooks_at_the_time_given(app: Flask, worker: None) -> None:
    when = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    _ticks.clear()
    with app.app_context():
        current_queue().tick(when)
    deadline = datetime.now(UTC) + timedelta(seconds=JOB_TIMEOUT)
    while not _ticks:
        assert datetime.now(UTC) < deadline
        threading.Event().wait(0.02)
    assert _ticks == [when]


def test_the_queue_sits_beside_the_database(app: Flask) -> None:
    """Every test with the ``worker`` fixture runs its jobs through this queue: huey's SQLite
    storage beside a SQLite database, its PostgreSQL storage in a PostgreSQL one."""
    huey = app.extensions["queue"].huey
    url = app.config["DATABASE_URL"]
    if url.startswith("sqlite"):
        assert type(huey) is SqliteHuey
        assert huey.storage.filename == url.removeprefix("sqlite:///").removesuffix(".db") + (
            ".queue.db"
        )
    else:
        assert type(huey) is PostgresHuey


@pytest.mark.parametrize(
    ("queue_url", "engine"),
    [("redis://127.0.0.1:6379/12", RedisHuey), ("memory://", MemoryHuey)],
)
def test_the_queue_goes_where_queue_url_says(queue_url: str, engine: type) -> None:
    huey = _huey({"QUEUE_URL": queue_url, "DATABASE_URL": "sqlite://"})
    assert type(huey) is engine
    assert type(_huey({"QUEUE_URL": "", "DATABASE_URL": "sqlite://"})) is MemoryHuey


def test_a_queue_nowhere_is_refused() -> None:
    with pytest.raises(ValueError, match="QUEUE_URL"):
        _huey({"QUEUE_URL": "ftp://example.com/q", "DATABASE_URL": "sqlite://"})


def test_jobs_run_through_redis(database_url: str, tmp_path: Path) -> None:
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "t",
            "QUEUE_URL": "redis://127.0.0.1:6379/12",
        }
    )
    migrate.upgrade(engine_of(app))
    current = app.extensions["queue"]
    current.huey.flush()
    with current.running():
        user = _user(app)
        view = wait_for_job(app, _submit(app, "test.count", user, steps=2), user_id=user)
    assert (view.status, view.result) == ("done", {"counted": 2})
    engine_of(app).dispose()


def test_the_worker_command_runs_jobs_until_stopped(app: Flask, database_url: str) -> None:
    """``studyapp worker``, as make run starts it: a process of its own."""
    migrate.stamp(engine_of(app))
    user = _user(app)
    env = dict(os.environ, DATABASE_URL=database_url, STUDYAPP_SECRET_KEY="t")
    process = subprocess.Popen(
        [Path(sys.executable).parent / "studyapp", "worker", "--workers", "1", "--no-periodic"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        # This module's handlers are not the worker's: it says it cannot run the job.
        job_id = _submit(app, "test.count", user, steps=1)
        view = wait_for_job(app, job_id, user_id=user)
        assert (view.status, view.error) == ("failed", "job.unknown_kind")
    finally:
        process.send_signal(signal.SIGINT)
        output = process.communicate(timeout=JOB_TIMEOUT)[0].decode()
    assert process.returncode == 0, output
