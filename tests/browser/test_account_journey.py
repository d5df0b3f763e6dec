"""A newcomer's whole life with an account in real Chromium, on a desktop and on a phone, in
English and in Korean: the signed-out home page → sign up from the header → log out → log in
from the home page's hero → change the password (another browser signed in with the old one is
logged out) → download all the data → delete the account."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import User
from tests.browser.conftest import Shots

EMAIL, PASSWORD, NEW_PASSWORD = "newcomer@example.com", "first passphrase", "second passphrase"

#: What the pages say, per language, where the journey checks the words.
SAYS = {
    "en": {
        "today": "Today",
        "log_in": "Log in",
        "too_short": "Use at least 8 characters.",
        "changed": "Your password is changed.",
        "deleted": f"Your account {EMAIL} is deleted.",
        "account": "Your account",
    },
    "ko": {
        "today": "오늘",
        "log_in": "로그인",
        "too_short": "8자 이상으로 정하세요.",
        "changed": "비밀번호를 바꿨습니다.",
        "deleted": f"계정을 삭제했습니다: {EMAIL}.",
        "account": "내 계정",
    },
}
DEVICES = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 390, "height": 844}}


def users(app: Flask) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count(User.id))) or 0


def log_out(page: Page) -> None:
    button = page.locator("form[action='/logout'] button")
    if not button.is_visible():
        # On a phone the navigation may sit behind a menu button: open it first.
        page.locator("header [aria-expanded=false], header details > summary").first.click()
    button.click()
    expect(page.locator("form[action='/logout']")).to_have_count(0)


def signed_out_header(page: Page) -> None:
    expect(page.locator("header .guest-nav a[href='/login']")).to_be_visible()
    expect(page.locator("header .guest-nav a[href='/register']")).to_be_visible()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("device", ["desktop", "phone"])
def test_from_first_visit_to_a_deleted_account(
    browser: Browser,
    live_server: str,
    empty_app: Flask,
    shots: Shots,
    tmp_path: Path,
    device: str,
    lang: str,
) -> None:
    says = SAYS[lang]
    context = browser.new_context(
        viewport=DEVICES[device], locale={"en": "en-US", "ko": "ko-KR"}[lang]
    )
    page = context.new_page()

    # A first visit: the way in is in the header and in the hero.
    page.goto(f"{live_server}/?lang={lang}")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    signed_out_header(page)
    expect(page.locator(".hero a.button.primary[href='/register']")).to_be_visible()
    expect(page.locator(".hero a.button[href='/login']")).to_be_visible()
    shots.take(page, f"home-{device}-{lang}")

    # Sign up from the header; a short password is said once, in the page's language.
    page.click("header .guest-nav a[href='/register']")
    expect(page.locator("#confirm")).to_be_visible()
    page.fill("#email", EMAIL)
    page.fill("#password", "short")
    page.fill("#confirm", "short")
    page.click("main form button[type=submit]")
    password_field = page.locator(".field", has=page.locator("#password"))
    expect(password_field.locator(".error")).to_have_text(says["too_short"])
    expect(password_field.locator(".hint")).to_have_count(0)
    shots.take(page, f"register-error-{device}-{lang}")
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("main form button[type=submit]")
    expect(page.locator("h1")).to_have_text(says["today"])
    expect(page.locator("header .guest-nav")).to_have_count(0)

    # Log out: the way back in is there again.
    log_out(page)
    signed_out_header(page)
    shots.take(page, f"logged-out-{device}-{lang}")

    # Log in from the hero, once its page has taken the place of the home page.
    page.click(".hero a.button[href='/login']")
    expect(page.locator("h1")).to_have_text(says["log_in"])
    expect(page).to_have_url(f"{live_server}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    expect(page.locator("#email")).to_have_value(EMAIL)
    with page.expect_response(
        lambda response: response.request.method == "POST" and "/login" in response.url
    ) as answer:
        page.click("main form button[type=submit]")
    if answer.value.status != 303:
        # Say why the page refused it.
        said = page.locator("main .error, main [role=alert]")
        expect(said.first).to_be_visible()
        raise AssertionError(f"login answered {answer.value.status}: {said.all_inner_texts()}")
    expect(page.locator("h1")).to_have_text(says["today"])

    # Another browser signed in with the old password.
    elsewhere = browser.new_context(viewport=DEVICES["desktop"])
    other = elsewhere.new_page()
    other.goto(f"{live_server}/login")
    other.fill("#email", EMAIL)
    other.fill("#password", PASSWORD)
    other.click("main form button[type=submit]")
    expect(other.locator("form[action='/logout']")).to_have_count(1)

    # The account page, from the settings.
    page.goto(f"{live_server}/settings")
    expect(page.locator("input[name=bury_siblings]")).to_be_checked()
    page.click("main a[href='/account']")
    expect(page.locator("h1")).to_have_text(says["account"])
    shots.take(page, f"account-{device}-{lang}")
    page.fill("#current_password", PASSWORD)
    page.fill("#new_password", NEW_PASSWORD)
    page.fill("#new_password_again", NEW_PASSWORD)
    page.click("form[action='/account/password'] button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text(says["changed"])
    shots.take(page, f"password-changed-{device}-{lang}")
    # Still in here; logged out there.
    page.reload()
    expect(page.locator("h1")).to_have_text(says["account"])
    other.reload()
    expect(other.locator("form[action='/logout']")).to_have_count(0)
    expect(other.locator("header .guest-nav")).to_be_visible()
    elsewhere.close()

    # Download all the data.
    with page.expect_download() as downloading:
        page.click("a[href='/account/data']")
    download = downloading.value
    assert download.suggested_filename.startswith("paper-flashcards-data-")
    assert download.suggested_filename.endswith(".json")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = json.loads(saved.read_text(encoding="utf-8"))
    assert (document["format"], document["version"]) == ("paper-flashcards/account-data", 1)
    assert document["account"]["email"] == EMAIL

    # Delete the account: a confirmation page says what goes, the password confirms.
    page.click("a[href='/account/delete']")
    # A newcomer with no cards yet: only the account goes.
    expect(page.locator(".removes-nothing")).to_contain_text(EMAIL)
    shots.take(page, f"delete-confirm-{device}-{lang}")
    page.fill("#delete_password", NEW_PASSWORD)
    page.click("form[action='/account/delete'] button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text(says["deleted"])
    signed_out_header(page)
    shots.take(page, f"deleted-{device}-{lang}")
    assert users(empty_app) == 0
    context.close()
