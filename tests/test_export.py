"""Anki exports, checked by importing them into a fresh collection with Anki's own library."""

from __future__ import annotations

import gc
import sqlite3
import zipfile
from pathlib import Path

import genanki
import pytest

# Anki's own library: anki.collection is the first anki module imported, as it must be.
from anki.collection import Collection
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.apkg.notetypes import MODEL_IDS, note_type
from studyapp.apkg.package import ExportNote, deck_id, note_fields, write_package
from studyapp.db import session_factory
from studyapp.identity import CardKind
from studyapp.models import CardText
from studyapp.services import export
from tests.anki_support import load
from tests.conftest import AuthActions, html

DATA = Path(__file__).parent / "data"
DIGEST = "Daily Papers (2025-03-15)"


def rendered(col: Collection) -> list[tuple[str, str, str]]:
    """(deck, question, answer) of every card, in note order."""
    out = []
    for card_id in sorted(col.find_cards("")):
        card = col.get_card(card_id)
        out.append((col.decks.name(card.did), card.question(), card.answer()))
    return out


@pytest.fixture
def library(runner: FlaskCliRunner) -> FlaskCliRunner:
    result = runner.invoke(args=["import", str(DATA / "digest_ko.md"), str(DATA / "notes_en.md")])
    assert result.exit_code == 0, result.output
    return runner


