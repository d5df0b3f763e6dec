"""Following a series in real Chromium, in English and Korean, on a desktop and a phone: a
reader subscribes on /follows to a series served from 127.0.0.1, the queue's consumer runs the
follow at a given time, the page shows the papers added, and the reader reviews the new cards."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from flask import Flask
from playwright.sync_api import Browser, expect

from studyapp.models import utcnow
from tests.browser.conftest import Shots
from tests.browser.test_journey import answers_logged, settled
from tests.follow_support import follow_the_server, serve
from tests.http_fixtures import DigestServer
from tests.queue_support import JOB_TIMEOUT

EMAIL, PASSWORD = "follower@example.com", "a long passphrase"
SIZES = {"desktop": {"width": 1200, "height": 900}, "phone": {"width": 390, "height": 844}}
SUBSCRIBED = {"en": "Subscribed.", "ko": "구독했습니다."}


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_subscribe_run_and_review_the_new_cards(
    browser: Browser,
    live_server: str,
    empty_app: Flask,
    digest_server: DigestServer,
    shots: Shots,
    lang: str,
    size: str,
) -> None:
    follow_the_server(empty_app, digest_server)
    when = utcnow() + timedelta(minutes=1)  # the time the job is run for
    today = when.date()  # the reader's zone is UTC
    yesterday = today - timedelta(days=1)
    serve(digest_server, yesterday, "digest_en.md")
    serve(digest_server, today, "digest_ko.md")

    context = browser.new_context(viewport=SIZES[size], locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server}/register?lang={lang}")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("form[action='/logout']")).to_have_count(1)

    page.goto(f"{live_server}/follows?lang={lang}")
    shots.take(page, f"{lang}-{size}-follows-empty")
    page.fill("#deck_name", "Daily")
    page.fill("#run_at", "09:00")
    page.fill("#min_votes", "1")
    page.fill("#start_on", yesterday.isoformat())
    page.click("#follow-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_contain_text(SUBSCRIBED[lang])
    expect(page.locator(".follow-papers-added")).to_have_text("0")
    shots.take(page, f"{lang}-{size}-subscribed")

    # The consumer runs what the tick at that time queues.
    with empty_app.extensions["queue"].running(workers=1):
        empty_app.extensions["queue"].tick(when)
        deadline = time.monotonic() + JOB_TIMEOUT
        while page.locator(".follow-papers-added").inner_text() != "6":
            assert time.monotonic() < deadline, "the follow did not run"
            time.sleep(0.3)  # the reader reloads now and then; the job runs on its own
            page.reload()
    expect(page.locator(".follow-error")).to_have_count(0)
    shots.take(page, f"{lang}-{size}-papers-added")

    page.goto(f"{live_server}/?lang={lang}")
    shots.take(page, f"{lang}-{size}-today")
    page.goto(f"{live_server}/review?lang={lang}")
    for step in range(6):  # six new papers: one card each today, their siblings wait
        settled(page)
        expect(page.locator("[data-action=reveal]")).to_be_visible()
        page.keyboard.press("Space")
        expect(page.locator("form.grades")).to_be_visible()
        if step == 0:
            shots.take(page, f"{lang}-{size}-review")
        settled(page)
        page.keyboard.press("5")
    expect(page.locator(".summary h1")).to_be_visible()
    assert answers_logged(empty_app) == 6
    shots.take(page, f"{lang}-{size}-done")
    context.close()
