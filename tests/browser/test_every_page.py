"""Every page, in both languages, both colour schemes, on a desktop and on a phone: axe-core
finds nothing wrong on any of them (the ``shots`` fixture runs it on each page shown) and none
scrolls sideways.

The public pages are shown signed out; the others to a user who imported a summary: the account,
deck and card pages with their confirmations, the review of one deck, the review card's answer
shown, a quiz in progress and a finished one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect

from studyapp.apkg.package import ExportNote, write_package
from studyapp.identity import CardKind
from tests.browser.conftest import Shots, axe_violations
from tests.test_import_jobs import THRESHOLD, large_digest

DIGEST = (Path(__file__).resolve().parents[1] / "data" / "digest_ko.md").read_text(encoding="utf-8")
EMAIL, PASSWORD = "every.page@example.com", "a long passphrase"
LANGS = ("ko", "en")
SIZES = {"desktop": (1200, 900), "phone": (390, 844)}
PUBLIC = ("/", "/login", "/register")


def with_lang(url: str, lang: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}lang={lang}"


class Visits:
    """Shows pages and notes those that scroll sideways (axe-core's findings go to ``shots``)."""

    def __init__(self, page: Page, base: str, shots: Shots) -> None:
        self.page, self.base, self.shots = page, base, shots
        self.too_wide: list[str] = []

    def show(self, url: str, label: str, lang: str) -> None:
        self.page.goto(with_lang(url if url.startswith("http") else self.base + url, lang))
        expect(self.page.locator("html")).to_have_attribute("lang", lang)
        self.check(label, lang)

    def check(self, label: str, lang: str) -> None:
        self.page.wait_for_load_state("load")
        scroll, inner = self.page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]"
        )
        if scroll > inner:
            self.too_wide.append(f"{lang}-{label} ({self.page.url}): {scroll} px > {inner} px")
        self.shots.take(self.page, f"{lang}-{label}")


def sign_up_and_import(page: Page, base: str) -> None:
    page.goto(f"{base}/register?lang=en")
    page.fill("#email", EMAIL)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator("h1")).to_have_text("Today")
    page.goto(f"{base}/import")
    page.fill("textarea#text", DIGEST)
    page.click("#import-form button[type=submit]")
    expect(page.locator(".preview-head h2")).to_have_text("3 papers found")
    page.click(".save-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_be_visible()


def href(page: Page, selector: str) -> str:
    found = page.locator(selector).first.get_attribute("href")
    assert found, selector
    return found


def finish_quiz(page: Page) -> None:
    """Answers every question of the quiz on the page (the first option, or "1" typed)."""
    while True:
        expect(page.locator("#quiz")).to_be_visible()
        page.wait_for_load_state("load")
        typed = page.locator("#quiz input[name=typed]:not([disabled])")
        if typed.count():
            typed.fill("1")
            typed.press("Enter")
        else:
            page.locator("#quiz button.quiz-option").first.click()
        expect(page.locator(".quiz-feedback")).to_be_visible()
        following = page.locator("[data-action=next]")
        last = (following.get_attribute("href") or "").endswith("/results")
        following.click()
        if last:
            expect(page).to_have_url(re.compile(r"/quiz/\d+/results$"))
            return
        expect(page.locator(".quiz-feedback")).to_have_count(0)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", list(SIZES))
def test_every_page_is_accessible_and_fits(
    browser: Browser,
    live_server: str,
    empty_app: Flask,
    shots: Shots,
    size: str,
    scheme: str,
    tmp_path: Path,
) -> None:
    width, height = SIZES[size]
    context = browser.new_context(
        viewport={"width": width, "height": height}, color_scheme=scheme, locale="en-US"
    )
    page = context.new_page()
    visits = Visits(page, live_server, shots)
    for lang in LANGS:
        for path in PUBLIC:
            visits.show(path, "public-" + (path.strip("/") or "home"), lang)

    sign_up_and_import(page, live_server)
    page.goto(f"{live_server}/library")
    deck = href(page, "a[href^='/library/decks/']")
    page.goto(live_server + deck)
    paper = href(page, "a[href^='/papers/']")
    page.goto(live_server + paper)
    edit = href(page, "a[href*='/edit']")
    page.goto(f"{live_server}/quiz")
    page.locator("form.quiz-start").last.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/quiz/\d+$"))
    quiz = page.url.removeprefix(live_server)
    # A document over the inline limit: its job waits (no worker here) behind a progress bar.
    empty_app.config["INLINE_IMPORT_BYTES"] = THRESHOLD
    page.goto(f"{live_server}/import")
    page.fill("textarea#text", large_digest())
    page.click("#import-form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/import/jobs/\d+$"))
    job = page.url.removeprefix(live_server)
    page.goto(f"{live_server}/follows")
    page.fill("#deck_name", "Followed")
    page.fill("#run_at", "09:00")
    page.click("#follow-form button[type=submit]")
    expect(page.locator(".flash.ok")).to_be_visible()
    backfill = href(page, "a[href$='/backfill']")
    page.goto(live_server + backfill)
    page.fill("#first", "2025-03-13")
    page.fill("#last", "2025-03-14")
    page.click(
        "form[action$='/backfill'] button[type=submit]"
    )  # no worker runs here: the backfill stays queued
    expect(page.locator("#backfill-progress")).to_be_visible()
    progress = page.url.removeprefix(live_server)

    pages = [
        ("/", "today"),
        ("/import", "import"),
        (job, "import-job"),
        ("/library", "library"),
        (deck, "deck"),
        (paper, "paper"),
        (edit, "edit-card"),
        ("/quiz", "quiz"),
        (quiz, "quiz-question"),
        ("/stats", "stats"),
        ("/export", "export"),
        ("/export/download?card_lang=en", "export-no-deck"),
        ("/anki/import", "anki-import"),
        ("/settings", "settings"),
        ("/settings/scheduling", "scheduling"),
        ("/account", "account"),
        ("/account/delete", "account-delete"),
        (deck + "/rename", "deck-rename"),
        (deck + "/delete", "deck-delete"),
        (edit.replace("/edit", "/delete"), "card-delete"),
        ("/review?deck=" + deck.rsplit("/", 1)[1], "review-one-deck"),
        ("/follows", "follows"),
        (backfill, "follow-backfill"),
        (progress, "follow-backfill-progress"),
        (backfill.replace("/backfill", "/delete"), "follow-delete"),
    ]
    for lang in LANGS:
        for url, label in pages:
            visits.show(url, label, lang)
        page.goto(with_lang(f"{live_server}/review", lang))
        page.locator("[data-action=reveal]").click()
        expect(page.locator("form.grades")).to_be_visible()
        visits.check("review-answer", lang)

    # An Anki package read: the report before anything is written (a card of ours that is in
    # none of this user's decks: skipped, with the reason).
    package = tmp_path / "other.apkg"
    note = ExportNote(
        guid="n0tInAnyDeck",
        kind=CardKind.METHOD_IDEA,
        lang="en",
        deck="Other",
        question="Which idea?",
        answer="This one.",
    )
    write_package([note], package)
    for lang in LANGS:
        page.goto(with_lang(f"{live_server}/anki/import", lang))
        page.set_input_files("#package", str(package))
        page.locator("form[enctype] button[type=submit]").click()
        expect(page.locator("#anki-report")).to_be_visible()
        visits.check("anki-import-report", lang)

    page.goto(live_server + quiz)
    finish_quiz(page)
    for lang in LANGS:
        visits.show(f"{quiz}/results", "quiz-results", lang)

    # The same user on FSRS: a card answered first (so that one has a memory), then the
    # pages that differ under FSRS: stats with the recall forecast, the fit page, the settings
    # with the fit link, the cards' memory in the library, FSRS's four buttons.
    page.goto(f"{live_server}/review?lang=en")
    page.locator("[data-action=reveal]").click()
    page.locator("form.grades button[value='4']").click()
    page.goto(f"{live_server}/settings/scheduling?lang=en")
    page.locator("input[name=scheduler][value=fsrs]").check()
    page.locator("form button[type=submit].primary").click()
    expect(page.locator(".flashes")).to_contain_text("Switched to FSRS")
    for lang in LANGS:
        for url, label in [
            ("/stats", "stats-fsrs"),
            ("/settings/scheduling", "scheduling-fsrs"),
            ("/settings/scheduling/fit", "fsrs-fit"),
            (deck, "deck-fsrs"),
            (paper, "paper-fsrs"),
        ]:
            visits.show(url, label, lang)
        page.goto(with_lang(f"{live_server}/review", lang))
        page.locator("[data-action=reveal]").click()
        expect(page.locator("form.grades button[name=grade]")).to_have_count(4)
        visits.check("review-answer-fsrs", lang)
    context.close()
    assert visits.too_wide == []


