"""Large imports in short steps (services/importing_steps.py): nobody sees a paper before all
are published, a failed or killed run leaves nothing, and the result is import_decks's."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp import create_app
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.identity import CardKind
from studyapp.models import Base, Card, CardText, Deck, Paper, User, utcnow
from studyapp.services import importing, importing_steps, my_decks
from studyapp.services.importing import (
    Corrections,
    DeckImport,
    ImportReport,
    import_decks,
)
from studyapp.services.importing_steps import clear_abandoned_imports, import_in_steps
from studyapp.services.paper_store import latest_drafts
from tests.conftest import AuthActions, engine_of, html
from tests.test_manage import snapshot

DATA = Path(__file__).resolve().parent / "data"
DIGEST_KO = (DATA / "digest_ko.md").read_text(encoding="utf-8")
DIGEST_EN = (DATA / "digest_en.md").read_text(encoding="utf-8")
HIDDEN_DECK = "Hidden staged deck"
# The Korean digest with other names and ids: the same topics, papers nobody has yet.
RENAMES = {
    "PetalNet": "Quokkaformer",
    "RiverDiff": "Wombatdiff",
    "Teaching Small Models": "Coaching Tiny Models",
    "2503.": "2504.",
}
HIDDEN_MARKERS = (HIDDEN_DECK, "Quokkaformer", "Wombatdiff", "Coaching Tiny Models", "2504.")


def papers_of(text: str) -> list[PaperDraft]:
    return list(extract_text(text, source="test").papers)


def renamed(text: str) -> str:
    for old, new in RENAMES.items():
        text = text.replace(old, new)
    return text


def single(
    session: Session, item: DeckImport, progress: Callable[[int], None] | None = None
) -> ImportReport:
    return import_decks(session, [item], progress=progress)[0]


def in_steps(
    session: Session, item: DeckImport, progress: Callable[[int], None] | None = None
) -> ImportReport:
    return import_in_steps(session, item, progress=progress, step=1)


PATHS = [pytest.param(single, id="one_transaction"), pytest.param(in_steps, id="in_steps")]


def user_id(app: Flask) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalars(select(User.id)).one()


def reader_with_deck(
    app: Flask, name: str, store: Callable[[Session, DeckImport], ImportReport]
) -> int:
    """A new user with the Korean digest in their deck ``name``, stored by ``store``; their id."""
    factory = session_factory(app)
    with factory() as session:
        session.add(User(email="reader@example.com", password_hash="x"))
        session.commit()
    owner = user_id(app)
    with factory() as session:
        store(session, DeckImport(name=name, papers=papers_of(DIGEST_KO), owner_id=owner))
    return owner


def staged_papers(app: Flask) -> list[tuple[int, int, int]]:
    """(deck id, paper id, card id) of every card in a staging deck."""
    with session_factory(app)() as session, session.begin():
        return [
            (row[0], row[1], row[2])
            for row in session.execute(
                select(Deck.id, Paper.id, Card.id)
                .join(Paper, Paper.deck_id == Deck.id)
                .join(Card, Card.paper_id == Paper.id)
                .where(Deck.staged_at.is_not(None))
            )
        ]


# ---- Nobody sees a staging deck ------------------------------------------------------------

PAGES = (
    "/",
    "/review",
    "/library",
    "/library?q=Quokka",
    "/library?q=2504",
    "/quiz",
    "/export",
    "/stats",
    "/account",
)


def what_the_user_sees(client: FlaskClient) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for url in PAGES:
        response = client.get(url)
        assert response.status_code == 200, url
        seen[url] = html(response.data).get_text(" ", strip=True)
    data = client.get("/account/data")
    assert data.status_code == 200
    document = json.loads(data.data)
    document.pop("exported_at")
    seen["/account/data"] = document
    return seen


@pytest.mark.parametrize("library", [False, True], ids=["own_deck", "library_deck"])
def test_a_staging_deck_and_its_papers_show_nowhere(
    app: Flask, client: FlaskClient, auth: AuthActions, library: bool
) -> None:
    auth.register()
    client.get("/settings")  # the welcome message, read
    owner = user_id(app)
    factory = session_factory(app)
    with factory() as session:
        single(
            session, DeckImport(name="Visible deck", papers=papers_of(DIGEST_KO), owner_id=owner)
        )
    before = what_the_user_sees(client)
    inspected: list[int] = []

    def inspect_midway(_count: int) -> None:
        staged = staged_papers(app)
        if inspected or len({paper for _, paper, _ in staged}) < 2:
            return
        inspected.append(len(staged))
        assert what_the_user_sees(client) == before
        deck_id, paper_id, card_id = staged[0]
        for url in (
            f"/library/decks/{deck_id}",
            f"/library/decks/{deck_id}/rename",
            f"/library/decks/{deck_id}/delete",
            f"/papers/{paper_id}",
            f"/cards/{card_id}/edit",
            f"/export/download?deck={deck_id}",
        ):
            assert client.get(url).status_code == 404, url
        if library:
            added = auth.post(f"/library/decks/{deck_id}/add", {})
            assert getattr(added, "status_code", None) == 404

    item = DeckImport(
        name=HIDDEN_DECK, papers=papers_of(renamed(DIGEST_KO)), owner_id=None if library else owner
    )
    with factory() as session:
        import_in_steps(session, item, progress=inspect_midway, step=1)
    assert inspected, "the import never had two papers staged"
    # Published: the same pages now show it, so the checks above could see it.
    after = what_the_user_sees(client)
    assert HIDDEN_DECK in after["/library"]
    assert "Quokkaformer" in after["/library?q=Quokka"]
    assert staged_papers(app) == []


# ---- All or nothing ------------------------------------------------------------------------


class Interrupted(Exception):
    pass


def test_an_error_midway_leaves_the_database_as_it_was(app: Flask) -> None:
    owner = reader_with_deck(app, "Mine", single)
    factory = session_factory(app)
    before = snapshot(app)
    calls: list[int] = []

    def fail_midway(count: int) -> None:
        calls.append(count)
        if len(calls) == 2:
            assert staged_papers(app), "nothing staged yet: the test would prove nothing"
            raise Interrupted

    # English papers into the same deck: new papers, and topics the database does not have.
    item = DeckImport(name="Mine", papers=papers_of(DIGEST_EN), owner_id=owner)
    with factory() as session, pytest.raises(Interrupted):
        import_in_steps(session, item, progress=fail_midway, step=1)
    assert snapshot(app) == before


def _import_and_die(url: str, text: str) -> None:
    """In a child process: import in steps, and be killed (SIGKILL) after the second step."""
    app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
    steps: list[int] = []

    def die(count: int) -> None:
        steps.append(count)
        if len(steps) == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    with session_factory(app)() as session:
        item = DeckImport(name="Killed", papers=papers_of(text), owner_id=None)
        import_in_steps(session, item, progress=die, step=1)


def test_a_killed_run_is_cleared_once_abandoned(app: Flask, database_url: str) -> None:
    with session_factory(app)() as session:
        single(session, DeckImport(name="Library", papers=papers_of(DIGEST_KO)))
    before = snapshot(app)
    started = utcnow()
    # The same topics as the deck above: a killed run cannot remove topics it added.
    child = multiprocessing.get_context("spawn").Process(
        target=_import_and_die, args=(database_url, renamed(DIGEST_KO))
    )
    child.start()
    child.join(timeout=120)
    assert child.exitcode == -signal.SIGKILL
    assert len(staged_papers(app)) >= 2
    with session_factory(app)() as session:
        assert clear_abandoned_imports(session, now=started + timedelta(minutes=29)) == 0
        assert staged_papers(app) != []
        assert clear_abandoned_imports(session, now=started + timedelta(minutes=31)) == 1
    assert snapshot(app) == before
    engine_of(app).dispose()


# ---- Both paths agree ----------------------------------------------------------------------

#: The Korean digest edited: a result rewritten, and a fourth paper.
EDITED_KO = DIGEST_KO.replace("5.2배", "6.4배") + (
    "\n### [Quokkaformer: Hopping Attention for Tiny Devices](https://arxiv.org/abs/2504.44444)"
    "\n\nVote: 3\n\n"
    "- 마이크로컨트롤러에서 어텐션은 메모리를 너무 많이 쓴다.\n"
    "- 본 논문은 토큰을 일정한 간격으로 건너뛰는 Quokkaformer를 제안한다.\n"
    "- Quokkaformer는 최대 메모리를 3.1배 줄인다.\n"
)


def reimport_scenario(
    app: Flask, store: Callable[[Session, DeckImport], ImportReport]
) -> ImportReport:
    """A deck imported, one card edited by its owner, then the edited digest imported again
    (with a corrected method name) through ``store``; its report."""
    owner = reader_with_deck(app, "Reader", store)
    factory = session_factory(app)
    with factory() as session, session.begin():
        text = session.scalars(
            select(CardText)
            .join(Card, Card.id == CardText.card_id)
            .join(Paper, Paper.id == Card.paper_id)
            .where(Paper.title.startswith("RiverDiff"), Card.kind == CardKind.METHOD_IDEA)
        ).one()
        text.front, text.edited_at = "My own wording", utcnow()
    edited = papers_of(EDITED_KO)
    petal = next(i for i, d in latest_drafts(edited).items() if d.title.startswith("PetalNet"))
    corrections = Corrections(methods=frozenset({petal}))
    with factory() as session:
        return store(
            session,
            DeckImport(name="Reader", papers=edited, owner_id=owner, corrections=corrections),
        )


def rows_without_times(app: Flask) -> dict[str, list[tuple[Any, ...]]]:
    return {
        table: [tuple(None if isinstance(v, datetime) else v for v in row) for row in rows]
        for table, rows in snapshot(app).items()
    }


@pytest.mark.parametrize("store", PATHS)
def test_a_reimport_of_an_edited_digest_updates_in_place_and_keeps_the_edit(
    app: Flask, store: Callable[[Session, DeckImport], ImportReport]
) -> None:
    report = reimport_scenario(app, store)
    assert (report.papers, report.papers_new) == (4, 1)
    assert (report.cards_new, report.cards_updated, report.cards_kept) == (2, 1, 1)
    with session_factory(app)() as session, session.begin():
        decks = session.scalars(select(Deck.name)).all()
        assert decks == ["Reader"]
        titles = session.scalars(select(Paper.title).order_by(Paper.id)).all()
        assert len(titles) == 4 and titles[-1].startswith("Quokkaformer")
        fronts = session.scalars(select(CardText.front).where(CardText.edited_at.is_not(None)))
        assert list(fronts) == ["My own wording"]
        numbers = session.scalar(select(func.count()).where(Card.number_value == 6.4))
        assert numbers == 1


def test_both_paths_leave_the_same_rows_and_report(app: Flask) -> None:
    one = reimport_scenario(app, single)
    rows = rows_without_times(app)
    engine = engine_of(app)
    Base.metadata.drop_all(engine)
    Base.metadata.create_all(engine)
    steps = reimport_scenario(app, in_steps)
    assert steps == one
    assert rows_without_times(app) == rows


def test_papers_a_concurrent_import_added_meanwhile_are_updated_not_doubled(app: Flask) -> None:
    papers = papers_of(DIGEST_KO)
    factory = session_factory(app)
    raced: list[ImportReport] = []

    def race(_count: int) -> None:
        if not raced:  # after the first paper is staged, another import stores them all
            with factory() as other:
                raced.append(single(other, DeckImport(name="Shared", papers=papers)))

    with factory() as session:
        report = import_in_steps(
            session, DeckImport(name="Shared", papers=papers), progress=race, step=1
        )
    assert raced[0].papers_new == 3
    assert (report.papers, report.papers_new, report.cards_new) == (3, 0, 0)
    assert report.cards_unchanged == raced[0].cards_new
    with factory() as session, session.begin():
        assert session.scalars(select(Deck.name)).all() == ["Shared"]
        assert session.scalar(select(func.count()).select_from(Paper)) == 3


def test_progress_counts_every_paper(app: Flask) -> None:
    seen: list[int] = []
    papers = papers_of(DIGEST_KO) + papers_of(DIGEST_EN)
    with session_factory(app)() as session:
        report = import_in_steps(
            session, DeckImport(name="Counted", papers=papers), progress=seen.append, step=2
        )
    assert sum(seen) == report.papers == len(latest_drafts(papers))
    assert max(seen) == 2


@pytest.mark.parametrize("in_steps", [False, True], ids=["one_transaction", "in_steps"])
def test_saving_into_a_deck_in_steps_is_saving_into_it(app: Flask, in_steps: bool) -> None:
    owner = reader_with_deck(app, "Mine", single)
    factory = session_factory(app)
    with factory() as session, session.begin():
        deck_id = session.scalars(select(Deck.id)).one()
        session.add(Deck(owner_id=None, slug="library", name="Library"))
    with factory() as session, session.begin():
        library_id = session.scalars(select(Deck.id).where(Deck.owner_id.is_(None))).one()
    before = snapshot(app)
    english = papers_of(DIGEST_EN)
    with factory() as session, pytest.raises(importing.DeckNotFound):
        importing.save_into_deck(
            session, user_id=owner, deck_id=library_id, papers=english, in_steps=in_steps
        )
    assert snapshot(app) == before
    with factory() as session:
        report = importing.save_into_deck(
            session, user_id=owner, deck_id=deck_id, papers=papers_of(DIGEST_EN), in_steps=in_steps
        )
        again = importing.save_into_new_deck(
            session, user_id=owner, name="Mine", papers=papers_of(DIGEST_EN), in_steps=in_steps
        )
    assert report.deck_id == again.deck_id == deck_id
    assert report.papers_new == report.papers > 0
    assert again.papers_new == 0 and again.cards_unchanged == report.cards_new


@pytest.fixture
def one_paper_steps(monkeypatch: pytest.MonkeyPatch) -> None:
    """Saves in steps store one paper per step, so that something can happen between them."""
    monkeypatch.setattr(
        importing_steps, "import_in_steps", partial(importing_steps.import_in_steps, step=1)
    )


@pytest.mark.usefixtures("one_paper_steps")
def test_a_deck_renamed_during_a_save_in_steps_still_gets_the_papers(app: Flask) -> None:
    owner = reader_with_deck(app, "Mine", single)
    factory = session_factory(app)
    with factory() as session, session.begin():
        deck_id = session.scalars(select(Deck.id)).one()
    calls: list[int] = []

    def rename_midway(count: int) -> None:
        calls.append(count)
        if len(calls) == 1:  # after the first step staged its paper: a new name, a new slug
            with factory() as other:
                my_decks.rename_deck(other, owner, deck_id, "Renamed meanwhile")

    with factory() as session:
        report = importing.save_into_deck(
            session,
            user_id=owner,
            deck_id=deck_id,
            papers=papers_of(DIGEST_EN),
            progress=rename_midway,
            in_steps=True,
        )
    assert len(calls) > 1
    assert report.deck_id == deck_id
    assert report.deck_name == "Renamed meanwhile"
    assert report.papers_new == report.papers > 0
    with factory() as session, session.begin():
        # One deck, holding both digests; no duplicate under the old name.
        assert session.execute(select(Deck.id, Deck.name)).all() == [(deck_id, "Renamed meanwhile")]
        in_deck = session.scalar(
            select(func.count()).select_from(Paper).where(Paper.deck_id == deck_id)
        )
        assert in_deck == len(latest_drafts(papers_of(DIGEST_KO))) + report.papers
    assert staged_papers(app) == []


@pytest.mark.usefixtures("one_paper_steps")
@pytest.mark.parametrize("when", ["while_staging", "before_publishing"])
def test_a_deck_deleted_during_a_save_in_steps_fails_and_leaves_nothing(
    app: Flask, when: str
) -> None:
    owner = reader_with_deck(app, "Mine", single)
    factory = session_factory(app)
    with factory() as session, session.begin():
        deck_id = session.scalars(select(Deck.id)).one()
    papers = papers_of(DIGEST_EN)
    # After the first step, later steps find no deck; after the last, only publishing runs.
    delete_at = 1 if when == "while_staging" else len(latest_drafts(papers))
    assert len(latest_drafts(papers)) > 1
    calls: list[int] = []

    def delete_midway(count: int) -> None:
        calls.append(count)
        if len(calls) == delete_at:
            with factory() as other:
                my_decks.delete_deck(other, owner, deck_id)

    with factory() as session, pytest.raises(importing.DeckNotFound):
        importing.save_into_deck(
            session,
            user_id=owner,
            deck_id=deck_id,
            papers=papers,
            progress=delete_midway,
            in_steps=True,
        )
    assert len(calls) == delete_at
    with factory() as session, session.begin():
        assert session.scalars(select(Deck.id)).all() == []
        assert session.scalar(select(func.count()).select_from(Paper)) == 0
        assert session.scalar(select(func.count()).select_from(Card)) == 0


def test_a_deck_deleted_before_a_save_in_one_transaction_is_not_recreated(app: Flask) -> None:
    owner = reader_with_deck(app, "Mine", single)
    factory = session_factory(app)
    with factory() as session, session.begin():
        deck = session.scalars(select(Deck)).one()
        item = DeckImport(
            name=deck.name,
            slug=deck.slug,
            deck_id=deck.id,
            papers=papers_of(DIGEST_EN),
            owner_id=owner,
        )
    with factory() as session:
        my_decks.delete_deck(session, owner, item.deck_id or 0)
    with factory() as session, pytest.raises(importing.DeckNotFound):
        single(session, item)
    with factory() as session, session.begin():
        assert session.scalars(select(Deck.id)).all() == []
