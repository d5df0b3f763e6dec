"""Summaries that carry markup or script: every page shows them as text, and Anki gets them as
text too. Links to papers are web links or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from studyapp.db import session_factory
from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft
from studyapp.identity import CardKind, web_link
from studyapp.models import Card, Deck, Paper, User
from studyapp.services import importing
from tests.conftest import AuthActions, csrf_token, html

SCRIPT = "<script>alert('s')</script>"
IMG = '<img src=x onerror="alert(1)">'
BREAKOUT = '"><svg onload=alert(2)>'
MARKDOWN = "[click me](javascript:alert(3)) ![x](javascript:alert(4))"
TEMPLATE = "{{ config.SECRET_KEY }}"
PAYLOADS = (SCRIPT, IMG, BREAKOUT, MARKDOWN, TEMPLATE)
DECK = f"Deck {SCRIPT}"


def _paper(n: int, url: str) -> PaperDraft:
    def card(kind: CardKind, front: str, back: str) -> CardDraft:
        number = None
        if kind is CardKind.HEADLINE_NUMBER:
            number = NumberDraft(text=f"{90 + n}%", value=90.0 + n, unit="%")
        return CardDraft(
            kind=kind, front=front, back=back, source_sentence=f"{back} {MARKDOWN}", number=number
        )

    return PaperDraft(
        title=f"Paper {n} {SCRIPT} {BREAKOUT}",
        lang="en",
        sentences=(f"Sentence with {IMG} and {MARKDOWN}.", f"More {TEMPLATE} text."),
        method=f"Method{n} {IMG}",
        topics=(),
        cards=(
            card(CardKind.METHOD_IDEA, f"What does Method{n} {IMG} do?", f"It {SCRIPT} works."),
            card(
                CardKind.HEADLINE_NUMBER,
                f"Method{n} {BREAKOUT} reaches ___ accuracy.",
                f"{90 + n}% {TEMPLATE}",
            ),
        ),
        url=url,
        authors=(f"Ann {IMG}", f"Bo {BREAKOUT}"),
        translated_title=f"Translated {MARKDOWN}",
    )


URLS = (
    "javascript:alert(5)",
    "JaVaScRiPt:alert(6)",
    "data:text/html,<script>alert(7)</script>",
    'https://example.org/a"onmouseover="alert(8)',
    " java\tscript:alert(9)",
)


@pytest.fixture
def world(app: Flask, client: FlaskClient, auth: AuthActions) -> dict[str, Any]:
    auth.register()
    with session_factory(app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        report = importing.save_into_new_deck(
            session,
            user_id=user_id,
            name=DECK,
            papers=[_paper(n, url) for n, url in enumerate(URLS)],
        )
        with session.begin():
            paper_id = session.scalars(select(Paper.id).order_by(Paper.id)).first()
            card_id = session.scalars(select(Card.id).order_by(Card.id)).first()
    started = auth.post("/quiz", {"deck": str(report.deck_id)})
    assert started.status_code == 303  # type: ignore[attr-defined]
    quiz = started.headers["Location"]  # type: ignore[attr-defined]
    return {"deck": report.deck_id, "paper": paper_id, "card": card_id, "quiz": quiz}


def assert_inert(page: BeautifulSoup, where: str) -> None:
    """Nothing in ``page`` runs: scripts only from our static files, no event handler or style
    attribute, no link or source outside this site and the web."""
    for script in page.find_all("script"):
        assert str(script.get("src", "")).startswith("/static/"), where
    for element in page.find_all(True):
        for name, value in element.attrs.items():
            assert not name.lower().startswith("on") and name != "style", (where, element)
            if name in ("href", "src", "action", "formaction", "xlink:href"):
                target = str(value).strip()
                assert target.startswith(("/", "#", "?")) or web_link(target), (where, target)
    assert page.find_all(["iframe", "object", "embed", "svg"], onload=True) == [], where


def test_every_page_shows_markup_as_text(client: FlaskClient, world: dict[str, Any]) -> None:
    pages = {
        "/": None,
        "/library": DECK,
        f"/library/decks/{world['deck']}": SCRIPT,
        f"/papers/{world['paper']}": IMG,
        f"/cards/{world['card']}/edit": IMG,
        "/review": None,
        "/review?reveal=1": SCRIPT,
        world["quiz"]: None,
        "/quiz": DECK,
        "/stats": None,
        "/export": DECK,
    }
    for url, shown in pages.items():
        response = client.get(url)
        assert response.status_code == 200, url
        page = html(response.data)
        assert_inert(page, url)
        # The payload is there, as the text the user wrote, not dropped or half-escaped.
        if shown is not None:
            assert shown in page.get_text(), url
        assert "SECRET_KEY" not in response.text or TEMPLATE in page.get_text(), url
        assert "test-secret" not in response.text, url


def test_the_paper_page_links_only_to_the_web(client: FlaskClient, world: dict[str, Any]) -> None:
    for paper_id in range(world["paper"], world["paper"] + len(URLS)):
        page = html(client.get(f"/papers/{paper_id}").data)
        links = [str(a["href"]) for a in page.select(".lib-paper-facts a")]
        assert all(link.startswith(("https://", "http://")) for link in links), links
    # The one web link among them is kept, its quote escaped inside the attribute.
    page = client.get(f"/papers/{world['paper'] + 3}")
    assert 'href="https://example.org/a&#34;onmouseover=&#34;alert(8)"' in page.text


def test_stored_links_are_web_links_or_nothing(app: Flask, world: dict[str, Any]) -> None:
    with session_factory(app)() as session, session.begin():
        urls = session.scalars(select(Paper.url).order_by(Paper.id)).all()
    assert urls == [None, None, None, URLS[3], None]


def test_an_imported_document_with_markup_previews_as_text(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    document = (
        f"# Notes {SCRIPT}\n\n"
        f"## Paper about {IMG}\n\n"
        f"- We propose Glimmer {BREAKOUT}, which caches {MARKDOWN} attention blocks.\n"
        f"- Glimmer improves accuracy by 4.2% {TEMPLATE} over the baseline.\n"
        "<iframe src=javascript:alert(1)></iframe><!-- never closed\n"
    )
    response = auth.post("/import/preview", {"text": document, "target": "new"})
    page = html(response.data)  # type: ignore[attr-defined]
    assert_inert(page, "preview")
    assert page.find("iframe") is None
    assert "test-secret" not in response.text  # type: ignore[attr-defined]


def _anki_cards(tmp_path: Path, data: bytes) -> list[tuple[str, str]]:
    package = tmp_path / "export.apkg"
    package.write_bytes(data)
    folder = tmp_path / "anki"
    folder.mkdir()
    col = Collection(str(folder / "collection.anki2"))
    try:
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
        )
        cards = [col.get_card(card_id) for card_id in sorted(col.find_cards(""))]
        return [(card.question(), card.answer()) for card in cards]
    finally:
        col.close()


def test_anki_shows_markup_as_text(
    client: FlaskClient, world: dict[str, Any], tmp_path: Path
) -> None:
    response = client.get(f"/export/download?deck={world['deck']}&card_lang=en")
    assert response.status_code == 200
    cards = _anki_cards(tmp_path, response.data)
    assert len(cards) == 2 * len(URLS)
    shown = ""
    for question, answer in cards:
        for side in (question, answer):
            page = BeautifulSoup(side, "html.parser")
            # Anki's own card templates may carry script; our fields must add none.
            assert page.find_all("img") == [] and page.find_all("svg") == []
            for element in page.find_all(True):
                assert not [name for name in element.attrs if name.lower().startswith("on")]
            for link in page.find_all("a"):
                assert web_link(str(link.get("href", ""))), link
            shown += page.get_text()
    assert SCRIPT in shown and IMG in shown and BREAKOUT in shown


def test_a_deck_name_cannot_break_the_download_header(
    app: Flask, client: FlaskClient, auth: AuthActions, world: dict[str, Any]
) -> None:
    name = 'Evil"\r\nSet-Cookie: stolen=1; x="'
    # Saved through an import, the name is kept on one line.
    response = auth.post(
        "/import",
        {
            "text": "## Glimmer\n\n- Glimmer improves accuracy by 4.2% over the baseline.\n",
            "target": "new",
            "deck_name": name,
            "csrf_token": csrf_token(client),
        },
    )
    assert response.status_code == 303  # type: ignore[attr-defined]
    deck = int(response.headers["Location"].rsplit("/", 1)[-1])  # type: ignore[attr-defined]
    with session_factory(app)() as session, session.begin():
        assert session.get_one(Deck, deck).name == 'Evil" Set-Cookie: stolen=1; x="'
        # A name stored with a line break before names were cleaned.
        session.get_one(Deck, world["deck"]).name = name
    for selected in (deck, world["deck"]):
        download = client.get(f"/export/download?deck={selected}&card_lang=en")
        assert download.status_code == 200
        assert "stolen" not in download.headers.get("Set-Cookie", "")
        assert "\n" not in download.headers["Content-Disposition"]
