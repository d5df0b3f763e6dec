"""Managing one's account: the password, the email, deleting the account and downloading all
of one's data (whose JSON is checked against the database, row by row)."""

from __future__ import annotations

import enum
import hashlib
import json
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_login.utils import encode_cookie
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import (
    Base,
    Card,
    CardText,
    Deck,
    FetchedDocument,
    LoginSession,
    Paper,
    PaperText,
    PaperTopic,
    Quiz,
    QuizQuestion,
    ReviewLog,
    ReviewState,
    Topic,
    User,
    UserDeck,
    utcnow,
)
from studyapp.services import account_data, accounts, login_sessions
from studyapp.services.importing import DeckImport, import_decks
from studyapp.web.auth import REMEMBER_COOKIE
from tests.conftest import AuthActions, csrf_token, html
from tests.factories import make_fetched_document

DATA = Path(__file__).parent / "data"
EMAIL, PASSWORD, NEW_PASSWORD = "reader@example.com", "correct horse", "battery staple"
OWN_DECK = "내 아침 논문"
EDITED = "A hand-edited back, with “quotes” and 한국어"


def post(client: FlaskClient, url: str, data: dict[str, str]) -> Any:
    return client.post(url, data={**data, "csrf_token": csrf_token(client)})


def signed_in(client: FlaskClient) -> bool:
    return html(client.get("/").data).select_one("form[action='/logout']") is not None


def user_id(app: Flask, email: str = EMAIL) -> int | None:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(User.id).where(User.email == email))


def count(app: Flask, model: type[Base], *where: Any) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0


def papers_of(name: str) -> Any:
    return extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers


@pytest.fixture
def library(app: Flask) -> int:
    """A shared library deck; its id."""
    with session_factory(app)() as session:
        (report,) = import_decks(
            session, [DeckImport(name="Shared", papers=papers_of("notes_en.md"))]
        )
    return report.deck_id


def build_up(app: Flask, client: FlaskClient, library: int) -> None:
    """A reader with one of everything, made through the pages: their own deck (one card
    edited), a library deck added, answers, a suspended card, settings and two quizzes."""
    AuthActions(client).register(email=EMAIL, password=PASSWORD, timezone="Asia/Seoul")
    digest = (DATA / "digest_ko.md").read_text(encoding="utf-8")
    assert (
        post(
            client, "/import", {"text": digest, "target": "new", "deck_name": OWN_DECK}
        ).status_code
        == 303
    )
    assert post(client, f"/library/decks/{library}/add", {}).status_code == 303
    for grade in ("5", "2", "4"):
        form = html(client.get("/review").data).select_one("form.grades")
        assert form is not None
        fields = {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}
        assert client.post(str(form["action"]), data={**fields, "grade": grade}).status_code == 303
    with session_factory(app)() as session, session.begin():
        own = select(Card.id).join(Paper).join(Deck).where(Deck.owner_id.is_not(None))
        first, second = session.scalars(own.order_by(Card.id).limit(2)).all()
        own_deck = session.scalar(select(Deck.id).where(Deck.owner_id.is_not(None)))
    edit = {"text_lang": "ko", "front": "손으로 고친 앞면", "back": EDITED}
    assert post(client, f"/cards/{first}/edit", edit).status_code == 303
    assert post(client, f"/cards/{second}/suspend", {"suspended": "1"}).status_code == 303
    settings = {
        "locale": "en",
        "timezone": "Asia/Seoul",
        "new_cards_per_day": "7",
        "reviews_per_day": "123",
        "grade_buttons": "four",
    }  # bury_siblings left unchecked: off
    assert post(client, "/settings", settings).status_code == 303
    for answers in (4, 1):
        started = post(client, "/quiz", {"deck": str(own_deck), "size": "5"})
        assert started.status_code == 303
        quiz_id = int(started.headers["Location"].split("/")[2])
        for position in range(answers):
            reply = {"position": str(position), "choice": "0", "typed": "48.9"}
            assert post(client, f"/quiz/{quiz_id}/answer", reply).status_code == 303
    # What a URL they imported from sent last time (no page fetches yet: stored as it would be).
    with session_factory(app)() as session, session.begin():
        reader = session.scalars(select(User.id).where(User.email == EMAIL)).one()
        make_fetched_document(session, user_id=reader)


