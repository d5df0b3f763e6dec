"""``studyapp worker``: the queue's consumer, which runs background jobs and the minute tick.

``make run`` starts one beside the development server, ``deploy/serve.py`` one beside
gunicorn. Several may run at once (on one host with the SQLite queue, on several with
PostgreSQL or Redis): each job runs once, whichever takes it.
"""

from __future__ import annotations

import logging

import click
from flask.cli import with_appcontext

from studyapp.cli import needs_schema
from studyapp.db import get_session
from studyapp.queue import current_queue
from studyapp.services import jobs
from studyapp.services.importing_steps import clear_abandoned_imports

__all__ = ["worker_command"]


@click.command("worker")
@click.option("--workers", default=2, show_default=True, help="Jobs run at the same time.")
@click.option("--no-periodic", is_flag=True, help="Do not run the minute tick (followed series).")
@with_appcontext
@needs_schema
def worker_command(workers: int, no_periodic: bool) -> None:
    """Run background jobs until stopped: Ctrl-C (SIGINT) lets the running ones finish first,
    SIGTERM stops at once (what they wrote is undone: each job writes all or nothing)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    # Starting and stopping, and every failure, but not a line per task and per minute.
    logging.getLogger("huey").setLevel(logging.WARNING)
    logging.getLogger("huey.consumer").setLevel(logging.INFO)
    logging.getLogger("huey.consumer.Scheduler").setLevel(logging.WARNING)
    failed = jobs.fail_interrupted(get_session())
    if failed:
        click.echo(f"{failed} job(s) interrupted by a stopped worker were marked failed.")
    cleared = clear_abandoned_imports(get_session())
    if cleared:
        click.echo(f"{cleared} import(s) abandoned by a stopped worker were cleared away.")
    current_queue().consumer(workers=workers, periodic=not no_periodic).run()
