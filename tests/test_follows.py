"""Following a series, end to end below the web pages: a real HTTP server on 127.0.0.1
serving digests by day, the real queue consumer running the jobs, the time passed in."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from time import monotonic, sleep

import pytest
from flask import Flask
from sqlalchemy import text

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import Deck, utcnow
from studyapp.queue import current_queue
from studyapp.services import follow_views, follows, progress
from studyapp.services.account_data import account_data
from studyapp.services.follows import FollowBusy, NewFollow
from studyapp.services.importing import DeckNotFound
from studyapp.services.review import StudyLimits
from tests.follow_support import (
    day_path,
    days_recorded,
    deck_papers,
    digest,
    follow_row,
    follow_the_server,
    make_reader,
    nothing_listening,
    serve,
    tick,
)
from tests.http_fixtures import DigestServer
from tests.queue_support import JOB_TIMEOUT, wait_for_job

SEOUL = "+09:00"
THU, FRI, SAT, SUN, MON, TUE = (date(2025, 3, 13) + timedelta(days=n) for n in range(6))


def kst(text: str) -> datetime:
    return datetime.fromisoformat(text + SEOUL)


def papers_in(document: str, day: date) -> int:
    return len(extract_text(digest(document, day).decode(), source=document).papers)


def subscribe(app: Flask, user_id: int, *, now: datetime, **options: object) -> int:
    new = NewFollow(
        source="daily_papers_ko",
        run_at=time(9),
        deck_name="Daily",
        **options,  # type: ignore[arg-type]
    )
    with session_factory(app)() as session:
        return follows.subscribe(session, user_id=user_id, new=new, now=now, config=app.config)


def thursday_follow(app: Flask, server: DigestServer) -> tuple[int, int]:
    """A reader in Seoul following the local server from Thursday; Thursday's digest served."""
    follow_the_server(app, server)
    user = make_reader(app)
    serve(server, THU, "digest_en.md")
    return user, subscribe(app, user, now=kst("2025-03-13T08:00"))


