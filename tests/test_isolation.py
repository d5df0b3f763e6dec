"""One user's data is theirs alone: every private route, tried by a stranger and by nobody.

User A builds up real data through the pages (an imported deck, answers, a suspended and an
edited card, an added library deck, changed settings, a finished and an unfinished quiz). User
B then calls every private route with A's ids. B's reads must answer 404 or show only B's own
data: the pages without an id must be exactly what B saw before A existed. B's writes and every
request from a visitor who is signed out must leave the whole database as it was, row by row.
The table must name every private route of the app (``tests.test_routes.PRIVATE``).
"""

from __future__ import annotations

import re
import sqlite3
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import (
    Base,
    Card,
    CardText,
    Deck,
    Follow,
    Job,
    LoginSession,
    Paper,
    Quiz,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    User,
    UserDeck,
)
from studyapp.services import anki_uploads
from studyapp.services.importing import DeckImport, import_decks
from studyapp.srs.schedule import SchedulerName
from tests.conftest import AuthActions, csrf_token, html
from tests.test_routes import PRIVATE

DATA = Path(__file__).parent / "data"
A_EMAIL, B_EMAIL = "alpha@example.com", "bravo@example.com"
A_PASSWORD, B_PASSWORD = "alpha's own secret", "correct horse"
A_DECK = "Alpha private deck"
A_EDIT = "Alpha reworded this card"
# Strings only A's data holds: none may reach B.
A_MARKERS = (A_EMAIL, A_DECK, A_EDIT, "PetalNet", "RiverDiff", "Teaching Small Models")
SETTINGS = {
    "locale": "",
    "timezone": "UTC",
    "new_cards_per_day": "20",
    "reviews_per_day": "200",
    "bury_siblings": "y",
}
SCHEDULING = {"scheduler": "sm2", "desired_retention": "0.90", "maximum_interval": "36500"}


@dataclass(frozen=True)
class Call:
    """One request of the table, as B makes it; ``url`` and ``data`` name ids as ``{a_deck}``.

    ``before``: B got exactly this page before A existed. ``like``: B gets exactly what this
    other URL (an id nobody has) gives.
    """

    method: str
    url: str
    status: int
    data: dict[str, str] = field(default_factory=dict)
    htmx: bool = False
    before: bool = False
    like: str | None = None


