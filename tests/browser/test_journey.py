"""The morning journey in real Chromium: register, import a summary through the page, review
three cards with the keyboard, undo one, log out and in again and find the work kept — with
JavaScript on, and the same journey with it off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import ReviewLog
from tests.browser.conftest import Shots

DIGEST = (Path(__file__).resolve().parents[1] / "data" / "digest_ko.md").read_text(encoding="utf-8")
EMAIL, PASSWORD = "morning@example.com", "a long passphrase"


def answers_logged(app: Flask) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count(ReviewLog.id))) or 0


def register_and_import(page: Page, base: str, shots: Shots) -> None:
    page.goto(f"{base}/register?lang=en")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    shots.take(page, "register")
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Today")
    page.goto(f"{base}/import")
    page.fill("textarea#text", DIGEST)
    page.click("#import-form button[type=submit]")
    expect(page.locator(".preview-head h2")).to_have_text("3 papers found")
    shots.take(page, "import-preview")
    page.click(".save-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_be_visible()
    shots.take(page, "after-import")


def settled(page: Page) -> None:
    """Wait until the page is ready for a key: its scripts loaded (after a full navigation)
    and no htmx request, swap or settle under way (after a fragment swap)."""
    page.wait_for_load_state("load")
    busy = ".htmx-request, .htmx-swapping, .htmx-settling"
    page.wait_for_function(f"() => window.htmx && !document.querySelector('{busy}')")


def log_out_and_back_in(page: Page, base: str) -> None:
    menu = page.locator("summary.nav-toggle")
    if menu.is_visible():  # a phone: the nav is folded into a menu
        menu.click()
    page.click("form[action='/logout'] button")
    # Wait for the logout to land: its new session replaces the login form's CSRF token.
    expect(page.locator("form[action='/logout']")).to_have_count(0)
    # The back button asks the server again, which wants a login: no copy of the page before
    # (htmx's or the browser's) shows the cards of whoever just left.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/login\?next="))
    page.goto(f"{base}/login")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.click("form button[type=submit]")


def test_morning_journey_with_the_keyboard(
    browser: Browser, live_server: str, empty_app: Flask, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)

    page.goto(f"{live_server}/")
    shots.take(page, "today")
    page.click("a.button.primary[href='/review']")
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    reviewed = []
    for step in range(3):
        expect(page.locator("[data-action=reveal]")).to_be_visible()
        expect(page.locator("form.grades")).to_be_hidden()
        reviewed.append(page.locator(".flashcard .front p").first.inner_text())
        if step == 0:
            shots.take(page, "front")
        settled(page)
        before = len(requested)
        page.keyboard.press("Space")
        expect(page.locator("form.grades")).to_be_visible()
        expect(page.locator(".flashcard .back .answer")).to_be_visible()
        # The answer came with the card: showing it asks the server for nothing.
        assert requested[before:] == []
        if step == 0:
            shots.take(page, "answer")
        settled(page)
        page.keyboard.press("5" if step != 1 else "4")
    # Three papers, one card each today (their siblings are buried until tomorrow): done.
    expect(page.locator(".summary h1")).to_have_text("All done for today")
    assert answers_logged(empty_app) == 3

    settled(page)
    page.keyboard.press("u")
    expect(page.locator(".flashcard .front p").first).to_have_text(reviewed[2])
    assert answers_logged(empty_app) == 2
    shots.take(page, "after-undo")

    log_out_and_back_in(page, live_server)
    expect(page.locator(".due-summary > p.meta")).to_have_text("2 answers today")
    shots.take(page, "today-again")
    context.close()


def test_the_same_journey_without_javascript(
    browser: Browser, live_server: str, empty_app: Flask, shots: Shots
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, locale="en-US", java_script_enabled=False
    )
    page = context.new_page()
    register_and_import(page, live_server, shots)

    page.goto(f"{live_server}/review")
    for step in range(3):
        page.click("a[data-action=reveal]")
        expect(page.locator("form.grades")).to_be_visible()
        if step == 0:
            shots.take(page, "answer-no-js")
        page.click("form.grades button[value='5']")
        # The next card's page (or, after the third paper, the day's summary: the siblings
        # are buried until tomorrow) arrives only after the answer is committed.
        expect(page.locator("a[data-action=reveal], .summary h1")).to_be_visible()
    assert answers_logged(empty_app) == 3
    page.click("form[data-action=undo] button")
    # Undo answers with the undone card again: /review?card=<its id>.
    expect(page).to_have_url(re.compile(r"/review\?card=\d+$"))
    assert answers_logged(empty_app) == 2

    log_out_and_back_in(page, live_server)
    expect(page.locator(".due-summary > p.meta")).to_have_text("2 answers today")
    shots.take(page, "today-no-js")
    context.close()


@pytest.mark.parametrize("width", [390, 1200])
def test_pages_render_in_both_languages(
    browser: Browser, live_server: str, shots: Shots, width: int
) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    for lang in ("ko", "en"):
        page.goto(f"{live_server}/?lang={lang}")
        expect(page.locator("html")).to_have_attribute("lang", lang)
        shots.take(page, f"home-{lang}-{width}")
        page.goto(f"{live_server}/login?lang={lang}")
        shots.take(page, f"login-{lang}-{width}")
    context.close()


def test_switching_language_on_the_review_page(
    browser: Browser, live_server: str, shots: Shots
) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    page.goto(f"{live_server}/review")
    settled(page)
    page.keyboard.press("Space")
    grade_5 = page.locator("form.grades button[value='5']")
    expect(grade_5.locator(".grade-desc")).to_have_text("Right at once")
    # A new card answered 5 comes back in one day, said in the page's language; one answered
    # 3 comes back today. Three papers: a paper offers one card a day.
    expect(grade_5.locator(".grade-next")).to_have_text("in 1 day")
    expect(page.locator("form.grades button[value='3'] .grade-next")).to_have_text("again today")
    expect(page.locator(".review-top .meta")).to_contain_text("3 left today")

    page.click(".lang-switch a[hreflang=ko]")
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    settled(page)
    page.keyboard.press("Space")
    expect(grade_5.locator(".grade-desc")).to_have_text("맞음, 바로")
    expect(grade_5.locator(".grade-next")).to_have_text("1일 후")
    expect(page.locator("form.grades button[value='3'] .grade-next")).to_have_text("오늘 다시")
    expect(page.locator(".review-top .meta")).to_contain_text("오늘 3장 남음")
    shots.take(page, "review-ko")

    # The choice holds for the session: the home page's date is Korean too.
    page.goto(f"{live_server}/")
    expect(page.locator(".today-head p.meta")).to_contain_text("년")
    page.click(".lang-switch a[hreflang=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Today")
    context.close()


def test_a_whole_quiz_with_the_keyboard(browser: Browser, live_server: str, shots: Shots) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    page.goto(f"{live_server}/quiz")
    shots.take(page, "quiz-topics")
    # The imported deck: its start form is the last on the page.
    page.locator("form.quiz-start").last.locator("button[type=submit]").click()
    asked = 0
    while True:
        expect(page.locator("#quiz")).to_be_visible()
        settled(page)
        typed = page.locator("#quiz input[name=typed]:not([disabled])")
        if typed.count():
            typed.fill("1")
            typed.press("Enter")
        else:
            page.keyboard.press("1")
        expect(page.locator(".quiz-feedback")).to_be_visible()
        if asked == 0:
            shots.take(page, "quiz-feedback")
        asked += 1
        last = (page.locator("[data-action=next]").get_attribute("href") or "").endswith("/results")
        settled(page)
        page.keyboard.press("Enter")
        if last:
            expect(page).to_have_url(re.compile(r"/quiz/\d+/results$"))
            break
        expect(page.locator(".quiz-feedback")).to_have_count(0)
    expect(page.locator(".quiz-row")).to_have_count(asked)
    expect(page.locator(".quiz-score")).to_contain_text(f"of {asked} right")
    shots.take(page, "quiz-results")
    # The quiz left no trace in the stats: no answer was logged.
    page.goto(f"{live_server}/stats")
    expect(page.locator("svg[role=img]")).to_have_count(5)
    expect(page.locator(".stats-head dd").nth(1)).to_have_text("0")
    shots.take(page, "stats")
    context.close()
