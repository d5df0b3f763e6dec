"""Requests that arrive together: a double click, two tabs, the same import twice at once.

Each thread drives its own Flask test client, so each request has its own app context and so
its own database session (``studyapp.db.get_session`` keeps it in ``g``). Where one user acts
twice, the clients carry copies of the same signed-in session cookie. A barrier releases the
requests together; every thread must be done before a deadline.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any, TypeVar

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from werkzeug.test import encode_multipart

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import (
    Card,
    Deck,
    Paper,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    User,
    UserDeck,
    utcnow,
)
from studyapp.services import quiz
from studyapp.services.importing import DeckImport, ImportReport, import_decks
from studyapp.srs import sm2
from tests.conftest import AuthActions, csrf_token, html

DATA = Path(__file__).parent / "data"
DIGEST_KO = (DATA / "digest_ko.md").read_text(encoding="utf-8")
HX = {"HX-Request": "true"}
PLAIN: dict[str, str] = {}
DEADLINE_S = 60.0
_T = TypeVar("_T")


@dataclass(frozen=True)
class Reply:
    status: int
    location: str | None
    body: bytes


def together(calls: Sequence[Callable[[], _T]]) -> list[_T]:
    """Run each call in a thread of its own, all released at once by a barrier."""
    barrier = threading.Barrier(len(calls))
    results: dict[int, _T] = {}
    failures: list[BaseException] = []

    def run(index: int, call: Callable[[], _T]) -> None:
        try:
            barrier.wait(timeout=DEADLINE_S)
            results[index] = call()
        except BaseException as error:  # reported below, in the test's thread
            failures.append(error)

    threads = [threading.Thread(target=run, args=item, daemon=True) for item in enumerate(calls)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + DEADLINE_S
    for thread in threads:
        thread.join(timeout=max(0.0, deadline - time.monotonic()))
    assert not any(thread.is_alive() for thread in threads), "a thread did not finish in time"
    assert failures == []
    return [results[index] for index in range(len(calls))]


def send(client: FlaskClient, url: str, **kwargs: Any) -> Reply:
    """POST and keep what the test needs, read in the thread that made the request."""
    response = client.post(url, **kwargs)
    return Reply(response.status_code, response.headers.get("Location"), response.get_data())


def signed_in(app: Flask, email: str) -> FlaskClient:
    client = app.test_client()
    AuthActions(client).register(email=email)
    return client


def twins(app: Flask, client: FlaskClient, count: int) -> tuple[list[FlaskClient], str]:
    """``count`` more clients with ``client``'s session cookie, and a CSRF token for them all."""
    token = csrf_token(client)  # first: it may put the token's secret into the session
    name = app.config["SESSION_COOKIE_NAME"]
    cookie = client.get_cookie(name)
    assert cookie is not None
    copies = []
    for _ in range(count):
        copy = app.test_client()
        copy.set_cookie(name, cookie.value)
        copies.append(copy)
    return copies, token


def rows(app: Flask, statement: Any) -> list[Any]:
    """What a statement reads, in a session of its own."""
    with session_factory(app)() as session, session.begin():
        return [tuple(row) if len(row) > 1 else row[0] for row in session.execute(statement)]


def user_id(app: Flask, email: str) -> int:
    (found,) = rows(app, select(User.id).where(User.email == email))
    return int(found)


def digest_papers() -> Any:
    return extract_text(DIGEST_KO, source="digest").papers


def import_own(app: Flask, email: str, name: str = "Mine") -> int:
    """Give the user a deck of their own from the digest (3 papers, 5 cards); its id."""
    with session_factory(app)() as session:
        item = DeckImport(name=name, papers=digest_papers(), owner_id=user_id(app, email))
        return import_decks(session, [item])[0].deck_id


def flashes(client: FlaskClient) -> list[str]:
    return [p.get_text() for p in html(client.get("/").data).select(".flash")]


def assert_no_duplicates(app: Flask) -> None:
    """Every unique identity of the content and study tables holds once."""
    keys = {
        "decks": (Deck.owner_id, Deck.slug),
        "papers": (Paper.deck_id, Paper.identity),
        "cards": (Card.paper_id, Card.kind),
        "review_states": (ReviewState.user_id, ReviewState.card_id),
    }
    with session_factory(app)() as session, session.begin():
        for table, columns in keys.items():
            twice = session.execute(
                select(*columns).group_by(*columns).having(func.count() > 1)
            ).all()
            assert twice == [], table


