"""A quiz in real Chromium, in Korean and in English, on a desktop and on a phone.

The reader studies a digest of their own beside a library deck, starts a quiz from a page that
went stale (a card was suspended in the meantime, so the quiz is shorter than the page said —
and the quiz says so before its first question), answers every question wrong with the
keyboard, and asks for the missed cards today. On every question: no prompt names its answer,
no key idea names the method asked about, the options are written in one language and one way,
and they read as plain choices until answered. A screenshot is taken before each answer, which
also checks that swapping the next question in breaks no Content-Security-Policy rule (the
screenshot leaves a style attribute on the inputs, as browser extensions do, and htmx used to
copy it into the new question with setAttribute). At the end the button's number, the flash's
number and the growth of today's queue are one number.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.cards import card_name
from studyapp.extract.names import title_name
from studyapp.models import Card, Paper, QuizQuestion, ReviewState, User, utcnow
from studyapp.services import builtin, cards, library, progress, review
from studyapp.services.enrollment import enroll
from studyapp.services.importing import DeckImport, import_decks
from tests.browser.conftest import Shots
from tests.browser.test_journey import settled

DATA = Path(__file__).resolve().parents[1] / "data"
DECKS = Path(__file__).resolve().parents[2] / "decks"
PASSWORD = "a long passphrase"
#: The page's words for what is checked, per interface language.
WORDS = {
    "ko": {
        "available": re.compile(r"(\d+)문제까지 낼 수 있음"),
        "shorter": "이 덱으로 낼 수 있는 문제는 {n}개뿐이어서 퀴즈는 {n}문제입니다.",
        "paper": ("어느 논문", "어떤 논문"),
        "idea": "핵심 아이디어",
        "joined": re.compile(r"틀린 카드 (\d+)장을 오늘 복습에 넣었습니다\."),
    },
    "en": {
        "available": re.compile(r"(\d+) questions available"),
        "shorter": "Only {n} questions are available for this deck; the quiz will have {n}.",
        "paper": ("Which paper",),
        "idea": "key idea",
        "joined": re.compile(r"(\d+) missed cards? joined today's reviews\."),
    },
}
_NUMBER = re.compile(r"\d[\d,]*(?:\.\d+)?")
_NATIVE = re.compile(r"^(?:한|두|세|네|다섯|여섯|일곱|여덟|아홉|열)(?=\s*배)")


def written_as(option: str) -> str:
    return _NUMBER.sub("0", _NATIVE.sub("N", option))


def word_in(name: str, text: str) -> bool:
    return re.search(rf"(?<![A-Za-z0-9]){re.escape(name)}(?![A-Za-z0-9])", text, re.I) is not None


def prepare(app: Flask, email: str, lang: str) -> tuple[int, int]:
    """The built-in library in the database; the reader (registered through the page) studies
    a digest and notes in their language as a deck of their own (seven cards) and one library
    deck, every card seen once already and due again in five days. Returns (user id, the
    own deck's id)."""
    with session_factory(app)() as session:
        built_in = import_decks(session, [f.deck for f in builtin.read_decks(DECKS)])
        with session.begin():
            user_id = session.scalars(select(User.id).where(User.email == email)).one()
        papers = [
            found
            for name in (f"digest_{lang}.md", "notes_ko.txt" if lang == "ko" else "notes_en.md")
            for found in extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers
        ]
        (own,) = import_decks(
            session, [DeckImport(name=f"My {lang} digest", papers=papers, owner_id=user_id)]
        )
        with session.begin():
            enroll(session, own.deck_id, [user_id])
        library.add_to_my_cards(session, user_id, built_in[0].deck_id)
        later = utcnow().date() + timedelta(days=5)
        with session.begin():
            for state in session.scalars(select(ReviewState).where(ReviewState.user_id == user_id)):
                state.due_on, state.repetitions, state.interval_days = later, 1, 6
        return user_id, own.deck_id


def today_count(app: Flask, user_id: int) -> int:
    """What today's queue holds: the home page's number."""
    with session_factory(app)() as session:
        with session.begin():
            user = session.get_one(User, user_id)
            limits = review.StudyLimits(
                user.id, user.timezone, user.new_cards_per_day, user.reviews_per_day
            )
        return progress.overview(session, limits, now=utcnow()).due


def asked(app: Flask, quiz_id: int) -> list[tuple[QuizQuestion, set[str]]]:
    """The quiz's questions, each with the names of the paper its card is from."""
    with session_factory(app)() as session, session.begin():
        rows = session.execute(
            select(QuizQuestion, Paper.title, Paper.method)
            .join(Card, Card.id == QuizQuestion.card_id)
            .join(Paper, Paper.id == Card.paper_id)
            .where(QuizQuestion.quiz_id == quiz_id)
            .order_by(QuizQuestion.position)
        ).all()
        session.expunge_all()
    return [
        (q, {n for n in (method, card_name(title, method), title_name(title)) if n})
        for q, title, method in rows
    ]


def check_question(page: Page, lang: str, question: QuizQuestion, own_names: set[str]) -> None:
    """What the reader sees gives no answer away and reads as one set of choices."""
    words = WORDS[lang]
    ask = page.locator("#quiz .quiz-ask").inner_text()
    prompt = page.locator("#quiz .front").inner_text()
    options = page.locator("#quiz .quiz-option-text").all_inner_texts()
    assert [o.replace("\n", " ") for o in options] == [
        o.replace("\n", " ") for o in question.options
    ] or not question.options
    if question.kind.startswith("paper_from"):
        assert any(w in ask for w in words["paper"])
        # None of the four papers is named in what they are asked about.
        assert [o for o in options if word_in(o, prompt)] == []
    elif question.kind == "idea_choice":
        assert words["idea"] in ask.casefold() or words["idea"] in ask
        assert [(o, n) for o in options for n in own_names if word_in(n, o)] == []
        langs = page.locator("#quiz button.quiz-option").evaluate_all(
            "buttons => buttons.map((b) => b.lang)"
        )
        assert len(set(langs)) == 1, options
    elif question.kind == "number_choice":
        assert len({written_as(o) for o in options}) == 1, options
    if options:
        # Plain choices: none stands out before the answer.
        weights = page.locator("#quiz button.quiz-option").evaluate_all(
            "buttons => buttons.map((b) => getComputedStyle(b).fontWeight)"
        )
        assert set(weights) == {"400"}, weights


@pytest.mark.parametrize(
    ("lang", "width", "height"),
    [("ko", 1200, 900), ("en", 1200, 900), ("ko", 390, 844), ("en", 390, 844)],
)
def test_a_quiz_gives_nothing_away_and_counts_its_missed_cards_once(
    browser: Browser,
    live_server: str,
    empty_app: Flask,
    shots: Shots,
    lang: str,
    width: int,
    height: int,
) -> None:
    words = WORDS[lang]
    email = f"quiz-{lang}-{width}@example.com"
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="ko-KR" if lang == "ko" else "en-US"
    )
    page = context.new_page()
    page.goto(f"{live_server}/register?lang={lang}")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".due-summary")).to_be_visible()
    user_id, deck_id = prepare(empty_app, email, lang)

    # The start page says how many questions each topic and deck can give.
    page.goto(f"{live_server}/quiz")
    expect(page.locator("html")).to_have_attribute("lang", lang)
    deck_form = page.locator(f"input[name=deck][value='{deck_id}']")
    deck_item = page.locator(".quiz-topic", has=deck_form)
    shown = words["available"].search(deck_item.inner_text())
    assert shown is not None
    available = int(shown.group(1))
    # It offers no more than that: every question is preselected for a small deck.
    assert deck_item.locator("option:checked").get_attribute("value") == str(available)
    shots.take(page, f"start-{lang}-{width}")

    # Meanwhile, in another tab, a card of the deck is suspended: the page is stale.
    with session_factory(empty_app)() as session:
        with session.begin():
            card_id = session.scalars(
                select(Card.id).join(Paper).where(Paper.deck_id == deck_id).order_by(Card.id)
            ).first()
        assert card_id is not None
        cards.set_suspended(session, user_id, card_id, suspended=True)
    deck_item.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/quiz/\d+$"))
    quiz_id = int(page.url.rsplit("/", 1)[1])
    # Said before the first question: the quiz is shorter than asked.
    expect(page.locator(".flash")).to_have_text(words["shorter"].format(n=available - 1))
    expect(page.locator("h1")).to_have_count(1)
    questions = asked(empty_app, quiz_id)
    assert len(questions) == available - 1

    for position, (question, own_names) in enumerate(questions):
        expect(page.locator("#quiz .quiz-feedback")).to_have_count(0)
        expect(page.locator("#quiz input[name=position]")).to_have_value(str(position))
        settled(page)
        check_question(page, lang, question, own_names)
        # A screenshot before every answer: it leaves style attributes behind on the inputs.
        shots.take(page, f"question-{position + 1}-{lang}-{width}")
        typed = page.locator("#quiz input[name=typed]:not([disabled])")
        if question.options:
            assert question.correct_index is not None
            wrong = (question.correct_index + 1) % len(question.options)
            page.keyboard.press(str(wrong + 1))
        else:
            typed.fill("0")
            typed.press("Enter")
        expect(page.locator("#quiz .quiz-feedback")).to_be_visible()
        if question.options:
            # Once answered, the right option and the one chosen stand out; no other does.
            weights = page.locator("#quiz button.quiz-option").evaluate_all(
                "buttons => buttons.map((b) => getComputedStyle(b).fontWeight)"
            )
            assert question.correct_index is not None
            assert sorted(i for i, weight in enumerate(weights) if weight != "400") == sorted(
                {question.correct_index, wrong}
            )
        if position == 0:
            shots.take(page, f"feedback-{lang}-{width}")
        if width < 500:
            # Nothing runs off the side of a phone.
            assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
        settled(page)
        page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"/quiz/\d+/results$"))
    expect(page.locator(".quiz-row.wrong")).to_have_count(len(questions))

    # One number: the button's, the flash's, and what today's queue grows by.
    button = page.locator(".quiz-missed button")
    expect(button).to_be_visible()
    count = int(button.get_attribute("data-count") or "-1")
    assert re.findall(r"\d+", button.inner_text()) == [str(count)]
    assert count > 0
    shots.take(page, f"results-{lang}-{width}")
    before = today_count(empty_app, user_id)
    button.click()
    joined = words["joined"].search(page.locator(".flash").inner_text())
    assert joined is not None
    assert int(joined.group(1)) == count
    assert today_count(empty_app, user_id) - before == count
    expect(page.locator(".quiz-missed button")).to_have_count(0)
    shots.take(page, f"missed-{lang}-{width}")
    context.close()


