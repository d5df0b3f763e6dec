"""An edit is the user's: importing the same summary again (or an edited one) keeps the wording
they gave a card, in the edit page or in the import preview, while the cards they left alone
follow the new extraction."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.drafts import NumberDraft
from studyapp.identity import CardKind
from studyapp.models import Card, CardText, Deck, Paper
from studyapp.services import cards as card_service
from studyapp.services.importing import Corrections, DeckImport, import_decks
from tests.conftest import AuthActions, csrf_token, html
from tests.factories import make_user
from tests.test_imports import DIGEST_KO, DIGEST_TITLE, form, post, save_form_fields

DATA = Path(__file__).resolve().parent / "data"


def card_text(app: Flask, title: str, kind: CardKind) -> CardText:
    with session_factory(app)() as session, session.begin():
        text = session.scalars(
            select(CardText)
            .join(Card, Card.id == CardText.card_id)
            .join(Paper, Paper.id == Card.paper_id)
            .where(Paper.title.startswith(title), Card.kind == kind)
        ).one()
        session.expunge(text)
        return text


def card_id(app: Flask, title: str, kind: CardKind) -> int:
    return card_text(app, title, kind).card_id


def flashes(client: FlaskClient) -> list[str]:
    return [p.get_text() for p in html(client.get("/settings").data).select(".flash")]


def edit(auth: AuthActions, card: int, **fields: str) -> None:
    response = auth.client.post(
        f"/cards/{card}/edit", data={**fields, "csrf_token": csrf_token(auth.client)}
    )
    assert response.status_code == 303


def test_an_edit_survives_importing_the_same_summary_again(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    assert post(auth, "/import", form(DIGEST_KO)).status_code == 303
    petal = card_id(app, "PetalNet", CardKind.METHOD_IDEA)
    extracted = card_text(app, "PetalNet", CardKind.METHOD_IDEA)
    assert extracted.edited_at is None
    edit(
        auth,
        petal,
        text_lang="ko",
        front="PetalNet — 어떻게?",
        back="꽃잎 블록 안에서만 본다.",
        source_sentence=extracted.source_sentence or "",
    )
    edited = card_text(app, "PetalNet", CardKind.METHOD_IDEA)
    assert edited.edited_at is not None
    # An older extraction of a card the user never touched, to see the import renew it.
    with session_factory(app)() as session, session.begin():
        river = session.get_one(CardText, (card_id(app, "RiverDiff", CardKind.METHOD_IDEA), "ko"))
        river_extracted = river.back
        river.back = "an older extraction"
    client.get("/settings")  # the messages so far, read

    assert post(auth, "/import", form(DIGEST_KO)).status_code == 303
    kept = card_text(app, "PetalNet", CardKind.METHOD_IDEA)
    assert (kept.front, kept.back) == ("PetalNet — 어떻게?", "꽃잎 블록 안에서만 본다.")
    assert kept.source_sentence == extracted.source_sentence
    assert kept.edited_at == edited.edited_at
    assert card_text(app, "RiverDiff", CardKind.METHOD_IDEA).back == river_extracted
    assert card_text(app, "PetalNet", CardKind.HEADLINE_NUMBER).edited_at is None
    assert flashes(client) == [
        f"Saved 3 papers with 5 cards into “{DIGEST_TITLE}”.",
        "1 card you had edited keeps your wording.",
    ]


def test_an_edit_survives_an_edited_summary_while_other_cards_follow_it(
    app: Flask, auth: AuthActions
) -> None:
    auth.register()
    post(auth, "/import", form(DIGEST_KO))
    edit(
        auth,
        card_id(app, "PetalNet", CardKind.HEADLINE_NUMBER),
        text_lang="ko",
        front="PetalNet — 메모리는 몇 배 줄었나?",
        back="5.2배 (1시간 영상)",
    )
    changed = DIGEST_KO.replace("최대 5.2배", "최대 6.1배").replace(
        "48.2%에서 61.5%로", "48.2%에서 63.0%로"
    )
    assert post(auth, "/import", form(changed)).status_code == 303
    petal = card_text(app, "PetalNet", CardKind.HEADLINE_NUMBER)
    assert (petal.front, petal.back) == ("PetalNet — 메모리는 몇 배 줄었나?", "5.2배 (1시간 영상)")
    assert card_text(app, "Teaching", CardKind.HEADLINE_NUMBER).back == "63.0%"
    with session_factory(app)() as session, session.begin():
        numbers = {
            paper: value
            for paper, value in session.execute(
                select(Paper.title, Card.number_value)
                .join(Card, Card.paper_id == Paper.id)
                .where(Card.kind == CardKind.HEADLINE_NUMBER)
            )
        }
    # The edited card keeps the number its wording gives; the other follows the summary.
    assert numbers["PetalNet: Sparse Petal Attention for Long Videos"] == 5.2
    assert numbers["Teaching Small Models to Check Their Own Math"] == 63.0


def test_saving_the_edit_page_unchanged_is_no_edit(app: Flask, auth: AuthActions) -> None:
    auth.register()
    post(auth, "/import", form(DIGEST_KO))
    text = card_text(app, "RiverDiff", CardKind.METHOD_IDEA)
    edit(
        auth,
        text.card_id,
        text_lang="ko",
        front=text.front,
        back=text.back + "\r\n",
        source_sentence=text.source_sentence or "",
    )
    assert card_text(app, "RiverDiff", CardKind.METHOD_IDEA).edited_at is None


def test_preview_corrections_survive_a_reimport_and_a_new_correction_replaces_them(
    app: Flask, auth: AuthActions
) -> None:
    auth.register()
    fields = save_form_fields(html(post(auth, "/import/preview", form(DIGEST_KO)).data))
    fields["papers-0-method"] = "PetalNet-L"
    fields["papers-2-cards-0-back"] = "흐름 정합으로 오디오를 잇는다."
    assert post(auth, "/import", fields).status_code == 303

    # The same summary, saved without a look.
    assert post(auth, "/import", form(DIGEST_KO)).status_code == 303
    assert card_text(app, "PetalNet", CardKind.METHOD_IDEA).front.startswith("PetalNet-L — ")
    assert card_text(app, "PetalNet", CardKind.HEADLINE_NUMBER).front.startswith("PetalNet-L — ")
    assert (
        card_text(app, "RiverDiff", CardKind.METHOD_IDEA).back == "흐름 정합으로 오디오를 잇는다."
    )
    with session_factory(app)() as session, session.begin():
        methods = {title[:8]: m for title, m in session.execute(select(Paper.title, Paper.method))}
    # The paper is named as the user's cards name it; the others as the summary does.
    assert methods == {"PetalNet": "PetalNet-L", "Teaching": None, "RiverDif": "RiverDiff"}

    # A new correction, in the preview, is the user's latest word.
    fields = save_form_fields(html(post(auth, "/import/preview", form(DIGEST_KO)).data))
    fields["papers-2-cards-0-back"] = "다시 고친 문구."
    assert post(auth, "/import", fields).status_code == 303
    assert card_text(app, "RiverDiff", CardKind.METHOD_IDEA).back == "다시 고친 문구."
    # Left as extracted there, the PetalNet cards keep the earlier correction.
    assert card_text(app, "PetalNet", CardKind.METHOD_IDEA).front.startswith("PetalNet-L — ")


def _drafts(name: str) -> Any:
    return extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers


def test_the_store_path_keeps_edited_texts_and_marks_corrections(session: Session) -> None:
    user = make_user(session)
    session.commit()
    papers = _drafts("notes_en.md")
    item = DeckImport(name="Notes", papers=papers, owner_id=user.id)
    (first,) = import_decks(session, [item])
    cascade = next(p for p in papers if p.arxiv_id == "2503.44444")
    number_card = next(c for c in cascade.cards if c.kind is CardKind.HEADLINE_NUMBER)
    with session.begin():
        card = session.scalars(
            select(Card).where(Card.kind == CardKind.HEADLINE_NUMBER).join(Paper)
        ).one()
        card_id = card.id
    card_service.edit_text(
        session, user.id, card_id, lang="en", front="Cascade?", back="2.8×", source_sentence=None
    )

    # The summary now says 3.1×: the edited card keeps its wording and its number.
    renumbered = dataclasses.replace(
        number_card, back="3.1×", number=NumberDraft(text="3.1×", value=3.1, unit="×")
    )
    changed = [
        dataclasses.replace(
            p,
            cards=tuple(renumbered if c is number_card else c for c in p.cards),
        )
        if p is cascade
        else p
        for p in papers
    ]
    (again,) = import_decks(session, [dataclasses.replace(item, papers=changed)])
    assert (again.cards_updated, again.cards_kept) == (0, 1)
    session.expire_all()
    with session.begin():
        card = session.get_one(Card, card_id)
        assert (card.text("en").back, card.number_value) == ("2.8×", 2.8)

    # A correction of it, made while importing, is stored and marked.
    corrections = Corrections(texts=frozenset({(f"arxiv:{cascade.arxiv_id}", card.kind)}))
    (corrected,) = import_decks(
        session, [dataclasses.replace(item, papers=changed, corrections=corrections)]
    )
    assert corrected.cards_updated == 1
    session.expire_all()
    with session.begin():
        card = session.get_one(Card, card_id)
        assert (card.text("en").back, card.number_value) == ("3.1×", 3.1)
        assert card.text("en").edited_at is not None
        assert session.scalar(select(Deck.id)) == first.deck_id