# ---- Review answers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    state_id: int
    version: int
    card_id: int

    @property
    def url(self) -> str:
        return f"/review/{self.state_id}/answer"


def state_on(body: bytes) -> int | None:
    """The review state whose grade form a page or fragment shows."""
    form = html(body).select_one("form.grades")
    return None if form is None else int(str(form["action"]).split("/")[2])


def showing(app: Flask, client: FlaskClient) -> Shown:
    page = html(client.get("/review").data)
    form = page.select_one("form.grades")
    assert form is not None
    version = form.select_one("input[name=version]")
    assert version is not None
    state_id = int(str(form["action"]).split("/")[2])
    (card_id,) = rows(app, select(ReviewState.card_id).where(ReviewState.id == state_id))
    return Shown(state_id, int(str(version["value"])), card_id)


def logged_grades(app: Flask, card_id: int) -> list[int]:
    return rows(app, select(ReviewLog.grade).where(ReviewLog.card_id == card_id))


def check_state_follows_its_log(app: Flask, shown: Shown, grades: set[int]) -> None:
    """The state moved one version, to what SM-2 gives a new card for its one logged grade."""
    with session_factory(app)() as session, session.begin():
        log = session.scalars(select(ReviewLog).where(ReviewLog.card_id == shown.card_id)).one()
        state = session.get_one(ReviewState, shown.state_id)
    assert log.grade in grades
    assert state.version == shown.version + 1
    graded = sm2.review(sm2.SM2State(0, sm2.INITIAL_EASE, 0), log.grade)
    assert (state.repetitions, state.ease, state.interval_days) == (
        graded.repetitions,
        graded.ease,
        graded.interval_days,
    )
    assert (state.due_on, state.last_reviewed_at) == (log.due_after, log.reviewed_at)
    assert (state.redrill_on == log.reviewed_on) is (log.grade < sm2.REDRILL_BELOW)


@pytest.mark.parametrize("headers", [HX, PLAIN], ids=["htmx", "form"])
def test_twenty_identical_answers_at_once_apply_once(app: Flask, headers: dict[str, str]) -> None:
    client = signed_in(app, "reader@example.com")
    import_own(app, "reader@example.com")
    shown = showing(app, client)
    clients, token = twins(app, client, 20)
    data = {"grade": "5", "version": str(shown.version), "csrf_token": token}
    replies = together([partial(send, c, shown.url, data=data, headers=headers) for c in clients])
    assert logged_grades(app, shown.card_id) == [5]
    check_state_follows_its_log(app, shown, {5})
    next_state = state_on(client.get("/review").data)
    assert next_state not in (None, shown.state_id)
    if headers:
        # The applied answer and the 19 stale ones alike get the next card to swap in.
        assert [(r.status, state_on(r.body)) for r in replies] == [(200, next_state)] * 20
    else:
        assert [(r.status, r.location) for r in replies] == [(303, "/review")] * 20


def test_two_tabs_grading_one_card_differently_at_once(app: Flask) -> None:
    client = signed_in(app, "reader@example.com")
    import_own(app, "reader@example.com")
    shown = showing(app, client)
    (tab_a, tab_b), token = twins(app, client, 2)
    data = {"version": str(shown.version), "csrf_token": token}
    grades = ((tab_a, "5"), (tab_b, "2"))
    replies = together(
        [partial(send, tab, shown.url, data={**data, "grade": g}, headers=HX) for tab, g in grades]
    )
    assert len(logged_grades(app, shown.card_id)) == 1
    check_state_follows_its_log(app, shown, {5, 2})
    # Both tabs move on to the same next card: never card X again, never an error.
    next_state = state_on(client.get("/review").data)
    assert next_state not in (None, shown.state_id)
    assert [(r.status, state_on(r.body)) for r in replies] == [(200, next_state)] * 2


@pytest.mark.parametrize("headers", [HX, PLAIN], ids=["htmx", "form"])
def test_a_stale_tab_answering_later_gets_the_next_card(
    app: Flask, headers: dict[str, str]
) -> None:
    client = signed_in(app, "reader@example.com")
    import_own(app, "reader@example.com")
    shown = showing(app, client)
    (tab_a, tab_b), token = twins(app, client, 2)
    first = {"grade": "5", "version": str(shown.version), "csrf_token": token}
    assert send(tab_a, shown.url, data=first, headers=HX).status == 200
    stale = send(tab_b, shown.url, data={**first, "grade": "1"}, headers=headers)
    assert logged_grades(app, shown.card_id) == [5]
    check_state_follows_its_log(app, shown, {5})
    next_state = state_on(tab_b.get("/review").data)
    assert next_state not in (None, shown.state_id)
    if headers:
        assert (stale.status, state_on(stale.body)) == (200, next_state)
    else:
        assert (stale.status, stale.location) == (303, "/review")


