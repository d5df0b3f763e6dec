"""The review screen in real Chromium, on a desktop and a phone, in English and Korean: the grade
buttons say what each grade will do and show their key, a paper's second card waits until
tomorrow, one deck can be studied alone, a card can be suspended from the review, a stale tab
is told, and on a phone the grades sit within thumb reach."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import User
from studyapp.services.importing import DeckImport, import_decks
from tests.browser.conftest import Shots
from tests.browser.test_journey import register_and_import, settled

DATA = Path(__file__).resolve().parents[1] / "data"
DESKTOP = {"width": 1200, "height": 900}
PHONE = {"width": 390, "height": 844}
LABELS = {
    "en": (["again today"] * 4 + ["in 1 day"] * 2, "3 left today", "2 left today"),
    "ko": (["오늘 다시"] * 4 + ["1일 후"] * 2, "오늘 3장 남음", "오늘 2장 남음"),
}


def reveal(page: Page) -> None:
    settled(page)
    page.keyboard.press("Space")
    expect(page.locator("form.grades")).to_be_visible()


def paper_title(page: Page) -> str:
    return page.locator(".paper-line span").first.inner_text()


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert page.viewport_size is not None and width <= page.viewport_size["width"]


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_grade_labels_tell_the_truth_and_siblings_wait(
    browser: Browser, live_server: str, shots: Shots, lang: str, viewport: dict[str, int]
) -> None:
    context = browser.new_context(viewport=viewport, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    labels, three_left, two_left = LABELS[lang]
    page.goto(f"{live_server}/review?lang={lang}")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.locator(".review-top .meta")).to_contain_text(three_left)
    reveal(page)
    buttons = page.locator("form.grades button[name=grade]")
    expect(buttons.locator(".grade-next")).to_have_text(labels)
    # Each button shows its key, and the key grades.
    expect(buttons.locator("kbd.grade-key")).to_have_text([str(n) for n in range(6)])
    for index in range(6):
        expect(buttons.nth(index).locator("kbd.grade-key")).to_be_visible()
    shots.take(page, f"grades-{lang}-{viewport['width']}")
    no_sideways_scroll(page)

    first_paper = paper_title(page)
    settled(page)
    page.keyboard.press("5")
    expect(page.locator(".review-top .meta")).to_contain_text(two_left)
    reveal(page)
    # Not the first card's sibling: a paper offers one card a day.
    assert paper_title(page) != first_paper
    context.close()


def test_four_buttons_show_their_keys_and_that_hard_comes_back_today(
    browser: Browser, live_server: str, empty_app: Flask, shots: Shots
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    with session_factory(empty_app)() as session, session.begin():
        session.scalars(select(User)).one().four_grade_buttons = True
    page.goto(f"{live_server}/review?lang=en")
    reveal(page)
    buttons = page.locator("form.grades button[name=grade]")
    expect(buttons.locator("kbd.grade-key")).to_have_text(["1", "2", "3", "4"])
    expect(buttons.locator(".grade-next")).to_have_text(
        ["again today", "again today", "in 1 day", "in 1 day"]
    )
    shots.take(page, "four-buttons")
    first = page.locator(".flashcard .front p").first.inner_text()
    settled(page)
    page.keyboard.press("2")  # Hard: it comes back today, after the other papers
    for _ in range(2):
        reveal(page)
        settled(page)
        page.keyboard.press("4")
    expect(page.locator(".review-top .badge").first).to_have_text("Again today")
    expect(page.locator(".flashcard .front p").first).to_have_text(first)
    context.close()


def test_studying_one_deck(
    browser: Browser, live_server: str, empty_app: Flask, shots: Shots
) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    page = context.new_page()
    register_and_import(page, live_server, shots)
    notes = (DATA / "notes_ko.txt").read_text(encoding="utf-8")
    with session_factory(empty_app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        (fresh,) = import_decks(
            session,
            [
                DeckImport(
                    name="Fresh notes",
                    papers=extract_text(notes, source="n").papers,
                    owner_id=user_id,
                )
            ],
        )
    for lang in ("en", "ko"):
        page.goto(f"{live_server}/?lang={lang}")
        shots.take(page, f"today-{lang}")
        # The top and the table's total row are the same numbers.
        top = page.locator(".due-numbers .big-number").all_inner_texts()
        total = page.locator("table.data tfoot td.num").all_inner_texts()[:3]
        assert top == total
    row = page.locator("table.data tbody tr", has_text="Fresh notes")
    row.locator(".study-deck a").click()
    expect(page).to_have_url(re.compile(rf"/review\?deck={fresh.deck_id}$"))
    expect(page.locator(".review-deck h1")).to_contain_text("Fresh notes")
    shots.take(page, "one-deck")
    seen = 0
    while page.locator("[data-action=reveal]").count():
        reveal(page)
        expect(page.locator("form.grades input[name=deck]")).to_have_value(str(fresh.deck_id))
        settled(page)
        page.keyboard.press("5")
        expect(page.locator(".review-deck h1")).to_be_visible()
        seen += 1
        assert seen < 20
    expect(page.locator(".summary h2")).to_be_visible()
    shots.take(page, "one-deck-done")
    # The other deck is still waiting.
    page.click(".summary a.button.primary")
    expect(page.locator("[data-action=reveal]")).to_be_visible()
    # A deck that is not the user's is not found.
    assert page.goto(f"{live_server}/review?deck=999999").status == 404
    context.close()


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_suspending_the_card_under_review(
    browser: Browser, live_server: str, shots: Shots, javascript: bool
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US", java_script_enabled=javascript)
    page = context.new_page()
    register_and_import(page, live_server, shots)
    page.goto(f"{live_server}/review?lang=en")
    front = page.locator(".flashcard .front p").first.inner_text()
    expect(page.locator(".review-tools a", has_text="Edit card")).to_be_visible()
    page.click("form[data-action=suspend] button")
    expect(page.locator(".flash", has_text="Card suspended")).to_be_visible()
    expect(page.locator(".flashcard .front p").first).not_to_have_text(front)
    shots.take(page, f"suspended-{'js' if javascript else 'no-js'}")
    context.close()


def test_a_stale_tab_is_told_and_moves_on(browser: Browser, live_server: str, shots: Shots) -> None:
    context = browser.new_context(viewport=DESKTOP, locale="en-US")
    first = context.new_page()
    register_and_import(first, live_server, shots)
    first.goto(f"{live_server}/review?lang=en")
    second = context.new_page()
    second.goto(f"{live_server}/review?lang=en")
    stale_front = second.locator(".flashcard .front p").first.inner_text()
    reveal(first)
    settled(first)
    first.keyboard.press("5")
    expect(first.locator(".review-top .meta")).to_contain_text("2 left today")
    reveal(second)
    settled(second)
    second.keyboard.press("4")
    expect(second.locator(".review-notice")).to_contain_text("already answered in another tab")
    expect(second.locator(".flashcard .front p").first).not_to_have_text(stale_front)
    shots.take(second, "stale-tab")
    context.close()


@pytest.mark.parametrize("lang", ["en", "ko"])
@pytest.mark.parametrize("four", [False, True], ids=["six", "four"])
def test_the_phone_grade_bar_is_within_thumb_reach(
    browser: Browser, live_server: str, empty_app: Flask, shots: Shots, lang: str, four: bool
) -> None:
    context = browser.new_context(viewport=PHONE, locale="en-US", has_touch=True)
    page = context.new_page()
    register_and_import(page, live_server, shots)
    with session_factory(empty_app)() as session, session.begin():
        session.scalars(select(User)).one().four_grade_buttons = four
    page.goto(f"{live_server}/review?lang={lang}")
    reveal(page)
    page.evaluate("() => window.scrollTo(0, 0)")
    buttons = page.locator("form.grades button[name=grade]")
    assert buttons.count() == (4 if four else 6)
    for index in range(buttons.count()):
        box = buttons.nth(index).bounding_box()
        assert box is not None
        # Wholly on the screen, without scrolling.
        assert box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"], (index, box)
        assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], (index, box)
        # Big enough for a thumb.
        assert box["height"] >= 44
    no_sideways_scroll(page)
    shots.take(page, f"phone-grades-{lang}-{'four' if four else 'six'}")
    page.goto(f"{live_server}/?lang={lang}")
    no_sideways_scroll(page)
    shots.take(page, f"phone-today-{lang}")
    context.close()