# ---- Downloading all one's data --------------------------------------------------------------


def as_json(value: Any) -> Any:
    """A value read from the database, as the document writes it."""
    if isinstance(value, datetime):
        text = value.isoformat()
        assert text.endswith("+00:00")
        return text.replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, enum.Enum):
        return value.value
    return value


def columns(row: Base, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: as_json(getattr(row, name)) for name in names}


def test_the_download_holds_everything_the_database_holds_for_the_user(
    app: Flask, client: FlaskClient, library: int
) -> None:
    build_up(app, client, library)
    # Someone else's data never comes along.
    other = app.test_client()
    AuthActions(other).register(email="other@example.com")
    assert post(other, f"/library/decks/{library}/add", {}).status_code == 303

    response = client.get("/account/data")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "paper-flashcards-data-" in disposition and disposition.endswith(".json")
    assert response.headers["Cache-Control"] == "no-store"
    document = json.loads(response.get_data(as_text=True))
    assert "한국어" in response.get_data(as_text=True)  # Korean as itself, not \\u escapes

    assert document["format"] == account_data.FORMAT == "paper-flashcards/account-data"
    assert document["version"] == account_data.VERSION == 1
    assert document["exported_at"].endswith("Z")
    me = user_id(app)
    with session_factory(app)() as session, session.begin():
        user = session.get_one(User, me)
        assert document["account"] == columns(user, account_data.ACCOUNT)
        assert document["settings"] == {
            "locale": "en",
            "timezone": "Asia/Seoul",
            "new_cards_per_day": 7,
            "reviews_per_day": 123,
            "four_grade_buttons": True,
            "bury_siblings": False,
            "scheduler": "sm2",
            "desired_retention": 0.9,
            "maximum_interval": 36500,
            "fsrs_parameters": None,
            "fsrs_fitted_at": None,
        }
        assert "password" not in json.dumps(document)
        check_decks(session, me, document["decks"])
        check_study(session, me, document)


def check_decks(session: Session, me: int, decks: list[dict[str, Any]]) -> None:
    stored = session.scalars(select(Deck).where(Deck.owner_id == me).order_by(Deck.id)).all()
    assert [deck["name"] for deck in decks] == [OWN_DECK]
    texts_seen = 0
    for deck, row in zip(decks, stored, strict=True):
        assert {k: v for k, v in deck.items() if k != "papers"} == columns(row, account_data.DECK)
        papers = session.scalars(select(Paper).where(Paper.deck_id == row.id).order_by(Paper.id))
        for paper, paper_row in zip(deck["papers"], papers, strict=True):
            nested = ("topics", "texts", "cards")
            assert {k: v for k, v in paper.items() if k not in nested} == columns(
                paper_row, account_data.PAPER
            )
            topics = session.scalars(
                select(Topic.slug).join(PaperTopic).where(PaperTopic.paper_id == paper_row.id)
            )
            assert paper["topics"] == sorted(topics)
            paper_texts = session.scalars(
                select(PaperText).where(PaperText.paper_id == paper_row.id).order_by(PaperText.lang)
            )
            assert paper["texts"] == [columns(t, account_data.PAPER_TEXT) for t in paper_texts]
            cards = session.scalars(
                select(Card).where(Card.paper_id == paper_row.id).order_by(Card.id)
            )
            for card, card_row in zip(paper["cards"], cards, strict=True):
                assert {k: v for k, v in card.items() if k != "texts"} == columns(
                    card_row, account_data.CARD
                )
                card_texts = session.scalars(
                    select(CardText).where(CardText.card_id == card_row.id).order_by(CardText.lang)
                ).all()
                assert card["texts"] == [columns(t, account_data.CARD_TEXT) for t in card_texts]
                texts_seen += len(card_texts)
    own_cards = select(Card.id).join(Paper).join(Deck).where(Deck.owner_id == me)
    assert texts_seen == session.scalar(
        select(func.count()).select_from(CardText).where(CardText.card_id.in_(own_cards))
    )
    # Every text, the hand-edited one included.
    backs = [t["back"] for d in decks for p in d["papers"] for c in p["cards"] for t in c["texts"]]
    assert EDITED in backs


