"""Importing from Anki, checked against Anki's own library: answers given in Anki to our cards
join the log with Anki's due dates, other notes become the user's cards, and a package read
twice changes nothing the second time. On SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

# Anki's own library: anki.collection is the first anki module imported, as it must be.
from anki.collection import (
    Collection,
    ExportAnkiPackageOptions,
)
from anki.scheduler.v3 import CardAnswer
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from studyapp.apkg.package import write_package
from studyapp.apkg.reading import read_package
from studyapp.identity import CardKind
from studyapp.models import Card, CardText, Deck, ReviewLog, ReviewState
from studyapp.services import anki_import, anki_writes, cards, export, scheduling
from studyapp.services.anki_import import SkipReason
from studyapp.srs import fsrs
from studyapp.srs.schedule import SchedulerName, Scheduling
from tests.anki_support import load
from tests.factories import make_user
from tests.test_review_service import answer_next, setup_cards

# Anki's day starts at 4 am by default.
ROLLOVER = timedelta(hours=4)


def export_from_anki(col: Collection, out: Path, *, media: bool = True) -> Path:
    col.export_anki_package(
        out_path=str(out),
        options=ExportAnkiPackageOptions(
            with_scheduling=True, with_deck_configs=False, with_media=media, legacy=False
        ),
        limit=None,
    )
    return out


def answer_in_anki(col: Collection, ratings: list[int]) -> list[int]:
    """Answer the next cards with Anki's scheduler; the ids of the cards answered."""
    answered = []
    # Anki studies the current deck: the one the imported cards are in.
    col.decks.select(col.get_card(col.find_cards("")[0]).did)
    for rating in ratings:
        queued = col.sched.get_queued_cards()
        top = queued.cards[0]
        card = col.get_card(top.card.id)
        card.start_timer()
        col.sched.answer_card(col.sched.build_answer(card=card, states=top.states, rating=rating))
        answered.append(card.id)
    return answered


def anki_due_date(col: Collection, card_id: int) -> date:
    """The local date on which Anki has the card due."""
    card = col.get_card(card_id)
    if card.queue == 1:  # a learning step: a moment
        return datetime.fromtimestamp(card.due, UTC).date()
    anki_today = (datetime.now(UTC) - ROLLOVER).date()
    return anki_today + timedelta(days=card.due - col.sched.today)


def log_count(session: Session, user_id: int) -> int:
    session.expire_all()
    with session.begin():
        return (
            session.scalar(
                select(func.count()).select_from(ReviewLog).where(ReviewLog.user_id == user_id)
            )
            or 0
        )


def states_by_guid(session: Session, user_id: int) -> dict[str, ReviewState]:
    session.expire_all()
    with session.begin():
        return {
            guid: state
            for guid, state in session.execute(
                select(Card.guid, ReviewState)
                .join(ReviewState, ReviewState.card_id == Card.id)
                .where(ReviewState.user_id == user_id)
            )
        }


def export_ours(session: Session, user_id: int, out: Path) -> Path:
    """The user's decks as our Export page writes them: with the user's progress."""
    decks = export.exportable_decks(session, user_id)
    notes = export.notes_for_decks(session, [d.id for d in decks], lang="en", user_id=user_id)
    progress = export.progress_for(session, user_id, [note.guid for note in notes])
    write_package(notes, out, progress=progress, timezone="UTC")
    return out


def send_to_anki(session: Session, user_id: int, col: Collection, tmp_path: Path) -> None:
    """The user's decks with their progress, imported into ``col`` as a user would."""
    load(col, export_ours(session, user_id, tmp_path / "ours.apkg"), with_scheduling=True)


