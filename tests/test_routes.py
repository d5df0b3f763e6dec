"""Every route, table-driven: who may call it, and what a request without a CSRF token gets.

The tables are checked against the app's URL map, so a new route cannot be added without
deciding here whether it is public.
"""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AuthActions

PUBLIC = {"home.index", "home.health", "auth.login", "auth.register", "auth.logout", "static"}
# Routes that need a signed-in user, with an example URL for each.
PRIVATE = {
    "review.session": "/review",
    "review.answer": "/review/1/answer",
    "review.undo": "/review/undo",
    "review.suspend": "/review/cards/1/suspend",
    "library.index": "/library",
    "library.deck": "/library/decks/1",
    "library.add_deck": "/library/decks/1/add",
    "library.paper": "/papers/1",
    "library.suspend": "/cards/1/suspend",
    "library.edit_card": "/cards/1/edit",
    "library.rename_deck": "/library/decks/1/rename",
    "library.delete_deck": "/library/decks/1/delete",
    "library.remove_deck": "/library/decks/1/remove",
    "library.delete_card": "/cards/1/delete",
    "library.move_paper": "/papers/1/move",
    "imports.new": "/import",
    "imports.create": "/import",
    "imports.preview": "/import/preview",
    "imports.preview_again": "/import/preview",
    "import_jobs.page": "/import/jobs/1",
    "import_jobs.save": "/import/jobs/1/save",
    "settings.edit": "/settings",
    "fsrs_fit.page": "/settings/scheduling/fit",
    "fsrs_fit.start": "/settings/scheduling/fit",
    "fsrs_fit.apply": "/settings/scheduling/fit/1/apply",
    "fsrs_fit.reset": "/settings/scheduling/fit/reset",
    "scheduling.edit": "/settings/scheduling",
    "export.page": "/export",
    "export.download": "/export/download",
    "anki_import.page": "/anki/import",
    "anki_import.upload": "/anki/import",
    "anki_import.confirm": "/anki/import/1",
    "quiz.index": "/quiz",
    "quiz.start": "/quiz",
    "quiz.take": "/quiz/1",
    "quiz.answer": "/quiz/1/answer",
    "quiz.results": "/quiz/1/results",
    "quiz.missed": "/quiz/1/missed",
    "stats.page": "/stats",
    "account.page": "/account",
    "account.change_password": "/account/password",
    "account.change_email": "/account/email",
    "account.end_sessions": "/account/sessions/end",
    "account.download_data": "/account/data",
    "account.delete": "/account/delete",
    "follows.index": "/follows",
    "follows.create": "/follows",
    "follows.run_now": "/follows/1/run",
    "follows.pause": "/follows/1/pause",
    "follows.delete": "/follows/1/delete",
    "follows.backfill": "/follows/1/backfill",
    "follows.progress": "/follows/1/backfill/1",
}


def test_every_route_is_classified(app: Flask) -> None:
    assert {rule.endpoint for rule in app.url_map.iter_rules()} == PUBLIC | set(PRIVATE)


def _calls(app: Flask) -> list[tuple[str, str, str]]:
    calls = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint in PRIVATE:
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                calls.append((rule.endpoint, method, PRIVATE[rule.endpoint]))
    return calls


def test_private_pages_send_visitors_to_login(app: Flask, client: FlaskClient) -> None:
    for endpoint, method, url in _calls(app):
        if method != "GET":
            continue
        response = client.get(url)
        assert response.status_code == 302, endpoint
        assert response.headers["Location"].startswith("/login?next="), endpoint


def test_private_posts_are_refused_to_visitors(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    for endpoint, method, url in _calls(app):
        if method != "POST":
            continue
        # With a valid token a visitor is sent to log in; without one, refused outright.
        assert auth.post(url, {}).status_code == 302, endpoint
        assert client.post(url).status_code == 400, endpoint


def test_every_post_needs_a_csrf_token_when_signed_in(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    for endpoint, method, url in _calls(app):
        if method == "POST":
            response = client.post(url, data={"grade": "5", "version": "1"})
            assert response.status_code == 400, endpoint


@pytest.mark.parametrize(
    "url",
    [
        "/library/decks/999999",
        "/papers/999999",
        "/cards/999999/edit",
        "/quiz/999999",
        "/quiz/999999/results",
    ],
)
def test_unknown_ids_are_404_for_a_signed_in_user(
    client: FlaskClient, auth: AuthActions, url: str
) -> None:
    auth.register()
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("huge", [2**31, 2**63, 10**20])
def test_ids_no_row_can_have_are_404_on_every_route(
    app: Flask, client: FlaskClient, auth: AuthActions, huge: int
) -> None:
    # Every route with an id in its path, GET and POST: an id past any database integer (SQLite's
    # driver overflows at 2**63) is a page that does not exist, never a 500.
    auth.register()
    app.config["WTF_CSRF_ENABLED"] = False
    checked = 0
    for endpoint, example in PRIVATE.items():
        if "/1" not in example:
            continue
        url = example.replace("/1", f"/{huge}", 1)
        methods = set().union(*(r.methods or () for r in app.url_map.iter_rules(endpoint)))
        for method in ("GET", "POST"):
            if method in methods:
                response = client.open(url, method=method)
                assert response.status_code == 404, (method, url)
                checked += 1
    assert checked >= 15


@pytest.mark.parametrize("raw", ["²", "１", "-1", "1e3", " 1", "99999999999"])
def test_ids_in_query_strings_and_forms_that_cannot_be_ids_are_refused(
    client: FlaskClient, auth: AuthActions, raw: str
) -> None:
    auth.register()
    # A card to prefer that cannot be one: the session is shown as if none was asked for.
    assert client.get("/review", query_string={"card": raw}).status_code == 200
    # A deck that cannot be one is not a deck the user studies.
    assert client.get("/review", query_string={"deck": raw}).status_code == 404