def guid_and_deck(session: Session, card_id: int) -> tuple[str, int]:
    row = session.execute(
        select(Card.guid, Paper.deck_id).join(Paper).where(Card.id == card_id)
    ).one()
    return row[0], row[1]


def check_study(session: Session, me: int, document: dict[str, Any]) -> None:
    added = session.execute(
        select(Deck.id, Deck.slug, Deck.name, UserDeck.added_at)
        .join(UserDeck)
        .where(UserDeck.user_id == me)
        .order_by(Deck.id)
    ).all()
    assert document["library_decks"] == [
        {"id": i, "slug": s, "name": n, "added_at": as_json(a)} for i, s, n, a in added
    ]
    assert len(added) == 1

    states = session.scalars(
        select(ReviewState).where(ReviewState.user_id == me).order_by(ReviewState.id)
    ).all()
    assert len(states) > 2 and any(s.suspended for s in states)
    expected_states = []
    for state in states:
        guid, deck_id = guid_and_deck(session, state.card_id)
        expected_states.append(
            {"card_guid": guid, "deck_id": deck_id} | columns(state, account_data.REVIEW_STATE)
        )
    assert document["review_states"] == expected_states

    log = session.scalars(
        select(ReviewLog).where(ReviewLog.user_id == me).order_by(ReviewLog.id)
    ).all()
    assert [entry["grade"] for entry in document["review_log"]] == [5, 2, 4]
    assert document["review_log"] == [
        {"card_guid": guid_and_deck(session, entry.card_id)[0]}
        | columns(entry, account_data.REVIEW_LOG)
        for entry in log
    ]

    quizzes = session.scalars(select(Quiz).where(Quiz.user_id == me).order_by(Quiz.id)).all()
    assert len(document["quizzes"]) == len(quizzes) == 2
    for exported, quiz in zip(document["quizzes"], quizzes, strict=True):
        assert {k: v for k, v in exported.items() if k != "questions"} == columns(
            quiz, account_data.QUIZ
        )
        questions = session.scalars(
            select(QuizQuestion)
            .where(QuizQuestion.quiz_id == quiz.id)
            .order_by(QuizQuestion.position)
        ).all()
        assert exported["questions"] == [
            {"card_guid": guid_and_deck(session, q.card_id)[0]}
            | columns(q, account_data.QUIZ_QUESTION)
            for q in questions
        ]
    answered = [
        q for quiz in document["quizzes"] for q in quiz["questions"] if q["given"] is not None
    ]
    assert len(answered) == 5


#: Columns of the account's tables the document leaves out, and why; every other column must
#: be in it, so that a new column is a decision about the format, not an accident.
LEFT_OUT = {
    "users": {"id", "password_hash"},  # the id means nothing outside; the hash is a secret
    "decks": {"owner_id", "staged_at"},  # always the user; always None (staging decks are left out)
    "user_decks": {"user_id", "deck_id"},  # library_decks[].id is the deck
    "papers": {"deck_id"},  # nested in its deck
    "paper_texts": {"paper_id"},
    "cards": {"paper_id"},
    "card_texts": {"card_id"},
    "review_states": {"id", "user_id", "version"},  # version: a concurrency counter
    "review_log": {"user_id"},
    "quizzes": {"user_id"},
    "quiz_questions": {"id", "quiz_id"},  # nested in its quiz, by position
}
EXPORTED = {
    "users": account_data.ACCOUNT + account_data.SETTINGS,
    "decks": account_data.DECK,
    "user_decks": ("added_at",),
    "papers": account_data.PAPER,
    "paper_texts": account_data.PAPER_TEXT,
    "cards": account_data.CARD,
    "card_texts": account_data.CARD_TEXT,
    "review_states": account_data.REVIEW_STATE,
    "review_log": account_data.REVIEW_LOG,
    "quizzes": account_data.QUIZ,
    "quiz_questions": account_data.QUIZ_QUESTION,
}