def test_each_morning_the_new_days_are_imported_weekends_skipped_and_a_down_server_retried(
    app: Flask, worker: None, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    user = make_reader(app, new_per_day=4)
    serve(digest_server, THU, "digest_en.md")
    serve(digest_server, FRI, "digest_ko.md")
    follow_id = subscribe(app, user, now=kst("2025-03-13T08:00"))
    assert follow_row(app, follow_id).next_run_at == kst("2025-03-13T09:00")

    # Before the time of day: nothing runs, nothing is fetched.
    assert tick(app, kst("2025-03-13T08:59")) == []
    assert digest_server.requests == []

    # Friday morning: Thursday's and Friday's digests.
    [run] = tick(app, kst("2025-03-14T09:01"))
    assert run.status == "done", run.detail
    assert run.result == {
        "days": 2, "imported": 2, "unchanged": 0, "missing": 0, "failed": 0, "papers": 6,
        "error": None,
    }  # fmt: skip
    assert len(deck_papers(app, "Daily")) == 6
    record = follow_row(app, follow_id)
    assert (record.papers_added, record.last_imported_on) == (6, FRI)
    assert record.last_fetched_at == kst("2025-03-14T09:01")
    assert record.next_run_at == kst("2025-03-15T09:00")
    # The cards join the queue within the daily limit of new cards.
    with session_factory(app)() as session:
        today = progress.overview(
            session, StudyLimits(user, "Asia/Seoul", 4, 200), now=kst("2025-03-14T10:00")
        )
    assert today.new_due == 4

    # Monday: the weekend has no digests; Saturday, two days back, is recorded as missing (no
    # error); Sunday's and Monday's may still be published, so they are asked for again.
    [run] = tick(app, kst("2025-03-17T09:05"))
    assert run.status == "done" and run.result is not None
    assert (run.result["missing"], run.result["imported"], run.result["error"]) == (1, 0, None)
    assert days_recorded(app, follow_id) == {THU: "imported", FRI: "imported", SAT: "missing"}
    assert follow_row(app, follow_id).last_error is None

    # Tuesday: the server is down. The run stops, says why, and is retried in 15 minutes;
    # the days imported before stay.
    serve(digest_server, MON, "eras/dp_2024_vote.md")
    serve(digest_server, TUE, "eras/dp_2025_labels2.md")
    app.config["DAILY_PAPERS_KO_URL"] = nothing_listening(app)
    [run] = tick(app, kst("2025-03-18T09:05"))
    assert run.status == "done" and run.result is not None
    assert run.result["error"] == "fetch.failed"
    record = follow_row(app, follow_id)
    assert (record.last_error, record.retries) == ("fetch.failed", 1)
    assert record.last_error_at == kst("2025-03-18T09:05")
    assert record.next_run_at == kst("2025-03-18T09:20")
    assert len(deck_papers(app, "Daily")) == 6
    assert tick(app, kst("2025-03-18T09:10")) == []  # not due again before the retry

    # The server is back: the next tick catches up Monday and Tuesday (Sunday is missing).
    follow_the_server(app, digest_server)
    [run] = tick(app, kst("2025-03-18T09:21"))
    assert run.status == "done" and run.result is not None
    added = papers_in("eras/dp_2024_vote.md", MON) + papers_in("eras/dp_2025_labels2.md", TUE)
    assert (run.result["imported"], run.result["papers"]) == (2, added)
    record = follow_row(app, follow_id)
    assert (record.last_error, record.retries, record.papers_added) == (None, 0, 6 + added)
    assert record.next_run_at == kst("2025-03-19T09:00")
    assert len(deck_papers(app, "Daily")) == 6 + added
    assert set(days_recorded(app, follow_id)) == {THU, FRI, SAT, SUN, MON, TUE}


def test_a_digest_published_a_day_late_is_imported_and_an_unusable_one_is_not_fetched_again(
    app: Flask, worker: None, digest_server: DigestServer
) -> None:
    user, follow_id = thursday_follow(app, digest_server)
    not_a_digest = (200, {"Content-Type": "text/markdown"}, b"Nothing here but words.\n")
    digest_server.routes[day_path(THU)] = not_a_digest
    # Saturday: Thursday's document is unusable (failed); Friday's is not there yet.
    [run] = tick(app, kst("2025-03-15T09:01"))
    assert run.result is not None and (run.result["failed"], run.result["missing"]) == (1, 0)
    assert days_recorded(app, follow_id) == {THU: "failed"}
    # Friday's comes a day late: Sunday's run imports it, and leaves Thursday alone.
    serve(digest_server, FRI, "digest_ko.md")
    before = len(digest_server.requests)
    [run] = tick(app, kst("2025-03-16T09:01"))
    assert run.result is not None and run.result["imported"] == 1
    assert days_recorded(app, follow_id) == {THU: "failed", FRI: "imported"}
    assert day_path(THU) not in digest_server.paths()[before:]
    assert len(deck_papers(app, "Daily")) == papers_in("digest_ko.md", FRI)


def test_the_queue_s_own_tick_runs_a_due_follow(
    app: Flask, worker: None, digest_server: DigestServer
) -> None:
    user, follow_id = thursday_follow(app, digest_server)
    with app.app_context():
        current_queue().tick(kst("2025-03-13T09:00"))
    deadline = monotonic() + JOB_TIMEOUT
    while follow_row(app, follow_id).last_fetched_at is None:
        assert monotonic() < deadline, "the tick did not run the follow"
        sleep(0.02)  # waiting for the consumer, not scheduling: the time is the tick's
    assert follow_row(app, follow_id).papers_added == 3


def test_filters_apply_to_each_day(app: Flask, worker: None, digest_server: DigestServer) -> None:
    follow_the_server(app, digest_server)
    user = make_reader(app)
    serve(digest_server, THU, "digest_en.md")  # votes 42 (inference), 17, 5
    serve(digest_server, FRI, "eras/dp_2024_vote.md")  # one paper counts no votes
    follow_id = subscribe(
        app, user, now=kst("2025-03-13T08:00"), min_votes=10, max_new=3,
        topics=("inference", "llm", "3d", "audio"),
    )  # fmt: skip
    [run] = tick(app, kst("2025-03-14T09:00"))
    assert run.status == "done", run.detail
    assert [title.split(":")[0] for title in deck_papers(app, "Daily")] == [
        "LoomKV",  # Thursday: the only one on those topics with 10 votes or more
        # Friday: on those topics with 10 votes or more (or no count), the 3 most voted:
        "CascadeTTS",  # 23
        "PageFold",  # 11
        "TIDEPOOL",  # 31; "Rapid Retopology" (no count) comes after the counted ones
    ]
    assert follow_row(app, follow_id).papers_added == 4


def test_a_backfill_shows_progress_and_a_repeat_asks_conditionally_and_adds_nothing(
    app: Flask, worker: None, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    user = make_reader(app)
    serve(digest_server, THU, "digest_en.md")
    serve(digest_server, FRI, "digest_ko.md")
    now = kst("2025-03-20T12:00")
    follow_id = subscribe(app, user, now=now)
    with app.app_context(), session_factory(app)() as session:
        job_id = follows.start_backfill(session, user, follow_id, first=THU, last=SUN, now=now)
    job = wait_for_job(app, job_id, user_id=user)
    assert (job.status, job.done, job.total, job.percent) == ("done", 4, 4, 100)
    assert job.result is not None
    assert (job.result["imported"], job.result["missing"], job.result["papers"]) == (2, 2, 6)
    assert days_recorded(app, follow_id) == {
        THU: "imported", FRI: "imported", SAT: "missing", SUN: "missing"
    }  # fmt: skip
    # The schedule is the run's, not the backfill's.
    assert follow_row(app, follow_id).next_run_at == kst("2025-03-21T09:00")

    digest_server.requests.clear()
    with app.app_context(), session_factory(app)() as session:
        job_id = follows.start_backfill(session, user, follow_id, first=THU, last=FRI, now=now)
    job = wait_for_job(app, job_id, user_id=user)
    assert job.result is not None
    assert (job.result["unchanged"], job.result["papers"]) == (2, 0)
    assert all("if-none-match" in request.headers for request in digest_server.requests)
    assert len(digest_server.requests) == 2
    assert follow_row(app, follow_id).papers_added == 6
    assert len(deck_papers(app, "Daily")) == 6


@pytest.mark.parametrize(
    ("first", "last", "reason"),
    [(FRI, THU, "order"), (THU, date(2025, 3, 21), "future"), (date(2024, 1, 1), FRI, "too_long")],
)
def test_a_backfill_s_range_is_checked(app: Flask, first: date, last: date, reason: str) -> None:
    user = make_reader(app)
    now = kst("2025-03-20T12:00")
    follow_id = subscribe(app, user, now=now)
    with app.app_context(), session_factory(app)() as session:
        with pytest.raises(follows.BadRange) as refused:
            follows.start_backfill(session, user, follow_id, first=first, last=last, now=now)
    assert refused.value.reason == reason


def test_one_follow_never_runs_twice_at_once(app: Flask) -> None:
    """No consumer here: the first run stays queued, and nothing else starts meanwhile."""
    user = make_reader(app)
    follow_id = subscribe(app, user, now=kst("2025-03-13T08:00"))
    due = kst("2025-03-13T09:00")
    with app.app_context(), session_factory(app)() as session:
        follows.start_run(session, follow_id, now=due)
        with pytest.raises(FollowBusy):
            follows.start_run(session, follow_id, now=due)
        with pytest.raises(FollowBusy):
            follows.start_backfill(session, user, follow_id, first=THU, last=THU, now=due)
        assert follows.due_follows(session, due) == []


def test_a_queued_or_running_job_keeps_its_claim_past_an_hour_and_only_it_releases_it(
    app: Flask,
) -> None:
    """No consumer here: the run stays queued for hours, as a long catch-up would run."""
    user = make_reader(app)
    follow_id = subscribe(app, user, now=kst("2025-03-13T08:00"))
    due = kst("2025-03-13T09:00")
    later = due + follows.BUSY_FOR * 3
    with app.app_context(), session_factory(app)() as session:
        job_id = follows.start_run(session, follow_id, now=due)
        assert follows.due_follows(session, later) == []
        with pytest.raises(FollowBusy):
            follows.start_run(session, follow_id, now=later)
        follows.release(session, follow_id, job_id + 1)  # another job's end: the claim stays
        with pytest.raises(FollowBusy):
            follows.start_run(session, follow_id, now=later)
        follows.release(session, follow_id, job_id)
        assert follows.due_follows(session, later) == [follow_id]


def test_a_follow_starts_at_most_a_year_back_and_a_run_fetches_at_most_that_many_days(
    app: Flask, worker: None, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    user = make_reader(app)
    now = kst("2025-03-13T08:00")
    with pytest.raises(follows.BadRange) as refused:
        subscribe(app, user, now=now, start_on=THU - timedelta(days=follows.MAX_BACKFILL_DAYS + 1))
    assert refused.value.reason == "too_old"
    with pytest.raises(follows.BadRange):
        subscribe(app, user, now=now, start_on=date(1, 1, 1))
    # The earliest day allowed: a run then has one day more than it fetches at once.
    follow_id = subscribe(
        app, user, now=now, start_on=THU - timedelta(days=follows.MAX_BACKFILL_DAYS)
    )
    [run] = tick(app, now)
    assert run.status == "done" and run.result is not None
    assert (run.result["days"], run.result["error"]) == (follows.MAX_BACKFILL_DAYS, None)
    assert len(digest_server.requests) == follows.MAX_BACKFILL_DAYS
    assert THU not in days_recorded(app, follow_id)


def test_a_paused_follow_does_not_run_and_resuming_catches_up(
    app: Flask, worker: None, digest_server: DigestServer
) -> None:
    user, follow_id = thursday_follow(app, digest_server)
    with session_factory(app)() as session:
        follows.set_paused(session, user, follow_id, paused=True, now=kst("2025-03-13T08:30"))
    assert tick(app, kst("2025-03-14T09:00")) == []
    with session_factory(app)() as session:
        follows.set_paused(session, user, follow_id, paused=False, now=kst("2025-03-14T10:00"))
    [run] = tick(app, kst("2025-03-14T10:01"))
    assert run.result is not None and run.result["imported"] == 1


def test_another_user_s_follow_is_not_found(app: Flask) -> None:
    owner = make_reader(app)
    other = make_reader(app, timezone="UTC")
    follow_id = subscribe(app, owner, now=kst("2025-03-13T08:00"))
    now = kst("2025-03-13T08:30")
    with app.app_context(), session_factory(app)() as session:
        for attempt in (
            lambda: follow_views.follow_view(session, other, follow_id),
            lambda: follows.set_paused(session, other, follow_id, paused=True, now=now),
            lambda: follows.delete_follow(session, other, follow_id),
            lambda: follows.start_run(session, follow_id, now=now, user_id=other),
            lambda: follows.start_backfill(session, other, follow_id, first=THU, last=THU, now=now),
        ):
            with pytest.raises(follows.FollowNotFound):
                attempt()
    assert follow_row(app, follow_id).paused is False


@pytest.mark.parametrize(
    ("source", "problem"),
    [
        ("https://raw.githubusercontent.com/someone/notes/main/latest.md", None),
        ("https://example.org/{date}.md", "fetch.not_allowed"),
        ("ftp://raw.githubusercontent.com/{date}.md", "fetch.bad_address"),
        ("https://user@raw.githubusercontent.com/{date}.md", "fetch.bad_address"),
    ],
)
def test_a_template_is_checked_when_saved(app: Flask, source: str, problem: str | None) -> None:
    user = make_reader(app)
    new = NewFollow(source=source, run_at=time(9), deck_name="Mine")
    with session_factory(app)() as session:
        with pytest.raises(follows.SourceRefused) as refused:
            follows.subscribe(
                session, user_id=user, new=new, now=kst("2025-03-13T08:00"), config=app.config
            )
    assert (refused.value.error.code if refused.value.error else None) == problem
    with session_factory(app)() as session:
        assert follow_views.follow_views(session, user) == []


def test_all_my_data_holds_my_follows(app: Flask) -> None:
    user = make_reader(app)
    subscribe(app, user, now=kst("2025-03-13T08:00"), min_votes=5, topics=("llm",))
    with session_factory(app)() as session:
        document = account_data(session, user, now=kst("2025-03-13T08:30"))
    [follow] = document["follows"]
    assert follow["source"] == "daily_papers_ko" and follow["run_at"] == "09:00"
    assert (follow["min_votes"], follow["topics"], follow["start_on"]) == (5, ["llm"], "2025-03-13")
    assert follow["next_run_at"] == "2025-03-13T00:00:00Z"


def test_a_run_of_a_follow_deleted_meanwhile_ends_quietly(
    app: Flask, digest_server: DigestServer
) -> None:
    user, follow_id = thursday_follow(app, digest_server)
    with app.app_context(), session_factory(app)() as session:
        job_id = follows.start_run(session, follow_id, now=kst("2025-03-13T09:00"))
        follows.delete_follow(session, user, follow_id)
    with app.extensions["queue"].running(workers=1):
        job = wait_for_job(app, job_id, user_id=user)
    assert (job.status, job.result) == ("done", {"days": 0, "gone": True})
    assert deck_papers(app, "Daily") == [] and digest_server.requests == []


def _refuse_day(app: Flask, day: date) -> None:
    """Make the database itself refuse to record ``day`` of any follow (a trigger): an error
    no follow code expects, as a broken disk or a constraint would raise."""
    with session_factory(app)() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":
            session.execute(
                text(
                    "CREATE TRIGGER refuse_day BEFORE INSERT ON follow_days "
                    f"WHEN NEW.day = '{day.isoformat()}' BEGIN SELECT RAISE(ABORT, 'refused'); END"
                )
            )
        else:
            session.execute(
                text(
                    "CREATE FUNCTION refuse_day() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                    f"IF NEW.day = DATE '{day.isoformat()}' THEN RAISE EXCEPTION 'refused'; "
                    "END IF; RETURN NEW; END $$"
                )
            )
            session.execute(
                text(
                    "CREATE TRIGGER refuse_day BEFORE INSERT ON follow_days "
                    "FOR EACH ROW EXECUTE FUNCTION refuse_day()"
                )
            )


def _allow_days(app: Flask) -> None:
    with session_factory(app)() as session, session.begin():
        if session.get_bind().dialect.name == "sqlite":
            session.execute(text("DROP TRIGGER refuse_day"))
        else:
            session.execute(text("DROP TRIGGER refuse_day ON follow_days"))
            session.execute(text("DROP FUNCTION refuse_day()"))


def test_an_unexpected_error_is_recorded_and_retried_later_not_every_minute(
    app: Flask, worker: None, digest_server: DigestServer, caplog: pytest.LogCaptureFixture
) -> None:
    user, follow_id = thursday_follow(app, digest_server)
    serve(digest_server, FRI, "digest_ko.md")
    _refuse_day(app, FRI)
    try:
        [run] = tick(app, kst("2025-03-14T09:01"))
        assert run.status == "done", run.detail
        assert run.result is not None
        assert (run.result["imported"], run.result["error"]) == (1, "internal")
        record = follow_row(app, follow_id)
        assert (record.last_error, record.retries) == ("internal", 1)
        assert record.last_error_at == kst("2025-03-14T09:01")
        assert record.next_run_at == kst("2025-03-14T09:16")  # 15 minutes on, not at once
        assert "refused" in (record.last_error_detail or "")
        assert any("follow" in r.getMessage() and r.exc_info for r in caplog.records)
        assert tick(app, kst("2025-03-14T09:02")) == []  # no job every minute
        with session_factory(app)() as session:
            [shown] = follow_views.follow_views(session, user)
        assert shown.last_error == "internal"
    finally:
        _allow_days(app)
    [run] = tick(app, kst("2025-03-14T09:17"))
    assert run.status == "done" and run.result is not None and run.result["error"] is None
    record = follow_row(app, follow_id)
    assert (record.last_error, record.retries) == (None, 0)
    assert set(days_recorded(app, follow_id)) == {THU, FRI}


def test_a_follow_never_goes_into_an_import_s_hidden_staging_deck(app: Flask) -> None:
    user = make_reader(app)
    with session_factory(app)() as session, session.begin():
        staging = Deck(owner_id=user, slug="staging-daily", name="Daily", staged_at=utcnow())
        session.add(staging)
        session.flush()
        staging_id = staging.id
    with pytest.raises(DeckNotFound):
        subscribe(app, user, now=kst("2025-03-13T08:00"), deck_id=staging_id)
    follow_id = subscribe(app, user, now=kst("2025-03-13T08:00"))  # by name: a deck of its own
    assert follow_row(app, follow_id).deck_id != staging_id
