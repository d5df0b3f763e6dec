"""Every page in both languages: no English interface text on a Korean page, no Korean
interface text on an English one, and content in another language marked with ``lang``.

The tour visits every GET route of the app (a new page is toured without being listed here),
signed out and signed in, empty and with cards due, plus the pages a POST or an error shows.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.config import DEFAULTS
from studyapp.db import write_unit
from studyapp.models import Card, Deck, Follow, Job, Paper, Quiz, ReviewState
from tests.conftest import AuthActions

DATA = Path(__file__).parent / "data"
CATALOG = Path(__file__).parents[1] / "studyapp" / "translations" / "ko" / "LC_MESSAGES"
_PLACEHOLDER = re.compile(r"%\([^)]*\)[sd]|%[sd]|%%")
_HANGUL = re.compile(r"[\uac00-\ud7a3]")
# Interface text that stays the same in Korean (names, symbols, keys).
_SAME_IN_BOTH = {"arXiv", "SM-2", "Anki", "ID"}


@cache
def english_fragments() -> list[tuple[str, re.Pattern[str]]]:
    """The literal parts of every English msgid that Korean translates differently."""
    with (CATALOG / "messages.po").open("rb") as handle:
        catalog = read_po(handle)
    fragments: dict[str, re.Pattern[str]] = {}
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        translated = " ".join(strings)
        for msgid in ids:
            for part in _PLACEHOLDER.split(msgid):
                part = part.strip(" .,:;·—–-()“”\"'?!…/\n")
                if len(part) < 3 or not re.search("[A-Za-z]{2}", part) or part in _SAME_IN_BOTH:
                    continue
                if part in translated:
                    continue
                fragments[part] = re.compile(rf"(?<![A-Za-z]){re.escape(part)}(?![A-Za-z])")
    return sorted(fragments.items())


def interface_text(data: bytes) -> str:
    """The page's own text and labels: everything but content marked with a ``lang``."""
    soup = BeautifulSoup(data, "html.parser")
    for tag in soup(["script", "style", "textarea"]):
        tag.decompose()
    # Content is marked with its language (a Korean card's front can hold an English title);
    # the interface is what is left unmarked.
    for tag in soup.select("body [lang]"):
        if not tag.decomposed:  # else inside another marked element, already gone
            tag.decompose()
    for option in soup.select("option[value]"):
        # An option may show its value, an identifier (a time zone's "America/New_York").
        identifier = str(option["value"]).replace("_", " ")
        option.string = option.get_text().replace(identifier, "")
    labels = [
        str(tag[attr])
        for tag in soup.find_all(True)
        for attr in ("title", "aria-label", "placeholder", "alt")
        if tag.has_attr(attr)
    ]
    return "\n".join([soup.get_text(" "), *labels])


def check_page(data: bytes, lang: str, where: str) -> None:
    page = BeautifulSoup(data, "html.parser")
    if page.html is not None:
        assert page.html["lang"] == lang, where
    text = interface_text(data)
    if lang == "ko":
        leftovers = [
            line.strip()[:160]
            for part, pattern in english_fragments()
            for line in text.splitlines()
            if pattern.search(line)
        ]
        assert not leftovers, f"{where}: untranslated on a Korean page: {leftovers}"
    else:
        hangul = [line.strip() for line in text.splitlines() if _HANGUL.search(line)]
        assert not hangul, f"{where}: Korean outside lang=ko on an English page: {hangul}"


