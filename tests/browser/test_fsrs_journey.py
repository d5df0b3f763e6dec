"""Switching to FSRS in real Chromium, in English on a desktop and in Korean on a phone: a user
with a week of history chooses FSRS on the scheduling page, answers a card with one of FSRS's
four buttons, takes the answer back with Undo, switches back to SM-2, and finds SM-2's six
grades again. The scheduling page is shown in both languages at both sizes, and looked at.

The web pages' clock is pinned (``NOW``); the history before it is answered through the
service on earlier pinned days."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import ReviewLog, ReviewState, User
from studyapp.services import review
from studyapp.web import library as library_web
from studyapp.web import review as review_web
from tests.browser.conftest import Shots
from tests.browser.test_journey import register_and_import, settled
from tests.browser.test_review_journey import DESKTOP, PHONE, no_sideways_scroll, reveal

NOW = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
#: Screenshots to look at by eye, besides the test's own.
LOOK = Path("/tmp/shots")
TEXT = {
    "en": {
        "to_fsrs": "Switched to FSRS: 2 cards rebuilt from their review history, {new} new cards.",
        "to_sm2": "Switched to SM-2: your cards keep their due dates.",
        "recall": "Recall now:",
        "labels": ["Again", "Hard", "Good", "Easy"],
    },
    "ko": {
        "to_fsrs": "FSRS로 바꿨습니다: 복습 기록으로 다시 계산한 카드 2장, 새 카드 {new}장.",
        "to_sm2": "SM-2로 바꿨습니다. 카드의 복습 예정일은 그대로입니다.",
        "recall": "지금 기억할 확률:",
        "labels": ["다시", "어려움", "좋음", "쉬움"],
    },
}


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> datetime:
    for module in (review_web, library_web):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    return NOW


def answer_two_on_the_first_day(app: Flask) -> None:
    with session_factory(app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        limits = review.StudyLimits(user_id, "UTC", new_per_day=20, reviews_per_day=200)
        for _ in range(2):
            item = review.next_card(session, limits, now=FIRST_DAY)
            assert item is not None
            answered = review.answer(
                session,
                limits,
                state_id=item.state.id,
                version=item.state.version,
                grade=4,
                now=FIRST_DAY,
            )
            assert answered.applied


def counts(app: Flask) -> tuple[int, int]:
    """The answers logged, and the review states."""
    with session_factory(app)() as session, session.begin():
        logged = session.scalar(select(func.count(ReviewLog.id))) or 0
        return logged, session.scalar(select(func.count(ReviewState.id))) or 0


def save_scheduler(page: Page, scheduler: str) -> None:
    page.check(f"input[name=scheduler][value={scheduler}]")
    page.click("form[action='/settings/scheduling'] button[type=submit]")


@pytest.mark.parametrize(
    ("lang", "viewport"), [("en", DESKTOP), ("ko", PHONE)], ids=["en-desktop", "ko-phone"]
)
def test_switching_to_fsrs_answering_undoing_and_back(
    browser: Browser,
    live_server: str,
    empty_app: Flask,
    shots: Shots,
    pinned: datetime,
    lang: str,
    viewport: dict[str, int],
) -> None:
    text = TEXT[lang]
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    answer_two_on_the_first_day(empty_app)
    logged, states = counts(empty_app)
    assert logged == 2

    page.goto(f"{live_server}/settings/scheduling?lang={lang}")
    expect(page.locator("input[name=scheduler][value=sm2]")).to_be_checked()
    shots.take(page, "scheduling-sm2")
    save_scheduler(page, "fsrs")
    expect(page.locator(".flash.ok")).to_have_text(text["to_fsrs"].format(new=states - 2))
    expect(page.locator("input[name=scheduler][value=fsrs]")).to_be_checked()
    shots.take(page, "scheduling-fsrs")
    no_sideways_scroll(page)

    page.goto(f"{live_server}/review")
    reveal(page)
    buttons = page.locator("form.grades button[name=grade]")
    expect(buttons.locator("kbd.grade-key")).to_have_text(["1", "2", "3", "4"])
    expect(buttons.locator(".grade-label")).to_have_text(text["labels"])
    expect(page.locator(".flashcard .recall")).to_contain_text(text["recall"])
    shots.take(page, "fsrs-buttons")
    no_sideways_scroll(page)
    first = page.locator(".flashcard .front p").first.inner_text()
    settled(page)
    page.keyboard.press("3")  # Good
    expect(page.locator(".flashcard .front p").first).not_to_have_text(first)
    assert counts(empty_app)[0] == logged + 1

    # Undo takes the answer back and shows the same card again.
    page.click("[data-action=undo] button")
    expect(page.locator(".flashcard .front p").first).to_have_text(first)
    assert counts(empty_app)[0] == logged
    reveal(page)
    expect(buttons).to_have_count(4)

    page.goto(f"{live_server}/settings/scheduling")
    save_scheduler(page, "sm2")
    expect(page.locator(".flash.ok")).to_have_text(text["to_sm2"])
    page.goto(f"{live_server}/review")
    reveal(page)
    expect(buttons.locator("kbd.grade-key")).to_have_text([str(n) for n in range(6)])
    expect(page.locator(".flashcard .recall")).to_have_count(0)
    shots.take(page, "sm2-again")
    context.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_the_scheduling_page_fits_every_screen(
    browser: Browser, live_server: str, shots: Shots, lang: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    page.goto(f"{live_server}/settings/scheduling?lang={lang}")
    # The form with an error showing, as a user who mistyped sees it.
    page.fill("input[name=desired_retention]", "0.99")
    page.click("form[action='/settings/scheduling'] button[type=submit]")
    expect(page.locator("input[name=desired_retention][aria-invalid=true]")).to_be_visible()
    shots.take(page, "scheduling-error")
    no_sideways_scroll(page)
    LOOK.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(LOOK / f"scheduling-{lang}-{viewport['width']}.png"), full_page=True)
    context.close()