NOBODY = "/review?card=999999&reveal=1"
CALLS = (
    # Pages without an id show B's own data, as before A came.
    Call("GET", "/", 200, before=True),
    Call("GET", "/review", 200, before=True),
    Call("GET", "/review", 200, htmx=True, before=True),
    Call("GET", "/library", 200, before=True),
    Call("GET", "/library?q=attention", 200, before=True),
    Call("GET", "/library/decks/{lib_deck}", 200, before=True),
    Call("GET", "/papers/{lib_paper}", 200, before=True),
    Call("GET", "/import", 200, before=True),
    Call("GET", "/import/preview", 302),
    Call("GET", "/settings", 200, before=True),
    Call("GET", "/settings/scheduling/fit", 200, before=True),
    Call("GET", "/settings/scheduling", 200, before=True),
    Call("GET", "/export", 200, before=True),
    Call("GET", "/anki/import", 200, before=True),
    Call("GET", "/quiz", 200, before=True),
    Call("GET", "/stats", 200, before=True),
    Call("GET", "/stats?days=365", 200, before=True),
    Call("GET", "/account", 200, before=True),
    Call("GET", "/account/delete", 200, before=True),
    Call("GET", "/follows", 200, before=True),
    # B's own data: nothing of A's (checked against A_MARKERS).
    Call("GET", "/account/data", 200),
    # A's ids read as nothing at all.
    Call("GET", "/review?card={a_state}&reveal=1", 200, like=NOBODY),
    Call("GET", "/review?card={a_lib_state}&reveal=1", 200, like=NOBODY),
    Call("GET", "/library/decks/{a_deck}", 404),
    Call("GET", "/review?deck={a_deck}", 404),
    Call("GET", "/papers/{a_paper}", 404),
    Call("GET", "/cards/{a_card}/edit", 404),
    Call("GET", "/export/download?deck={a_deck}&card_lang=en", 404),
    Call("GET", "/export/download?deck={b_deck}&deck={a_deck}&card_lang=ko", 404),
    Call("GET", "/export/download?topic=audio&card_lang=en", 404),
    Call("GET", "/quiz/{a_quiz_done}", 404),
    Call("GET", "/quiz/{a_quiz_done}?q=0", 404),
    Call("GET", "/quiz/{a_quiz_open}", 404),
    Call("GET", "/quiz/{a_quiz_done}/results", 404),
    Call("GET", "/quiz/{a_quiz_open}/results", 404),
    Call("GET", "/library/decks/{a_deck}/rename", 404),
    Call("GET", "/library/decks/{a_deck}/delete", 404),
    Call("GET", "/library/decks/{a_deck}/remove", 404),
    Call("GET", "/library/decks/{lib_deck}/remove", 200, before=True),  # not in B's cards
    Call("GET", "/cards/{a_card}/delete", 404),
    Call("GET", "/follows/{a_follow}/delete", 404),
    Call("GET", "/follows/{a_follow}/backfill", 404),
    Call("GET", "/follows/{a_follow}/backfill/{a_job}", 404),
    Call("GET", "/import/jobs/{a_job}", 404),  # A's job, whatever its kind
    Call("POST", "/settings/scheduling/fit/{a_job}/apply", 404),
    Call("POST", "/settings/scheduling/fit", 303),  # B's own fit, never A's log
    Call("POST", "/settings/scheduling/fit/reset", 303),  # B's own parameters
    # Writes with A's ids change nothing.
    Call("POST", "/review/{a_state}/answer", 404, {"grade": "5", "version": "{a_version}"}),
    Call("POST", "/review/{a_state}/answer", 404, {"grade": "0", "version": "{a_version}"}, True),
    Call("POST", "/review/{a_lib_state}/answer", 404, {"grade": "1", "version": "1"}),
    Call("POST", "/review/cards/{a_card}/suspend", 404),
    Call("POST", "/review/cards/{a_lib_card}/suspend", 404, htmx=True),
    # Naming A's last answer: it is not B's (B has answered nothing), so it stays.
    Call("POST", "/review/undo", 303, {"answer": "{a_answer}"}),
    Call("POST", "/review/undo", 200, {"answer": "{a_answer}"}, True),
    Call("POST", "/library/decks/{a_deck}/add", 404),
    Call("POST", "/cards/{a_card}/suspend", 404, {"suspended": "1"}),
    Call("POST", "/cards/{a_suspended}/suspend", 404, {"suspended": "0"}, True),
    Call("POST", "/cards/{a_lib_card}/suspend", 404, {"suspended": "0"}),
    Call("POST", "/cards/{a_card}/edit", 404, {"text_lang": "ko", "front": "B", "back": "B"}),
    Call("POST", "/library/decks/{a_deck}/rename", 404, {"name": "Bravo's now"}),
    # Deleting what is not B's answers like deleting what is gone already: nothing to delete.
    Call("POST", "/library/decks/{a_deck}/delete", 303),
    Call("POST", "/library/decks/{a_deck}/remove", 404),
    Call("POST", "/library/decks/{lib_deck}/remove", 303),  # A's enrollment stays A's
    Call("POST", "/cards/{a_card}/delete", 303),
    Call("POST", "/cards/{a_lib_card}/delete", 303),
    Call("POST", "/papers/{a_paper}/move", 404, {"deck_id": "{b_deck}"}),
    Call("POST", "/papers/{b_paper}/move", 422, {"deck_id": "{a_deck}"}),
    Call("POST", "/import", 422, {"text": "{doc}", "target": "existing", "deck_id": "{a_deck}"}),
    Call(
        "POST",
        "/import/preview",
        422,
        {"text": "{doc}", "target": "existing", "deck_id": "{a_deck}"},
    ),
    # B's own settings, unchanged, with A's id slipped in: A's settings must stay A's.
    Call("POST", "/settings", 303, {**SETTINGS, "grade_buttons": "six", "user_id": "{a_user}"}),
    # B's own scheduling, unchanged, with A's id: A's cards stay with A's scheduler.
    Call("POST", "/settings/scheduling", 303, {**SCHEDULING, "user_id": "{a_user}"}),
    Call("POST", "/quiz", 404, {"deck": "{a_deck}", "size": "5"}),
    Call("POST", "/quiz", 404, {"topic": "audio"}),
    Call("POST", "/quiz", 422, {"topic": "attention"}),  # B's 2 cards on it, never A's too
    Call("POST", "/quiz/{a_quiz_open}/answer", 404, {"position": "{a_open}", "choice": "0"}),
    Call("POST", "/quiz/{a_quiz_done}/answer", 404, {"position": "0", "choice": "1"}),
    Call("POST", "/quiz/{a_quiz_done}/missed", 404),
    Call("POST", "/follows/{a_follow}/run", 404),
    Call("POST", "/import/jobs/{a_job}/save", 404),
    Call("POST", "/anki/import/{a_upload}", 303),  # "no longer waiting": B has none
    Call("POST", "/anki/import", 422),  # no file: B's own page, with the problem
    Call("POST", "/follows/{a_follow}/pause", 404, {"paused": "1"}),
    Call(
        "POST", "/follows/{a_follow}/backfill", 404, {"first": "2025-03-13", "last": "2025-03-13"}
    ),
    Call("POST", "/follows/{a_follow}/delete", 303),  # as if gone already: nothing deleted
    Call(
        "POST",
        "/follows",
        422,
        {"deck_id": "{a_deck}", "run_at": "09:00", "source": "daily_papers_ko"},
    ),
    Call("POST", "/quiz/{a_quiz_open}/missed", 404),
    # Account changes confirmed with A's password (or naming A's id) change nothing of A's.
    Call(
        "POST",
        "/account/password",
        422,
        {
            "current_password": A_PASSWORD,
            "new_password": "taken over",
            "new_password_again": "taken over",
            "user_id": "{a_user}",
        },
    ),
    # (A's address as B typed it, in capitals: the form shows back what B typed.)
    Call(
        "POST",
        "/account/email",
        422,
        {"new_email": A_EMAIL.upper(), "email_password": B_PASSWORD},
    ),
    Call("POST", "/account/email", 422, {"new_email": "b@example.com", "email_password": "x"}),
    Call("POST", "/account/delete", 422, {"delete_password": A_PASSWORD, "user_id": "{a_user}"}),
    # Last: B logs out of all of B's devices (naming A's id too), which ends B's sessions only.
    Call("POST", "/account/sessions/end", 303, {"user_id": "{a_user}"}),
)