@pytest.mark.parametrize("table", sorted(EXPORTED))
def test_every_column_of_the_users_tables_is_exported_or_left_out_on_purpose(table: str) -> None:
    names = {column.name for column in Base.metadata.tables[table].columns}
    assert set(EXPORTED[table]) | LEFT_OUT[table] == names
    assert not set(EXPORTED[table]) & LEFT_OUT[table]


def test_the_download_of_a_new_account_is_empty_but_whole(client: FlaskClient) -> None:
    AuthActions(client).register()
    document = json.loads(client.get("/account/data").data)
    assert document["decks"] == document["library_decks"] == document["quizzes"] == []
    assert document["review_states"] == document["review_log"] == []
    assert document["settings"]["bury_siblings"] is True
    assert document["account"]["email"] == EMAIL


def test_the_service_refuses_an_unknown_account(session: Session) -> None:
    with pytest.raises(accounts.AccountNotFound):
        account_data.account_data(session, 12345)


# ---- The account page -----------------------------------------------------------------------


def test_the_account_page_is_linked_from_the_settings(client: FlaskClient) -> None:
    AuthActions(client).register()
    settings = html(client.get("/settings").data)
    assert settings.select_one("a[href='/account']") is not None
    page = html(client.get("/account").data)
    assert EMAIL in page.select_one("main").get_text()
    forms = [form["action"] for form in page.select("main form[method=post]")]
    assert forms == ["/account/password", "/account/email", "/account/sessions/end"]
    download = page.select_one("a[href='/account/data']")
    assert download is not None and download.has_attr("download")
    assert download["hx-boost"] == "false"
    assert page.select_one("a[href='/account/delete']") is not None


# ---- Changing the password ------------------------------------------------------------------


def change_password(client: FlaskClient, current: str, new: str, again: str | None = None) -> Any:
    data = {"current_password": current, "new_password": new, "new_password_again": again or new}
    return post(client, "/account/password", data)


