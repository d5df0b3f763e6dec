"""Accounts: register, log in, log out, and the checks around them."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.db import session_factory
from studyapp.models import User
from tests.conftest import AuthActions, html


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


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"email": "not-an-email", "password": "long enough", "confirm": "long enough"},
            "Invalid email address.",
        ),
        (
            {"email": "a@example.com", "password": "short", "confirm": "short"},
            "Field must be between 8 and 200 characters long.",
        ),
        (
            {"email": "a@example.com", "password": "long enough", "confirm": "different"},
            "The passwords differ.",
        ),
    ],
)
def test_bad_registrations_say_what_is_wrong(
    auth: AuthActions, data: dict[str, str], message: str
) -> None:
    response = auth.post("/register", {**data, "timezone": "UTC"})
    assert response.status_code == 422  # type: ignore[attr-defined]
    errors = [p.get_text() for p in html(response.data).select(".field .error")]  # type: ignore[attr-defined]
    assert message in errors


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
