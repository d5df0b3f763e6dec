"""Managing what one has, in real Chromium: import a summary leaving one paper out and
correcting a method name, rename the deck, move a paper to another deck, delete a card, delete
the deck — on a desktop in English with JavaScript, and on a phone in Korean without it, with
screenshots of every step."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import Card, CardText, Deck, Paper
from tests.browser.conftest import Shots

DATA = Path(__file__).resolve().parents[1] / "data"
DIGEST = (DATA / "digest_ko.md").read_text(encoding="utf-8")
NOTES = (DATA / "notes_en.md").read_text(encoding="utf-8")
EMAIL, PASSWORD = "keeper@example.com", "a long passphrase"
# Both interfaces, for the few texts the journey reads.
WORDS = {
    "en": {"found": "3 papers found", "rename": "Rename", "move": "Move"},
    "ko": {"found": "논문 3편을 찾았습니다", "rename": "이름 바꾸기", "move": "옮기기"},
}


def rows(app: Flask, model: type) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count()).select_from(model)) or 0


def register(page: Page, base: str, lang: str) -> None:
    page.goto(f"{base}/register?lang={lang}")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    # Signed in: the nav is there (folded into the menu on a phone).
    expect(page.locator("nav.main-nav")).to_be_attached()


def preview(page: Page, base: str, text: str, deck_name: str = "") -> None:
    page.goto(f"{base}/import")
    page.fill("textarea#text", text)
    if deck_name:
        page.fill("#deck_name", deck_name)
    page.click("#import-form button[type=submit]")
    expect(page.locator("form.save-form")).to_be_visible()


@pytest.mark.parametrize(
    ("lang", "viewport", "javascript"),
    [("en", {"width": 1200, "height": 900}, True), ("ko", {"width": 390, "height": 844}, False)],
    ids=["desktop-en-js", "phone-ko-nojs"],
)
def test_managing_decks_and_cards(
    browser: Browser,
    live_server: str,
    empty_app: Flask,
    shots: Shots,
    lang: str,
    viewport: dict[str, int],
    javascript: bool,
) -> None:
    words = WORDS[lang]
    size = "desktop" if viewport["width"] > 600 else "phone"
    tag = f"{size}-{lang}"
    context = browser.new_context(viewport=viewport, java_script_enabled=javascript)  # type: ignore[arg-type]
    page = context.new_page()
    base = live_server
    register(page, base, lang)
    expect(page.locator("html")).to_have_attribute("lang", lang)

    # A second deck to move a paper into, saved as previewed.
    preview(page, base, NOTES, deck_name="Reading")
    page.locator(".save-actions button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Reading")

    # The digest: leave the second paper out, correct the first one's method name and the
    # third one's key idea.
    preview(page, base, DIGEST)
    expect(page.locator(".preview-head h2")).to_have_text(words["found"])
    expect(page.locator(".lang-switch")).to_contain_text("한국어")
    page.uncheck("input[name=papers-1-keep]")
    page.fill("input[name=papers-0-method]", "PetalNet-L")
    river = page.locator(".preview-paper").nth(2)
    river.locator("details.card-fix summary").first.click()
    river.locator("textarea[name=papers-2-cards-0-back]").fill(
        "흐름 정합으로 오디오의 뒷부분을 잇는다."
    )
    # An emptied front is refused on the form, nothing saved, every other choice kept.
    river.locator("textarea[name=papers-2-cards-0-front]").fill("")
    page.locator(".save-actions button[type=submit]").click()
    expect(page.locator(".preview-problem")).to_be_focused()
    expect(page.locator(".preview-problem")).to_be_in_viewport()
    wrong = page.locator("textarea[name=papers-2-cards-0-front]")
    expect(wrong).to_have_attribute("aria-invalid", "true")
    expect(page.locator("input[name=papers-1-keep]")).not_to_be_checked()
    expect(page.locator("input[name=papers-0-method]")).to_have_value("PetalNet-L")
    shots.take(page, f"import-refused-{tag}")
    assert rows(empty_app, Paper) == 2  # the notes only
    wrong.fill("RiverDiff — 핵심 아이디어는?")
    shots.take(page, f"import-corrected-{tag}")
    page.locator(".save-actions button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Daily Papers (2025-03-15)")
    expect(page.locator(".lib-papers > li")).to_have_count(2)
    expect(page.locator(".lib-card-front").first).to_contain_text("PetalNet-L")
    shots.take(page, f"imported-deck-{tag}")
    with session_factory(empty_app)() as session, session.begin():
        edited = session.scalar(
            select(func.count()).select_from(CardText).where(CardText.edited_at.is_not(None))
        )
    assert edited == 3  # PetalNet's two fronts follow the method; RiverDiff's key idea

    # Rename the deck.
    page.click(f".manage-actions a:has-text('{words['rename']}')")
    expect(page.locator("input#name")).to_have_value("Daily Papers (2025-03-15)")
    page.fill("input#name", "Video and audio")
    shots.take(page, f"rename-{tag}")
    page.click("form.stack button[type=submit]")
    expect(page.locator("h1")).to_have_text("Video and audio")
    expect(page.locator(".flash.ok")).to_be_visible()

    # Move RiverDiff to "Reading".
    page.click(".lib-paper-title a:has-text('RiverDiff')")
    page.select_option("select#move-deck", label="Reading")
    shots.take(page, f"move-{tag}")
    page.click(f".manage-move-form button:has-text('{words['move']}')")
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.locator(".lib-crumbs")).to_contain_text("Reading")
    shots.take(page, f"moved-{tag}")
    with session_factory(empty_app)() as session, session.begin():
        reading = session.scalars(select(Deck).where(Deck.name == "Reading")).one()
        river_deck = session.scalar(select(Paper.deck_id).where(Paper.title.startswith("River")))
    assert river_deck == reading.id

    # Delete PetalNet's headline card.
    page.goto(f"{base}/library")
    page.click("a:has-text('Video and audio')")
    page.click(".lib-paper-title a:has-text('PetalNet')")
    cards_before = rows(empty_app, Card)
    page.locator(".lib-card").nth(1).locator(".lib-card-actions a.danger").click()
    expect(page.locator(".manage-goes li")).to_have_count(2)
    shots.take(page, f"delete-card-{tag}")
    page.click(".manage-confirm form button[type=submit]")
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.locator(".lib-card")).to_have_count(1)
    assert rows(empty_app, Card) == cards_before - 1

    # Delete the deck, after reading what goes with it.
    page.click(".lib-crumbs a:nth-of-type(2)")
    expect(page.locator("h1")).to_have_text("Video and audio")
    page.click(".manage-actions a.danger")
    expect(page.locator(".manage-goes li")).to_have_count(3)
    expect(page.locator(".manage-goes li").nth(1)).to_contain_text("1")
    shots.take(page, f"delete-deck-{tag}")
    page.click(".manage-confirm form button[type=submit]")
    expect(page.locator(".flash.ok")).to_be_visible()
    expect(page.locator("section[aria-labelledby=mine-heading] li h3")).to_have_text(["Reading"])
    shots.take(page, f"library-after-{tag}")
    with session_factory(empty_app)() as session, session.begin():
        assert session.scalars(select(Deck.name).where(Deck.owner_id.is_not(None))).all() == [
            "Reading"
        ]
    context.close()
