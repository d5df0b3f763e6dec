"""Waiting for background jobs that the real queue consumer runs (see the ``worker`` fixture
in conftest.py)."""

from __future__ import annotations

import time

from flask import Flask

from studyapp.db import session_factory
from studyapp.models import Job
from studyapp.services.jobs import JobView, job_view

#: Longer than any job of the tests takes on a loaded two-core machine.
JOB_TIMEOUT = 60.0


def wait_for_job(app: Flask, job_id: int, *, user_id: int | None) -> JobView:
    """The job ``job_id`` once it has finished (done or failed); fails the test after
    :data:`JOB_TIMEOUT` seconds."""
    deadline = time.monotonic() + JOB_TIMEOUT
    while True:
        with session_factory(app)() as session:
            view = job_view(session, job_id, user_id=user_id)
        if view.finished:
            return view
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {view.status} after {JOB_TIMEOUT} s")
        time.sleep(0.02)


def job_row(app: Flask, job_id: int) -> Job:
    with session_factory(app)() as session:
        job = session.get(Job, job_id)
        assert job is not None
        session.expunge(job)
        return job