def test_a_deck_export_imports_into_anki(
    library: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    out = tmp_path / "deck.apkg"
    result = library.invoke(args=["export", "--deck", DIGEST, "--lang", "ko", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}: 5 cards"
    load(collection, out)
    assert (collection.note_count(), collection.card_count()) == (5, 5)
    cards = rendered(collection)
    assert {deck for deck, _, _ in cards} == {DIGEST}
    assert all(question.strip() and answer.strip() for _, question, answer in cards)
    questions = [q for _, q, _ in cards]
    assert any('<div class="question">PetalNet — 핵심 수치는?</div>' in q for q in questions)
    headline = next(a for _, q, a in cards if "PetalNet — 핵심 수치는?" in q)
    assert '<div class="number">5.2배</div>' in headline
    assert '<a href="https://arxiv.org/abs/2503.11111">' in headline
    assert "요약 원문" in headline  # Korean labels on the Korean note type
    note_types = {
        collection.get_card(c).note().note_type()["id"] for c in collection.find_cards("")
    }
    assert note_types == {
        MODEL_IDS[(CardKind.METHOD_IDEA, "ko")],
        MODEL_IDS[(CardKind.HEADLINE_NUMBER, "ko")],
    }


def test_a_topic_export_uses_the_papers_hierarchy_and_tags(
    library: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    out = tmp_path / "topic.apkg"
    result = library.invoke(args=["export", "--topic", "inference", "--lang", "en", "-o", str(out)])
    assert result.exit_code == 0, result.output
    load(collection, out)
    decks = {deck for deck, _, _ in rendered(collection)}
    assert decks == {"Papers::Inference Acceleration"}
    note = collection.get_card(collection.find_cards("")[0]).note()
    assert "papers::inference" in note.tags
    assert all(" " not in tag for tag in note.tags)


def test_reexport_after_an_edit_updates_the_note(
    app: Flask, library: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    with session_factory(app)() as session:
        notes = export.notes_for_decks(session, [DIGEST], lang="ko")
        write_package(notes, first, timestamp=1_700_000_000)
        with session.begin():
            text = session.scalars(select(CardText).where(CardText.back == "5.2배")).one()
            text.back = "5.3배"
        notes = export.notes_for_decks(session, [DIGEST], lang="ko")
        write_package(notes, second, timestamp=1_700_000_001)
    load(collection, first)
    load(collection, second)
    assert collection.note_count() == 5
    answers = [a for _, q, a in rendered(collection) if "PetalNet — 핵심 수치는?" in q]
    assert len(answers) == 1 and "5.3배" in answers[0]


def test_summaries_are_text_in_anki(tmp_path: Path, collection: Collection) -> None:
    out = tmp_path / "xss.apkg"
    note = ExportNote(
        guid="g1",
        kind=CardKind.METHOD_IDEA,
        lang="en",
        deck="Test",
        question="<img src=x onerror=alert(1)> — key idea?",
        answer="<script>alert(2)</script> works",
        source="a & b",
        paper="P",
        link="javascript:alert(3)",
    )
    write_package([note], out)
    load(collection, out)
    ((_, question, answer),) = rendered(collection)
    assert "<img" not in question and "&lt;img src=x onerror=alert(1)&gt;" in question
    assert "<script>alert" not in answer and "&lt;script&gt;alert(2)&lt;/script&gt;" in answer
    assert "javascript:" not in answer
    assert "a &amp; b" in answer


def test_a_stray_field_separator_cannot_shift_fields(
    tmp_path: Path, collection: Collection
) -> None:
    # Fields are escaped in one pass, joined by Anki's own separator: one inside a field must
    # not split it into two and push the answer into the wrong field.
    out = tmp_path / "separator.apkg"
    note = ExportNote(
        guid="g2",
        kind=CardKind.HEADLINE_NUMBER,
        lang="en",
        deck="Test",
        question="Method\x1fX — headline number?",
        context="It runs ＿＿ faster",
        answer="3.5x",
        paper="Paper <b>",
    )
    write_package([note], out)
    load(collection, out)
    (note_id,) = collection.find_notes("")
    fields = collection.get_note(note_id).fields
    assert len(fields) == 7
    assert fields[:3] == ["MethodX — headline number?", "It runs ＿＿ faster", "3.5x"]
    assert fields[4] == "Paper &lt;b&gt;"


def test_a_failed_export_leaves_nothing_behind(tmp_path: Path) -> None:
    note = ExportNote(
        guid="g3", kind=CardKind.METHOD_IDEA, lang="en", deck="T", question="q", answer="a"
    )
    blocked = tmp_path / "deck.apkg"
    blocked.mkdir()  # the rename onto it fails after the package was written beside it
    assert gc.isenabled()
    with pytest.raises(OSError):
        write_package([note], blocked)
    assert gc.isenabled()  # the paused collector runs again
    assert [p.name for p in tmp_path.iterdir()] == ["deck.apkg"]  # no partial file left


def collection_rows(package: Path) -> dict[str, list[tuple[object, ...]]]:
    """The notes and cards rows of a package, tags as a list: genanki writes no tags as "  "."""
    with zipfile.ZipFile(package) as archive:
        data = archive.read("collection.anki2")
    col = sqlite3.connect(":memory:")
    try:
        col.deserialize(data)
        notes = [
            (*row[:5], row[5].split(), *row[6:])
            for row in col.execute("SELECT * FROM notes ORDER BY id")
        ]
        cards = list(col.execute("SELECT * FROM cards ORDER BY id"))
    finally:
        col.close()
    return {"notes": notes, "cards": cards}


def test_the_fast_deck_writes_the_rows_genanki_writes(tmp_path: Path) -> None:
    # _Deck writes note and card rows itself (see bench/export_apkg.py for what that saves):
    # the same notes through genanki's public API must give the same rows, so that a new
    # genanki release that changes them fails here rather than in a user's Anki.
    notes = [
        ExportNote(
            guid=f"g{index}",
            kind=kind,
            lang=lang,
            deck=deck,
            question=f"Method{index} <b> — {kind.name}?",
            context="It runs ＿＿ faster" if index % 2 else None,
            answer=f"{index}.5x",
            source="a & b" if index % 3 else None,
            paper=f"Paper {index}",
            link="https://arxiv.org/abs/2503.11111" if index % 2 else None,
            topics=("Inference",) if index % 2 else (),
            tags=("papers::inference",) if index % 2 else (),
        )
        for index, (kind, lang, deck) in enumerate(
            [
                (CardKind.METHOD_IDEA, "en", "One"),
                (CardKind.HEADLINE_NUMBER, "en", "One"),
                (CardKind.METHOD_IDEA, "ko", "Two"),
                (CardKind.HEADLINE_NUMBER, "ko", "Two"),
                (CardKind.HEADLINE_NUMBER, "ko", "One"),
            ]
        )
    ]
    ours, public = tmp_path / "ours.apkg", tmp_path / "public.apkg"
    write_package(notes, ours, timestamp=1_700_000_000)
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        deck = decks.setdefault(note.deck, genanki.Deck(deck_id(note.deck), note.deck))
        deck.add_note(
            genanki.Note(
                model=note_type(note.kind, note.lang),
                fields=note_fields(note),
                guid=note.guid,
                tags=list(note.tags),
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(public), timestamp=1_700_000_000)
    expected = collection_rows(public)
    assert len(expected["notes"]) == 5 and len(expected["cards"]) == 5
    assert collection_rows(ours) == expected


def test_model_ids_are_fixed_and_distinct() -> None:
    assert len(set(MODEL_IDS.values())) == 4
    assert MODEL_IDS[(CardKind.METHOD_IDEA, "en")] == 1384613829


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--deck", "No such deck"], "no library deck 'No such deck'"),
        (["--topic", "no-such-topic"], "no topic 'no-such-topic'"),
    ],
)
def test_cli_refuses_unknown_selections(
    library: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    result = library.invoke(args=["export", *args, "-o", str(tmp_path / "x.apkg")])
    assert result.exit_code == 2
    assert message in result.stderr


def test_cli_refuses_an_unwritable_path(library: FlaskCliRunner, tmp_path: Path) -> None:
    result = library.invoke(
        args=["export", "--deck", DIGEST, "-o", str(tmp_path / "missing" / "x.apkg")]
    )
    assert result.exit_code == 2
    assert "cannot write" in result.stderr


def test_web_export_downloads_a_package_with_a_korean_filename(
    app: Flask, client: FlaskClient, auth: AuthActions, tmp_path: Path, collection: Collection
) -> None:
    auth.register()
    auth.post(
        "/import",
        {
            "text": (DATA / "digest_ko.md").read_text(encoding="utf-8"),
            "target": "new",
            "deck_name": "양자화 읽기",
        },
    )
    page = client.get("/export?lang=ko")
    assert page.status_code == 200
    deck_id = page.get_data(as_text=True).split('name="deck" value="')[1].split('"')[0]
    response = client.get(f"/export/download?deck={deck_id}&card_lang=ko")
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%EC%96%91%EC%9E%90%ED%99%94%20%EC%9D%BD%EA%B8%B0.apkg" in disposition
    out = tmp_path / "web.apkg"
    out.write_bytes(response.data)
    load(collection, out)
    assert collection.note_count() == 5


def test_web_export_is_private(
    app: Flask, client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    auth.post(
        "/import",
        {
            "text": (DATA / "notes_ko.txt").read_text(encoding="utf-8"),
            "target": "new",
            "deck_name": "Mine",
        },
    )
    deck_id = (
        client.get("/export").get_data(as_text=True).split('name="deck" value="')[1].split('"')[0]
    )
    auth.logout()
    auth.register(email="other@example.com")
    assert client.get(f"/export/download?deck={deck_id}&card_lang=en").status_code == 404
    # The deck form sent with no deck ticked is answered with the form again (see below).
    assert client.get("/export/download?card_lang=en").status_code == 422
    assert client.get("/export/download?deck=1&topic=x&card_lang=en").status_code == 400
    assert client.get(f"/export/download?deck={deck_id}&card_lang=fr").status_code == 400


@pytest.mark.parametrize(
    ("lang", "problem", "hint"),
    [
        ("en", "Tick at least one deck to export.", "a deck named Papers::<topic> in Anki"),
        ("ko", "내보낼 덱을 하나 이상 골라 주세요.", "Anki에서 Papers::<주제> 덱에"),
    ],
)
def test_exporting_no_deck_says_so_on_the_form_and_keeps_the_choices(
    client: FlaskClient, auth: AuthActions, lang: str, problem: str, hint: str
) -> None:
    auth.register()
    for name in ("First", "Second"):
        auth.post(
            "/import",
            {
                "text": (DATA / "notes_ko.txt").read_text(encoding="utf-8"),
                "target": "new",
                "deck_name": name,
            },
        )
    client.get(f"/export?lang={lang}")
    card_lang = "ko" if lang == "en" else "en"
    response = client.get(f"/export/download?card_lang={card_lang}")
    assert response.status_code == 422
    page = html(response.data)
    form = page.select_one("form.export-form")
    alert = form.select_one("[role=alert]")
    assert alert.get_text() == problem
    assert form.select_one("fieldset")["aria-describedby"] == alert["id"]
    # Nothing is ticked again behind the reader's back, and the card language stays theirs.
    assert len(form.select("input[name=deck]")) == 2
    assert form.select("input[name=deck][checked]") == []
    assert form.select_one("#card_lang option[selected]")["value"] == card_lang
    # The topic's deck name keeps its placeholder, as text.
    assert hint in page.select_one("#topic ~ .hint").get_text()
    fresh = html(client.get("/export").data)
    assert len(fresh.select("input[name=deck][checked]")) == 1
    assert fresh.select_one("#card_lang option[selected]")["value"] == lang