def undo_button(client: FlaskClient) -> dict[str, str]:
    """The review page's undo form: the answer it names (and the deck, the CSRF token...)."""
    form = html(client.get("/review").data).select_one("form[data-action=undo]")
    assert form is not None
    return {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}


@pytest.mark.parametrize("headers", [HX, PLAIN], ids=["htmx", "form"])
def test_five_identical_undos_at_once_undo_one_answer(app: Flask, headers: dict[str, str]) -> None:
    client = signed_in(app, "reader@example.com")
    import_own(app, "reader@example.com")
    answered = []
    for _ in range(3):
        shown = showing(app, client)
        data = {"grade": "5", "version": str(shown.version), "csrf_token": csrf_token(client)}
        assert send(client, shown.url, data=data, headers=HX).status == 200
        answered.append(shown)
    button = undo_button(client)
    log = rows(app, select(ReviewLog.id, ReviewLog.card_id).order_by(ReviewLog.id))
    assert button["answer"] == str(log[-1][0])
    clients, token = twins(app, client, 5)
    data = {**button, "csrf_token": token}
    replies = together(
        [partial(send, c, "/review/undo", data=data, headers=headers) for c in clients]
    )
    # Exactly the last answer is taken back; the two before it stay, with their states.
    assert rows(app, select(ReviewLog.id, ReviewLog.card_id).order_by(ReviewLog.id)) == log[:2]
    for shown in answered[:2]:
        check_state_follows_its_log(app, shown, {5})
    last = answered[-1]
    (state,) = rows(
        app,
        select(ReviewState.repetitions, ReviewState.due_on).where(ReviewState.id == last.state_id),
    )
    assert state == (0, None)
    if headers:
        # One press undid it and shows its card; the four others say so and show a card.
        notices = [html(r.body).select_one(".review-notice") for r in replies]
        assert [r.status for r in replies] == [200] * 5
        assert sum(notice is None for notice in notices) == 1
        assert all(state_on(r.body) is not None for r in replies)
    else:
        assert sorted(str(r.location) for r in replies) == ["/review"] * 4 + [
            f"/review?card={last.state_id}"
        ]
    # The page's undo button now names the answer before.
    assert undo_button(client)["answer"] == str(log[1][0])


# ---- Imports ------------------------------------------------------------------------------

SAVED = "Saved 3 papers with 5 cards into “Week 12”."
NOTHING_NEW = "Nothing new: “Week 12” already holds these 3 papers and their 5 cards, unchanged."


