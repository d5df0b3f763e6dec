"""The settings page: language, time zone, daily limits, grade buttons and burying siblings."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.db import session_factory
from studyapp.models import User
from tests.conftest import AuthActions, html

GOOD = {
    "locale": "",
    "timezone": "UTC",
    "new_cards_per_day": "20",
    "reviews_per_day": "200",
    "grade_buttons": "six",
    "bury_siblings": "y",
}


def stored(app: Flask) -> dict[str, Any]:
    with session_factory(app)() as session, session.begin():
        user = session.scalars(select(User)).one()
        return {
            "locale": user.locale,
            "timezone": user.timezone,
            "new_cards_per_day": user.new_cards_per_day,
            "reviews_per_day": user.reviews_per_day,
            "four_grade_buttons": user.four_grade_buttons,
            "bury_siblings": user.bury_siblings,
        }


DEFAULTS = {
    "locale": None,
    "timezone": "Asia/Seoul",
    "new_cards_per_day": 20,
    "reviews_per_day": 200,
    "four_grade_buttons": False,
    "bury_siblings": True,
}


def test_settings_need_a_signed_in_user(client: FlaskClient, auth: AuthActions) -> None:
    response = client.get("/settings")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login")
    assert auth.post("/settings", GOOD).status_code == 302  # type: ignore[attr-defined]


def test_the_form_shows_the_current_settings(client: FlaskClient, auth: AuthActions) -> None:
    auth.register(timezone="Asia/Seoul")
    response = client.get("/settings")
    assert response.status_code == 200
    page = html(response.data)
    form = page.select_one("form[action='/settings'][method=post]")
    assert form is not None
    assert form.select_one("input[name=csrf_token]") is not None
    assert [o["value"] for o in form.select("select[name=locale] option")] == ["", "ko", "en"]
    assert form.select_one("select[name=locale] option[selected]")["value"] == ""
    zone = form.select_one("select[name=timezone]")
    assert zone.select_one("option[selected]")["value"] == "Asia/Seoul"
    assert len(zone.select("option")) > 300
    assert not zone.has_attr("data-guess")  # only registration guesses from the browser
    assert form.select_one("input[name=new_cards_per_day]")["value"] == "20"
    assert form.select_one("input[name=reviews_per_day]")["value"] == "200"
    assert form.select_one("input[name=grade_buttons][checked]")["value"] == "six"
    assert [r["value"] for r in form.select("input[type=radio][name=grade_buttons]")] == [
        "six",
        "four",
    ]
    bury = form.select_one("input[type=checkbox][name=bury_siblings]")
    assert bury is not None and bury.has_attr("checked")  # on by default, as in Anki
    assert page.select_one(f"#{bury['aria-describedby']}") is not None  # what it means
    assert form.find_next("a", href="/account") is not None  # the account is one click away
    nav = page.select_one(".main-nav a[aria-current=page]")
    assert nav is not None and nav["href"] == "/settings"


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("locale", "ko", {"locale": "ko"}),
        ("locale", "en", {"locale": "en"}),
        ("timezone", "America/New_York", {"timezone": "America/New_York"}),
        ("new_cards_per_day", "0", {"new_cards_per_day": 0}),
        ("new_cards_per_day", "9999", {"new_cards_per_day": 9999}),
        ("reviews_per_day", "99999", {"reviews_per_day": 99999}),
        ("grade_buttons", "four", {"four_grade_buttons": True}),
    ],
)
def test_each_setting_is_saved(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    field: str,
    value: str,
    expected: dict[str, Any],
) -> None:
    auth.register(timezone="Asia/Seoul")
    response = auth.post("/settings", {**GOOD, "timezone": "Asia/Seoul", field: value})
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert response.headers["Location"] == "/settings"  # type: ignore[attr-defined]
    assert stored(app) == {**DEFAULTS, **expected}
    page = html(client.get("/settings").data)
    assert page.select_one(".flash.ok") is not None
    if field == "grade_buttons":
        assert page.select_one("input[name=grade_buttons][checked]")["value"] == value
    elif field in ("locale", "timezone"):
        assert page.select_one(f"select[name={field}] option[selected]")["value"] == value
    else:
        assert page.select_one(f"input[name={field}]")["value"] == value


def test_saving_says_so(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    auth.post("/settings", {**GOOD, "locale": "en"})
    assert [p.get_text() for p in html(client.get("/settings").data).select(".flash")] == [
        "Settings saved."
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("timezone", "Mars/Olympus_Mons", "Choose a time zone from the list."),
        ("timezone", "", "Choose a time zone from the list."),
        ("locale", "fr", "Not a valid choice."),
        ("new_cards_per_day", "-1", "Enter a whole number from 0 to 9999."),
        ("new_cards_per_day", "10000", "Enter a whole number from 0 to 9999."),
        ("new_cards_per_day", "", "This field is required."),
        ("reviews_per_day", "-5", "Enter a whole number from 0 to 99999."),
        ("reviews_per_day", "100000", "Enter a whole number from 0 to 99999."),
        ("reviews_per_day", "lots", "Not a valid integer value."),
        ("grade_buttons", "seven", "Not a valid choice."),
    ],
)
def test_invalid_settings_say_what_is_wrong_and_change_nothing(
    app: Flask, auth: AuthActions, field: str, value: str, message: str
) -> None:
    auth.register(timezone="Asia/Seoul")
    response = auth.post("/settings", {**GOOD, "locale": "en", field: value})
    assert response.status_code == 422  # type: ignore[attr-defined]
    page = html(response.data)  # type: ignore[attr-defined]
    problems = [p.get_text() for p in page.select("form[action='/settings'] .error")]
    assert problems == [message]
    broken = page.select_one(f"[name={field}][aria-invalid=true]") or page.select_one(
        "fieldset.choices.has-error"
    )
    assert broken is not None
    assert stored(app) == DEFAULTS


def test_the_language_setting_changes_the_next_page(client: FlaskClient, auth: AuthActions) -> None:
    english_browser = {"Accept-Language": "en-US,en;q=0.8"}
    auth.register()
    assert html(client.get("/", headers=english_browser).data).html["lang"] == "en"

    auth.post("/settings", {**GOOD, "locale": "ko"})
    page = html(client.get("/settings", headers=english_browser).data)
    assert page.html["lang"] == "ko"
    assert page.select_one("select[name=locale] option[selected]")["value"] == "ko"
    assert html(client.get("/", headers=english_browser).data).html["lang"] == "ko"

    # Back to following the browser.
    auth.post("/settings", {**GOOD, "locale": ""})
    assert html(client.get("/", headers=english_browser).data).html["lang"] == "en"
    korean_browser = {"Accept-Language": "ko-KR,ko;q=0.9"}
    assert html(client.get("/", headers=korean_browser).data).html["lang"] == "ko"


def test_posting_without_a_csrf_token_is_refused(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register(timezone="Asia/Seoul")
    response = client.post("/settings", data={**GOOD, "locale": "ko"})
    assert response.status_code == 400
    assert stored(app) == DEFAULTS


def test_burying_siblings_is_saved_and_shown(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register(timezone="Asia/Seoul")
    unchecked = {key: value for key, value in GOOD.items() if key != "bury_siblings"}
    # An unchecked box sends nothing: the setting goes off.
    response = auth.post("/settings", {**unchecked, "timezone": "Asia/Seoul"})
    assert response.status_code == 303  # type: ignore[attr-defined]
    assert stored(app) == {**DEFAULTS, "bury_siblings": False}
    box = html(client.get("/settings").data).select_one("input[name=bury_siblings]")
    assert box is not None and not box.has_attr("checked")
    # And back on.
    auth.post("/settings", {**GOOD, "timezone": "Asia/Seoul"})
    assert stored(app) == DEFAULTS
    box = html(client.get("/settings").data).select_one("input[name=bury_siblings]")
    assert box is not None and box.has_attr("checked")


def test_the_bury_setting_is_labelled_in_korean(client: FlaskClient, auth: AuthActions) -> None:
    auth.register()
    page = html(client.get("/settings?lang=ko").data)
    label = page.select_one("input[name=bury_siblings]").find_parent("label")
    assert label is not None and "논문" in label.get_text()
