"""The built-in library: deck files are checked, loaded idempotently and edited in place."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.extract.numbers import find_numbers
from studyapp.identity import CardKind
from studyapp.models import Card, CardText, Deck, Paper, PaperText, ReviewState
from studyapp.services import builtin
from tests.conftest import AuthActions, html
from tests.factories import make_user

DECKS = Path(__file__).parents[1] / "decks"

SMALL = """\
format = 1
slug = "tiny"
name = "Tiny deck"
description = "Two invented papers."
source = "none"
lang = "ko"

[[papers]]
arxiv_id = "2501.00001"
title = "FoldNet: Folding Layers for Faster Inference"
url = "https://arxiv.org/abs/2501.00001"
authors = ["A. Kim"]
date = 2025-01-02
topics = ["inference", "llm"]
method = "FoldNet"

[papers.ko]
title = "FoldNet: 층을 접어 빠른 추론"
summary = ["FoldNet은 인접한 두 층을 하나로 합친다.", "추론이 3.5배 빨라진다."]
key_idea = "인접한 층의 가중치를 하나의 행렬로 미리 곱해 둔다."
number = { text = "3.5배", value = 3.5, sentence = "추론이 3.5배 빨라진다." }

[papers.en]
summary = ["FoldNet merges pairs of adjacent layers.", "Inference runs 3.5x faster."]
key_idea = "It multiplies adjacent layers' weights into one matrix ahead of time."
number = { text = "3.5x", value = 3.5, sentence = "Inference runs 3.5x faster." }

[[papers]]
title = "A Survey Without a Method"
topics = ["general"]

[papers.ko]
summary = ["여러 방법을 비교한다."]
key_idea = "세 가지 계열을 같은 기준으로 비교한다."

