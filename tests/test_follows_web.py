"""The /follows page: subscribing with every input checked, the list with each follow's
record, Fetch now, pause and resume, delete after a confirmation, and a backfill whose
progress partial htmx polls until the job ends."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.db import session_factory
from studyapp.models import Follow, User, utcnow
from studyapp.srs.calendar import local_day
from tests.conftest import AuthActions, html
from tests.follow_support import follow_the_server, serve
from tests.http_fixtures import DigestServer
from tests.queue_support import wait_for_job

GOOD = {"source": "daily_papers_ko", "deck_id": "", "deck_name": "Daily", "run_at": "09:00"}


def subscribe(auth: AuthActions, **changes: Any) -> Any:
    return auth.post("/follows", {**GOOD, **changes})


def only_follow(app: Flask) -> Follow:
    with session_factory(app)() as session:
        follow = session.scalars(select(Follow)).one()
        session.expunge(follow)
        return follow


def test_subscribing_lists_the_follow_with_its_record(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register(timezone="Asia/Seoul")
    response = subscribe(auth, min_votes="10", topics=["llm", "vision"], max_new="5")
    assert response.status_code == 303
    page = html(client.get("/follows").data)
    item = page.select_one(".follow-list .follow")
    assert item is not None
    assert item.select_one(".follow-title").get_text(strip=True) == "Daily"
    assert item.select_one(".follow-source").get_text(strip=True) == "Korean Daily Papers"
    filters = item.select_one(".follow-filters").get_text(" ", strip=True)
    assert "at least 10 votes" in filters and "at most 5 papers a day" in filters
    assert item.select_one(".follow-papers-added").get_text(strip=True) == "0"
    follow = only_follow(app)
    assert (follow.min_votes, follow.topics, follow.max_new) == (10, ["llm", "vision"], 5)
    assert follow.start_on == local_day(utcnow(), "Asia/Seoul")
    assert page.select_one("nav.main-nav a[href='/follows']") is not None


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"run_at": ""}, "run_at", "Enter a time of day"),
        ({"run_at": "25:61"}, "run_at", "Not a valid time value."),
        ({"min_votes": "-1"}, "min_votes", "Enter a whole number from 0 to 100000."),
        ({"min_votes": "many"}, "min_votes", "Enter a whole number, or leave it empty."),
        ({"max_new": "0"}, "max_new", "Enter a whole number from 1 to 1000."),
        ({"topics": ["not-a-topic"]}, "topics", "not a valid choice"),
        ({"deck_name": ""}, "deck_name", "Choose one of your decks, or name a new one."),
        ({"deck_id": "999"}, "deck_id", "Not a valid choice."),
        ({"source": "url", "url": ""}, "url", "Enter the address"),
        ({"source": "url", "url": "https://raw.githubusercontent.com/a/b/latest.md"}, "url",
         "must say which day"),
        ({"source": "url", "url": "https://example.org/{date}.md"}, "url",
         "Ask the administrator to add example.org to FETCH_ALLOWED_HOSTS"),
        ({"source": "url", "url": "javascript:alert(1)//{date}"}, "url",
         "not a web address the server can fetch"),
        ({"source": "rss"}, "source", "Not a valid choice."),
        ({"start_on": "2024-02-30"}, "start_on", "Not a valid date value."),
    ],
)  # fmt: skip
def test_bad_input_is_refused_with_a_message_and_nothing_saved(
    app: Flask, auth: AuthActions, changes: dict[str, Any], field: str, message: str
) -> None:
    auth.register()
    response = subscribe(auth, **changes)
    assert response.status_code == 422
    errors = html(response.data).select(f"#{field} ~ .error, .has-error .error")
    assert any(message in error.get_text() for error in errors), [e.get_text() for e in errors]
    with session_factory(app)() as session:
        assert session.scalars(select(Follow)).all() == []


def test_a_start_day_more_than_a_year_back_is_refused_in_korean(auth: AuthActions) -> None:
    auth.register()
    response = auth.post("/follows?lang=ko", {**GOOD, "start_on": "0001-01-01"})
    assert response.status_code == 422
    errors = html(response.data).select(".has-error .error")
    assert any("366" in e.get_text() for e in errors), [e.get_text() for e in errors]
    assert "Choose a later day" not in response.get_data(as_text=True)


def test_a_refused_address_is_explained_in_korean(auth: AuthActions) -> None:
    auth.register()
    response = auth.post(
        "/follows?lang=ko", {**GOOD, "source": "url", "url": "https://example.org/{date}.md"}
    )
    assert response.status_code == 422
    assert "FETCH_ALLOWED_HOSTS" in response.get_data(as_text=True)
    assert "관리자" in response.get_data(as_text=True)


def test_fetch_now_runs_the_follow_and_the_page_shows_the_papers_added(
    app: Flask, client: FlaskClient, auth: AuthActions, worker: None, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    auth.register()
    today = local_day(utcnow(), "UTC")
    serve(digest_server, today, "digest_en.md")
    subscribe(auth)
    follow = only_follow(app)
    assert auth.post(f"/follows/{follow.id}/run", {}).status_code == 303
    job_id = only_follow(app).job_id
    if job_id is not None:  # still queued or running: wait for it
        wait_for_job(app, job_id, user_id=follow.owner_id)
    page = html(client.get("/follows").data)
    assert page.select_one(".follow-papers-added").get_text(strip=True) == "3"
    assert page.select_one(".follow-error") is None


def test_pause_resume_and_delete_after_confirming(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    subscribe(auth)
    follow_id = only_follow(app).id
    auth.post(f"/follows/{follow_id}/pause", {"paused": "1"})
    assert only_follow(app).paused is True
    assert "paused" in html(client.get("/follows").data).select_one(".follow-next-run").get_text()
    auth.post(f"/follows/{follow_id}/pause", {"paused": "0"})
    assert only_follow(app).paused is False
    confirm = html(client.get(f"/follows/{follow_id}/delete").data)
    assert confirm.select_one("h1").get_text(strip=True) == "Stop following into “Daily”?"
    assert auth.post(f"/follows/{follow_id}/delete", {}).status_code == 303
    with session_factory(app)() as session:
        assert session.scalars(select(Follow)).all() == []
        assert session.scalar(select(User.id)) is not None


def test_a_backfill_shows_its_progress_and_htmx_stops_polling_when_it_ends(
    app: Flask, client: FlaskClient, auth: AuthActions, worker: None, digest_server: DigestServer
) -> None:
    follow_the_server(app, digest_server)
    auth.register()
    first = date(2025, 3, 13)
    serve(digest_server, first, "digest_en.md")
    serve(digest_server, first + timedelta(days=1), "digest_ko.md")
    subscribe(auth)
    follow = only_follow(app)
    response = auth.post(
        f"/follows/{follow.id}/backfill", {"first": "2025-03-13", "last": "2025-03-16"}
    )
    assert response.status_code == 303
    progress_url = response.headers["Location"]
    job_id = int(progress_url.rsplit("/", 1)[1])
    wait_for_job(app, job_id, user_id=follow.owner_id)
    partial = html(client.get(progress_url, headers={"HX-Request": "true"}).data)
    box = partial.select_one("#backfill-progress")
    assert box is not None and not box.has_attr("hx-trigger")  # finished: no more polling
    bar = box.select_one("progress")
    assert (bar["value"], bar["max"]) == ("4", "4")
    assert "6 papers added" in box.select_one(".job-outcome").get_text()
    page = html(client.get(progress_url).data)
    assert page.select_one("noscript a") is None  # nothing left to check


def test_a_running_backfill_polls_every_second_and_offers_to_check_again_without_javascript(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    """No consumer: the job stays queued, as a page sees it while a backfill runs."""
    auth.register()
    subscribe(auth)
    follow = only_follow(app)
    response = auth.post(
        f"/follows/{follow.id}/backfill", {"first": "2025-03-13", "last": "2025-03-14"}
    )
    page = html(client.get(response.headers["Location"]).data)
    box = page.select_one("#backfill-progress")
    assert box is not None and box["hx-trigger"] == "every 1s"
    assert box["hx-get"] == response.headers["Location"]
    # Never a page that reloads by itself (it sends a screen reader back to the top).
    assert page.select_one("meta[http-equiv=refresh]") is None
    again = page.select_one("noscript a")
    assert again is not None and again["href"] == response.headers["Location"]
    # A second backfill while this one is queued is refused in words.
    again = auth.post(
        f"/follows/{follow.id}/backfill", {"first": "2025-03-13", "last": "2025-03-14"}
    )
    assert again.status_code == 422
    assert "fetching already" in again.get_data(as_text=True)


@pytest.mark.parametrize(
    ("first", "last", "message"),
    [
        ("2025-03-14", "2025-03-13", "comes after the last one"),
        ("2025-03-13", "2999-01-01", "after today"),
        ("2020-01-01", "2025-03-13", "at most 366 days"),
        ("", "2025-03-13", "Enter a date"),
    ],
)
def test_a_bad_backfill_range_is_refused_in_words(
    app: Flask, auth: AuthActions, first: str, last: str, message: str
) -> None:
    auth.register()
    subscribe(auth)
    follow = only_follow(app)
    response = auth.post(f"/follows/{follow.id}/backfill", {"first": first, "last": last})
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_another_user_s_follow_is_404(app: Flask, client: FlaskClient, auth: AuthActions) -> None:
    auth.register(email="owner@example.com")
    subscribe(auth)
    follow_id = only_follow(app).id
    auth.logout()
    auth.register(email="other@example.com")
    for url in (f"/follows/{follow_id}/delete", f"/follows/{follow_id}/backfill"):
        assert client.get(url).status_code == 404
    for url in ("run", "pause", "backfill"):
        assert auth.post(f"/follows/{follow_id}/{url}", {"paused": "1"}).status_code == 404
    # Deleting says "not among yours" (as a second click on one's own would), and deletes nothing.
    refused = auth.post(f"/follows/{follow_id}/delete", {}, follow_redirects=True)
    assert "not among yours" in refused.get_data(as_text=True)
    follow = only_follow(app)
    assert (follow.paused, follow.job_id) == (False, None)
