"""The review pages through HTTP: with htmx and without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import ReviewLog, ReviewState, User
from studyapp.services.library import DeckImport, import_decks
from tests.conftest import AuthActions, csrf_token, html

DATA = Path(__file__).parent / "data"
HX = {"HX-Request": "true"}


@pytest.fixture
def studying(app: Flask, auth: AuthActions) -> AuthActions:
    """A signed-in user with their own deck from a digest (6 cards)."""
    auth.register()
    papers = extract_text((DATA / "digest_ko.md").read_text(encoding="utf-8"), source="d").papers
    with session_factory(app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        import_decks(session, [DeckImport(name="Mine", papers=papers, owner_id=user_id)])
    return auth


def log_count(app: Flask) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count(ReviewLog.id))) or 0


def answer_form(client: FlaskClient) -> dict[str, str]:
    page = html(client.get("/review?reveal=1", follow_redirects=True).data)
    reveal = page.select_one("[data-action=reveal]")
    if reveal is not None:
        page = html(client.get(str(reveal["href"])).data)
    form = page.select_one("form.grades")
    assert form is not None
    fields = {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}
    return {"action": str(form["action"]), **fields}


def test_review_needs_login(client: FlaskClient) -> None:
    response = client.get("/review")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")


def test_the_front_then_the_answer_without_javascript(
    client: FlaskClient, studying: AuthActions
) -> None:
    page = html(client.get("/review").data)
    assert page.select_one(".flashcard .front p").get_text().endswith("핵심 아이디어는?")
    # The answer and the grades come with the card, hidden until it is revealed.
    hidden = page.select("[data-answer]")
    assert [part.name for part in hidden] == ["div", "p", "form"]
    assert all(part.has_attr("hidden") for part in hidden)
    assert page.select_one(".flashcard")["lang"] == "ko"
    reveal = page.select_one("a[data-action=reveal]")
    revealed = html(client.get(str(reveal["href"])).data)
    assert not any(part.has_attr("hidden") for part in revealed.select("[data-answer]"))
    assert revealed.select_one("a[data-action=reveal]") is None
    assert revealed.select_one(".flashcard .back .answer") is not None
    assert len(revealed.select("form.grades button[name=grade]")) == 6
    assert revealed.select_one(".paper-line a")["href"].startswith("https://arxiv.org/abs/")


def test_four_button_setting_shows_again_hard_good_easy(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    with session_factory(app)() as session, session.begin():
        session.scalars(select(User)).one().four_grade_buttons = True
    page = html(client.get("/review").data)
    page = html(client.get(str(page.select_one("a[data-action=reveal]")["href"])).data)
    buttons = page.select("form.grades button[name=grade]")
    assert [(b["value"], b["data-key"]) for b in buttons] == [
        ("1", "1"),
        ("3", "2"),
        ("4", "3"),
        ("5", "4"),
    ]


def test_answering_without_javascript_redirects_to_the_next_card(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    response = client.post(form.pop("action"), data={**form, "grade": "5"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/review"
    assert log_count(app) == 1


def test_answering_with_htmx_returns_the_next_card_fragment(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    response = client.post(form.pop("action"), data={**form, "grade": "4"}, headers=HX)
    assert response.status_code == 200
    assert b"<html" not in response.data
    fragment = html(response.data)
    assert fragment.select_one("section#review .flashcard .front") is not None
    assert "HX-Request" in response.headers["Vary"]


def test_a_double_submit_applies_once(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    action = form.pop("action")
    first = client.post(action, data={**form, "grade": "5"}, headers=HX)
    second = client.post(action, data={**form, "grade": "5"}, headers=HX)
    assert (first.status_code, second.status_code) == (200, 200)
    assert log_count(app) == 1


def test_undo_takes_back_the_last_answer(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    state_id = int(form["action"].split("/")[2])
    client.post(form.pop("action"), data={**form, "grade": "1"})
    response = client.post("/review/undo", data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/review?card={state_id}"
    assert log_count(app) == 0
    page = html(client.get(response.headers["Location"]).data)
    assert page.select_one("a[data-action=reveal]")["href"].startswith(f"/review?card={state_id}")


def test_posts_need_a_csrf_token(app: Flask, client: FlaskClient, studying: AuthActions) -> None:
    form = answer_form(client)
    form.pop("csrf_token")
    assert client.post(form.pop("action"), data={**form, "grade": "5"}).status_code == 400
    assert client.post("/review/undo").status_code == 400
    assert log_count(app) == 0


@pytest.mark.parametrize("grade", ["9", "x", ""])
def test_bad_grades_are_400(
    app: Flask, client: FlaskClient, studying: AuthActions, grade: str
) -> None:
    form = answer_form(client)
    assert client.post(form.pop("action"), data={**form, "grade": grade}).status_code == 400
    assert log_count(app) == 0


def test_another_users_cards_are_404(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    with session_factory(app)() as session, session.begin():
        state_id = session.scalars(select(ReviewState.id)).first()
    studying.logout()
    studying.register(email="other@example.com")
    # Asking to see it shows the other user's own (empty) session, not the card.
    page = html(client.get(f"/review?card={state_id}&reveal=1").data)
    assert page.select_one(".flashcard") is None
    token = csrf_token(client)
    response = client.post(
        f"/review/{state_id}/answer", data={"grade": "5", "version": "1", "csrf_token": token}
    )
    assert response.status_code == 404
    assert log_count(app) == 0


def test_session_summary_when_nothing_is_left(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    for _ in range(30):
        page = html(client.get("/review").data)
        reveal = page.select_one("a[data-action=reveal]")
        if reveal is None:
            break
        form = answer_form(client)
        client.post(form.pop("action"), data={**form, "grade": "5"})
    page = html(client.get("/review?lang=en").data)
    assert page.select_one(".summary h1").get_text() == "All done for today"
    assert page.select_one(".stats dd").get_text() == str(log_count(app))


def test_home_shows_what_is_due(client: FlaskClient, studying: AuthActions) -> None:
    page = html(client.get("/?lang=en").data)
    numbers = [n.get_text() for n in page.select(".due-numbers .big-number")]
    assert numbers == ["5", "0", "0"]
    assert page.select_one("a.button.primary[href='/review']") is not None
    assert [td.get_text() for td in page.select("table.data tbody td")][1:] == ["5", "0", "0"]


def test_revealing_another_users_card_never_shows_a_different_card(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    # The stranger has cards of their own: a wrong id must not fall back to one of them.
    with session_factory(app)() as session, session.begin():
        theirs = session.scalars(select(ReviewState.id)).first()
    studying.logout()
    studying.register(email="stranger@example.com")
    papers = extract_text((DATA / "notes_ko.txt").read_text(encoding="utf-8"), source="n").papers
    with session_factory(app)() as session:
        with session.begin():
            stranger = session.scalars(
                select(User.id).where(User.email == "stranger@example.com")
            ).one()
        import_decks(session, [DeckImport(name="Stranger", papers=papers, owner_id=stranger)])
    for card in (theirs, 999999):
        page = html(client.get(f"/review?card={card}&reveal=1").data)
        form = page.select_one("form.grades")
        assert form is not None and form["action"] != f"/review/{card}/answer"


@pytest.mark.parametrize(
    ("headers", "whole_page"),
    [
        ({}, True),
        ({"HX-Request": "true"}, False),
        ({"HX-Request": "true", "HX-Boosted": "true"}, True),
        ({"HX-Request": "true", "HX-History-Restore-Request": "true"}, True),
    ],
)
def test_only_an_htmx_swap_gets_the_fragment(
    client: FlaskClient, studying: AuthActions, headers: dict[str, str], whole_page: bool
) -> None:
    body = client.get("/review", headers=headers).data
    assert (b"<html" in body) is whole_page
    assert html(body).select_one("section#review") is not None