class Tour:
    """A reader with the sample library added, in one language."""

    def __init__(self, app: Flask, client: FlaskClient, auth: AuthActions, lang: str) -> None:
        self.app, self.client, self.auth, self.lang = app, client, auth, lang

    def get(self, url: str, expect: int = 200) -> bytes:
        response = self.client.get(url)
        assert response.status_code == expect, (url, response.status_code)
        check_page(response.data, self.lang, url)
        return response.data

    def post(self, url: str, data: dict[str, object], expect: int = 200, **kw: object) -> bytes:
        response = self.auth.post(url, data, **kw)
        assert response.status_code == expect, (url, response.status_code)  # type: ignore[attr-defined]
        if expect in (302, 303):
            return b""
        check_page(response.data, self.lang, f"POST {url}")  # type: ignore[attr-defined]
        return response.data  # type: ignore[attr-defined, no-any-return]

    def every_get_route(self, fill: Callable[[str], dict[str, object] | None]) -> set[str]:
        """Visit every GET page whose arguments ``fill`` can give; return the endpoints seen."""
        seen = set()
        for rule in self.app.url_map.iter_rules():
            if "GET" not in (rule.methods or set()) or rule.endpoint in _NOT_PAGES:
                continue
            args = fill(rule.endpoint)
            if args is None:
                continue
            with self.app.test_request_context():
                url = self.app.url_for(rule.endpoint, **args)
            self.get(url)
            seen.add(rule.endpoint)
        return seen


# Not HTML pages: files, a JSON health check, downloads, and the preview's GET, which only
# sends a reloaded form back to /import.
_NOT_PAGES = {
    "static",
    "home.health",
    "export.download",
    "account.download_data",
    "auth.logout",
    "imports.preview_again",
}


