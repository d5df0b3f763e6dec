"""A large document imported in real Chromium: the preview waits for the worker behind a
progress bar, appears by itself once the worker has read the document, and its save runs as a
job too, ending on the deck — with JavaScript (htmx polls) and without it (the page reloads
itself), on a desktop in English and on a phone in Korean."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import Shots
from tests.test_import_jobs import COPIES, THRESHOLD, large_digest

EMAIL, PASSWORD = "large@example.com", "a long passphrase"
PAPERS = 3 * COPIES


@pytest.mark.parametrize(
    ("javascript", "size", "lang"),
    [(True, (1280, 800), "en"), (False, (390, 844), "ko")],
    ids=["js-desktop-en", "no-js-phone-ko"],
)
def test_a_large_import_runs_in_the_background_and_lands_on_the_deck(
    browser: Browser,
    live_server: str,
    live_worker: Callable[[], object],
    empty_app: Flask,
    shots: Shots,
    javascript: bool,
    size: tuple[int, int],
    lang: str,
) -> None:
    empty_app.config["INLINE_IMPORT_BYTES"] = THRESHOLD
    width, height = size
    context = browser.new_context(
        viewport={"width": width, "height": height},
        locale="en-US",
        java_script_enabled=javascript,
    )
    page = context.new_page()
    page.goto(f"{live_server}/register?lang={lang}")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("form[action='/logout']")).to_have_count(1)

    page.goto(f"{live_server}/import")
    page.fill("textarea#text", large_digest())
    page.click("#import-form button[type=submit]")
    # No worker yet: the job waits, and its page says so under a progress bar.
    expect(page).to_have_url(re.compile(r"/import/jobs/\d+$"))
    expect(page.locator("#import-job progress")).to_be_visible()
    expect(page.locator("#import-job-status")).not_to_be_empty()
    shots.take(page, f"{lang}-job-waiting")

    live_worker()
    # With JavaScript the page notices by itself that the preview is ready (htmx).
    if not javascript:
        check_again_until(page, ".preview-head h2")
    expect(page.locator(".preview-head h2")).to_contain_text(str(PAPERS))
    expect(page.locator("li.preview-paper")).to_have_count(100)
    shots.take(page, f"{lang}-job-preview")

    page.locator(".save-form button[type=submit]").first.click()
    saved = page.locator("#import-job .flash.ok")
    if not javascript:
        check_again_until(page, "#import-job .flash.ok")
    expect(saved).to_contain_text(str(PAPERS))
    shots.take(page, f"{lang}-job-saved")
    page.click("#import-job a.button.primary")
    expect(page).to_have_url(re.compile(r"/library/decks/\d+$"))
    shots.take(page, f"{lang}-deck")

    # The import page lists both jobs, finished.
    page.goto(f"{live_server}/import")
    expect(page.locator(".import-jobs li")).to_have_count(2)
    shots.take(page, f"{lang}-import-page")
    context.close()


def check_again_until(page: Page, selector: str) -> None:
    """Without JavaScript the job page never reloads by itself: the reader follows its "Check
    again" link until ``selector`` is on the page."""
    deadline = time.monotonic() + 60
    while not page.locator(selector).count():
        assert time.monotonic() < deadline, f"{selector} never appeared"
        page.wait_for_timeout(200)
        page.locator("noscript a, main a").filter(
            has_text=re.compile("Check again|다시 확인")
        ).first.click()
