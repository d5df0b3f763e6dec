"""Managing what one has: renaming and deleting one's decks, removing a library deck from one's
cards, deleting a card, moving a paper between one's decks — each with what goes with it said
first, each harmless when sent twice, none reachable with another user's or a library's ids."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.test import TestResponse

from studyapp.db import session_factory
from studyapp.identity import CardKind
from studyapp.models import (
    Base,
    Card,
    CardText,
    Deck,
    Paper,
    Quiz,
    QuizQuestion,
    ReviewKind,
    ReviewLog,
    ReviewState,
    User,
    UserDeck,
)
from studyapp.services import importing, my_decks
from tests.conftest import AuthActions, csrf_token, html
from tests.factories import make_card, make_deck, make_paper, make_state, make_user
from tests.test_concurrency import send, together, twins


@dataclass(frozen=True)
class World:
    """The reader: two decks of their own ("Notes": two papers; "Week 12": one), the library
    deck "Daily" added to their cards, a few answers on each. The other user: a deck of theirs,
    and "Daily" added too."""

    reader: int
    other: int
    notes: int
    week: int
    daily: int
    theirs: int
    loom: int
    loom_idea: int
    loom_number: int
    petal: int
    petal_idea: int
    river: int
    river_idea: int
    billm: int
    billm_idea: int
    billm_number: int
    theirs_paper: int
    theirs_card: int


def log(session: Session, user: User, card: Card, answers: int) -> None:
    day = date(2025, 3, 1)
    for number in range(answers):
        when = datetime(2025, 3, 1, 9, tzinfo=UTC) + timedelta(days=number)
        session.add(
            ReviewLog(
                user_id=user.id,
                card_id=card.id,
                reviewed_at=when,
                reviewed_on=day + timedelta(days=number),
                grade=4,
                kind=ReviewKind.REVIEW,
                repetitions_before=number,
                ease_before=2.5,
                interval_before=number,
                due_before=day,
                repetitions_after=number + 1,
                ease_after=2.5,
                interval_after=number + 1,
                due_after=day + timedelta(days=number + 1),
            )
        )


def studied(session: Session, user: User, card: Card, answers: int = 0) -> ReviewState:
    state = make_state(session, user, card)
    state.repetitions, state.interval_days, state.ease = answers, 3 * answers, 2.4
    state.due_on = date(2031, 1, 1) if answers else None
    log(session, user, card, answers)
    return state


@pytest.fixture
def world(auth: AuthActions, session: Session) -> World:
    auth.register()
    reader = session.scalars(select(User).where(User.email == "reader@example.com")).one()
    other = make_user(session, "other@example.com")

    notes = make_deck(session, owner=reader, slug="notes")
    loom = make_paper(session, notes, arxiv_id=None, title="LoomKV")
    loom_idea = make_card(session, loom, CardKind.METHOD_IDEA)
    loom_number = make_card(session, loom, CardKind.HEADLINE_NUMBER)
    petal = make_paper(session, notes, arxiv_id="2503.11111", title="PetalNet")
    petal_idea = make_card(session, petal)
    week = make_deck(session, owner=reader, slug="week-12")
    river = make_paper(session, week, arxiv_id="2503.33333", title="RiverDiff")
    river_idea = make_card(session, river)
    studied(session, reader, loom_idea, answers=3)
    studied(session, reader, loom_number, answers=2)
    studied(session, reader, petal_idea, answers=1)
    studied(session, reader, river_idea)

    daily = make_deck(session, slug="daily")
    billm = make_paper(session, daily, arxiv_id="2402.04291", title="BiLLM")
    billm_idea = make_card(session, billm, CardKind.METHOD_IDEA)
    billm_number = make_card(session, billm, CardKind.HEADLINE_NUMBER)
    for user in (reader, other):
        session.add(UserDeck(user_id=user.id, deck_id=daily.id))
    studied(session, reader, billm_idea, answers=4).suspended = True
    studied(session, reader, billm_number)
    studied(session, other, billm_idea, answers=2)
    studied(session, other, billm_number, answers=1)

    theirs = make_deck(session, owner=other, slug="secret")
    theirs_paper = make_paper(session, theirs, arxiv_id="2401.00001", title="SecretNet")
    theirs_card = make_card(session, theirs_paper)
    studied(session, other, theirs_card, answers=1)
    session.commit()
    return World(
        reader=reader.id,
        other=other.id,
        notes=notes.id,
        week=week.id,
        daily=daily.id,
        theirs=theirs.id,
        loom=loom.id,
        loom_idea=loom_idea.id,
        loom_number=loom_number.id,
        petal=petal.id,
        petal_idea=petal_idea.id,
        river=river.id,
        river_idea=river_idea.id,
        billm=billm.id,
        billm_idea=billm_idea.id,
        billm_number=billm_number.id,
        theirs_paper=theirs_paper.id,
        theirs_card=theirs_card.id,
    )


def post(auth: AuthActions, url: str, data: dict[str, object] | None = None) -> TestResponse:
    """Post a form with the session's CSRF token, fetched once (fetching a page shows, and so
    uses up, the messages a test is about to read)."""
    client = auth.client
    token = getattr(client, "manage_token", None) or csrf_token(client)
    client.manage_token = token  # type: ignore[attr-defined]
    return client.post(url, data={**(data or {}), "csrf_token": token})


def page(client: FlaskClient, url: str, status: int = 200) -> BeautifulSoup:
    response = client.get(url)
    assert response.status_code == status, url
    return html(response.data)


def flashes(client: FlaskClient) -> list[str]:
    # A page that shows messages without taking part in what is tested.
    return [" ".join(p.get_text().split()) for p in page(client, "/settings").select(".flash")]


def texts(soup: BeautifulSoup | Any, selector: str) -> list[str]:
    return [" ".join(element.get_text().split()) for element in soup.select(selector)]


def snapshot(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table."""
    with session_factory(app)() as session, session.begin():
        connection = session.connection()
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(table.select().order_by(*table.primary_key))
            ]
            for table in Base.metadata.sorted_tables
        }