def test_ten_answers_given_in_anki_come_back_with_anki_due_dates(
    session: Session, collection: Collection, tmp_path: Path
) -> None:
    limits = setup_cards(session, 12)
    # Four cards answered here three days ago: due again in Anki.
    three_days_ago = datetime.now(UTC) - timedelta(days=3)
    for _ in range(4):
        answer_next(session, limits, 4, three_days_ago)
    before = log_count(session, limits.user_id)
    send_to_anki(session, limits.user_id, collection, tmp_path)
    # Anki holds our four answers and our due dates.
    assert collection.db.scalar("select count() from revlog") == 4
    anki_cards = {
        guid: card_id
        for guid, card_id in collection.db.all(
            "select notes.guid, cards.id from cards join notes on notes.id = cards.nid"
        )
    }
    for guid, state in states_by_guid(session, limits.user_id).items():
        if state.due_on is not None:
            assert anki_due_date(collection, anki_cards[guid]) == state.due_on
    ratings = [CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.AGAIN, CardAnswer.HARD] * 2 + [
        CardAnswer.GOOD,
        CardAnswer.GOOD,
    ]
    answered = answer_in_anki(collection, ratings)
    assert len(answered) == 10
    package = export_from_anki(collection, tmp_path / "from_anki.apkg")

    report = anki_import.check_import(session, limits.user_id, read_package(package))
    assert (report.reviews, report.new_cards) == (10, 0)
    assert log_count(session, limits.user_id) == before  # the report wrote nothing

    done = anki_import.run_import(session, limits.user_id, read_package(package))
    assert done.reviews == 10
    assert log_count(session, limits.user_id) == before + 10
    with session.begin():
        merged = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == limits.user_id)
            .order_by(ReviewLog.reviewed_at)
        ).all()[-10:]
        # Anki's buttons (Again = 0 … Easy = 3 in its API) as our four-button SM-2 grades.
        assert [row.grade for row in merged] == [(1, 3, 4, 5)[rating] for rating in ratings]
    states = states_by_guid(session, limits.user_id)
    for card_id in set(answered):
        guid = collection.get_note(collection.get_card(card_id).nid).guid
        assert states[guid].due_on == anki_due_date(collection, card_id), guid
        assert states[guid].interval_days == max(collection.get_card(card_id).ivl, 0)

    assert done.older_answers == 0  # every answer our export wrote was recognised
    # The same package again: nothing to merge, nothing written.
    again = anki_import.run_import(session, limits.user_id, read_package(package))
    assert again.older_answers == 0
    assert (again.reviews, again.cards_updated, again.unchanged) == (0, 0, 12)
    assert log_count(session, limits.user_id) == before + 10


def test_under_fsrs_anki_answers_bring_anki_memory_and_due_dates(
    session: Session, collection: Collection, tmp_path: Path
) -> None:
    limits = replace(setup_cards(session, 6), scheduling=Scheduling(SchedulerName.FSRS))
    scheduling.update_scheduling(
        session, limits.user_id, scheduling.SchedulingChange(SchedulerName.FSRS, 0.9, 36500)
    )
    for _ in range(3):
        answer_next(session, limits, fsrs.Rating.GOOD, datetime.now(UTC) - timedelta(days=5))
    collection.set_config("fsrs", True)
    send_to_anki(session, limits.user_id, collection, tmp_path)
    answered = answer_in_anki(collection, [CardAnswer.GOOD, CardAnswer.EASY, CardAnswer.GOOD])
    package = export_from_anki(collection, tmp_path / "from_anki.apkg")

    done = anki_import.run_import(session, limits.user_id, read_package(package))
    assert done.reviews == 3
    states = states_by_guid(session, limits.user_id)
    for card_id in answered:
        card = collection.get_card(card_id)
        state = states[collection.get_note(card.nid).guid]
        assert state.scheduler is SchedulerName.FSRS
        assert state.due_on == anki_due_date(collection, card_id)
        memory = card.memory_state
        assert memory is not None
        assert state.stability == pytest.approx(memory.stability, abs=1e-3)
        assert state.difficulty == pytest.approx(memory.difficulty, abs=1e-3)
    with session.begin():
        merged = session.scalars(
            select(ReviewLog)
            .where(ReviewLog.user_id == limits.user_id)
            .order_by(ReviewLog.reviewed_at)
        ).all()[-3:]
        assert [row.grade for row in merged] == [3, 4, 3]  # FSRS's ratings as Anki's buttons
        assert all(row.memory_after is not None for row in merged)


