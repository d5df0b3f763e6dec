"""What every response tells the browser, cookies over HTTPS, login rate limits and sessions
at sign-in."""

from __future__ import annotations

import logging
import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp import create_app
from studyapp.db import session_factory
from studyapp.models import Base, LoginSession
from studyapp.services.login_sessions import REMEMBER_GRACE, token_hash
from studyapp.web.auth import REMEMBER_COOKIE
from tests.conftest import AuthActions, csrf_token, engine_of, html
from tests.test_routes import PRIVATE

PASSWORD = "correct horse"

AppMaker = Callable[..., Flask]


@pytest.fixture
def make_app(database_url: str) -> Iterator[AppMaker]:
    """Apps with settings of their own on one fresh database (tables made by the first)."""
    made: list[Flask] = []

    def make(**config: Any) -> Flask:
        app = create_app(
            {"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "test", **config}
        )
        if not made:
            Base.metadata.create_all(engine_of(app))
        made.append(app)
        return app

    yield make
    for app in made:
        engine_of(app).dispose()


def _policy(header: str) -> dict[str, str]:
    directives = (part.strip().split(" ", 1) for part in header.split(";") if part.strip())
    return {name: value for name, value in directives}


def test_every_page_carries_the_security_headers(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    urls = ["/", "/login", "/healthz", "/static/css/app.css", "/no/such/page"]
    urls += [url for url in PRIVATE.values() if "1" not in url]
    for url in urls:
        response = client.get(url)
        response.close()
        headers = response.headers
        assert headers["X-Content-Type-Options"] == "nosniff", url
        assert headers["Referrer-Policy"] == "same-origin", url
        assert headers["X-Frame-Options"] == "DENY", url
        policy = _policy(headers["Content-Security-Policy"])
        assert policy["default-src"] == "'self'", url
        assert policy["script-src"] == "'self'" and policy["style-src"] == "'self'", url
        assert policy["frame-ancestors"] == "'none'", url
        assert "unsafe" not in headers["Content-Security-Policy"], url
        # Plain HTTP: no promise about HTTPS that this request cannot back.
        assert "Strict-Transport-Security" not in headers, url
        # Pages are never kept in the browser's cache; our static files may be.
        assert ("no-store" in headers.get("Cache-Control", "")) != url.startswith("/static/")


def test_pages_hold_no_inline_script_or_style(client: FlaskClient, auth: AuthActions) -> None:
    # What the policy would refuse must not be needed: scripts come from files, and no
    # element carries a style or an event handler attribute.
    auth.register()
    for url in ["/", "/login", "/register"] + [u for u in PRIVATE.values() if "1" not in u]:
        response = client.get(url, follow_redirects=True)
        page = html(response.data)
        for script in page.find_all("script"):
            assert str(script.get("src", "")).startswith("/static/"), url
            assert not script.get_text().strip(), url
        assert page.find_all("style") == [], url
        for element in page.find_all(True):
            assert not [a for a in element.attrs if a == "style" or a.startswith("on")], url


def test_cookies_are_secure_over_https_only(client: FlaskClient, auth: AuthActions) -> None:
    plain = auth.register()
    assert "Secure" not in plain.headers["Set-Cookie"]  # type: ignore[attr-defined]
    auth.logout()

    https = {"base_url": "https://localhost"}
    token = csrf_token(client)
    response = client.post(
        "/login",
        data={"email": "reader@example.com", "password": PASSWORD, "remember": "y"},
        headers={"X-CSRFToken": token, "Referer": "https://localhost/login"},
        **https,
    )
    assert response.status_code == 303
    cookies = response.headers.getlist("Set-Cookie")
    names = {cookie.split("=", 1)[0] for cookie in cookies}
    assert {"session", REMEMBER_COOKIE} <= names
    assert all("; Secure" in cookie for cookie in cookies)
    assert client.get("/", **https).headers["Strict-Transport-Security"].startswith("max-age=")


def test_https_is_believed_only_from_a_trusted_proxy(make_app: AppMaker) -> None:
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    for proxies, secure in ((0, False), (1, True)):
        client = make_app(TRUSTED_PROXIES=proxies).test_client()
        auth = AuthActions(client)
        auth.register(email=f"p{proxies}@example.com")
        auth.logout()
        token = csrf_token(client)
        response = client.post(
            "/login",
            data={"email": f"p{proxies}@example.com", "password": PASSWORD},
            headers={**forwarded, "X-CSRFToken": token, "Referer": "https://localhost/"},
        )
        assert response.status_code == 303
        assert ("; Secure" in response.headers["Set-Cookie"]) is secure


def _fail_login(client: FlaskClient, email: str) -> Any:
    return client.post(
        "/login",
        data={"email": email, "password": "wrong password", "csrf_token": csrf_token(client)},
    )


def test_failed_logins_are_limited_per_account(
    client: FlaskClient, auth: AuthActions, app: Flask
) -> None:
    auth.register()
    auth.logout()
    for _ in range(5):
        assert _fail_login(client, "reader@example.com").status_code == 422
    # The sixth try is refused before the password is even checked, the right one included.
    refused = auth.login()
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert int(refused.headers["Retry-After"]) > 0  # type: ignore[attr-defined]
    page = html(refused.data)  # type: ignore[attr-defined]
    alert = page.select_one("form .flash.error[role=alert]")
    assert alert is not None and "Wait a few minutes" in alert.get_text()
    assert page.select_one("form input[name=email]") is not None
    # In Korean too.
    korean = client.post(
        "/login?lang=ko",
        data={
            "email": "reader@example.com",
            "password": PASSWORD,
            "csrf_token": csrf_token(client),
        },
    )
    assert korean.status_code == 429 and "잠시" in html(korean.data).select_one("[role=alert]").text
    # Another account from the same address is not locked by it.
    auth.client.post("/logout", data={"csrf_token": csrf_token(client)})
    assert _fail_login(client, "someone.else@example.com").status_code == 422


def _from(app: Flask, address: str) -> FlaskClient:
    """A browser at ``address`` (a client of its own: its own session and cookies)."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def _log_in(client: FlaskClient, email: str = "reader@example.com") -> Any:
    return AuthActions(client).login(email=email)


def test_a_guesser_is_shut_out_while_the_owner_elsewhere_gets_in(make_app: AppMaker) -> None:
    app = make_app()
    AuthActions(_from(app, "198.51.100.7")).register()
    guesser, owner = _from(app, "203.0.113.66"), _from(app, "198.51.100.7")
    statuses = [_fail_login(guesser, "reader@example.com").status_code for _ in range(12)]
    assert statuses == [422] * 5 + [429] * 7
    # The guesser is refused before any password is checked, the right one included...
    refused = _log_in(guesser)
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    # ...while the owner, from an address that has not been failing, gets in.
    assert _log_in(owner).status_code == 303


def test_failed_logins_are_limited_per_account_and_address(make_app: AppMaker) -> None:
    app = make_app(LOGIN_RATE_LIMIT="3 per hour")
    auth = AuthActions(_from(app, "198.51.100.7"))
    for email in ("reader@example.com", "other@example.com"):
        auth.register(email=email)
        auth.logout()
    guesser = _from(app, "203.0.113.66")
    assert [_fail_login(guesser, "reader@example.com").status_code for _ in range(4)] == [
        422,
        422,
        422,
        429,
    ]
    # The same address still gets its tries at another account...
    assert _fail_login(guesser, "other@example.com").status_code == 422
    # ...and another address its own tries at the first.
    elsewhere = _from(app, "192.0.2.44")
    assert _fail_login(elsewhere, "reader@example.com").status_code == 422
    assert _log_in(elsewhere).status_code == 303


def test_failures_from_many_addresses_slow_an_account_without_locking_it(
    make_app: AppMaker,
) -> None:
    app = make_app(LOGIN_ACCOUNT_RATE_LIMIT="3 per hour", LOGIN_SLOWED_RATE_LIMIT="1 per hour")
    AuthActions(app.test_client()).register()
    # Three addresses fail once each: the account is now past its limit from everywhere.
    for n in range(3):
        assert _fail_login(_from(app, f"203.0.113.{n}"), "reader@example.com").status_code == 422
    # From now on each address gets one failure per window, not LOGIN_RATE_LIMIT's five...
    for n in range(10, 13):
        guesser = _from(app, f"203.0.113.{n}")
        assert _fail_login(guesser, "reader@example.com").status_code == 422
        refused = _fail_login(guesser, "reader@example.com")
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert _log_in(guesser).status_code == 429
    # ...and the account is never locked: the owner, from an address with no failure on it,
    # logs in with the right password.
    assert _log_in(_from(app, "198.51.100.7")).status_code == 303
    # Other accounts are not slowed by it.
    assert _fail_login(_from(app, "203.0.113.10"), "other@example.com").status_code == 422


def test_logins_that_work_are_not_counted(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    for _ in range(8):
        auth.logout()
        assert auth.login().status_code == 303  # type: ignore[attr-defined]


def test_failed_logins_are_limited_per_address(make_app: AppMaker) -> None:
    app = make_app(LOGIN_ADDRESS_RATE_LIMIT="3 per minute")
    client = app.test_client()
    for n in range(3):
        assert _fail_login(client, f"guess{n}@example.com").status_code == 422
    assert _fail_login(client, "guess9@example.com").status_code == 429
    # Another address still gets in.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "198.51.100.7"
    assert _fail_login(other, "guess9@example.com").status_code == 422


def test_registrations_are_limited_per_address(make_app: AppMaker) -> None:
    client = make_app(REGISTER_RATE_LIMIT="2 per hour").test_client()
    auth = AuthActions(client)
    for n in range(2):
        assert auth.register(email=f"new{n}@example.com").status_code == 303  # type: ignore[attr-defined]
        auth.logout()
    refused = auth.register(email="new2@example.com")
    assert refused.status_code == 429  # type: ignore[attr-defined]
    assert html(refused.data).select_one("[role=alert]") is not None  # type: ignore[attr-defined]


def _redis_running() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _redis_running(), reason="no Redis on 127.0.0.1:6379")
def test_workers_count_together_through_redis(make_app: AppMaker) -> None:
    # Two apps stand for two worker processes: with Redis they share one count.
    settings = {"RATELIMIT_STORAGE_URI": "redis://127.0.0.1:6379", "LOGIN_RATE_LIMIT": "3/hour"}
    first, second = (make_app(**settings).test_client() for _ in range(2))
    email = f"{uuid.uuid4().hex}@example.com"
    for client in (first, second, first):
        assert _fail_login(client, email).status_code == 422
    assert _fail_login(second, email).status_code == 429


def test_signing_in_starts_a_new_session(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    auth.logout()
    # A visitor's session, as an attacker could have planted it in the browser beforehand,
    # with a login token the attacker knows.
    with client.session_transaction() as planted:
        planted["planted"] = "by someone else"
        planted["login"] = "a token the attacker chose"
    before = client.get_cookie("session")
    assert before is not None
    auth.login()
    with client.session_transaction() as current:
        assert "planted" not in current
        first = current["login"]
        assert first != "a token the attacker chose"
    after = client.get_cookie("session")
    assert after is not None and after.value != before.value
    # The planted cookie, replayed, holds no sign-in.
    stranger = client.application.test_client()
    stranger.set_cookie("session", before.value)
    assert stranger.get("/review").status_code == 302
    # Every login gets a token of its own.
    auth.logout()
    auth.login()
    with client.session_transaction() as again:
        assert again["login"] not in (first, "a token the attacker chose")


def test_an_oversized_request_is_refused_in_the_readers_language(client: FlaskClient) -> None:
    token = csrf_token(client)
    # A file part (form fields alone would meet Werkzeug's own form-size limit first), sent
    # as bytes made here: the test client's own multipart file would be left open.
    head = (
        f'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{token}\r\n'
        '--b\r\nContent-Disposition: form-data; name="blob"; filename="big.bin"\r\n\r\n'
    )
    body = head.encode() + b"x" * 2**21 + b"\r\n--b--\r\n"
    response = client.post(
        "/login?lang=ko", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert response.status_code == 413
    page = html(response.data)
    assert page.html is not None and page.html["lang"] == "ko"
    assert "업로드" in page.select_one("main").get_text()


def test_one_account_is_counted_however_its_email_is_written(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    auth.logout()
    for email in ("reader@example.com", "Reader@Example.COM", " reader@example.com "):
        for _ in range(2):
            _fail_login(client, email)
    assert auth.login().status_code == 429  # type: ignore[attr-defined]


def test_a_signed_in_visitor_posting_the_login_form_is_not_counted(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    for _ in range(6):
        assert _fail_login(client, "reader@example.com").status_code == 302
    auth.logout()
    assert auth.login().status_code == 303  # type: ignore[attr-defined]


def test_forwarded_addresses_count_only_from_a_trusted_proxy(make_app: AppMaker) -> None:
    limit = {"LOGIN_ADDRESS_RATE_LIMIT": "2 per minute"}
    for proxies, separate in ((0, False), (1, True)):
        client = make_app(TRUSTED_PROXIES=proxies, **limit).test_client()
        for n, address in enumerate(("203.0.113.1", "203.0.113.2", "203.0.113.3")):
            client.environ_base["HTTP_X_FORWARDED_FOR"] = address
            status = _fail_login(client, f"guess{n}@example.com").status_code
            # Behind a trusted proxy each forwarded address has its own count; otherwise the
            # header is ignored (anyone can write it) and the third try is over the limit.
            assert status == (422 if separate or n < 2 else 429), (proxies, n)


def test_logins_go_on_when_redis_does_not_answer(make_app: AppMaker) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]
    # Nothing listens on that port now: the limits fall back to counting in this process.
    app = make_app(RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{port}", LOGIN_RATE_LIMIT="2/hour")
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.register().status_code == 303  # type: ignore[attr-defined]
    auth.logout()
    assert [_fail_login(client, "reader@example.com").status_code for _ in range(3)] == [
        422,
        422,
        429,
    ]


@pytest.mark.parametrize("limit", ["5 per minit", 5, ""])
def test_an_unreadable_limit_stops_the_app_from_starting(make_app: AppMaker, limit: object) -> None:
    with pytest.raises(ValueError, match="LOGIN_RATE_LIMIT"):
        make_app(LOGIN_RATE_LIMIT=limit)


@pytest.mark.parametrize("hosts", ["example.org:abc", "example.org:99999"])
def test_an_unreadable_allowlist_stops_the_app_from_starting(
    make_app: AppMaker, hosts: str
) -> None:
    with pytest.raises(ValueError, match="FETCH_ALLOWED_HOSTS"):
        make_app(FETCH_ALLOWED_HOSTS=hosts)


# ---- "Keep me logged in" ------------------------------------------------------------------------

KEEP_ME = {"email": "reader@example.com", "password": PASSWORD, "remember": "y"}


def kept_login(client: FlaskClient, auth: AuthActions) -> str:
    """Register, log out, log in with "keep me logged in"; the remember cookie."""
    auth.register()
    auth.logout()
    assert auth.post("/login", KEEP_ME).status_code == 303  # type: ignore[attr-defined]
    return remember_cookie(client)


def remember_cookie(client: FlaskClient) -> str:
    found = client.get_cookie(REMEMBER_COOKIE)
    assert found is not None
    return found.value


def restart_browser(client: FlaskClient) -> None:
    """What closing the browser does: its session cookie (which has no expiry) is gone."""
    client.delete_cookie("session")


def signed_in(response: Any) -> bool:
    return response.status_code == 200


def sessions(app: Flask) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count()).select_from(LoginSession)) or 0


def past_the_grace(app: Flask) -> None:
    """As if the last replacement of a remember token was longer ago than the grace."""
    with session_factory(app)() as session, session.begin():
        for row in session.scalars(
            select(LoginSession).where(LoginSession.rotated_at.is_not(None))
        ):
            assert row.rotated_at is not None
            row.rotated_at -= 2 * REMEMBER_GRACE


def test_a_remember_cookie_is_replaced_each_time_it_signs_in(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    first = kept_login(client, auth)
    restart_browser(client)
    assert signed_in(client.get("/settings"))
    second = remember_cookie(client)
    assert second != first
    # The new cookie and the new session cookie go on working, for the same one session.
    assert signed_in(client.get("/settings"))
    restart_browser(client)
    assert signed_in(client.get("/settings"))
    assert remember_cookie(client) not in (first, second)
    assert sessions(app) == 1
    # The first value, copied and replayed, signs no one in.
    copy = app.test_client()
    copy.set_cookie(REMEMBER_COOKIE, first)
    assert copy.get("/settings").status_code == 302


def test_a_replaced_remember_cookie_replayed_later_ends_the_session(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    stolen = kept_login(client, auth)
    restart_browser(client)
    assert signed_in(client.get("/settings"))  # the owner's browser replaces it
    past_the_grace(app)
    thief = app.test_client()
    thief.set_cookie(REMEMBER_COOKIE, stolen)
    assert thief.get("/settings").status_code == 302
    # One of the two holders is not the owner, and which one cannot be told: the session ends
    # for both, and the owner logs in again.
    assert sessions(app) == 0
    assert client.get("/settings").status_code == 302


def test_two_tabs_restored_with_one_remember_cookie_both_get_in(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    """A browser restoring two tabs sends the same old cookie twice, at once: the second
    request is served within the grace, without new cookies (the first one's are kept)."""
    old = kept_login(client, auth)
    restart_browser(client)
    other_tab = app.test_client()
    other_tab.set_cookie(REMEMBER_COOKIE, old)
    assert signed_in(client.get("/settings"))
    late = other_tab.get("/settings")
    assert signed_in(late)
    set_cookies = [c.split("=", 1)[0] for c in late.headers.getlist("Set-Cookie")]
    assert REMEMBER_COOKIE not in set_cookies
    # The browser's cookies, the first tab's, still work; the session was not ended.
    restart_browser(client)
    assert signed_in(client.get("/settings"))
    assert sessions(app) == 1


def test_tokens_never_reach_the_log(
    app: Flask, client: FlaskClient, auth: AuthActions, caplog: pytest.LogCaptureFixture
) -> None:
    """Every log line of a login, a sign-in by the remember cookie and a logout, the database's
    statements with their values included, holds no token: only their digests."""
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.INFO, logger="sqlalchemy.engine")  # statements and their values
    serializer = app.session_interface.get_signing_serializer(app)  # type: ignore[attr-defined]

    def login_token() -> str:
        return str(serializer.loads(client.get_cookie("session").value)["login"])  # type: ignore[union-attr]

    tokens = [kept_login(client, auth), login_token()]
    restart_browser(client)
    assert signed_in(client.get("/settings"))
    tokens += [remember_cookie(client), login_token()]
    auth.logout()
    assert len(set(tokens)) == 4
    logged = caplog.text
    assert token_hash(tokens[0]) in logged  # the statements were logged, with their values
    assert [token for token in tokens if token in logged] == []


@pytest.mark.parametrize("setting", ["LOGIN_IDLE_DAYS", "REMEMBER_DAYS"])
@pytest.mark.parametrize("days", [0, -1, "30", None])
def test_an_unreadable_session_lifetime_stops_the_app_from_starting(
    make_app: AppMaker, setting: str, days: object
) -> None:
    with pytest.raises(ValueError, match=setting):
        make_app(**{setting: days})
