"""`studyapp extract` and `studyapp import`: the JSON contract, errors, and idempotent imports."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.db import session_factory
from studyapp.identity import CardKind, card_guid
from studyapp.models import Card, CardText, Deck, Paper, ReviewState, Topic
from tests.factories import make_user

DATA = Path(__file__).parent / "data"


def extract_json(runner: FlaskCliRunner, *paths: Path) -> list[dict[str, object]]:
    result = runner.invoke(args=["extract", *map(str, paths), "--json"])
    assert result.exit_code == 0, result.output
    papers: list[dict[str, object]] = json.loads(result.stdout)
    return papers


def test_extract_prints_the_contract(runner: FlaskCliRunner) -> None:
    papers = extract_json(runner, DATA / "digest_ko.md")
    assert [p["title"] for p in papers][:1] == ["PetalNet: Sparse Petal Attention for Long Videos"]
    petal = papers[0]
    assert {"title", "arxiv_id", "url", "authors", "lang", "method", "topics", "cards"} <= set(
        petal
    )
    assert petal["arxiv_id"] == "2503.11111"
    assert petal["lang"] == "ko"
    assert petal["method"] == "PetalNet"
    cards = {c["kind"]: c for c in petal["cards"]}  # type: ignore[union-attr,index]
    assert set(cards) == {"method_idea", "headline_number"}
    assert cards["headline_number"]["number"] == {"text": "5.2배", "value": 5.2, "unit": "×"}
    assert cards["headline_number"]["front"].startswith("PetalNet — 핵심 수치는?")
    assert cards["method_idea"]["front"] == "PetalNet — 핵심 아이디어는?"
    assert "꽃잎 모양의 블록" in cards["method_idea"]["back"]
    assert "number" not in cards["method_idea"]


def test_english_summaries_get_english_prompts(runner: FlaskCliRunner) -> None:
    loom = extract_json(runner, DATA / "digest_en.md")[0]
    assert loom["lang"] == "en"
    fronts = [c["front"] for c in loom["cards"]]  # type: ignore[union-attr]
    assert fronts[0] == "LoomKV — key idea?"
    assert fronts[1].startswith("LoomKV — headline result?\n")


def test_a_summary_without_a_result_gets_no_headline_card(runner: FlaskCliRunner) -> None:
    papers = extract_json(runner, DATA / "digest_en.md")
    survey = papers[2]
    assert survey["method"] is None
    assert [c["kind"] for c in survey["cards"]] == ["method_idea"]  # type: ignore[union-attr]


def test_extract_without_json_prints_a_listing(runner: FlaskCliRunner) -> None:
    result = runner.invoke(args=["extract", str(DATA / "notes_en.md")])
    assert result.exit_code == 0
    assert "notes, 2 papers" in result.output
    assert "Cascade Draft Decoding [arXiv 2503.44444]" in result.output


def test_bad_files_are_reported_and_the_good_ones_still_printed(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    empty = tmp_path / "empty.md"
    empty.write_bytes(b"")
    binary = tmp_path / "photo.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    result = runner.invoke(
        args=["extract", str(empty), str(DATA / "notes_ko.txt"), str(binary), "--json"]
    )
    assert result.exit_code == 2
    assert f"error: {empty}: is empty" in result.stderr
    assert f"error: {binary}: looks like a binary file" in result.stderr
    assert [p["title"] for p in json.loads(result.stdout)] == ["MeltQuant 논문 정리"]


def test_a_document_without_papers_is_an_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    lonely = tmp_path / "lonely.txt"
    lonely.write_text("just a title line\n", encoding="utf-8")
    result = runner.invoke(args=["extract", str(lonely)])
    assert result.exit_code == 2
    assert "no paper was recognised" in result.stderr


def counts(app: Flask) -> tuple[int, int, int]:
    with session_factory(app)() as session, session.begin():
        return (
            session.scalar(select(func.count(Deck.id))) or 0,
            session.scalar(select(func.count(Paper.id))) or 0,
            session.scalar(select(func.count(Card.id))) or 0,
        )


def test_import_stores_a_library_deck_named_after_the_document(
    app: Flask, runner: FlaskCliRunner
) -> None:
    result = runner.invoke(args=["import", str(DATA / "digest_ko.md")])
    assert result.exit_code == 0, result.output
    assert (
        "Daily Papers (2025-03-15): 3 papers, 5 cards (5 new, 0 updated, 0 unchanged)"
        in result.stdout
    )
    with session_factory(app)() as session, session.begin():
        deck = session.scalars(select(Deck)).one()
        assert (deck.owner_id, deck.slug) == (None, "daily-papers-2025-03-15")
        petal = session.scalars(select(Paper).where(Paper.arxiv_id == "2503.11111")).one()
        assert petal.method == "PetalNet"
        assert [t.slug for t in petal.topics]
        assert {c.guid for c in petal.cards} == {
            card_guid("arxiv:2503.11111", CardKind.METHOD_IDEA),
            card_guid("arxiv:2503.11111", CardKind.HEADLINE_NUMBER),
        }
        assert session.scalar(select(func.count(Topic.id))) >= 1


def test_importing_again_changes_nothing(app: Flask, runner: FlaskCliRunner) -> None:
    assert runner.invoke(args=["import", str(DATA / "digest_en.md")]).exit_code == 0
    before = counts(app)
    result = runner.invoke(args=["import", str(DATA / "digest_en.md")])
    assert result.exit_code == 0
    assert "(0 new, 0 updated, 4 unchanged)" in result.stdout
    assert counts(app) == before


def test_an_edited_summary_updates_cards_in_place_and_keeps_history(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    document = tmp_path / "digest.md"
    shutil.copy(DATA / "digest_ko.md", document)
    assert runner.invoke(args=["import", str(document)]).exit_code == 0
    with session_factory(app)() as session, session.begin():
        user = make_user(session)
        card = session.scalars(select(Card).where(Card.kind == CardKind.HEADLINE_NUMBER)).first()
        assert card is not None
        card_id, guid = card.id, card.guid
        session.add(ReviewState(user_id=user.id, card_id=card_id, repetitions=3, interval_days=16))

    document.write_text(
        document.read_text(encoding="utf-8").replace("최대 5.2배", "최대 6.1배"), encoding="utf-8"
    )
    result = runner.invoke(args=["import", str(document)])
    assert "(0 new, 1 updated, 4 unchanged)" in result.stdout

    with session_factory(app)() as session, session.begin():
        card = session.get(Card, card_id)
        assert card is not None and card.guid == guid
        assert card.number_value == pytest.approx(6.1)
        assert (
            session.scalars(select(CardText.back).where(CardText.card_id == card_id)).one()
            == "6.1배"
        )
        state = session.scalars(select(ReviewState)).one()
        assert (state.card_id, state.repetitions, state.interval_days) == (card_id, 3, 16)


def test_a_bad_file_in_a_batch_writes_nothing(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01binary")
    result = runner.invoke(args=["import", str(DATA / "digest_en.md"), str(bad)])
    assert result.exit_code == 2
    assert "Nothing was imported" in result.stderr
    assert counts(app) == (0, 0, 0)


def test_partial_imports_the_good_files_and_still_fails(
    app: Flask, runner: FlaskCliRunner, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"")
    result = runner.invoke(args=["import", "--partial", str(DATA / "digest_en.md"), str(bad)])
    assert result.exit_code == 2
    assert counts(app)[1] == 3


def test_deck_option_gathers_several_documents(app: Flask, runner: FlaskCliRunner) -> None:
    result = runner.invoke(
        args=["import", "--deck", "My week", str(DATA / "notes_en.md"), str(DATA / "notes_ko.txt")]
    )
    assert result.exit_code == 0, result.output
    with session_factory(app)() as session, session.begin():
        decks = session.scalars(select(Deck)).all()
        assert [d.name for d in decks] == ["My week"]
        assert session.scalar(select(func.count(Paper.id))) == 3


def test_import_into_a_users_deck_leaves_the_library_alone(app: Flask, session: Session) -> None:
    from studyapp.extract import extract_text
    from studyapp.services.importing import DeckImport, import_decks

    user = make_user(session)
    session.commit()
    papers = extract_text((DATA / "notes_ko.txt").read_text(encoding="utf-8"), source="n").papers
    import_decks(session, [DeckImport(name="Mine", papers=papers, owner_id=user.id)])
    import_decks(session, [DeckImport(name="Mine", papers=papers)])
    with session.begin():
        owners = sorted((d.owner_id or 0) for d in session.scalars(select(Deck)))
    assert owners == [0, user.id]