def fill(template: str, ids: dict[str, Any]) -> str:
    return template.format_map(ids)


def request(client: FlaskClient, call: Call, ids: dict[str, Any], token: str = "") -> Any:
    headers = {"HX-Request": "true"} if call.htmx else {}
    if call.method == "GET":
        return client.get(fill(call.url, ids), headers=headers)
    data = {name: fill(value, ids) for name, value in call.data.items()}
    return client.post(fill(call.url, ids), data={**data, "csrf_token": token}, headers=headers)


_TOKEN = re.compile(r"[\w-]{20,}\.[\w-]{4,}\.[\w-]{20,}")
_SHOWN_AT = re.compile(r"shown_at(=|\" value=\")\d+")


def page(response: Any) -> str:
    """The body, without what differs between two requests of one page: the CSRF token's time
    and signature, and when a card was shown."""
    return _SHOWN_AT.sub("shown_at", _TOKEN.sub("TOKEN", response.get_data(as_text=True)))


def snapshot(app: Flask, *, besides: int | None = None) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, by primary key; without the login sessions and the jobs of the
    user ``besides`` (whose logging out, and fits of their own log, are theirs to do)."""
    with session_factory(app)() as session, session.begin():
        connection = session.connection()
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(table.select().order_by(*table.primary_key))
                if table not in (LoginSession.__table__, Job.__table__) or row.user_id != besides
            ]
            for table in Base.metadata.sorted_tables
        }


def one(app: Flask, statement: Any) -> Any:
    with session_factory(app)() as session, session.begin():
        return session.scalars(statement).first()


def papers_of(name: str) -> Any:
    return extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers


@dataclass
class World:
    a: FlaskClient
    b: FlaskClient
    ids: dict[str, Any]
    #: B's pages before A existed, by URL template and whether htmx asked.
    before: dict[tuple[str, bool], str]


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def a_builds_up_data(app: Flask, a: FlaskClient, ids: dict[str, Any]) -> None:
    AuthActions(a).register(email=A_EMAIL, password=A_PASSWORD)
    ids["a_user"] = one(app, select(User.id).where(User.email == A_EMAIL))
    digest = (DATA / "digest_ko.md").read_text(encoding="utf-8")
    made = post(a, "/import", {"text": digest, "target": "new", "deck_name": A_DECK})
    assert made.status_code == 303
    ids["a_deck"] = one(app, select(Deck.id).where(Deck.owner_id == ids["a_user"]))
    ids["a_paper"] = one(app, select(Paper.id).where(Paper.deck_id == ids["a_deck"]))
    assert post(a, f"/library/decks/{ids['lib_deck']}/add", {}).status_code == 303
    for grade in ("5", "2", "4"):
        form = html(a.get("/review").data).select_one("form.grades")
        assert form is not None
        fields = {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}
        assert a.post(str(form["action"]), data={**fields, "grade": grade}).status_code == 303
    cards = select(Card.id).join(Paper).order_by(Card.id)
    ids["a_card"] = one(app, cards.where(Paper.deck_id == ids["a_deck"]))
    ids["a_suspended"] = one(app, cards.where(Paper.deck_id == ids["a_deck"]).offset(1))
    ids["a_lib_card"] = one(app, cards.where(Paper.deck_id == ids["lib_deck"]))
    for card in (ids["a_suspended"], ids["a_lib_card"]):
        assert post(a, f"/cards/{card}/suspend", {"suspended": "1"}).status_code == 303
    edit = {"text_lang": "ko", "front": "Alpha front", "back": A_EDIT}
    assert post(a, f"/cards/{ids['a_card']}/edit", edit).status_code == 303
    changed = {"timezone": "Asia/Seoul", "new_cards_per_day": "7", "reviews_per_day": "123"}
    settings = {**SETTINGS, **changed, "grade_buttons": "four", "locale": "en"}
    assert post(a, "/settings", settings).status_code == 303
    # A's cards move to FSRS: B's scheduling, saved later, must not move them back.
    fsrs = {"scheduler": "fsrs", "desired_retention": "0.85", "maximum_interval": "3650"}
    assert post(a, "/settings/scheduling", fsrs).status_code == 303
    states = select(ReviewState).where(ReviewState.user_id == ids["a_user"])
    state = one(app, states.where(ReviewState.card_id == ids["a_card"]))
    ids["a_state"], ids["a_version"] = state.id, state.version
    ids["a_lib_state"] = one(app, states.where(ReviewState.card_id == ids["a_lib_card"])).id
    ids["a_answer"] = one(
        app, select(func.max(ReviewLog.id)).where(ReviewLog.user_id == ids["a_user"])
    )
    # A finished quiz, its missed cards made due, and a quiz with one answer of four.
    for key in ("a_quiz_done", "a_quiz_open"):
        started = post(a, "/quiz", {"deck": str(ids["a_deck"]), "size": "5"})
        ids[key] = int(started.headers["Location"].split("/")[2])
        for position in range(4 if key == "a_quiz_done" else 1):
            reply = {"position": str(position), "choice": "0"}
            assert post(a, f"/quiz/{ids[key]}/answer", reply).status_code == 303
    ids["a_open"] = 3
    assert post(a, f"/quiz/{ids['a_quiz_done']}/missed", {}).status_code == 303
    # A follows a series into A's deck, with a backfill queued (no worker runs it here).
    follow = {"source": "daily_papers_ko", "deck_id": str(ids["a_deck"]), "run_at": "07:00"}
    assert post(a, "/follows", {**follow, "min_votes": "3"}).status_code == 303
    ids["a_follow"] = one(app, select(Follow.id).where(Follow.owner_id == ids["a_user"]))
    dates = {"first": "2025-03-13", "last": "2025-03-14"}
    queued = post(a, f"/follows/{ids['a_follow']}/backfill", dates)
    ids["a_job"] = int(queued.headers["Location"].rsplit("/", 1)[1])
    # An Anki package of A's waiting for A's go-ahead.
    with session_factory(app)() as session:
        ids["a_upload"] = anki_uploads.keep(session, ids["a_user"], "a.apkg", b"A's package")
    assert a_has_everything(app, ids["a_user"]) == {
        "decks": 1,
        "user_decks": 1,
        "review_states": 2,  # suspended
        "review_log": 3,
        "card_texts": 1,  # edited
        "users": 1,  # with changed settings
        "quizzes": 2,
        "quiz_questions": 5,  # answered
        "follows": 1,  # with its filter
    }


def a_has_everything(app: Flask, a_user: int) -> dict[str, int]:
    """How many rows A has in each table that holds a user's data."""
    where = {
        Deck: Deck.owner_id == a_user,
        UserDeck: UserDeck.user_id == a_user,
        ReviewState: (ReviewState.user_id == a_user)
        & ReviewState.suspended
        & (ReviewState.scheduler == SchedulerName.FSRS),
        ReviewLog: ReviewLog.user_id == a_user,
        CardText: CardText.back == A_EDIT,
        User: (User.id == a_user)
        & (User.reviews_per_day == 123)
        & (User.scheduler == SchedulerName.FSRS)
        & (User.maximum_interval == 3650),
        Quiz: Quiz.user_id == a_user,
        QuizQuestion: QuizQuestion.answered_at.is_not(None),
        Follow: (Follow.owner_id == a_user) & (Follow.min_votes == 3) & ~Follow.paused,
    }
    with session_factory(app)() as session, session.begin():
        return {
            model.__tablename__: session.scalar(select(func.count()).select_from(model).where(cond))
            or 0
            for model, cond in where.items()
        }