def test_changing_the_password_logs_out_every_other_session(app: Flask) -> None:
    here, elsewhere, remembered = app.test_client(), app.test_client(), app.test_client()
    AuthActions(here).register(password=PASSWORD)
    AuthActions(elsewhere).login(password=PASSWORD)
    post(remembered, "/login", {"email": EMAIL, "password": PASSWORD, "remember": "y"})
    # The "keep me logged in" cookie alone (the session cookie gone, as after a restart).
    remembered.delete_cookie("session")
    assert signed_in(elsewhere) and signed_in(remembered)

    response = change_password(here, PASSWORD, NEW_PASSWORD)
    assert response.status_code == 303
    assert response.headers["Location"] == "/account"
    page = html(here.get("/account").data)
    assert "Wherever else you were logged in, you are now logged out." in page.get_text()
    # This browser stays in; the others are out, however they were signed in.
    assert signed_in(here)
    assert not signed_in(elsewhere)
    assert not signed_in(remembered)
    assert elsewhere.get("/review").status_code == 302
    # Their sessions are gone from the server; this browser's one is left.
    assert count(app, LoginSession) == 1
    # The new password works, the old one does not.
    fresh = app.test_client()
    assert AuthActions(fresh).login(password=PASSWORD).status_code == 422  # type: ignore[attr-defined]
    assert AuthActions(fresh).login(password=NEW_PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_a_remembered_browser_that_changes_the_password_stays_remembered(app: Flask) -> None:
    client = app.test_client()
    AuthActions(client).register(password=PASSWORD)
    AuthActions(client).logout()
    post(client, "/login", {"email": EMAIL, "password": PASSWORD, "remember": "y"})
    # Copies of this browser's cookies, taken before the change.
    copies = {name: client.get_cookie(name) for name in ("session", REMEMBER_COOKIE)}
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 303
    client.delete_cookie("session")
    assert signed_in(client)
    # The browser got new tokens with the change: the copies sign no one in.
    for name, copied in copies.items():
        assert copied is not None
        copy = app.test_client()
        copy.set_cookie(name, copied.value)
        assert not signed_in(copy), name


def test_a_session_ended_meanwhile_gets_no_new_tokens(session: Session) -> None:
    me = accounts.register(session, email="me@example.com", password=PASSWORD).id
    lasting = login_sessions.Lifetimes(plain=timedelta(days=1), remembered=timedelta(days=2))
    now = utcnow()
    started = login_sessions.start(
        session, me, remember=True, user_agent="", now=now, lifetimes=lasting
    )
    renewed = login_sessions.renew(session, started.session_id, now=now, lifetimes=lasting)
    assert renewed is not None and renewed.session_id == started.session_id
    assert {renewed.token, renewed.remember_token}.isdisjoint(
        {started.token, started.remember_token}
    )
    assert renewed.expires_at == now + timedelta(days=2)
    # "Log out of all devices" in another tab, then the password change's renewal: nothing.
    assert login_sessions.end_all(session, me) == 1
    assert login_sessions.renew(session, started.session_id, now=now, lifetimes=lasting) is None


@pytest.mark.parametrize(
    ("current", "new", "again", "field", "message"),
    [
        (
            "wrong password",
            NEW_PASSWORD,
            None,
            "current_password",
            "That is not your current password.",
        ),
        ("", NEW_PASSWORD, None, "current_password", "Enter your current password."),
        (PASSWORD, "short", None, "new_password", "Use at least 8 characters."),
        (PASSWORD, NEW_PASSWORD, "something else", "new_password_again", "The passwords differ."),
    ],
)
def test_a_refused_password_change_says_why_and_changes_nothing(
    app: Flask,
    client: FlaskClient,
    current: str,
    new: str,
    again: str | None,
    field: str,
    message: str,
) -> None:
    AuthActions(client).register(password=PASSWORD)
    response = change_password(client, current, new, again)
    assert response.status_code == 422
    page = html(response.data)
    errors = [
        (p.find_parent(class_="field").select_one("[name]")["name"], p.get_text())
        for p in page.select(".field .error")
    ]
    assert errors == [(field, message)]
    assert page.select_one(f"[name={field}][aria-invalid=true]") is not None
    assert signed_in(client)
    assert AuthActions(app.test_client()).login(password=PASSWORD).status_code == 303  # type: ignore[attr-defined]


def test_wrong_current_passwords_are_limited(client: FlaskClient) -> None:
    AuthActions(client).register(password=PASSWORD)
    for attempt in range(5):
        assert change_password(client, f"guess {attempt}", NEW_PASSWORD).status_code == 422
    # The limit counts the three forms that ask for the password together.
    response = post(client, "/account/delete", {"delete_password": "guess 6"})
    assert response.status_code == 429
    assert "Too many wrong passwords." in response.get_data(as_text=True)
    assert change_password(client, PASSWORD, NEW_PASSWORD).status_code == 429


def test_cookies_from_before_login_sessions_sign_no_one_in(app: Flask, client: FlaskClient) -> None:
    """A session that names the account (Flask-Login's ``_user_id``, with or without the
    password's fingerprint) and Flask-Login's own remember cookie, both validly signed, as
    browsers still hold them from before login sessions: nobody is signed in by them."""
    AuthActions(client).register()
    me = user_id(app)
    with session_factory(app)() as session, session.begin():
        password_hash = session.get_one(User, me).password_hash
    fingerprint = hashlib.sha256(b"studyapp-session:" + password_hash.encode()).hexdigest()[:16]
    old = app.test_client()
    for named in (str(me), f"{me}:{fingerprint}"):
        with old.session_transaction() as session:
            session.clear()
            session.update({"_user_id": named, "_fresh": True})
        with app.test_request_context():
            old.set_cookie("remember_token", encode_cookie(named))
        assert not signed_in(old), named
        assert old.get("/settings").status_code == 302


# ---- Where the account is logged in ------------------------------------------------------------

FIREFOX_WINDOWS = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
CHROME_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Mobile Safari/537.36"
)
SAFARI_IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1"
)