def test_a_style_written_by_script_survives_the_next_question_under_the_policy(
    browser: Browser, live_server: str, empty_app: Flask, shots: Shots
) -> None:
    """What browser extensions (and Playwright's screenshots) do to a page — write styles
    through the style property, which the policy allows — is never copied into the next
    question as a style attribute, which it forbids."""
    email = "styles@example.com"
    context = browser.new_context(viewport={"width": 1200, "height": 900}, locale="en-US")
    page = context.new_page()
    page.goto(f"{live_server}/register?lang=en")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.fill("#confirm", PASSWORD)
    page.click("form button[type=submit]")
    expect(page.locator(".due-summary")).to_be_visible()
    _, deck_id = prepare(empty_app, email, "en")
    page.goto(f"{live_server}/quiz")
    shots.take(page, "start")
    page.locator(f"form.quiz-start:has(input[name=deck][value='{deck_id}']) button").click()
    expect(page).to_have_url(re.compile(r"/quiz/\d+$"))
    for _ in range(3):
        settled(page)
        page.evaluate(
            """() => document.querySelectorAll('#quiz, #quiz *').forEach((element) => {
                 element.style.setProperty('caret-color', 'transparent');
                 element.style.removeProperty('caret-color');
               })"""
        )
        typed = page.locator("#quiz input[name=typed]:not([disabled])")
        if typed.count():
            typed.fill("0")
            typed.press("Enter")
        else:
            page.keyboard.press("1")
        expect(page.locator("#quiz .quiz-feedback")).to_be_visible()
        settled(page)
        page.keyboard.press("Enter")
        expect(page.locator("#quiz .quiz-feedback")).to_have_count(0)
    shots.take(page, "after-three")
    context.close()
