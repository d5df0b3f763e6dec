"""The review pages through HTTP: with htmx and without JavaScript."""

from __future__ import annotations

from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.identity import CardKind
from studyapp.models import Card, CardText, Paper, ReviewLog, ReviewState, User
from studyapp.services.importing import DeckImport, import_decks
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


def undo_form(page: BeautifulSoup) -> dict[str, str]:
    """The undo button's form on a review page or fragment: its action and hidden fields."""
    form = page.select_one("form[data-action=undo]")
    assert form is not None
    fields = {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}
    return {"action": str(form["action"]), **fields}


def latest_log_id(app: Flask) -> int | None:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.max(ReviewLog.id)))


def test_undo_takes_back_the_last_answer(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    state_id = int(form["action"].split("/")[2])
    client.post(form.pop("action"), data={**form, "grade": "1"})
    undo = undo_form(html(client.get("/review").data))
    # The button names the answer it takes back.
    assert undo["answer"] == str(latest_log_id(app))
    response = client.post(undo.pop("action"), data=undo)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/review?card={state_id}"
    assert log_count(app) == 0
    page = html(client.get(response.headers["Location"]).data)
    assert page.select_one("a[data-action=reveal]")["href"].startswith(f"/review?card={state_id}")


def answer_twice(client: FlaskClient, headers: dict[str, str]) -> BeautifulSoup:
    """Answer two cards; the page (or fragment) shown after the second."""
    for _ in range(2):
        form = answer_form(client)
        client.post(form.pop("action"), data={**form, "grade": "5"})
    return html(client.get("/review", headers=headers).data)


def test_the_same_undo_pressed_twice_without_javascript_takes_back_one_answer(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    undo = undo_form(answer_twice(client, {}))
    action = undo.pop("action")
    first = client.post(action, data=undo)
    assert first.status_code == 303 and first.headers["Location"].startswith("/review?card=")
    assert log_count(app) == 1
    second = client.post(action + "?lang=en", data=undo)
    assert second.status_code == 303 and second.headers["Location"] == "/review"
    assert log_count(app) == 1
    page = html(client.get("/review?lang=en").data)
    assert "that answer is no longer your last one" in page.select_one(".flash").get_text()
    # The page's button now names the answer before, which it takes back.
    assert undo_form(page)["answer"] == str(latest_log_id(app))


def test_the_same_undo_pressed_twice_with_htmx_takes_back_one_answer(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    undo = undo_form(answer_twice(client, HX))
    action = undo.pop("action")
    first = html(client.post(action, data=undo, headers=HX).data)
    assert first.select_one(".review-notice") is None
    assert log_count(app) == 1
    second = html(client.post(action + "?lang=ko", data=undo, headers=HX).data)
    notice = second.select_one("section#review .review-notice")
    assert notice is not None and "이미 취소된" in notice.get_text()
    assert second.select_one("form.grades") is not None
    assert log_count(app) == 1


@pytest.mark.parametrize("answer", ["", "x", "-1", "99999999999"])
def test_an_undo_that_names_no_answer_is_400(
    app: Flask, client: FlaskClient, studying: AuthActions, answer: str
) -> None:
    undo = undo_form(answer_twice(client, {}))
    response = client.post(undo.pop("action"), data={**undo, "answer": answer})
    assert response.status_code == 400
    assert log_count(app) == 2


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
    # Three papers, five cards: a paper offers one card a day (its sibling waits).
    assert numbers == ["3", "0", "0"]
    assert page.select_one("a.button.primary[href='/review']") is not None
    row = [td.get_text(strip=True) for td in page.select("table.data tbody tr td")]
    assert row[:4] == ["3", "0", "0", "2"]
    total = [td.get_text(strip=True) for td in page.select("table.data tfoot td")]
    assert total[:3] == numbers
    # The review page's count says the same.
    review_page = html(client.get("/review?lang=en").data)
    assert "3 left today" in review_page.select_one(".review-top .meta").get_text()


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


def revealed_page(client: FlaskClient, query: str = "") -> BeautifulSoup:
    page = html(client.get(f"/review{query}").data)
    return html(client.get(str(page.select_one("a[data-action=reveal]")["href"])).data)


def grade_labels(page: BeautifulSoup) -> list[tuple[str, str, str]]:
    return [
        (
            str(button["value"]),
            button.select_one("kbd.grade-key").get_text(),
            button.select_one(".grade-next").get_text(),
        )
        for button in page.select("form.grades button[name=grade]")
    ]


def test_grade_buttons_say_what_will_happen_and_show_their_key(
    client: FlaskClient, studying: AuthActions
) -> None:
    page = revealed_page(client, "?lang=en")
    assert grade_labels(page) == [
        ("0", "0", "again today"),
        ("1", "1", "again today"),
        ("2", "2", "again today"),
        ("3", "3", "again today"),
        ("4", "4", "in 1 day"),
        ("5", "5", "in 1 day"),
    ]
    korean = revealed_page(client, "?lang=ko")
    assert [label for _, _, label in grade_labels(korean)] == ["오늘 다시"] * 4 + ["1일 후"] * 2
    assert page.select_one("h1").get_text() == "Review"


def test_four_buttons_say_hard_comes_back_today(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    with session_factory(app)() as session, session.begin():
        session.scalars(select(User)).one().four_grade_buttons = True
    assert grade_labels(revealed_page(client, "?lang=en")) == [
        ("1", "1", "again today"),
        ("3", "2", "again today"),
        ("4", "3", "in 1 day"),
        ("5", "4", "in 1 day"),
    ]


def test_a_stale_tab_is_told_and_shown_the_next_card_without_javascript(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    action = form.pop("action")
    assert client.post(action, data={**form, "grade": "5"}).status_code == 303
    stale = client.post(action, data={**form, "grade": "3"})
    assert stale.status_code == 303 and stale.headers["Location"] == "/review"
    page = html(client.get("/review?lang=en").data)
    assert "already answered in another tab" in page.select_one(".flash").get_text()
    assert page.select_one(".flashcard") is not None
    assert log_count(app) == 1


def test_a_stale_tab_is_told_and_shown_the_next_card_with_htmx(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    form = answer_form(client)
    action = form.pop("action")
    client.post(action, data={**form, "grade": "5"}, headers=HX)
    stale = client.post(action + "?lang=ko", data={**form, "grade": "4"}, headers=HX)
    fragment = html(stale.data)
    notice = fragment.select_one("section#review .review-notice")
    assert notice is not None and "다른 탭에서 이미 답했습니다" in notice.get_text()
    next_action = fragment.select_one("form.grades")["action"]
    assert next_action != action
    assert log_count(app) == 1


def test_suspending_from_the_review_shows_the_next_card(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    page = html(client.get("/review?lang=en").data)
    suspend = page.select_one("form[data-action=suspend]")
    state_id = int(page.select_one("form.grades")["action"].split("/")[2])
    response = client.post(str(suspend["action"]), data={"csrf_token": csrf_token(client)})
    assert response.status_code == 303 and response.headers["Location"] == "/review"
    with session_factory(app)() as session, session.begin():
        assert session.get_one(ReviewState, state_id).suspended
    after = html(client.get("/review?lang=en").data)
    assert "Card suspended" in after.select_one(".flash").get_text()
    assert after.select_one("form.grades")["action"] != f"/review/{state_id}/answer"
    # With htmx: the next card comes back at once, with the notice.
    suspend = after.select_one("form[data-action=suspend]")
    fragment = html(
        client.post(
            str(suspend["action"]), data={"csrf_token": csrf_token(client)}, headers=HX
        ).data
    )
    assert fragment.select_one(".review-notice") is not None
    assert fragment.select_one(".flashcard") is not None
    assert log_count(app) == 0


def test_own_cards_can_be_edited_from_the_review_and_the_edit_comes_back(
    client: FlaskClient, studying: AuthActions
) -> None:
    page = revealed_page(client, "?lang=en")
    edit = page.select_one(".review-tools a")
    state_id = page.select_one("form.grades")["action"].split("/")[2]
    edit_page = html(client.get(str(edit["href"])).data)
    form = edit_page.select_one("form.stack")
    fields = {i["name"]: i.get("value", "") for i in form.select("input")}
    fields.update({t["name"]: t.get_text() for t in form.select("textarea")})
    fields["front"] = "Edited front"
    response = client.post(str(form["action"]), data=fields)
    assert response.status_code == 303
    assert response.headers["Location"] == f"/review?card={state_id}&reveal=1"
    back = html(client.get(response.headers["Location"]).data)
    assert back.select_one(".flashcard .front p").get_text() == "Edited front"


def test_library_cards_can_be_suspended_but_not_edited(app: Flask, client: FlaskClient) -> None:
    AuthActions(client).register()
    papers = extract_text((DATA / "digest_ko.md").read_text(encoding="utf-8"), source="d").papers
    with session_factory(app)() as session:
        (shared,) = import_decks(session, [DeckImport(name="Shared", papers=papers)])
    token = csrf_token(client)
    assert (
        client.post(f"/library/decks/{shared.deck_id}/add", data={"csrf_token": token}).status_code
        == 303
    )
    page = html(client.get("/review").data)
    tools = page.select_one(".review-tools")
    assert tools.select("a") == []
    assert tools.select_one("form[data-action=suspend]") is not None


def test_one_deck_at_a_time(app: Flask, client: FlaskClient, studying: AuthActions) -> None:
    papers = extract_text((DATA / "notes_ko.txt").read_text(encoding="utf-8"), source="n").papers
    with session_factory(app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        (fresh,) = import_decks(
            session, [DeckImport(name="Fresh", papers=papers, owner_id=user_id)]
        )
    home = html(client.get("/?lang=en").data)
    study = [a["href"] for a in home.select("table.data .study-deck a")]
    assert f"/review?deck={fresh.deck_id}" in study
    page = html(client.get(f"/review?deck={fresh.deck_id}&lang=en").data)
    assert page.select_one(".review-deck h1").get_text() == "Studying “Fresh”"
    with session_factory(app)() as session, session.begin():
        fresh_states = set(
            session.scalars(
                select(ReviewState.id)
                .join(Card, Card.id == ReviewState.card_id)
                .join(Paper, Paper.id == Card.paper_id)
                .where(Paper.deck_id == fresh.deck_id)
            )
        )
    for _ in range(20):
        form = page.select_one("form.grades")
        if form is None:
            break
        assert int(form["action"].split("/")[2]) in fresh_states
        assert form.select_one("input[name=deck]")["value"] == str(fresh.deck_id)
        fields = {i["name"]: i["value"] for i in form.select("input[type=hidden]")}
        response = client.post(str(form["action"]), data={**fields, "grade": "5"})
        assert response.headers["Location"] == f"/review?deck={fresh.deck_id}"
        page = html(client.get(response.headers["Location"] + "&lang=en").data)
    assert page.select_one(".summary h2").get_text() == "All done in this deck for today"
    # Everything else is still there.
    everything = html(client.get("/review").data)
    assert int(everything.select_one("form.grades")["action"].split("/")[2]) not in fresh_states


@pytest.mark.parametrize(
    "deck", ["abc", "-1", "0", "1.5", "99999999999999999999", "2147483648", "%00", "1e3"]
)
def test_hostile_deck_ids_are_404(client: FlaskClient, studying: AuthActions, deck: str) -> None:
    assert client.get(f"/review?deck={deck}").status_code == 404
    token = csrf_token(client)
    response = client.post(
        "/review/1/answer", data={"grade": "5", "version": "1", "deck": deck, "csrf_token": token}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("card", ["99999999999999999999", "-3", "x"])
def test_hostile_card_ids_show_the_session(
    client: FlaskClient, studying: AuthActions, card: str
) -> None:
    page = html(client.get(f"/review?card={card}&reveal=1").data)
    assert page.select_one("form.grades") is not None


def test_a_headline_card_shows_its_sentence_once_with_the_answer_in_its_blank(
    app: Flask, client: FlaskClient, studying: AuthActions
) -> None:
    with session_factory(app)() as session, session.begin():
        state_id, source = session.execute(
            select(ReviewState.id, CardText.source_sentence)
            .join(Card, Card.id == ReviewState.card_id)
            .join(CardText, CardText.card_id == Card.id)
            .where(Card.kind == CardKind.HEADLINE_NUMBER)
            .limit(1)
        ).one()
    front = html(client.get(f"/review?card={state_id}").data)
    fill = front.select_one(".flashcard .front .blank .fill")
    assert fill is not None and fill.has_attr("hidden")
    page = html(client.get(f"/review?card={state_id}&reveal=1").data)
    card = page.select_one(".flashcard")
    assert card is not None
    fill = card.select_one(".front .blank .fill")
    assert fill is not None and not fill.has_attr("hidden")
    answer = card.select_one(".back .answer")
    assert answer is not None and fill.get_text() == answer.get_text()
    # The sentence is read once: filled in on the front, not again as the source below.
    assert card.select(".back .source") == []
    assert source is not None
    number = fill.get_text()
    assert number in source
    context = card.select(".front p.context")[0].get_text(" ", strip=True)
    assert source.split(number)[0].split()[-1] in context