@pytest.fixture
def world(app: Flask) -> World:
    with session_factory(app)() as session:
        library = import_decks(
            session, [DeckImport(name="Shared", papers=papers_of("notes_en.md"))]
        )
    b = app.test_client()
    AuthActions(b).register(email=B_EMAIL)
    b_user = one(app, select(User.id).where(User.email == B_EMAIL))
    with session_factory(app)() as session:
        mine = DeckImport(name="Bravo deck", papers=papers_of("blog_ko.txt"), owner_id=b_user)
        (b_deck,) = import_decks(session, [mine])
    lib_paper = one(app, select(Paper.id).where(Paper.deck_id == library[0].deck_id))
    b_paper = one(app, select(Paper.id).where(Paper.deck_id == b_deck.deck_id))
    ids: dict[str, Any] = {"lib_deck": library[0].deck_id, "lib_paper": lib_paper}
    ids["b_paper"], ids["b_user"] = b_paper, b_user
    ids |= {"b_deck": b_deck.deck_id, "doc": (DATA / "insight_en.txt").read_text("utf-8")}
    b.get("/")  # the welcome message, read once
    before = {(c.url, c.htmx): page(request(b, c, ids)) for c in CALLS if c.before}
    a = app.test_client()
    a_builds_up_data(app, a, ids)
    return World(a, b, ids, before)