[papers.en]
summary = ["It compares many methods."]
key_idea = "It compares three families of methods on one yardstick."
"""


def write(folder: Path, text: str, name: str = "tiny.toml") -> Path:
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def load(runner: FlaskCliRunner, folder: Path) -> str:
    result = runner.invoke(args=["decks", "load", "--dir", str(folder)])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_shipped_library_checks_and_each_summary_states_its_headline_number() -> None:
    files = builtin.read_decks(DECKS)
    papers = [paper for f in files for paper in f.deck.papers]
    assert len(papers) == 34
    assert {f.deck.slug for f in files} == {
        "daily-papers-2024-01-29",
        "daily-papers-2024-02-08",
        "sparsity-insight",
        "blog-reviews",
    }
    headlines = 0
    for paper in papers:
        assert {t.lang for t in paper.translations} == {"en"}
        assert paper.lang == "ko"
        versions = [(paper.lang, paper.sentences, paper.cards)]
        versions += [(t.lang, t.sentences, t.cards) for t in paper.translations]
        for lang, sentences, cards in versions:
            number = next((c.number for c in cards if c.number), None)
            if number is None:
                continue
            headlines += 1
            # `decks check` reads the number on its own and finds it in the card's sentence,
            # which a deck may word afresh. The paper's own summary must state it too, read by
            # the extractor's number reader in context (where a digit inside a name such as
            # GPT-4, a year or a list marker is no number), as the same text and value.
            stated = [m for sentence in sentences for m in find_numbers(sentence)]
            assert any(
                m.text == number.text and math.isclose(m.value, number.value) for m in stated
            ), f"{paper.title} ({lang}): {number.text!r} is not a number its summary states"
    assert headlines, "no paper of the library has a headline number"
    # Whether each is the number the sample reports for its paper needs the samples' labels,
    # which live beside the repository: `make corpus` checks that on CI (bench/corpus_check.py).


def test_the_library_loads_with_both_languages_and_stable_guids(
    runner: FlaskCliRunner, session: Session
) -> None:
    load(runner, DECKS)
    with session.begin():
        papers = session.scalar(select(func.count(Paper.id)))
        cards = session.scalars(select(Card)).all()
        guids = {card.id: card.guid for card in cards}
        langs = {card.id: {text.lang for text in card.texts} for card in cards}
        summaries = session.execute(select(PaperText.paper_id, PaperText.lang)).all()
    assert papers == 34
    assert len(cards) >= 34
    assert all(found == {"ko", "en"} for found in langs.values())
    assert len(summaries) == 2 * 34
    output = load(runner, DECKS)
    assert output.count("(0 new, 0 updated,") == 4
    with session.begin():
        again = {card.id: card.guid for card in session.scalars(select(Card))}
    assert again == guids


def test_loading_twice_changes_nothing_and_an_edit_updates_in_place(
    app: Flask, runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    path = write(folder, SMALL)
    first = load(runner, folder)
    assert "2 papers, 3 cards (3 new, 0 updated, 0 unchanged)" in first
    with session.begin():
        user = make_user(session)
        deck = session.scalars(select(Deck).where(Deck.slug == "tiny")).one()
        card = session.scalars(select(Card).where(Card.kind == CardKind.HEADLINE_NUMBER)).one()
        state = ReviewState(
            user_id=user.id, card_id=card.id, repetitions=3, ease=2.4, interval_days=15
        )
        session.add(state)
        before = (deck.id, card.id, card.guid)
    assert "(0 new, 0 updated, 3 unchanged)" in load(runner, folder)

    path.write_text(
        SMALL.replace("3.5배", "3.7배").replace("3.5x", "3.7x").replace("3.5,", "3.7,"),
        encoding="utf-8",
    )
    assert "(0 new, 1 updated, 2 unchanged)" in load(runner, folder)
    session.expire_all()
    with session.begin():
        card = session.get_one(Card, before[1])
        texts = {text.lang: text for text in card.texts}
        state = session.scalars(select(ReviewState).where(ReviewState.card_id == card.id)).one()
        assert (card.paper.deck_id, card.id, card.guid) == before
        assert card.number_value == 3.7
        assert texts["ko"].back == "3.7배" and texts["en"].back == "3.7x"
        assert texts["en"].front == "FoldNet — headline result?\nInference runs ___ faster."
        assert (state.repetitions, state.interval_days) == (3, 15)


def test_cards_read_the_same_in_both_languages(
    runner: FlaskCliRunner, session: Session, tmp_path: Path
) -> None:
    load(runner, write(tmp_path / "decks", SMALL).parent)
    with session.begin():
        rows = session.execute(
            select(Paper.method, Card.kind, CardText.lang, CardText.front, CardText.back)
            .join(Card, Card.paper_id == Paper.id)
            .join(CardText, CardText.card_id == Card.id)
        ).all()
    cards = {(method, kind, lang): (front, back) for method, kind, lang, front, back in rows}
    assert len(cards) == 6
    assert cards[("FoldNet", CardKind.HEADLINE_NUMBER, "ko")] == (
        "FoldNet — 핵심 수치는?\n추론이 ＿＿ 빨라진다.",
        "3.5배",
    )
    assert cards[("FoldNet", CardKind.METHOD_IDEA, "en")] == (
        "FoldNet — key idea?",
        "It multiplies adjacent layers' weights into one matrix ahead of time.",
    )
    # A paper without a method of its own is named by its title, and gets no number card.
    assert (
        cards[(None, CardKind.METHOD_IDEA, "ko")][0]
        == "A Survey Without a Method — 핵심 아이디어는?"
    )
    assert (None, CardKind.HEADLINE_NUMBER, "ko") not in cards


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (("[papers.en]\nsummary", "[papers.fr]\nsummary"), "needs a [papers.en] table"),
        (('text = "3.5x", value = 3.5', 'text = "3.5x", value = 4'), "'3.5x' reads as 3.5, not 4"),
        (('sentence = "Inference runs 3.5x faster."', 'sentence = "Fast."'), "exactly once"),
        (('topics = ["general"]', 'topics = ["astrology"]'), "unknown topics ['astrology']"),
        (("https://arxiv.org", "javascript:alert(1)//arxiv.org"), "'url' must be an http(s)"),
        (("여러 방법을 비교한다.", "<b>여러</b> 방법"), "contains an HTML tag"),
        (("format = 1", "format = 2"), "'format' must be 1"),
        (('slug = "tiny"', 'slug = "Tiny Deck"'), "'slug' must be lowercase"),
        (('name = "Tiny deck"', 'name = "Tiny deck'), "is not valid TOML"),
        (
            (
                'number = { text = "3.5x", value = 3.5, sentence = "Inference runs 3.5x faster." }',
                "",
            ),
            "'number' must be given in both languages or in neither",
        ),
    ],
)
def test_a_bad_deck_file_is_refused_with_where_and_why(
    runner: FlaskCliRunner,
    session: Session,
    tmp_path: Path,
    change: tuple[str, str],
    message: str,
) -> None:
    folder = tmp_path / "decks"
    write(folder, SMALL.replace('slug = "tiny"', 'slug = "good"'), "good.toml")
    assert change[0] in SMALL
    write(folder, SMALL.replace("2501.00001", "2501.00002").replace(*change))
    result = runner.invoke(args=["decks", "load", "--dir", str(folder)])
    assert result.exit_code == 2
    assert f"{folder / 'tiny.toml'}" in result.output and message in result.output
    assert "Nothing was loaded" in result.output
    # The good file was not loaded either: a library loads whole or not at all.
    with session.begin():
        assert session.scalar(select(func.count(Paper.id))) == 0


def test_duplicate_slugs_and_papers_across_files_are_refused(
    runner: FlaskCliRunner, tmp_path: Path
) -> None:
    folder = tmp_path / "decks"
    write(folder, SMALL, "a.toml")
    write(folder, SMALL, "b.toml")
    result = runner.invoke(args=["decks", "check", "--dir", str(folder)])
    assert result.exit_code == 2
    assert "slug 'tiny' is also" in result.output
    assert "paper 'FoldNet: Folding Layers for Faster Inference' is also in" in result.output


def test_check_reports_the_counts_of_a_good_library(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        args=["decks", "check", "--dir", str(write(tmp_path / "decks", SMALL).parent)]
    )
    assert result.exit_code == 0, result.output
    assert "1 deck files, 2 papers, 3 cards: ok" in result.output


def test_an_empty_folder_is_an_error(runner: FlaskCliRunner, tmp_path: Path) -> None:
    result = runner.invoke(args=["decks", "check", "--dir", str(tmp_path)])
    assert result.exit_code == 2 and "no deck files" in result.output


def test_a_paper_shows_the_readers_language_and_offers_the_other(
    runner: FlaskCliRunner, client: FlaskClient, auth: AuthActions, session: Session, tmp_path: Path
) -> None:
    load(runner, write(tmp_path / "decks", SMALL).parent)
    auth.register()
    with session.begin():
        paper_id = session.scalars(select(Paper.id).where(Paper.method == "FoldNet")).one()
        deck_id = session.scalars(select(Deck.id)).one()
    assert auth.post(f"/library/decks/{deck_id}/add", {}).status_code == 303  # type: ignore[attr-defined]
    for lang, shown, offered, other in (
        ("en", "FoldNet merges pairs of adjacent layers.", "한국어", "ko"),
        ("ko", "FoldNet은 인접한 두 층을 하나로 합친다.", "English", "en"),
    ):
        page = html(client.get(f"/papers/{paper_id}?lang={lang}").data)
        summary = page.select_one(".lib-summary")
        assert summary["lang"] == lang and shown in summary.get_text()
        details = page.select_one("details.lib-other-lang")
        assert offered in details.select_one("summary").get_text()
        assert details.select_one(".lib-summary")["lang"] == other