def browser(app: Flask, user_agent: str) -> FlaskClient:
    client = app.test_client()
    client.environ_base["HTTP_USER_AGENT"] = user_agent
    return client


@pytest.mark.parametrize(
    ("user_agent", "label"),
    [
        (FIREFOX_WINDOWS, "Firefox · Windows"),
        (CHROME_ANDROID, "Chrome · Android"),
        (SAFARI_IPHONE, "Safari · iOS"),
        (
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like "
            "Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
            "Edge · macOS",
        ),
        ("curl/8.5.0", "curl/8.5.0"),
        ("", ""),
    ],
)
def test_a_browser_is_named_in_a_few_words(user_agent: str, label: str) -> None:
    assert login_sessions.device_label(user_agent) == label


def test_the_account_page_lists_where_the_account_is_logged_in(app: Flask) -> None:
    here = browser(app, FIREFOX_WINDOWS)
    AuthActions(here).register(password=PASSWORD)
    alone = html(here.get("/account").data).select_one("[aria-labelledby=sessions-heading]")
    assert "You are logged in on this browser only." in alone.get_text()
    for user_agent in (CHROME_ANDROID, SAFARI_IPHONE):
        AuthActions(browser(app, user_agent)).login(password=PASSWORD)
    part = html(here.get("/account").data).select_one("[aria-labelledby=sessions-heading]")
    assert "You are also logged in on 2 other browsers or devices." in part.get_text()
    listed = [" ".join(li.get_text().split()) for li in part.select(".devices li")]
    assert listed[0] == "Firefox · Windows This browser"
    assert sorted(line.split(" Last active ")[0] for line in listed[1:]) == [
        "Chrome · Android",
        "Safari · iOS",
    ]
    assert part.select_one("li[aria-current=true] strong").get_text() == "Firefox · Windows"
    korean = html(here.get("/account?lang=ko").data).select_one(
        "[aria-labelledby=sessions-heading]"
    )
    assert "이 계정은 다른 브라우저나 기기 2곳에도 로그인되어 있습니다." in korean.get_text()
    assert korean.select_one("button").get_text() == "모든 기기에서 로그아웃"


def test_logging_out_of_all_devices_ends_every_session_this_one_too(app: Flask) -> None:
    here, elsewhere, remembered = app.test_client(), app.test_client(), app.test_client()
    AuthActions(here).register(password=PASSWORD)
    AuthActions(elsewhere).login(password=PASSWORD)
    post(remembered, "/login", {"email": EMAIL, "password": PASSWORD, "remember": "y"})
    remembered.delete_cookie("session")  # the remember cookie alone, as after a restart
    other = app.test_client()
    AuthActions(other).register(email="other@example.com")
    copy = app.test_client()
    copy.set_cookie("session", here.get_cookie("session").value)  # type: ignore[union-attr]

    response = post(here, "/account/sessions/end", {})
    assert response.status_code == 303
    assert response.headers["Location"] == "/login"
    landed = html(here.get("/login").data)
    assert "You are logged out on every device, this one too." in landed.get_text()
    for client in (here, elsewhere, remembered, copy):
        assert not signed_in(client)
        assert client.get("/account").status_code == 302
    assert count(app, LoginSession, LoginSession.user_id == user_id(app)) == 0
    # Someone else's sessions are theirs.
    assert signed_in(other)
    # Logging in again works as ever.
    assert AuthActions(here).login(password=PASSWORD).status_code == 303  # type: ignore[attr-defined]
    assert signed_in(here)


