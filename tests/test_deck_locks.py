"""A user adding a library deck while an import grows it: the two take turns on the deck's row,
so the user ends up with a review state for every card, old and new."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from flask import Flask
from sqlalchemy import func, select, text

from studyapp.db import session_factory, write_unit
from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.models import Card, ReviewState
from studyapp.services.importing import DeckImport, _import_deck, import_decks
from studyapp.services.library import add_to_my_cards
from tests.conftest import engine_of
from tests.factories import make_user

DATA = Path(__file__).parent / "data"


def _papers(name: str) -> tuple[PaperDraft, ...]:
    return extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers


def _waiting_for_a_lock(app: Flask) -> bool:
    engine = engine_of(app)
    if engine.dialect.name != "postgresql":
        return True  # SQLite: BEGIN IMMEDIATE makes the second writer wait in any case
    with engine.connect() as connection:
        waiting = connection.scalar(
            text(
                "SELECT count(*) FROM pg_stat_activity"
                " WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
        )
    return bool(waiting)


def test_adding_a_deck_while_an_import_grows_it_enrolls_every_card(app: Flask) -> None:
    factory = session_factory(app)
    with factory() as session:
        with session.begin():
            user_id = make_user(session).id
        first = DeckImport(name="Daily", papers=_papers("digest_en.md"))
        deck_id = import_decks(session, [first])[0].deck_id

    grown = DeckImport(name="Daily", papers=_papers("digest_en.md") + _papers("blog_ko.txt"))
    errors: list[BaseException] = []

    def add() -> None:
        try:
            with factory() as other:
                add_to_my_cards(other, user_id, deck_id)
        except BaseException as error:  # noqa: BLE001 - reported by the test below
            errors.append(error)

    adder = threading.Thread(target=add)
    with factory() as importer, write_unit(importer):
        # The import has locked the deck and stored its new cards, and has not committed.
        _import_deck(importer, grown, None)
        adder.start()
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock(app) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert adder.is_alive(), "the add finished while the import still held the deck"
    adder.join(timeout=30)
    assert not adder.is_alive() and errors == []

    with factory() as session, session.begin():
        cards = session.scalar(select(func.count(Card.id)))
        states = session.scalar(
            select(func.count(ReviewState.id)).where(ReviewState.user_id == user_id)
        )
    assert cards is not None and cards > 5
    assert states == cards
