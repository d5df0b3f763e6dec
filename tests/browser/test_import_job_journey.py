"""A large document imported in real Chromium: the preview waits for the worker behind a
progress bar, appears by itself once the worker has read the document, and its save runs as a
job too, ending on the deck — with JavaScript (htmx polls) and without it (the page reloads
itself), on a desktop in English and on a phone in Korean."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from tests.browser.conftest import Shots, axe_violations
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
    if javascript:
        shots.take(page, f"{lang}-job-waiting")
    else:
        # Without JavaScript the page reloads itself: axe-core flags that (a reload restarts a
        # screen reader), and nothing else; the reader can stop it, and the page without the
        # reloading passes.
        found = [rule for rule, _targets, _help in axe_violations(page)]
        assert found == ["meta-refresh"]
        page.click("noscript a, a[href$='reload=off']")
        expect(page).to_have_url(re.compile(r"reload=off$"))
        shots.take(page, f"{lang}-job-waiting")
        page.click("a[href$='/import/jobs/1']")

    live_worker()
    # The page notices by itself that the preview is ready (htmx, or the meta refresh).
    expect(page.locator(".preview-head h2")).to_contain_text(str(PAPERS))
    expect(page.locator("li.preview-paper")).to_have_count(100)
    shots.take(page, f"{lang}-job-preview")

    page.locator(".save-form button[type=submit]").first.click()
    saved = page.locator("#import-job .flash.ok")
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