# ---- Changing the email -----------------------------------------------------------------------


def test_changing_the_email(app: Flask, client: FlaskClient) -> None:
    AuthActions(client).register(password=PASSWORD)
    response = post(
        client, "/account/email", {"new_email": " New@Example.COM ", "email_password": PASSWORD}
    )
    assert response.status_code == 303
    assert "Your email is now new@example.com." in html(client.get("/account").data).get_text()
    assert user_id(app, "new@example.com") is not None and user_id(app) is None
    assert signed_in(client)
    fresh = AuthActions(app.test_client())
    assert fresh.login(email="new@example.com", password=PASSWORD).status_code == 303  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("new_email", "password", "field", "message"),
    [
        ("OTHER@example.com", PASSWORD, "new_email", "Another account already uses this email."),
        ("Reader@Example.com", PASSWORD, "new_email", "That is already your email."),
        (
            "new@example.com",
            "wrong password",
            "email_password",
            "That is not your current password.",
        ),
        ("not an email", PASSWORD, "new_email", "Enter an email address such as name@example.com."),
        ("", PASSWORD, "new_email", "Enter your email address."),
    ],
)
def test_a_refused_email_change_says_why_and_changes_nothing(
    app: Flask, client: FlaskClient, new_email: str, password: str, field: str, message: str
) -> None:
    AuthActions(app.test_client()).register(email="other@example.com")
    AuthActions(client).register(password=PASSWORD)
    response = post(client, "/account/email", {"new_email": new_email, "email_password": password})
    assert response.status_code == 422
    page = html(response.data)
    errors = [
        (p.find_parent(class_="field").select_one("[name]")["name"], p.get_text())
        for p in page.select(".field .error")
    ]
    assert errors == [(field, message)]
    assert user_id(app) is not None and user_id(app, "other@example.com") is not None


def test_an_address_taken_in_another_case_is_refused_by_the_service(session: Session) -> None:
    """Even an account stored with capitals (from before addresses were folded) counts."""
    me = accounts.register(session, email="me@example.com", password=PASSWORD)
    with session.begin():
        session.add(User(email="Old.Style@Example.com", password_hash="x"))
    with pytest.raises(accounts.EmailTaken):
        accounts.change_email(session, me.id, new_email="old.style@example.com", password=PASSWORD)
    with pytest.raises(accounts.EmailTaken):
        accounts.register(session, email="OLD.STYLE@example.com", password=PASSWORD)


# ---- Deleting the account -----------------------------------------------------------------------


MINE = {
    Deck: lambda me: Deck.owner_id == me,
    UserDeck: lambda me: UserDeck.user_id == me,
    ReviewState: lambda me: ReviewState.user_id == me,
    ReviewLog: lambda me: ReviewLog.user_id == me,
    Quiz: lambda me: Quiz.user_id == me,
    LoginSession: lambda me: LoginSession.user_id == me,
    FetchedDocument: lambda me: FetchedDocument.user_id == me,
    User: lambda me: User.id == me,
}