def test_an_answer_in_anki_older_than_a_later_one_here_is_left_out(
    session: Session, collection: Collection, tmp_path: Path
) -> None:
    limits = setup_cards(session, 1)
    send_to_anki(session, limits.user_id, collection, tmp_path)
    answer_in_anki(collection, [CardAnswer.GOOD])
    package = export_from_anki(collection, tmp_path / "from_anki.apkg")
    # Answered here after Anki's answer: Anki's cannot go before it in the log.
    answer_next(session, limits, 5, datetime.now(UTC) + timedelta(minutes=1))
    report = anki_import.run_import(session, limits.user_id, read_package(package))
    assert (report.reviews, report.older_answers, report.unchanged) == (0, 1, 1)
    assert log_count(session, limits.user_id) == 1


def test_an_import_that_fails_midway_writes_nothing(
    session: Session, collection: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = setup_cards(session, 3)
    send_to_anki(session, limits.user_id, collection, tmp_path)
    answer_in_anki(collection, [CardAnswer.GOOD, CardAnswer.AGAIN])
    other_notes(collection)
    package = read_package(export_from_anki(collection, tmp_path / "from_anki.apkg"))
    before = states_by_guid(session, limits.user_id)
    versions = {guid: state.version for guid, state in before.items()}

    def broken(*_args: object) -> None:
        raise RuntimeError("the disk filled up")

    # Our cards' new states and the new cards are flushed when the new cards' states are
    # made: that step fails.
    monkeypatch.setattr(anki_writes, "enroll", broken)
    with pytest.raises(RuntimeError):
        anki_import.run_import(session, limits.user_id, package)
    assert log_count(session, limits.user_id) == 0
    after = states_by_guid(session, limits.user_id)
    assert {guid: state.version for guid, state in after.items()} == versions
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Card)) == 3
    monkeypatch.undo()
    done = anki_import.run_import(session, limits.user_id, package)
    assert (done.reviews, done.new_cards) == (2, 4)


