"""Digests by day on the local HTTP server, and ticks of the follow hook at a time passed in,
for the tests of following a series."""

from __future__ import annotations

import re
import socket
from datetime import date, datetime
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import Deck, Follow, FollowDay, Job, Paper, User
from studyapp.services import jobs
from studyapp.services.jobs import JobView
from tests.http_fixtures import DigestServer
from tests.queue_support import wait_for_job

DATA = Path(__file__).parent / "data"

#: Documents of tests/data with different papers, one per served day.
DOCUMENTS = (
    "digest_en.md",  # 3 papers, votes 42, 17, 5
    "digest_ko.md",  # 3 papers, votes 30, 12, 8
    "eras/dp_2024_vote.md",  # 8 papers, one without a vote count
    "eras/dp_2025_labels2.md",
    "eras/dp_2024_labels3.md",
)
TEMPLATE_PATH = "/paper_logs/{yyyy}/{mm}/{dd}.md"
_HEADING = re.compile(r"^## Daily Papers \(\d{4}-\d{2}-\d{2}\)", re.MULTILINE)


def digest(document: str, day: date) -> bytes:
    """``document`` of tests/data as the digest of ``day`` (its heading's date changed)."""
    text = (DATA / document).read_text(encoding="utf-8")
    return _HEADING.sub(f"## Daily Papers ({day.isoformat()})", text, count=1).encode("utf-8")


def day_path(day: date) -> str:
    return f"/paper_logs/{day:%Y}/{day:%m}/{day:%d}.md"


def serve(server: DigestServer, day: date, document: str) -> None:
    """Serve ``document`` as ``day``'s digest, with an ETag as a static file server sends."""
    body = digest(document, day)
    etag = f'"{day.isoformat()}-{len(body)}"'
    server.routes[day_path(day)] = (200, {"Content-Type": "text/markdown", "ETag": etag}, body)


def follow_the_server(app: Flask, server: DigestServer) -> None:
    """Point the Korean Daily Papers preset at the local server, and allow fetching from it."""
    app.config["FETCH_ALLOWED_HOSTS"] = f"127.0.0.1:{server.port}"
    app.config["DAILY_PAPERS_KO_URL"] = server.url(TEMPLATE_PATH)


def nothing_listening(app: Flask) -> str:
    """A URL template on a local port nobody listens on: a server that is down. The port is
    added to ``app``'s FETCH_ALLOWED_HOSTS, so that the fetch is tried and fails."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app.config["FETCH_ALLOWED_HOSTS"] += f",127.0.0.1:{port}"
    return f"http://127.0.0.1:{port}{TEMPLATE_PATH}"


def make_reader(app: Flask, *, timezone: str = "Asia/Seoul", new_per_day: int = 20) -> int:
    with session_factory(app)() as session, session.begin():
        user = User(
            email=f"reader{new_per_day}-{timezone.replace('/', '')}@example.com",
            password_hash="x",
            timezone=timezone,
            new_cards_per_day=new_per_day,
        )
        session.add(user)
        session.flush()
        return user.id


def tick(app: Flask, now: datetime) -> list[JobView]:
    """Run the tick hooks at ``now`` (as the queue's scheduler would) and wait for the jobs
    they queued on the real consumer; returns those jobs, finished."""
    sessions = session_factory(app)
    with sessions() as session, session.begin():
        before = session.scalar(select(func.max(Job.id))) or 0
    with app.app_context():
        jobs.run_tick(sessions, now)
    with sessions() as session, session.begin():
        queued = session.execute(select(Job.id, Job.user_id).where(Job.id > before)).all()
    return [wait_for_job(app, job_id, user_id=user_id) for job_id, user_id in queued]


def follow_row(app: Flask, follow_id: int) -> Follow:
    with session_factory(app)() as session:
        follow = session.get(Follow, follow_id)
        assert follow is not None
        session.expunge(follow)
        return follow


def days_recorded(app: Flask, follow_id: int) -> dict[date, str]:
    with session_factory(app)() as session, session.begin():
        rows = session.execute(
            select(FollowDay.day, FollowDay.outcome).where(FollowDay.follow_id == follow_id)
        ).all()
    return {day: outcome.value for day, outcome in rows}


def deck_papers(app: Flask, deck_name: str) -> list[str]:
    with session_factory(app)() as session, session.begin():
        return list(
            session.scalars(
                select(Paper.title)
                .join(Deck, Deck.id == Paper.deck_id)
                .where(Deck.name == deck_name)
                .order_by(Paper.id)
            )
        )