def import_form(client: FlaskClient, token: str) -> Reply:
    fields = {"csrf_token": token, "text": DIGEST_KO, "target": "new", "deck_name": "Week 12"}
    boundary, body = encode_multipart(fields)
    return send(
        client, "/import", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


def decks_named(app: Flask, name: str) -> list[tuple[int, int | None]]:
    return sorted(rows(app, select(Deck.id, Deck.owner_id).where(Deck.name == name)))


def deck_size(app: Flask, deck_id: int) -> tuple[int, int]:
    """How many papers and cards the deck holds."""
    papers = select(Paper.id).where(Paper.deck_id == deck_id)
    cards = select(func.count()).where(Card.paper_id.in_(papers))
    return len(rows(app, papers)), int(rows(app, cards)[0])


def states_of(app: Flask, user: int) -> int:
    return int(rows(app, select(func.count()).where(ReviewState.user_id == user))[0])


def test_the_same_import_twice_at_once_makes_one_deck(app: Flask) -> None:
    client = signed_in(app, "reader@example.com")
    clients, token = twins(app, client, 2)
    replies = together([partial(import_form, c, token) for c in clients])
    ((deck_id, owner),) = decks_named(app, "Week 12")
    assert owner == user_id(app, "reader@example.com")
    assert [(r.status, r.location) for r in replies] == [(303, f"/library/decks/{deck_id}")] * 2
    assert deck_size(app, deck_id) == (3, 5)
    assert states_of(app, owner) == 5
    assert_no_duplicates(app)
    # One request stored the deck; the other (serialised behind it, or retried after losing
    # the race on the deck's unique slug) found it complete.
    assert sorted(flash for c in clients for flash in flashes(c)) == [NOTHING_NEW, SAVED]


def test_two_users_importing_the_same_file_at_once_each_get_a_deck(app: Flask) -> None:
    first = signed_in(app, "first@example.com")
    second = signed_in(app, "second@example.com")
    tokens = {first: csrf_token(first), second: csrf_token(second)}
    replies = together([partial(import_form, c, tokens[c]) for c in (first, second)])
    decks = decks_named(app, "Week 12")
    owners = [user_id(app, "first@example.com"), user_id(app, "second@example.com")]
    by_owner = {owner: deck for deck, owner in decks}
    assert len(decks) == 2 and set(by_owner) == set(owners)
    for reply, owner in zip(replies, owners, strict=True):
        assert (reply.status, reply.location) == (303, f"/library/decks/{by_owner[owner]}")
        assert deck_size(app, by_owner[owner]) == (3, 5)
        assert states_of(app, owner) == 5
    assert_no_duplicates(app)
    assert [flashes(c) for c in (first, second)] == [[SAVED], [SAVED]]


def test_two_loads_of_one_library_deck_at_once(app: Flask) -> None:
    papers = digest_papers()

    def load() -> ImportReport:
        with session_factory(app)() as session:
            return import_decks(session, [DeckImport(name="Daily", papers=papers)])[0]

    reports = together([load, load])
    ((deck_id, owner),) = decks_named(app, "Daily")
    assert owner is None
    assert {report.deck_id for report in reports} == {deck_id}
    assert sorted(report.cards_new for report in reports) == [0, 5]
    assert deck_size(app, deck_id) == (3, 5)
    assert_no_duplicates(app)


# ---- Library and quiz -----------------------------------------------------------------------


def test_a_double_clicked_add_adds_the_library_deck_once(app: Flask) -> None:
    with session_factory(app)() as session:
        deck = import_decks(session, [DeckImport(name="Daily", papers=digest_papers())])[0]
    client = signed_in(app, "reader@example.com")
    clients, token = twins(app, client, 2)
    url = f"/library/decks/{deck.deck_id}/add"
    replies = together([partial(send, c, url, data={"csrf_token": token}) for c in clients])
    assert [(r.status, r.location) for r in replies] == [(303, "/library")] * 2
    reader = user_id(app, "reader@example.com")
    assert rows(app, select(UserDeck.deck_id).where(UserDeck.user_id == reader)) == [deck.deck_id]
    assert states_of(app, reader) == 5
    assert_no_duplicates(app)
    assert sorted(flash for c in clients for flash in flashes(c)) == [
        "Added “Daily” to your cards: 5 cards to learn.",
        "“Daily” is already in your cards.",
    ]


@pytest.mark.parametrize("headers", [HX, PLAIN], ids=["htmx", "form"])
def test_a_double_submitted_quiz_answer_is_kept_once(app: Flask, headers: dict[str, str]) -> None:
    client = signed_in(app, "reader@example.com")
    deck_id = import_own(app, "reader@example.com")
    reader = user_id(app, "reader@example.com")
    with session_factory(app)() as session:
        quiz_id = quiz.start(session, reader, lang="en", now=utcnow(), deck_id=deck_id, seed=7)
    asked = rows(app, select(QuizQuestion).where(QuizQuestion.quiz_id == quiz_id))
    question = next(q for q in asked if q.options)
    # Two clicks on two options, the right one and a wrong one.
    wrong = next(i for i in range(len(question.options)) if i != question.correct_index)
    clients, token = twins(app, client, 2)
    url = f"/quiz/{quiz_id}/answer"
    data = {"csrf_token": token, "position": str(question.position)}
    choices = zip(clients, (str(question.correct_index), str(wrong)), strict=True)
    replies = together(
        [partial(send, c, url, data={**data, "choice": ch}, headers=headers) for c, ch in choices]
    )
    answered = select(QuizQuestion).where(
        QuizQuestion.quiz_id == quiz_id, QuizQuestion.answered_at.is_not(None)
    )
    (stored,) = rows(app, answered)
    assert stored.id == question.id
    assert stored.correct is (stored.given == question.answer)
    if headers:
        # Both show the one answer that was kept, with its verdict; a second answer applied
        # over the first would show each request its own.
        verdict = "right" if stored.correct else "wrong"
        for reply in replies:
            feedback = html(reply.body).select_one(".quiz-feedback")
            assert reply.status == 200 and feedback is not None
            assert verdict in feedback["class"]
    else:
        where = f"/quiz/{quiz_id}?q={question.position}"
        assert [(r.status, r.location) for r in replies] == [(303, where)] * 2