@pytest.fixture
def library(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["import", str(DATA / "digest_ko.md"), str(DATA / "notes_en.md")])
    assert result.exit_code == 0, result.output


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_every_page_speaks_one_language(
    app: Flask,
    client: FlaskClient,
    auth: AuthActions,
    session: Session,
    library: None,
    lang: str,
) -> None:
    tour = Tour(app, client, auth, lang)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/explode")
    def explode() -> str:
        raise RuntimeError("boom")

    # Signed out: the choice of language is remembered for the session.
    tour.get(f"/?lang={lang}")
    tour.get("/login")
    tour.get("/register")
    tour.get("/no-such-page", expect=404)
    tour.get("/explode", expect=500)
    tour.post("/login", {"email": "nobody@example.com", "password": "wrong"}, expect=422)

    auth.register(timezone="Asia/Seoul")
    # Signed in with nothing to study yet.
    tour.get("/")
    tour.get("/review")
    with session.begin():
        deck_ids = list(session.scalars(select(Deck.id).order_by(Deck.id)))
    tour.get("/library")
    for deck_id in deck_ids:
        tour.post(f"/library/decks/{deck_id}/add", {}, expect=303)
    # A deck of one's own (its cards can be edited), from an import.
    own = {
        "text": (DATA / "notes_ko.txt").read_text("utf-8"),
        "target": "new",
        "deck_name": {"ko": "내 노트", "en": "My notes"}[lang],
    }
    tour.post("/import", own, expect=303)
    with session.begin():
        paper_id = session.scalars(select(Paper.id).order_by(Paper.id)).first()
        card_id = session.scalars(
            select(Card.id).join(Paper).join(Deck).where(Deck.owner_id.is_not(None))
        ).first()
        own_deck_id = session.scalars(select(Deck.id).where(Deck.owner_id.is_not(None))).one()
        state_id = session.scalars(select(ReviewState.id).order_by(ReviewState.id)).first()

    tour.post("/quiz", {"deck": str(deck_ids[0]), "size": "5"}, expect=303)
    with session.begin():
        quiz_id = session.scalars(select(Quiz.id)).one()
    # A document over the inline limit becomes a job (no worker here: its page says it waits).
    app.config["INLINE_IMPORT_BYTES"] = 100
    tour.post("/import/preview", own, expect=303)
    app.config["INLINE_IMPORT_BYTES"] = DEFAULTS["INLINE_IMPORT_BYTES"]
    with session.begin():
        import_job_id = session.scalars(select(Job.id)).one()

    # A followed series with an error on record, and a backfill queued (no worker runs it).
    follow = {"source": "daily_papers_ko", "deck_id": str(own_deck_id), "run_at": "09:00"}
    tour.post("/follows", {**follow, "min_votes": "5", "topics": ["llm"]}, expect=303)
    tour.post("/follows", {**follow, "source": "url", "url": "https://x.org/{date}"}, expect=422)
    with write_unit(session):
        only = session.scalars(select(Follow)).one()
        follow_id, only.last_error, only.last_error_at, only.retries = (
            only.id, "fetch.timeout", only.created_at, 2
        )  # fmt: skip
    queued = tour.auth.post(
        f"/follows/{follow_id}/backfill", {"first": "2025-03-13", "last": "2025-03-14"}
    )
    job_id = int(queued.headers["Location"].rsplit("/", 1)[1])  # type: ignore[attr-defined]
    tour.post(f"/follows/{follow_id}/backfill", {"first": "x", "last": "2025-03-14"}, expect=422)

    def fill(endpoint: str) -> dict[str, object] | None:
        if endpoint.startswith("auth.") or endpoint == "explode":
            return None  # toured above
        known: dict[str, dict[str, object]] = {
            "library.deck": {"deck_id": deck_ids[0]},
            "library.paper": {"paper_id": paper_id},
            "library.edit_card": {"card_id": card_id},
            "library.rename_deck": {"deck_id": own_deck_id},
            "library.delete_deck": {"deck_id": own_deck_id},
            "library.remove_deck": {"deck_id": deck_ids[0]},
            "library.delete_card": {"card_id": card_id},
            "quiz.take": {"quiz_id": quiz_id},
            "quiz.results": {"quiz_id": quiz_id},
            "import_jobs.page": {"job_id": import_job_id},
            "follows.delete": {"follow_id": follow_id},
            "follows.backfill": {"follow_id": follow_id},
            "follows.progress": {"follow_id": follow_id, "backfill_id": job_id},
        }
        return known.get(endpoint, {})

    # Signed in with cards due: every page, then the review's steps.
    seen = tour.every_get_route(fill)
    assert {"home.index", "review.session", "library.index", "settings.edit"} <= seen
    page = tour.get(f"/review?card={state_id}&reveal=1")
    assert b'name="grade"' in page
    tour.post(f"/review/{state_id}/answer", {"grade": "4", "version": "1"}, expect=303)
    tour.get("/review")
    # A quiz: a question, its feedback, an empty answer, a topic too small, the results.
    tour.post(f"/quiz/{quiz_id}/answer", {"position": "0", "choice": "0", "typed": "1"}, expect=303)
    tour.get(f"/quiz/{quiz_id}?q=0")
    tour.post(f"/quiz/{quiz_id}/answer", {"position": "1"}, expect=422)
    tour.post("/quiz", {"topic": "general"}, expect=404)
    tour.post(f"/quiz/{quiz_id}/missed", {}, expect=303)
    tour.get(f"/quiz/{quiz_id}/results")
    tour.post("/import/preview", {"text": (DATA / "digest_ko.md").read_text("utf-8")})
    tour.post("/import/preview", {"text": "   "}, expect=422)
    # Corrections that fit no paper of the summary, and a deck name refused.
    wrong = {"text": own["text"], "target": "new", "papers-0-position": "0"}
    tour.post("/import", {**wrong, "papers-0-identity": "forged"}, expect=422)
    tour.post(f"/library/decks/{own_deck_id}/rename", {"name": ""}, expect=422)
    # A second deck of one's own, in English: its papers can move, and a bad move is refused.
    tour.post(
        "/import",
        {**own, "text": (DATA / "notes_en.md").read_text("utf-8"), "deck_name": "Reading"},
        expect=303,
    )
    with session.begin():
        english_paper = session.scalars(
            select(Paper.id)
            .where(Paper.arxiv_id == "2503.44444")
            .join(Deck)
            .where(Deck.owner_id.is_not(None))
        ).one()
    tour.get(f"/papers/{english_paper}")
    tour.post(f"/papers/{english_paper}/move", {"deck_id": "x"}, expect=422)
    tour.post("/settings", {"new_cards_per_day": "-1"}, expect=422)