# ---- The table covers the app ------------------------------------------------------------


def test_every_private_route_is_in_the_table(app: Flask) -> None:
    adapter = app.url_map.bind("localhost")
    anything: defaultdict[str, str] = defaultdict(lambda: "1")
    tried = {
        (adapter.match(fill(call.url, anything).split("?")[0], method=call.method)[0], call.method)
        for call in CALLS
    }
    routes = {
        (rule.endpoint, method)
        for rule in app.url_map.iter_rules()
        if rule.endpoint in PRIVATE
        for method in (rule.methods or set()) & {"GET", "POST"}
    }
    assert routes - tried == set()


# ---- Signed in as someone else -------------------------------------------------------------


def test_a_stranger_reads_nothing_of_another_users(world: World) -> None:
    for call in CALLS:
        if call.method != "GET":
            continue
        response = request(world.b, call, world.ids)
        where = f"{call.method} {call.url}"
        assert response.status_code == call.status, where
        body = response.get_data(as_text=True)
        assert [marker for marker in A_MARKERS if marker in body] == [], where
        if call.before:
            assert page(response) == world.before[(call.url, call.htmx)], where
        if call.like:
            like = request(world.b, Call("GET", call.like, 200, htmx=call.htmx), world.ids)
            assert page(response) == page(like), where


def test_a_stranger_changes_nothing_of_another_users(app: Flask, world: World) -> None:
    token = csrf_token(world.b)
    stored = snapshot(app, besides=world.ids["b_user"])
    for call in CALLS:
        if call.method != "POST":
            continue
        response = request(world.b, call, world.ids, token)
        where = f"{call.method} {call.url} {call.data}"
        assert response.status_code == call.status, where
        assert [m for m in A_MARKERS if m in response.get_data(as_text=True)] == [], where
        assert snapshot(app, besides=world.ids["b_user"]) == stored, where
    # A is still signed in, wherever A was.
    assert world.a.get("/settings").status_code == 200


def test_a_topic_export_holds_only_the_users_own_cards(app: Flask, world: World) -> None:
    response = world.b.get("/export/download?topic=attention&card_lang=en")
    assert response.status_code == 200
    with zipfile.ZipFile(BytesIO(response.data)) as package:
        collection = package.read("collection.anki2")
    database = sqlite3.connect(":memory:")
    try:
        database.deserialize(collection)
        fields = [row[0] for row in database.execute("SELECT flds FROM notes")]
    finally:
        database.close()
    # B's one paper on attention gives two cards; A's PetalNet paper is on it too.
    assert len(fields) == 2
    assert all("Ripple" in note and "PetalNet" not in note for note in fields)


# ---- Signed out ------------------------------------------------------------------------------


def test_nobody_signed_out_reads_or_changes_anything(app: Flask, world: World) -> None:
    visitor = app.test_client()
    token = csrf_token(visitor)
    stored = snapshot(app)
    adapter = app.url_map.bind("localhost")
    for call in CALLS:
        path = fill(call.url, world.ids)
        if adapter.match(path.split("?")[0], method=call.method)[0] not in PRIVATE:
            continue
        response = request(visitor, call, world.ids, token)
        where = f"{call.method} {call.url}"
        assert response.status_code == 302, where
        assert response.headers["Location"].startswith("/login?next="), where
    assert snapshot(app) == stored
