"""The export page's progress checkbox: ticked by default on both forms, and the download
carries the reader's progress into Anki only while it is ticked."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

# Anki's own library: anki.collection is the first anki module imported, as it must be.
from anki.collection import Collection
from flask.testing import FlaskClient
from sqlalchemy.orm import Session

from studyapp.services import review
from studyapp.services.accounts import user_id_by_email
from tests.anki_support import load
from tests.conftest import AuthActions, html
from tests.test_export import DATA
from tests.test_export_schedule import anki_cards, anki_date

DAY0 = datetime(2024, 2, 8, 0, 0, tzinfo=UTC)


def reader_with_history(client: FlaskClient, auth: AuthActions, session: Session) -> str:
    """A reader who imported the digest into a deck of their own and answered one card (5 on
    DAY0: due a day later); the deck's id, as the export page offers it."""
    auth.register()
    auth.post(
        "/import",
        {
            "text": (DATA / "digest_ko.md").read_text(encoding="utf-8"),
            "target": "new",
            "deck_name": "Mine",
        },
    )
    user_id = user_id_by_email(session, "reader@example.com")
    assert user_id is not None
    limits = review.StudyLimits(user_id, "UTC", new_per_day=20, reviews_per_day=200)
    item = review.next_card(session, limits, now=DAY0)
    assert item is not None
    review.answer(
        session, limits, state_id=item.state.id, version=item.state.version, grade=5, now=DAY0
    )
    page = client.get("/export").get_data(as_text=True)
    return page.split('name="deck" value="')[1].split('"')[0]


def test_the_progress_checkbox_is_ticked_on_both_forms(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    reader_with_history(client, auth, session)
    page = html(client.get("/export").data)
    forms = page.select("form.export-form")
    assert len(forms) == 2  # the decks and the topic
    for form in forms:
        # The hidden "0" comes first, so that an unticked box still says "without".
        inputs = form.select("input[name=schedule]")
        assert [(i["type"], i["value"]) for i in inputs] == [("hidden", "0"), ("checkbox", "1")]
        assert inputs[1].has_attr("checked")
        label = inputs[1].find_parent("label").get_text()
        assert "Include my progress (due dates, intervals and review history)" in label


def test_a_ticked_box_exports_the_progress(
    client: FlaskClient, auth: AuthActions, session: Session, tmp_path: Path, collection: Collection
) -> None:
    deck = reader_with_history(client, auth, session)
    response = client.get(f"/export/download?deck={deck}&card_lang=en&schedule=0&schedule=1")
    assert response.status_code == 200
    out = tmp_path / "ticked.apkg"
    out.write_bytes(response.data)
    load(collection, out, with_scheduling=True)
    studied = [c for c in anki_cards(collection).values() if c.type != 0]
    assert len(studied) == 1
    (card,) = studied
    assert (card.type, card.queue, card.ivl, card.reps) == (2, 2, 1, 1)
    assert anki_date(collection, card.due) == datetime(2024, 2, 9).date()
    assert collection.db.scalar("select count() from revlog") == 1


def test_an_unticked_box_exports_new_cards(
    client: FlaskClient, auth: AuthActions, session: Session, tmp_path: Path, collection: Collection
) -> None:
    deck = reader_with_history(client, auth, session)
    response = client.get(f"/export/download?deck={deck}&card_lang=en&schedule=0")
    assert response.status_code == 200
    out = tmp_path / "unticked.apkg"
    out.write_bytes(response.data)
    load(collection, out, with_scheduling=True)
    assert {c.type for c in anki_cards(collection).values()} == {0}
    assert collection.db.scalar("select count() from revlog") == 0


@pytest.mark.parametrize("value", ["yes", "", "2", "1%00"])
def test_a_value_the_form_never_sends_is_refused(
    client: FlaskClient, auth: AuthActions, session: Session, value: str
) -> None:
    deck = reader_with_history(client, auth, session)
    response = client.get(f"/export/download?deck={deck}&card_lang=en&schedule={value}")
    assert response.status_code == 400


def test_the_refused_form_keeps_the_box_unticked(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    reader_with_history(client, auth, session)
    response = client.get("/export/download?card_lang=en&schedule=0")
    assert response.status_code == 422
    form = html(response.data).select_one("form.export-form")
    assert not form.select_one("input[name=schedule][type=checkbox]").has_attr("checked")