def test_deleting_the_account_removes_everything_of_the_users_and_says_what(
    app: Flask, client: FlaskClient, library: int
) -> None:
    build_up(app, client, library)
    me = user_id(app)
    other = app.test_client()
    AuthActions(other).register(email="other@example.com")
    assert post(other, f"/library/decks/{library}/add", {}).status_code == 303
    library_cards = count(
        app, Card, Card.paper_id.in_(select(Paper.id).where(Paper.deck_id == library))
    )
    others_rows = count(app, ReviewState, ReviewState.user_id != me)

    # The confirmation page says what will go, in numbers.
    confirm = client.get("/account/delete")
    assert confirm.status_code == 200
    said = [li.get_text() for li in html(confirm.data).select(".removes li")]
    own_papers = select(Paper.id).join(Deck).where(Deck.owner_id == me)
    assert said == [
        "1 deck of your own",
        "3 papers",
        f"{count(app, Card, Card.paper_id.in_(own_papers))} cards",
        f"the schedules of {count(app, ReviewState, ReviewState.user_id == me)} cards",
        "3 answers in your review log",
        "2 quizzes",
        "1 library deck from your cards (it stays in the library)",
    ]
    # A wrong password deletes nothing.
    refused = post(client, "/account/delete", {"delete_password": "not it"})
    assert refused.status_code == 422
    assert [p.get_text() for p in html(refused.data).select(".field .error")] == [
        "That is not your current password."
    ]
    assert all(count(app, model, where(me)) for model, where in MINE.items())

    response = post(client, "/account/delete", {"delete_password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    landed = html(client.get("/").data)
    message = landed.select_one(".flash.ok").get_text()
    assert message.startswith(
        "Your account reader@example.com is deleted. Removed with it: 1 deck of your own, 3 papers"
    )
    assert "3 answers in your review log, 2 quizzes" in message
    # Logged out, with the way back in on the page.
    assert landed.select_one("form[action='/logout']") is None
    assert landed.select_one(".guest-nav a[href='/register']") is not None
    assert client.get("/account").status_code == 302
    # Nothing of theirs is left; the library and the other reader are untouched.
    assert {model.__name__: count(app, model, where(me)) for model, where in MINE.items()} == {
        model.__name__: 0 for model in MINE
    }
    assert count(app, Paper, Paper.deck_id.in_(select(Deck.id).where(Deck.owner_id.is_(None)))) > 0
    assert (
        count(app, Card, Card.paper_id.in_(select(Paper.id).where(Paper.deck_id == library)))
        == library_cards
    )
    assert count(app, Deck, Deck.owner_id.is_not(None)) == 0
    assert count(app, CardText, CardText.back == EDITED) == 0
    assert count(app, QuizQuestion) == 0
    assert count(app, ReviewState) == others_rows
    assert signed_in(other)
    assert AuthActions(app.test_client()).login(password=PASSWORD).status_code == 422  # type: ignore[attr-defined]
    # The address is free again.
    assert AuthActions(app.test_client()).register().status_code == 303  # type: ignore[attr-defined]


def test_the_delete_service_needs_the_password(session: Session) -> None:
    me = accounts.register(session, email="me@example.com", password=PASSWORD).id
    with pytest.raises(accounts.WrongPassword):
        accounts.delete_account(session, me, password="nope")
    removed = accounts.delete_account(session, me, password=PASSWORD)
    assert removed == accounts.DeletedAccount(
        email="me@example.com",
        decks=0,
        papers=0,
        cards=0,
        library_decks=0,
        review_states=0,
        reviews=0,
        quizzes=0,
    )
    with session.begin():
        assert session.get(User, me) is None


def test_the_account_pages_speak_korean(client: FlaskClient) -> None:
    AuthActions(client).register(password=PASSWORD)
    client.get("/?lang=ko")
    page = html(client.get("/account").data)
    assert page.select_one("h1").get_text() == "내 계정"
    response = change_password(client, "틀린 비밀번호", NEW_PASSWORD)
    assert [p.get_text() for p in html(response.data).select(".field .error")] == [
        "현재 비밀번호가 아닙니다."
    ]
    assert post(client, "/account/delete", {"delete_password": PASSWORD}).status_code == 303
    message = html(client.get("/").data).select_one(".flash.ok").get_text()
    # A new account holds nothing else: nothing else is listed.
    assert message == "계정을 삭제했습니다: reader@example.com."
