"""The app factory, configuration, the home page, locale choice and error pages."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient

from studyapp import create_app, migrate
from studyapp.config import DEFAULTS
from tests.conftest import engine_of, html
from tests.factories import make_card, make_deck, make_paper


def test_factory_uses_the_test_config(app: Flask) -> None:
    assert app.testing
    assert app.config["SECRET_KEY"] == "test-secret"


def test_templates_and_static_files_come_from_the_top_level_folders(app: Flask) -> None:
    root = Path(__file__).resolve().parent.parent
    assert Path(app.template_folder or "") == root / "templates"
    assert Path(app.static_folder or "") == root / "static"


def test_environment_overrides_defaults(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.db")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("STUDYAPP_SQLITE_BUSY_TIMEOUT_MS", "777")
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{tmp_path}/env.db"
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["SQLITE_BUSY_TIMEOUT_MS"] == 777
    engine_of(app).dispose()


def test_default_database_is_sqlite_in_the_instance_folder(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("SECRET_KEY", "x")
    app = create_app()
    assert app.config["DATABASE_URL"] == f"sqlite:///{Path(app.instance_path) / 'studyapp.db'}"
    engine_of(app).dispose()


def test_without_a_secret_key_one_is_made_once_per_instance(tmp_path: Path) -> None:
    from studyapp.config import _instance_secret

    path = tmp_path / "instance" / "secret_key"
    first = _instance_secret(path)
    assert len(first) == 64
    assert _instance_secret(path) == first
    assert path.stat().st_mode & 0o777 == 0o600


def test_session_cookie_is_httponly_and_samesite_lax(app: Flask) -> None:
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True
    assert app.config["SESSION_COOKIE_SAMESITE"] == "Lax"
    assert DEFAULTS["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_home_page_in_english(client: FlaskClient) -> None:
    response = client.get("/", headers={"Accept-Language": "en-US,en;q=0.9"})
    assert response.status_code == 200
    page = html(response.data)
    assert page.html is not None and page.html["lang"] == "en"
    assert page.select_one("main h1").get_text() == "Remember the papers you read"
    assert page.select_one("body")["hx-boost"] == "true"
    assert page.select_one("script[src$='vendor/htmx.min.js']") is not None
    assert "HX-Request" in response.headers["Vary"]


def test_home_page_follows_the_browsers_language(client: FlaskClient) -> None:
    page = html(client.get("/", headers={"Accept-Language": "ko-KR,ko;q=0.9,en;q=0.5"}).data)
    assert page.html is not None and page.html["lang"] == "ko"
    assert page.select_one("main h1").get_text() == "읽은 논문을 잊지 않도록"
    assert page.select_one(".brand span").get_text() == "논문 플래시카드"


def test_language_switch_is_remembered_for_the_session(client: FlaskClient) -> None:
    english_browser = {"Accept-Language": "en"}
    page = html(client.get("/?lang=ko", headers=english_browser).data)
    assert page.html is not None and page.html["lang"] == "ko"
    assert page.select_one(".lang-switch [aria-current]").get_text() == "한국어"
    switch_back = page.select_one(".lang-switch a[hreflang='en']")
    assert switch_back is not None and switch_back["href"] == "/?lang=en"

    later = html(client.get("/", headers=english_browser).data)
    assert later.html is not None and later.html["lang"] == "ko"


def test_unknown_language_falls_back_to_english(client: FlaskClient) -> None:
    page = html(client.get("/?lang=xx", headers={"Accept-Language": "fr"}).data)
    assert page.html is not None and page.html["lang"] == "en"


def test_home_page_counts_the_library(client: FlaskClient, session: object) -> None:
    from sqlalchemy.orm import Session

    assert isinstance(session, Session)
    empty = html(client.get("/?lang=en").data)
    assert empty.select_one(".library-summary p").get_text() == "The built-in library is empty."

    deck = make_deck(session)
    make_card(session, make_paper(session, deck))
    make_card(session, make_paper(session, deck, arxiv_id=None, title="Notes on RLHF"))
    session.commit()
    page = html(client.get("/?lang=en").data)
    assert page.select_one(".library-summary p").get_text() == "2 papers · 2 cards · 1 deck"
    korean = html(client.get("/?lang=ko").data)
    assert korean.select_one(".library-summary p").get_text() == "논문 2편 · 카드 2장 · 덱 1개"


@pytest.mark.parametrize(
    ("lang", "message"),
    [
        ("en", "There is nothing at this address."),
        ("ko", "이 주소에는 아무것도 없습니다."),
    ],
)
def test_not_found_page_is_localized(client: FlaskClient, lang: str, message: str) -> None:
    response = client.get(f"/no-such-page?lang={lang}")
    assert response.status_code == 404
    page = html(response.data)
    assert page.select_one(".error-page h1").get_text() == "404"
    assert page.select_one(".error-page p").get_text().startswith(message)


def test_unhandled_errors_get_the_error_page_not_a_traceback(app: Flask) -> None:
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("secret internals")

    response = app.test_client().get("/explode?lang=en")
    assert response.status_code == 500
    assert b"secret internals" not in response.data
    assert b"Traceback" not in response.data
    assert html(response.data).select_one(".error-page h1").get_text() == "500"


def test_health_check_reports_an_unmigrated_database(client: FlaskClient) -> None:
    # The fixture made the tables without Alembic, so the schema has no revision stamp.
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["revision"] is None


def test_health_check_is_ok_on_a_migrated_database(empty_app: Flask) -> None:
    migrate.upgrade(engine_of(empty_app))
    response = empty_app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {
        "database": "ok",
        "revision": migrate.head_revision(),
        "head": migrate.head_revision(),
    }


def test_front_end_assets_are_served_from_static(client: FlaskClient) -> None:
    # Installed from the npm registry at set-up (make setup), never committed.
    response = client.get("/static/vendor/htmx.min.js")
    assert response.status_code == 200
    assert b"htmx" in response.data[:2000]
    response.close()


BLANK = '<span class="blank"><span class="blank-mark" aria-label="?">?</span></span>'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "최대 ＿＿ 빠르다",
            "최대 " + BLANK + " 빠르다",
        ),
        (
            "up to ___ faster",
            "up to " + BLANK + " faster",
        ),
        ("<script>alert(1)</script> ___", "&lt;script&gt;alert(1)&lt;/script&gt; <span"),
        ("no blank & more", "no blank &amp; more"),
    ],
)
def test_cloze_filter_draws_the_blank_and_escapes_the_rest(text: str, expected: str) -> None:
    from studyapp.web import cloze

    assert str(cloze(text)).startswith(expected)


def test_cloze_filter_can_hold_the_answer_escaped_and_hidden_until_revealed() -> None:
    from studyapp.web import cloze

    hidden = str(cloze("up to ___ faster", "<b>5x</b>"))
    assert '<mark class="fill" data-answer hidden>&lt;b&gt;5x&lt;/b&gt;</mark>' in hidden
    shown = str(cloze("up to ___ faster", "5x", revealed=True))
    assert '<mark class="fill" data-answer>5x</mark>' in shown
