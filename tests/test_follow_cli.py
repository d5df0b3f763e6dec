"""`studyapp follow`: subscribing an account, listing follows with their record, running the
due ones at a time given (in the command's own process), and a backfill with a progress bar."""

from __future__ import annotations

from datetime import date, time, timedelta

from flask import Flask
from flask.testing import FlaskCliRunner

from studyapp.db import session_factory
from studyapp.models import Job, utcnow
from studyapp.queue import current_queue
from studyapp.services import follows
from studyapp.srs.calendar import local_day
from tests.follow_support import deck_papers, follow_the_server, make_reader, serve
from tests.http_fixtures import DigestServer

THU, FRI = date(2025, 3, 13), date(2025, 3, 14)
EMAIL = "reader20-AsiaSeoul@example.com"  # make_reader's, in Seoul


def add(runner: FlaskCliRunner, *options: str) -> object:
    return runner.invoke(
        args=["follow", "add", "--user", EMAIL, "--deck", "Daily", "--at", "09:00", *options]
    )


def test_add_and_list(app: Flask, runner: FlaskCliRunner) -> None:
    make_reader(app)
    week_ago = (local_day(utcnow(), "Asia/Seoul") - timedelta(days=7)).isoformat()
    result = add(
        runner, "--preset", "daily_papers_ko", "--min-votes", "10", "--topic", "llm",
        "--topic", "vision", "--max-new", "3", "--from", week_ago,
    )  # fmt: skip
    assert result.exit_code == 0, result.output  # type: ignore[attr-defined]
    assert "Following #1: daily_papers_ko into “Daily” at 09:00." in result.output  # type: ignore[attr-defined]
    listing = runner.invoke(args=["follow", "list", "--user", EMAIL])
    assert listing.exit_code == 0, listing.output
    assert "#1 deck “Daily” ← daily_papers_ko" in listing.output
    assert "at 09:00 Asia/Seoul; filters: min votes 10; topics llm,vision; max 3/day" in (
        listing.output
    )
    assert "last fetch -;" in listing.output and "0 papers added" in listing.output
    assert runner.invoke(args=["follow", "list"]).output == listing.output


def test_add_refuses_in_one_line(app: Flask, runner: FlaskCliRunner) -> None:
    make_reader(app)
    for options, message in (
        (("--url", "https://example.org/{date}.md"), "example.org is not on FETCH_ALLOWED_HOSTS"),
        (("--url", "https://raw.githubusercontent.com/a/b/x.md"), "the template names no day"),
        ((), "give either --preset or --url"),
        (("--preset", "daily_papers_ko", "--at", "9h"), "give a time of day as HH:MM"),
        (("--preset", "daily_papers_ko", "--from", "0001-01-01"), "--from: at most 366 days"),
    ):
        result = add(runner, *options)
        assert result.exit_code == 2, result.output  # type: ignore[attr-defined]
        assert message in result.output  # type: ignore[attr-defined]
    wrong = runner.invoke(args=["follow", "list", "--user", "nobody@example.com"])
    assert wrong.exit_code == 2 and "no account with the email address" in wrong.output
    assert "No follows." in runner.invoke(args=["follow", "list"]).output


def test_run_at_a_time_given_runs_what_is_due_then(
    app: Flask, runner: FlaskCliRunner, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    make_reader(app)
    # Subscribed now, from yesterday (in Seoul): due at once, to catch up.
    soon = utcnow() + timedelta(minutes=1)
    today = local_day(soon, "Asia/Seoul")
    serve(digest_server, today - timedelta(days=1), "digest_en.md")
    serve(digest_server, today, "digest_ko.md")
    add(runner, "--preset", "daily_papers_ko", "--from", (today - timedelta(days=1)).isoformat())
    at = soon.strftime("%Y-%m-%dT%H:%M+00:00")
    result = runner.invoke(args=["follow", "run", "--at", at])
    assert result.exit_code == 0, result.output
    assert "#1: 6 papers added; days imported 2, missing 0, unusable 0" in result.output
    assert len(deck_papers(app, "Daily")) == 6
    with app.app_context():  # run here, not also handed to the workers
        assert current_queue().huey.pending_count() == 0
    again = runner.invoke(args=["follow", "run", "--at", at])
    assert f"No follow is due at {soon:%Y-%m-%d %H:%M} UTC." in again.output
    listing = runner.invoke(args=["follow", "list"]).output
    assert f"last fetch {soon:%Y-%m-%d %H:%M} UTC; next run " in listing
    assert "00:00 UTC; 6 papers added" in listing  # 09:00 in Seoul


def test_backfill_with_a_progress_bar(
    app: Flask, runner: FlaskCliRunner, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    make_reader(app)
    serve(digest_server, THU, "digest_en.md")
    serve(digest_server, FRI, "digest_ko.md")
    add(runner, "--preset", "daily_papers_ko")
    last = (THU + timedelta(days=3)).isoformat()
    result = runner.invoke(args=["follow", "backfill", "1", "--from", "2025-03-13", "--to", last])
    assert result.exit_code == 0, result.output
    assert "Days" in result.output
    assert "6 papers added: 2 days imported, 0 unchanged, 2 without a document" in result.output
    refused = runner.invoke(args=["follow", "backfill", "1", "--from", last, "--to", "2025-03-13"])
    assert refused.exit_code == 2 and "the first day comes after the last" in refused.output
    missing = runner.invoke(args=["follow", "backfill", "7", "--from", last, "--to", last])
    assert missing.exit_code == 2 and "no follow #7" in missing.output


def test_a_backfill_runs_only_its_own_job(
    app: Flask, runner: FlaskCliRunner, digest_server: DigestServer
) -> None:
    """Another user's job queued for the workers stays queued: the command starts no worker."""
    follow_the_server(app, digest_server)
    make_reader(app)
    serve(digest_server, THU, "digest_en.md")
    add(runner, "--preset", "daily_papers_ko")
    other = make_reader(app, timezone="Europe/Paris")
    new = follows.NewFollow(source="daily_papers_ko", run_at=time(9), deck_name="Theirs")
    with app.app_context(), session_factory(app)() as session:
        theirs = follows.subscribe(session, user_id=other, new=new, now=utcnow(), config=app.config)
        their_job = follows.start_run(session, theirs, now=utcnow())
    day = THU.isoformat()
    result = runner.invoke(args=["follow", "backfill", "1", "--from", day, "--to", day])
    assert result.exit_code == 0, result.output
    assert "3 papers added: 1 days imported" in result.output
    with session_factory(app)() as session, session.begin():
        job = session.get(Job, their_job)
        assert job is not None and job.status == "queued"
    with app.app_context():
        assert current_queue().huey.pending_count() == 1  # theirs, for a worker