def fresh(session: Session) -> Session:
    session.rollback()
    session.expire_all()
    return session


def count(session: Session, model: Any, *where: Any) -> int:
    fresh(session)
    return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


# ---- Nobody else's ids, and no id that cannot be -------------------------------------------


@pytest.mark.parametrize(
    ("method", "url", "data"),
    [
        ("get", "/library/decks/{daily}/rename", {}),
        ("post", "/library/decks/{daily}/rename", {"name": "Mine"}),
        ("get", "/library/decks/{theirs}/rename", {}),
        ("post", "/library/decks/{theirs}/rename", {"name": "Mine"}),
        ("get", "/library/decks/{daily}/delete", {}),
        ("get", "/library/decks/{theirs}/delete", {}),
        ("get", "/library/decks/999999/delete", {}),
        ("get", "/library/decks/{notes}/remove", {}),
        ("post", "/library/decks/{notes}/remove", {}),
        ("post", "/library/decks/{theirs}/remove", {}),
        ("get", "/cards/{billm_idea}/delete", {}),
        ("get", "/cards/{theirs_card}/delete", {}),
        ("post", "/papers/{billm}/move", {"deck_id": "{notes}"}),
        ("post", "/papers/{theirs_paper}/move", {"deck_id": "{notes}"}),
        ("post", "/papers/999999/move", {"deck_id": "{notes}"}),
        ("get", "/library/decks/99999999999999999999/rename", {}),
        ("post", "/library/decks/9223372036854775808/delete", {}),
        ("post", "/library/decks/2147483648/remove", {}),
        ("get", "/cards/99999999999999999999/delete", {}),
        ("post", "/papers/99999999999999999999/move", {"deck_id": "{week}"}),
    ],
)
def test_what_is_not_mine_answers_404_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    world: World,
    method: str,
    url: str,
    data: dict[str, str],
) -> None:
    before = snapshot(app)
    target = url.format(**world.__dict__)
    filled = {key: value.format(**world.__dict__) for key, value in data.items()}
    response = client.get(target) if method == "get" else post(auth, target, filled)
    assert response.status_code == 404
    assert html(response.data).select_one(".error-page h1").get_text() == "404"
    assert "SecretNet" not in response.get_data(as_text=True)
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "url",
    [
        "/library/decks/{theirs}/delete",
        "/library/decks/{daily}/delete",
        "/library/decks/999999/delete",
        "/cards/{theirs_card}/delete",
        "/cards/{billm_idea}/delete",
        "/cards/999999/delete",
    ],
)
def test_deleting_what_is_not_mine_is_told_like_what_is_gone(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World, url: str
) -> None:
    before = snapshot(app)
    response = post(auth, url.format(**world.__dict__), {"next": "https://evil.example/"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/library"
    assert snapshot(app) == before
    (message,) = flashes(client)
    assert message.endswith("nothing was deleted.")
    assert "SecretNet" not in message and "Secret" not in message


@pytest.mark.parametrize(
    "url",
    [
        "/library/decks/{notes}/rename",
        "/library/decks/{notes}/delete",
        "/library/decks/{daily}/remove",
        "/cards/{loom_idea}/delete",
        "/papers/{loom}/move",
    ],
)
def test_changes_need_a_csrf_token(app: Flask, client: FlaskClient, world: World, url: str) -> None:
    before = snapshot(app)
    response = client.post(url.format(**world.__dict__), data={"name": "x", "deck_id": "1"})
    assert response.status_code == 400
    assert snapshot(app) == before


def test_the_pages_offer_what_each_deck_allows(client: FlaskClient, world: World) -> None:
    mine = page(client, f"/library/decks/{world.notes}")
    assert [a["href"] for a in mine.select(".manage-actions a")] == [
        f"/library/decks/{world.notes}/rename",
        f"/library/decks/{world.notes}/delete",
    ]
    deletes = [a["href"] for a in mine.select(".lib-card-actions a.danger")]
    assert deletes == [
        f"/cards/{card}/delete?next=/library/decks/{world.notes}"
        for card in (world.loom_idea, world.loom_number, world.petal_idea)
    ]
    added = page(client, f"/library/decks/{world.daily}")
    assert [a["href"] for a in added.select(".manage-actions a")] == [
        f"/library/decks/{world.daily}/remove?next=/library/decks/{world.daily}"
    ]
    # Library cards are read-only: no delete, no edit, no move.
    assert added.select(".lib-card-actions a") == []
    assert page(client, f"/papers/{world.billm}").select(".manage-move") == []


# ---- Renaming ------------------------------------------------------------------------------


def test_renaming_my_deck(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    form = page(client, f"/library/decks/{world.notes}/rename").select_one("form.stack")
    assert form is not None
    assert form.select_one("input[name=name]")["value"] == "Notes"  # type: ignore[index]
    response = post(auth, f"/library/decks/{world.notes}/rename", {"name": "  Reading\n list "})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/library/decks/{world.notes}"
    soup = page(client, f"/library/decks/{world.notes}")
    assert texts(soup, "h1") == ["Reading list"]
    assert texts(soup, ".flash") == ["Renamed “Notes” to “Reading list”."]
    fresh(session)
    deck = session.get_one(Deck, world.notes)
    assert (deck.name, deck.slug) == ("Reading list", "reading-list")
    # Saving a summary under the new name adds to this deck; its cards and schedules stayed.
    report = importing.save_into_new_deck(
        fresh(session), user_id=world.reader, name="Reading list", papers=()
    )
    assert report.deck_id == world.notes
    assert count(session, ReviewState, ReviewState.user_id == world.reader) == 6


def test_renaming_twice_or_to_the_same_name_is_harmless(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    for _ in range(2):
        response = post(auth, f"/library/decks/{world.notes}/rename", {"name": "Later"})
        assert response.status_code == 303
    assert texts(page(client, f"/library/decks/{world.notes}"), ".flash") == [
        "Renamed “Notes” to “Later”."
    ]
    assert fresh(session).get_one(Deck, world.notes).name == "Later"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "This field is required."),
        (" \n\t ", "This field is required."),
        ("x" * 201, "Field cannot be longer than 200 characters."),
        ("Week 12", "You already have a deck called “Week-12”."),
        ("week-12!", "You already have a deck called “Week-12”."),
    ],
)
def test_a_name_that_cannot_be_is_refused_on_the_form(
    app: Flask, auth: AuthActions, world: World, name: str, message: str
) -> None:
    before = snapshot(app)
    response = post(auth, f"/library/decks/{world.notes}/rename", {"name": name})
    assert response.status_code == 422
    soup = html(response.data)
    assert texts(soup, "input[name=name][aria-invalid=true] ~ .error") == [message]
    assert snapshot(app) == before


def test_another_users_deck_of_the_same_name_is_no_obstacle(
    auth: AuthActions, world: World, session: Session
) -> None:
    assert post(auth, f"/library/decks/{world.notes}/rename", {"name": "Secret"}).status_code == 303
    assert post(auth, f"/library/decks/{world.week}/rename", {"name": "Daily"}).status_code == 303
    fresh(session)
    assert session.get_one(Deck, world.theirs).name == "Secret"
    assert session.get_one(Deck, world.daily).name == "Daily"


def test_the_rename_service_names_its_errors(session: Session, world: World) -> None:
    with pytest.raises(my_decks.DeckNameRequired):
        my_decks.rename_deck(session, world.reader, world.notes, "\x00 \x01")
    with pytest.raises(my_decks.DeckNameTaken) as taken:
        my_decks.rename_deck(session, world.reader, world.notes, "WEEK 12")
    assert taken.value.name == "Week-12"
    for deck in (world.daily, world.theirs, 999999):
        with pytest.raises(my_decks.DeckNotFound):
            my_decks.rename_deck(session, world.reader, deck, "Mine")


# ---- Deleting a deck -----------------------------------------------------------------------


def test_deleting_a_deck_says_what_goes_then_deletes_it_all(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    confirm = page(client, f"/library/decks/{world.notes}/delete")
    assert texts(confirm, "h1") == ["Delete “Notes”?"]
    assert texts(confirm, ".manage-goes li") == [
        "2 papers",
        "3 cards, with their schedules",
        "6 logged answers: your review history of these cards",
    ]
    assert "Your stats and your streak stop counting those answers." in confirm.get_text()
    form = confirm.select_one(f"form[action='/library/decks/{world.notes}/delete']")
    assert form is not None and form["method"] == "post"
    assert form.select_one("input[name=csrf_token]") is not None

    others = snapshot(app)
    response = post(auth, f"/library/decks/{world.notes}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == "/library"
    assert flashes(client) == ["Deleted “Notes” and its 3 cards."]
    cards = (world.loom_idea, world.loom_number, world.petal_idea)
    fresh(session)
    assert session.get(Deck, world.notes) is None
    assert count(session, Paper, Paper.deck_id == world.notes) == 0
    assert count(session, Card, Card.id.in_(cards)) == 0
    assert count(session, CardText, CardText.card_id.in_(cards)) == 0
    assert count(session, ReviewState, ReviewState.card_id.in_(cards)) == 0
    assert count(session, ReviewLog, ReviewLog.card_id.in_(cards)) == 0
    # Everything else is as it was.
    after = snapshot(app)
    for table, rows in others.items():
        if table not in {"decks", "papers", "cards", "card_texts", "review_states", "review_log"}:
            assert after[table] == rows, table
    assert count(session, ReviewLog) == 6 + 4 + 2 + 1 + 1 - 6
    assert session.get(Deck, world.week) is not None


def test_deleting_a_deck_twice_deletes_it_once(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    assert post(auth, f"/library/decks/{world.week}/delete").status_code == 303
    client.get("/settings")  # the first message, read
    after_first = snapshot(app)
    again = post(auth, f"/library/decks/{world.week}/delete")
    assert again.status_code == 303
    assert again.headers["Location"] == "/library"
    assert snapshot(app) == after_first
    assert flashes(client) == ["That deck is not among yours (any more): nothing was deleted."]
    assert page(client, f"/library/decks/{world.week}/delete", status=404)


def test_deleting_a_deck_takes_its_quiz_questions_and_says_so(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    quiz = Quiz(user_id=world.reader, title="Notes", lang="en", seed=1)
    quiz.questions.append(
        QuizQuestion(
            position=0, card_id=world.loom_idea, kind="idea_choice", prompt="?", answer="!"
        )
    )
    session.add(quiz)
    session.commit()
    confirm = page(client, f"/library/decks/{world.notes}/delete")
    assert texts(confirm, ".manage-goes li")[-1] == "1 question of your past quizzes"
    post(auth, f"/library/decks/{world.notes}/delete")
    assert count(session, QuizQuestion) == 0


# ---- Removing a library deck from my cards ------------------------------------------------


def test_removing_a_library_deck_drops_my_schedule_and_keeps_my_answers(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    confirm = page(client, f"/library/decks/{world.daily}/remove?next=/library")
    assert texts(confirm, "h1") == ["Remove “Daily” from your cards?"]
    assert texts(confirm, ".manage-goes li") == [
        "Your schedules for its 2 cards are deleted: added again, the deck starts them as new.",
        "Your 4 logged answers to its cards stay in your review history: your stats and your "
        "streak keep counting them.",
    ]
    form = confirm.select_one(f"form[action='/library/decks/{world.daily}/remove']")
    assert form is not None
    assert form.select_one("input[name=next]")["value"] == "/library"  # type: ignore[index]

    others_states = {
        (s.user_id, s.card_id, s.version, s.repetitions)
        for s in fresh(session).scalars(
            select(ReviewState).where(ReviewState.user_id == world.other)
        )
    }
    response = post(auth, f"/library/decks/{world.daily}/remove", {"next": "/library"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/library"
    assert flashes(client) == [
        "Removed “Daily” from your cards. Your answers to its cards stay in your history."
    ]
    library_cards = (world.billm_idea, world.billm_number)
    mine = (ReviewState.user_id == world.reader,)
    assert count(session, ReviewState, *mine, ReviewState.card_id.in_(library_cards)) == 0
    assert count(session, ReviewState, *mine) == 4  # my own decks' cards
    assert count(session, UserDeck, UserDeck.user_id == world.reader) == 0
    assert count(session, ReviewLog, ReviewLog.user_id == world.reader) == 10  # all kept
    # The other user still studies it, exactly as before.
    assert {
        (s.user_id, s.card_id, s.version, s.repetitions)
        for s in fresh(session).scalars(
            select(ReviewState).where(ReviewState.user_id == world.other)
        )
    } == others_states
    assert count(session, UserDeck, UserDeck.user_id == world.other) == 1
    soup = page(client, "/library")
    assert "Daily" in texts(soup, "section[aria-labelledby=available-heading] li h3")


def test_removing_twice_removes_once_and_adding_again_starts_afresh(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    post(auth, f"/library/decks/{world.daily}/remove")
    client.get("/settings")
    after_first = snapshot(app)
    again = post(auth, f"/library/decks/{world.daily}/remove")
    assert again.status_code == 303
    assert snapshot(app) == after_first
    assert flashes(client) == ["“Daily” is not in your cards."]
    soup = page(client, f"/library/decks/{world.daily}/remove")
    assert "“Daily” is not in your cards." in soup.get_text()
    assert soup.select("form[action$='/remove']") == []

    post(auth, f"/library/decks/{world.daily}/add")
    fresh(session)
    states = session.scalars(
        select(ReviewState).where(
            ReviewState.user_id == world.reader, ReviewState.card_id == world.billm_idea
        )
    ).one()
    assert (states.repetitions, states.due_on, states.suspended) == (0, None, False)
    assert count(session, ReviewLog, ReviewLog.user_id == world.reader) == 10


def test_the_remove_service_reports_what_i_had(session: Session, world: World) -> None:
    had = my_decks.enrollment(session, world.reader, world.daily)
    assert (had.name, had.added, had.cards, had.answers) == ("Daily", True, 2, 4)
    removed = my_decks.remove_from_my_cards(session, world.reader, world.daily)
    assert removed == had
    assert my_decks.remove_from_my_cards(session, world.reader, world.daily).added is False
    for deck in (world.notes, world.theirs, 999999):
        with pytest.raises(my_decks.DeckNotFound):
            my_decks.remove_from_my_cards(session, world.reader, deck)


# ---- Deleting a card -----------------------------------------------------------------------


def test_deleting_a_card_says_its_log_goes_with_it_then_deletes_it(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    back = f"/library/decks/{world.notes}"
    confirm = page(client, f"/cards/{world.loom_idea}/delete?next={back}")
    assert texts(confirm, "h1") == ["Delete this card?"]
    assert texts(confirm, ".manage-card .lib-card-front") == ["LoomKV"]
    assert texts(confirm, ".manage-goes li") == [
        "Its schedule is deleted with it.",
        "Its 3 logged answers are deleted too: the review log rows of a card are removed with "
        "the card, and your stats and your streak stop counting them.",
    ]
    assert "Importing the summary again brings the card back" in confirm.get_text()
    form = confirm.select_one(f"form[action='/cards/{world.loom_idea}/delete']")
    assert form is not None
    assert form.select_one("input[name=next]")["value"] == back  # type: ignore[index]

    response = post(auth, f"/cards/{world.loom_idea}/delete", {"next": back})
    assert response.status_code == 303
    assert response.headers["Location"] == back
    assert flashes(client) == ["Card deleted, with 3 logged answers."]
    fresh(session)
    assert session.get(Card, world.loom_idea) is None
    assert count(session, CardText, CardText.card_id == world.loom_idea) == 0
    assert count(session, ReviewState, ReviewState.card_id == world.loom_idea) == 0
    assert count(session, ReviewLog, ReviewLog.card_id == world.loom_idea) == 0
    # Its paper stays, with its other card, that card's schedule and its answers.
    assert [c.id for c in session.get_one(Paper, world.loom).cards] == [world.loom_number]
    assert count(session, ReviewLog, ReviewLog.card_id == world.loom_number) == 2
    assert texts(page(client, back), ".lib-counts span")[2] == "2 cards"


def test_deleting_a_card_twice_deletes_it_once(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    back = f"/papers/{world.loom}"
    post(auth, f"/cards/{world.loom_number}/delete", {"next": back})
    client.get("/settings")
    after_first = snapshot(app)
    again = post(auth, f"/cards/{world.loom_number}/delete", {"next": back})
    assert again.status_code == 303
    assert again.headers["Location"] == back
    assert snapshot(app) == after_first
    assert flashes(client) == ["That card is not among yours (any more): nothing was deleted."]


def test_the_confirmation_only_goes_back_within_the_site(client: FlaskClient, world: World) -> None:
    confirm = page(client, f"/cards/{world.loom_idea}/delete?next=//evil.example/")
    assert confirm.select_one("input[name=next]")["value"] == f"/papers/{world.loom}"  # type: ignore[index]


# ---- Moving a paper ------------------------------------------------------------------------


def _schedules(session: Session, cards: tuple[int, ...]) -> list[tuple[Any, ...]]:
    fresh(session)
    return [
        (s.id, s.card_id, s.repetitions, s.interval_days, s.ease, s.due_on, s.version)
        for s in session.scalars(
            select(ReviewState).where(ReviewState.card_id.in_(cards)).order_by(ReviewState.id)
        )
    ]


def test_moving_a_paper_keeps_its_cards_schedules_and_log(
    client: FlaskClient, auth: AuthActions, world: World, session: Session
) -> None:
    paper_page = page(client, f"/papers/{world.loom}")
    form = paper_page.select_one(f"form[action='/papers/{world.loom}/move']")
    assert form is not None
    # Only my other decks: not this one, not the library's, not another user's.
    assert [(o["value"], o.get_text()) for o in form.select("option")] == [
        (str(world.week), "Week-12")
    ]
    cards = (world.loom_idea, world.loom_number)
    guids = [fresh(session).get_one(Card, card).guid for card in cards]
    schedules = _schedules(session, cards)

    response = post(auth, f"/papers/{world.loom}/move", {"deck_id": str(world.week)})
    assert response.status_code == 303
    assert response.headers["Location"] == f"/papers/{world.loom}"
    assert flashes(client) == ["Moved “LoomKV” and its 2 cards to “Week-12”."]
    fresh(session)
    assert session.get_one(Paper, world.loom).deck_id == world.week
    assert [session.get_one(Card, card).guid for card in cards] == guids
    assert _schedules(session, cards) == schedules
    assert count(session, ReviewLog, ReviewLog.card_id.in_(cards)) == 5
    assert texts(page(client, f"/library/decks/{world.week}"), ".lib-counts span")[1:3] == [
        "2 papers",
        "3 cards",
    ]
    assert texts(page(client, f"/library/decks/{world.notes}"), ".lib-counts span")[1:3] == [
        "1 paper",
        "1 card",
    ]


def test_moving_twice_moves_once(
    app: Flask, client: FlaskClient, auth: AuthActions, world: World
) -> None:
    post(auth, f"/papers/{world.petal}/move", {"deck_id": str(world.week)})
    client.get("/settings")
    after_first = snapshot(app)
    again = post(auth, f"/papers/{world.petal}/move", {"deck_id": str(world.week)})
    assert again.status_code == 303
    assert snapshot(app) == after_first
    assert flashes(client) == ["“PetalNet” is in “Week-12” already."]


def test_a_deck_holds_each_paper_once(
    app: Flask, auth: AuthActions, world: World, session: Session
) -> None:
    copy = make_paper(session, fresh(session).get_one(Deck, world.week), arxiv_id="2503.11111")
    make_card(session, copy)
    session.commit()
    before = snapshot(app)
    response = post(auth, f"/papers/{world.petal}/move", {"deck_id": str(world.week)})
    assert response.status_code == 422
    soup = html(response.data)
    assert texts(soup, "select[name=deck_id][aria-invalid=true] ~ .error") == [
        "“Week-12” holds this paper already: a deck holds each paper once."
    ]
    # The page it answers with is the paper's, whose links lead back to it.
    assert soup.select_one("a[href^='/cards/'][href*='next=/papers/']") is not None
    assert snapshot(app) == before


@pytest.mark.parametrize(
    "target",
    ["{daily}", "{theirs}", "999999", "abc", "", "-1", "1e3", "99999999999999999999999", "٣"],
)
def test_moving_into_anything_but_my_deck_is_refused(
    app: Flask, auth: AuthActions, world: World, target: str
) -> None:
    before = snapshot(app)
    deck_id = target.format(**world.__dict__)
    response = post(auth, f"/papers/{world.loom}/move", {"deck_id": deck_id})
    assert response.status_code == 422
    assert texts(html(response.data), ".manage-move .error") == ["Choose one of your decks."]
    assert "SecretNet" not in response.get_data(as_text=True)
    assert snapshot(app) == before


def test_with_one_deck_there_is_nowhere_to_move(
    client: FlaskClient, auth: AuthActions, world: World
) -> None:
    post(auth, f"/library/decks/{world.week}/delete")
    section = page(client, f"/papers/{world.loom}").select_one(".manage-move")
    assert section is not None and section.select("form") == []
    assert "You have no other deck to move it to." in section.get_text()


def test_the_move_service_names_its_errors(session: Session, world: World) -> None:
    with pytest.raises(my_decks.PaperNotFound):
        my_decks.move_paper(session, world.reader, world.billm, world.week)
    with pytest.raises(my_decks.PaperNotFound):
        my_decks.move_paper(session, world.reader, world.theirs_paper, world.week)
    with pytest.raises(my_decks.DeckNotFound):
        my_decks.move_paper(session, world.reader, world.loom, world.theirs)
    moved = my_decks.move_paper(session, world.reader, world.loom, world.week)
    assert (moved.moved, moved.from_name, moved.to_name, moved.cards) == (
        True,
        "Notes",
        "Week-12",
        2,
    )
    assert my_decks.move_paper(session, world.reader, world.loom, world.week).moved is False
    assert my_decks.move_paper(session, world.reader, world.loom, world.notes).moved is True


# ---- Double clicks that arrive together ------------------------------------------------------


def _done(kind: str, session: Session, world: World) -> bool:
    fresh(session)
    logged = count(session, ReviewLog)
    if kind == "delete-deck":
        return session.get(Deck, world.notes) is None and logged == 14 - 6
    if kind == "remove":
        mine = count(session, UserDeck, UserDeck.user_id == world.reader)
        return mine == 0 and logged == 14
    if kind == "delete-card":
        return session.get(Card, world.loom_idea) is None and logged == 14 - 3
    if kind == "move":
        return session.get_one(Paper, world.loom).deck_id == world.week and logged == 14
    return session.get_one(Deck, world.notes).name == "Twice" and logged == 14


@pytest.mark.parametrize(
    ("kind", "url", "data"),
    [
        ("delete-deck", "/library/decks/{notes}/delete", {}),
        ("remove", "/library/decks/{daily}/remove", {}),
        ("delete-card", "/cards/{loom_idea}/delete", {}),
        ("move", "/papers/{loom}/move", {"deck_id": "{week}"}),
        ("rename", "/library/decks/{notes}/rename", {"name": "Twice"}),
    ],
)
def test_the_same_change_sent_three_times_at_once_is_made_once(
    app: Flask,
    client: FlaskClient,
    world: World,
    session: Session,
    kind: str,
    url: str,
    data: dict[str, str],
) -> None:
    clients, token = twins(app, client, 3)
    target = url.format(**world.__dict__)
    filled = {key: value.format(**world.__dict__) for key, value in data.items()}
    replies = together(
        [partial(send, c, target, data={**filled, "csrf_token": token}) for c in clients]
    )
    assert [reply.status for reply in replies] == [303, 303, 303]
    # One request made the change and said so; the others found it made.
    said = [message for c in clients for message in flashes(c)]
    made = [
        m for m in said if m.startswith(("Deleted", "Removed", "Card deleted", "Moved", "Renamed"))
    ]
    assert len(made) == 1, said
    assert _done(kind, session, world)
