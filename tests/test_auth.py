"""Accounts: register, log in, log out, and the checks around them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update

from studyapp.db import session_factory
from studyapp.models import LoginSession, User, utcnow
from studyapp.services.login_sessions import TOUCH_EVERY
from studyapp.web.auth import REMEMBER_COOKIE
from tests.conftest import AuthActions, csrf_token, html


def test_register_logs_in_and_stores_a_hashed_password(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    response = auth.register(email="New@Example.com", timezone="Asia/Seoul")
    assert response.status_code == 303  # type: ignore[attr-defined]
    with session_factory(app)() as session, session.begin():
        user = session.scalars(select(User)).one()
        assert user.email == "new@example.com"
        assert user.timezone == "Asia/Seoul"
        assert user.password_hash.startswith("scrypt:")
        assert "correct horse" not in user.password_hash
    page = html(client.get("/").data)
    assert page.select_one("form[action='/logout']") is not None


REGISTRATION = {
    "email": "a@example.com",
    "password": "long enough",
    "confirm": "long enough",
    "timezone": "UTC",
}


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"email": ""}, [("email", "Enter your email address.")]),
        (
            {"email": "not-an-email"},
            [("email", "Enter an email address such as name@example.com.")],
        ),
        (
            {"email": "a" * 250 + "@example.com"},
            [("email", "An email address has at most 254 characters.")],
        ),
        ({"display_name": "n" * 81}, [("display_name", "Use at most 80 characters.")]),
        (
            {"password": "", "confirm": ""},
            [("password", "Use at least 8 characters."), ("confirm", "Type the password again.")],
        ),
        ({"password": "short", "confirm": "short"}, [("password", "Use at least 8 characters.")]),
        (
            {"password": "p" * 201, "confirm": "p" * 201},
            [("password", "Use at most 200 characters.")],
        ),
        ({"confirm": ""}, [("confirm", "Type the password again.")]),
        ({"confirm": "different"}, [("confirm", "The passwords differ.")]),
        ({"timezone": "Mars/Olympus_Mons"}, [("timezone", "Choose a time zone from the list.")]),
    ],
)
def test_bad_registrations_say_what_is_wrong(
    auth: AuthActions, data: dict[str, str], errors: list[tuple[str, str]]
) -> None:
    response = auth.post("/register", {**REGISTRATION, **data})
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = html(response.data)  # type: ignore[attr-defined]
    # One sentence of our own under each field that is wrong, never WTForms' generic ones.
    shown = [
        (p.find_parent(class_="field").select_one("[name]")["name"], p.get_text())
        for p in page.select(".field .error")
    ]
    assert shown == errors


def test_a_short_password_is_said_once_not_twice(auth: AuthActions) -> None:
    """The hint gives the rule until it is broken; then the error says it, alone."""
    fresh = html(auth.client.get("/register").data)
    assert fresh.select_one("#password-hint").get_text() == "At least 8 characters."
    response = auth.post("/register", {**REGISTRATION, "password": "short", "confirm": "short"})
    field = html(response.data).select_one("#password").find_parent(class_="field")  # type: ignore[attr-defined]
    assert [p.get_text() for p in field.select("p")] == ["Use at least 8 characters."]
    assert "between" not in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_auth_form_errors_speak_korean(client: FlaskClient, auth: AuthActions) -> None:
    client.get("/?lang=ko")
    response = auth.post("/register", {**REGISTRATION, "password": "short", "confirm": "short"})
    errors = [p.get_text() for p in html(response.data).select(".field .error")]  # type: ignore[attr-defined]
    assert errors == ["8자 이상으로 정하세요."]
    response = auth.post("/login", {"email": "", "password": ""})
    errors = [p.get_text() for p in html(response.data).select(".field .error")]  # type: ignore[attr-defined]
    assert errors == ["이메일 주소를 입력하세요.", "비밀번호를 입력하세요."]


@pytest.mark.parametrize(
    ("data", "errors"),
    [
        ({"email": "", "password": ""}, ["Enter your email address.", "Enter your password."]),
        (
            {"email": "nobody", "password": "x"},
            ["Enter an email address such as name@example.com."],
        ),
    ],
)
def test_bad_logins_say_what_is_wrong(
    auth: AuthActions, data: dict[str, str], errors: list[str]
) -> None:
    response = auth.post("/login", data)
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = html(response.data)  # type: ignore[attr-defined]
    assert [p.get_text() for p in page.select(".field .error")] == errors


def test_an_email_can_register_once(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    auth.logout()
    response = auth.register(email="READER@example.com")
    assert response.status_code == 422  # type: ignore[attr-defined]
    assert "An account with this email already exists." in response.get_data(as_text=True)  # type: ignore[attr-defined]


def test_login_and_logout(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    auth.logout()
    assert html(client.get("/").data).select_one("form[action='/logout']") is None
    bad = auth.login(password="wrong password")
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "That email and password do not match an account." in bad.get_data(as_text=True)  # type: ignore[attr-defined]
    good = auth.login()
    assert good.status_code == 303  # type: ignore[attr-defined]
    assert html(client.get("/").data).select_one("form[action='/logout']") is not None


def test_logging_out_forgets_a_kept_login(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    auth.logout()
    auth.post(
        "/login", {"email": "reader@example.com", "password": "correct horse", "remember": "y"}
    )
    assert client.get_cookie(REMEMBER_COOKIE) is not None
    auth.logout()
    # The "keep me logged in" cookie goes with the session: the next page is signed out.
    assert client.get_cookie(REMEMBER_COOKIE) is None
    assert client.get("/settings").status_code == 302


def test_login_only_redirects_within_the_site(auth: AuthActions) -> None:
    auth.register()
    auth.logout()
    response = auth.post(
        "/login?next=https://evil.example/",
        {"email": "reader@example.com", "password": "correct horse"},
    )
    assert response.headers["Location"] == "/"  # type: ignore[attr-defined]
    auth.logout()
    response = auth.post(
        "/login?next=//evil.example/x", {"email": "reader@example.com", "password": "correct horse"}
    )
    assert response.headers["Location"] == "/"  # type: ignore[attr-defined]
    auth.logout()
    response = auth.post(
        "/login?next=/library?q=x", {"email": "reader@example.com", "password": "correct horse"}
    )
    assert response.headers["Location"] == "/library?q=x"  # type: ignore[attr-defined]


def test_posts_without_a_csrf_token_are_refused(client: FlaskClient, auth: AuthActions) -> None:
    response = client.post(
        "/register",
        data={"email": "a@example.com", "password": "long enough", "confirm": "long enough"},
    )
    assert response.status_code == 400
    auth.register()
    response = client.post("/logout")
    assert response.status_code == 400
    assert html(client.get("/").data).select_one("form[action='/logout']") is not None


def test_session_cookie_is_httponly_and_lax(client: FlaskClient, auth: AuthActions) -> None:
    response = auth.register()
    cookie = response.headers["Set-Cookie"]  # type: ignore[attr-defined]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def guest_links(data: bytes) -> list[tuple[str, str]]:
    nav = html(data).select_one("header .guest-nav")
    return [] if nav is None else [(str(a["href"]), a.get_text()) for a in nav.select("a")]


def test_visitors_find_log_in_and_sign_up_in_the_header(
    client: FlaskClient, auth: AuthActions
) -> None:
    way_in = [("/login", "Log in"), ("/register", "Sign up")]
    for url in ("/", "/login", "/register", "/no-such-page"):
        assert guest_links(client.get(url).data) == way_in, url
    current = html(client.get("/login").data).select_one(".guest-nav a[aria-current=page]")
    assert current is not None and current["href"] == "/login"
    # Signed in: the navigation and the logout button instead, never the way in.
    auth.register()
    page = client.get("/")
    assert guest_links(page.data) == []
    assert html(page.data).select_one("header form[action='/logout']") is not None
    # Logged out, the way back in is there again.
    landed = client.get(auth.logout().headers["Location"])  # type: ignore[attr-defined]
    assert guest_links(landed.data) == way_in
    assert "You are logged out." in landed.get_data(as_text=True)


def test_the_home_page_asks_visitors_to_sign_up_or_log_in(client: FlaskClient) -> None:
    hero = html(client.get("/?lang=en").data).select_one(".hero")
    assert hero is not None
    actions = [(a["href"], a.get_text(), "primary" in a["class"]) for a in hero.select("a.button")]
    assert actions == [("/register", "Create an account", True), ("/login", "Log in", False)]
    korean = html(client.get("/?lang=ko").data)
    assert [a.get_text() for a in korean.select(".hero a.button")] == ["계정 만들기", "로그인"]
    assert [a.get_text() for a in korean.select(".guest-nav a")] == ["로그인", "가입하기"]


# ---- Login sessions kept on the server ---------------------------------------------------------

#: A valid settings form (what ``POST /settings`` saves with 303).
SETTINGS = {
    "locale": "en",
    "timezone": "UTC",
    "new_cards_per_day": "15",
    "reviews_per_day": "150",
    "grade_buttons": "six",
    "bury_siblings": "y",
}
KEEP_ME = {"email": "reader@example.com", "password": "correct horse", "remember": "y"}


def refused(response: Any) -> bool:
    """Sent to log in, as a visitor is: the request was not served as the user."""
    return response.status_code == 302 and response.headers["Location"].startswith("/login?next=")


def cookie(client: FlaskClient, name: str) -> str:
    found = client.get_cookie(name)
    assert found is not None, name
    return found.value


def test_a_session_cookie_copied_before_logout_is_refused_after_it(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    copy = app.test_client()
    copy.set_cookie("session", cookie(client, "session"))
    token = csrf_token(copy)
    # Until the owner logs out, the copy reads and writes as the cookie it copies does.
    assert copy.get("/settings").status_code == 200
    assert copy.post("/settings", data={**SETTINGS, "csrf_token": token}).status_code == 303
    auth.logout()
    # The owner's logout ended the session on the server: the copy is a visitor.
    assert refused(copy.get("/settings"))
    assert refused(copy.post("/settings", data={**SETTINGS, "csrf_token": token}))


def test_a_remember_cookie_copied_before_logout_is_refused_after_it(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    auth.logout()
    assert auth.post("/login", KEEP_ME).status_code == 303  # type: ignore[attr-defined]
    kept = cookie(client, REMEMBER_COOKIE)
    auth.logout()
    copy = app.test_client()
    copy.set_cookie(REMEMBER_COOKIE, kept)
    assert refused(copy.get("/settings"))
    token = csrf_token(copy)
    assert refused(copy.post("/settings", data={**SETTINGS, "csrf_token": token}))
    # The refused cookie is deleted from the browser that sent it.
    assert copy.get_cookie(REMEMBER_COOKIE) is None


def session_row(app: Flask) -> LoginSession:
    with session_factory(app)() as session, session.begin():
        row = session.scalars(select(LoginSession)).one()
        session.expunge(row)
        return row


def move_session(app: Flask, **values: object) -> None:
    with session_factory(app)() as session, session.begin():
        session.execute(update(LoginSession).values(**values))


def test_a_session_is_written_every_few_minutes_and_ends_unused(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    started = session_row(app)
    assert started.expires_at - started.last_seen_at == timedelta(days=7)  # LOGIN_IDLE_DAYS
    assert not started.remembered and started.remember_hash is None
    # Pages within a few minutes of each other write nothing: one read per request.
    for _ in range(3):
        assert client.get("/settings").status_code == 200
    assert session_row(app).last_seen_at == started.last_seen_at
    # Once the last note is older, the next page notes it and moves the end on.
    earlier = utcnow() - TOUCH_EVERY - timedelta(seconds=1)
    move_session(app, last_seen_at=earlier, expires_at=earlier + timedelta(days=7))
    before = utcnow()
    assert client.get("/settings").status_code == 200
    seen = session_row(app)
    assert seen.last_seen_at >= before
    assert seen.expires_at == seen.last_seen_at + timedelta(days=7)
    # A session past its end signs no one in.
    move_session(app, expires_at=utcnow() - timedelta(seconds=1))
    assert refused(client.get("/settings"))