@pytest.mark.parametrize("javascript", [True, False])
def test_the_phone_menu_opens_and_closes(
    browser: Browser, live_server: str, shots: Shots, javascript: bool
) -> None:
    context = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=javascript
    )
    page = context.new_page()
    sign_up_and_import(page, live_server)
    page.goto(f"{live_server}/stats?lang=en")
    toggle = page.locator("summary.nav-toggle")
    library = page.locator(".main-nav a[href='/library']")
    expect(toggle).to_be_visible()
    expect(library).to_be_hidden()
    header = page.locator(".site-header").bounding_box()
    assert header and header["height"] < 70  # one line: brand, menu button, language
    toggle.focus()
    page.keyboard.press("Enter")
    expect(library).to_be_visible()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()
    shots.take(page, "menu-open")
    if javascript:
        # Escape folds it again and leaves the focus on its button.
        page.keyboard.press("Escape")
        expect(library).to_be_hidden()
        expect(toggle).to_be_focused()
        toggle.click()
    library.click()
    expect(page).to_have_url(re.compile(r"/library$"))
    expect(page.locator(".main-nav a[aria-current=page]")).to_be_hidden()
    context.close()


def test_a_desktop_shows_the_whole_nav(browser: Browser, live_server: str, shots: Shots) -> None:
    context = browser.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    sign_up_and_import(page, live_server)
    expect(page.locator("summary.nav-toggle")).to_be_hidden()
    links = page.locator(".main-nav a")
    expect(links).to_have_count(9)
    for i in range(9):
        expect(links.nth(i)).to_be_visible()
    # Tab goes from the brand straight into the nav.
    page.locator(".brand").focus()
    page.keyboard.press("Tab")
    expect(links.first).to_be_focused()
    shots.take(page, "desktop-nav")
    context.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_the_accessibility_check_finds_what_is_wrong(browser: Browser, javascript: bool) -> None:
    context = browser.new_context(java_script_enabled=javascript)
    page = context.new_page()
    # (No add_style_tag: it waits forever for a page without JavaScript.)
    page.set_content(
        '<html lang="en"><head><title>t</title><style>.faint { color: #bbb; background: #fff; }'
        '</style></head><body><main><h1>Title</h1><p class="faint">faint</p><img src="x.png">'
        "</main></body></html>"
    )
    found = {rule: targets for rule, targets, _ in axe_violations(page)}
    assert set(found) == {"color-contrast", "image-alt"}
    assert found["color-contrast"] == [found["color-contrast"][0]]
    assert "insufficient color contrast of 1.91" in found["color-contrast"][0]
    context.close()