def test_a_card_answered_while_the_import_runs_makes_it_write_nothing(
    session: Session, collection: Collection, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = setup_cards(session, 2)
    send_to_anki(session, limits.user_id, collection, tmp_path)
    answer_in_anki(collection, [CardAnswer.GOOD, CardAnswer.GOOD])
    package = read_package(export_from_anki(collection, tmp_path / "from_anki.apkg"))

    def answered_meanwhile(session: Session, *_args: object) -> None:
        # What a concurrent answer leaves: every state one version on, behind the ORM's back.
        session.connection().execute(
            text("UPDATE review_states SET version = version + 1 WHERE user_id = :user"),
            {"user": limits.user_id},
        )

    monkeypatch.setattr(anki_import, "add_cards", answered_meanwhile)
    with pytest.raises(anki_import.CardsChanged):
        anki_import.run_import(session, limits.user_id, package)
    assert log_count(session, limits.user_id) == 0


def other_notes(col: Collection) -> None:
    """A Basic note with markup and a script, a reversed one, a Cloze with a hint and a
    picture, in a nested deck."""
    deck_id = col.decks.id("Languages::Korean")
    assert deck_id is not None
    basic = col.new_note(col.models.by_name("Basic"))
    basic["Front"] = "<b>안녕하세요</b><script>alert(1)</script>"
    basic["Back"] = "Hello<br>(formal)"
    col.add_note(basic, deck_id)
    reversed_ = col.new_note(col.models.by_name("Basic (and reversed card)"))
    reversed_["Front"] = "cat"
    reversed_["Back"] = "고양이"
    col.add_note(reversed_, deck_id)
    cloze = col.new_note(col.models.by_name("Cloze"))
    cloze["Text"] = 'The {{c1::mitochondria::organelle}} is the <i>powerhouse</i> <img src="x.png">'
    col.add_note(cloze, deck_id)
    col.media.write_data("x.png", b"\x89PNG not really")


def test_other_notes_become_the_users_cards_in_decks_named_as_in_anki(
    session: Session, collection: Collection, tmp_path: Path
) -> None:
    limits = setup_cards(session, 0)
    other_notes(collection)
    answered = answer_in_anki(collection, [CardAnswer.GOOD])
    package = export_from_anki(collection, tmp_path / "notes.apkg")

    report = anki_import.check_import(session, limits.user_id, read_package(package))
    assert report.new_cards == 4  # Basic 1, reversed 2, Cloze 1
    assert report.new_decks == ["Languages::Korean"]
    assert report.reviews == 1
    assert report.media_skipped == 1
    # Exported without its media, the package still names the picture the cloze loses.
    bare = read_package(export_from_anki(collection, tmp_path / "bare.apkg", media=False))
    assert bare.media == ()
    assert anki_import.check_import(session, limits.user_id, bare).media_skipped == 1
    anki_import.run_import(session, limits.user_id, read_package(package))

    with session.begin():
        deck = session.scalars(
            select(Deck).where(Deck.owner_id == limits.user_id, Deck.name == "Languages::Korean")
        ).one()
        faces = sorted(
            (text.front, text.back)
            for text in session.scalars(
                select(CardText)
                .join(Card, Card.id == CardText.card_id)
                .where(Card.kind == CardKind.NOTE)
            )
        )
        assert deck is not None
    fronts = [front for front, _ in faces]
    assert "안녕하세요" in fronts  # markup gone, the script with it
    assert not any("alert" in front or "<" in front for front in fronts)
    assert {"cat", "고양이"} <= set(fronts)
    cloze_front = next(front for front in fronts if "powerhouse" in front)
    assert "mitochondria" not in cloze_front and "[organelle]" in cloze_front
    states = states_by_guid(session, limits.user_id)
    guid = collection.get_note(collection.get_card(answered[0]).nid).guid
    studied = [s for g, s in states.items() if g.startswith(guid) and s.last_reviewed_at]
    assert len(studied) == 1 and studied[0].due_on == anki_due_date(collection, answered[0])

    again = anki_import.run_import(session, limits.user_id, read_package(package))
    assert (again.new_cards, again.reviews, again.unchanged) == (0, 0, 4)


def test_a_card_of_ours_not_in_the_users_decks_is_skipped_with_the_reason(
    session: Session, collection: Collection, tmp_path: Path
) -> None:
    limits = setup_cards(session, 2)
    send_to_anki(session, limits.user_id, collection, tmp_path)
    other = make_user(session, "other@example.com").id
    session.commit()
    report = anki_import.check_import(
        session, other, read_package(export_from_anki(collection, tmp_path / "a.apkg"))
    )
    assert report.skipped == {SkipReason.NOT_STUDIED: 2}
    assert not report.changes_anything


def test_a_card_deleted_here_comes_back_on_import_and_imported_cards_are_not_exported(
    session: Session, collection: Collection, tmp_path: Path
) -> None:
    limits = setup_cards(session, 1)
    other_notes(collection)
    package = read_package(export_from_anki(collection, tmp_path / "notes.apkg"))
    anki_import.run_import(session, limits.user_id, package)
    with session.begin():
        card_id = session.scalars(select(Card.id).where(Card.guid.endswith("#1"))).first()
    assert card_id is not None
    cards.delete_card(session, limits.user_id, card_id)
    # Its paper stayed behind: the card comes back on it.
    again = anki_import.run_import(session, limits.user_id, package)
    assert (again.new_cards, again.unchanged) == (1, 3)
    # Exporting every deck, the imported ones too, writes our own card only.
    out = export_ours(session, limits.user_id, tmp_path / "everything.apkg")
    fresh = Collection(str(tmp_path / "fresh.anki2"))
    try:
        load(fresh, out)
        assert fresh.card_count() == 1
    finally:
        fresh.close()
