"""Exports with the user's progress: cards answered through the review service on a pinned
clock, exported, and imported with scheduling into a fresh collection by Anki's own library,
which must show each card as due on the same date, with the same interval, ease, counts and
review log."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

# Anki's own library: anki.collection is the first anki module imported, as it must be.
from anki.collection import Collection
from flask.testing import FlaskCliRunner
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.apkg.package import write_package
from studyapp.apkg.scheduling import (
    ANSWER_CAP_MS,
    STEP_SECONDS,
    CardProgress,
    LoggedAnswer,
    RevlogIds,
    anki_button,
    epoch_ms,
    revlog_rows,
)
from studyapp.models import Deck, ReviewLog, ReviewState
from studyapp.services import cards, export, review, scheduling
from studyapp.srs import fsrs
from studyapp.srs.schedule import AnswerKind, SchedulerName, Scheduling
from tests.anki_support import load
from tests.factories import make_user
from tests.test_review_service import setup_cards

# 09:00 in Seoul on 8 Feb 2024; the user lives in Seoul, so local days differ from UTC's.
DAY0 = datetime(2024, 2, 8, 0, 0, tzinfo=UTC)
DAY1 = DAY0 + timedelta(days=1)
SEOUL = "Asia/Seoul"


def anki_date(col: Collection, day: int) -> date:
    """The calendar date of Anki's day number ``day`` in ``col``: days are counted from the
    local date of the collection's creation (in its creation offset, minutes west of UTC)."""
    offset = timezone(timedelta(minutes=-int(col.get_config("creationOffset"))))
    return datetime.fromtimestamp(col.crt, offset).date() + timedelta(days=day)


def anki_cards(col: Collection) -> dict[str, Any]:
    """The imported cards by note GUID."""
    return {col.get_card(cid).note().guid: col.get_card(cid) for cid in col.find_cards("")}


def answer(
    session: Session, limits: review.StudyLimits, state_id: int, grade: int, now: datetime
) -> None:
    with session.begin():
        version = session.scalars(
            select(ReviewState.version).where(ReviewState.id == state_id)
        ).one()
    result = review.answer(
        session, limits, state_id=state_id, version=version, grade=grade, now=now
    )
    assert result.applied


def states(session: Session, user_id: int) -> list[ReviewState]:
    session.expire_all()
    with session.begin():
        return list(
            session.scalars(
                select(ReviewState)
                .where(ReviewState.user_id == user_id)
                .order_by(ReviewState.card_id)
            )
        )


def logged(session: Session, user_id: int, card_id: int) -> list[ReviewLog]:
    with session.begin():
        return list(
            session.scalars(
                select(ReviewLog)
                .where(ReviewLog.user_id == user_id, ReviewLog.card_id == card_id)
                .order_by(ReviewLog.reviewed_at, ReviewLog.id)
            )
        )


def guid_of(session: Session, state: ReviewState) -> str:
    with session.begin():
        return session.get_one(ReviewState, state.id).card.guid


def deck_of(session: Session, user_id: int) -> tuple[int, str]:
    """The id and slug of the user's own deck."""
    with session.begin():
        deck = session.scalars(select(Deck).where(Deck.owner_id == user_id)).one()
        return deck.id, deck.slug


def export_to(
    session: Session, user_id: int, path: Path, *, at: datetime, with_progress: bool = True
) -> dict[str, CardProgress]:
    deck_id, _ = deck_of(session, user_id)
    notes = export.notes_for_decks(session, [deck_id], lang="en", user_id=user_id)
    progress = export.progress_for(session, user_id, [note.guid for note in notes])
    write_package(
        notes,
        path,
        timestamp=at.timestamp(),
        progress=progress if with_progress else None,
        timezone=SEOUL,
    )
    return progress


def sm2_history(session: Session) -> tuple[review.StudyLimits, list[ReviewState]]:
    """Five SM-2 cards as of DAY1: one on a schedule in days, one lapsed and in today's
    re-drill, one failed at first sight today (learning), one suspended review card, one new."""
    limits = setup_cards(session, 5, timezone=SEOUL)
    ids = [(s.id, s.card_id) for s in states(session, limits.user_id)]
    (scheduled, _), (lapsed, _), (learning, _), (suspended, suspended_card), _new = ids
    for state_id in (scheduled, lapsed, suspended):
        answer(session, limits, state_id, 5, DAY0)  # 1 day
    answer(session, limits, scheduled, 4, DAY1)  # 6 days: due on 15 Feb (Seoul)
    answer(session, limits, lapsed, 1, DAY1)  # a lapse: back later today
    answer(session, limits, lapsed, 2, DAY1 + timedelta(minutes=5))  # still today
    answer(session, limits, learning, 3, DAY1)  # passed, but below 4: back later today
    cards.set_suspended(session, limits.user_id, suspended_card, suspended=True)
    return limits, states(session, limits.user_id)


def test_sm2_progress_arrives_in_anki_as_scheduled(
    session: Session, tmp_path: Path, collection: Collection
) -> None:
    limits, (scheduled, lapsed, learning, suspended, new) = sm2_history(session)
    now = DAY1 + timedelta(hours=2)
    out = tmp_path / "sm2.apkg"
    progress = export_to(session, limits.user_id, out, at=now)
    # Every card the user studies, the one never answered too (it goes as new).
    assert set(progress) == {
        guid_of(session, s) for s in (scheduled, lapsed, learning, suspended, new)
    }
    assert progress[guid_of(session, new)].is_new
    load(collection, out, with_scheduling=True)
    imported = anki_cards(collection)
    today = collection.sched.today

    card = imported[guid_of(session, scheduled)]
    assert (card.type, card.queue, card.ivl) == (2, 2, 6)
    assert scheduled.due_on == date(2024, 2, 15)
    assert anki_date(collection, card.due) == scheduled.due_on
    assert card.due - today == (scheduled.due_on - anki_date(collection, today)).days
    assert (card.factor, card.reps, card.lapses) == (round(scheduled.ease * 1000), 2, 0)

    # In today's re-drill after a lapse: relearning, due at the export.
    card = imported[guid_of(session, lapsed)]
    assert (card.type, card.queue, card.due, card.left) == (3, 1, int(now.timestamp()), 1)
    assert (card.ivl, card.reps, card.lapses) == (lapsed.interval_days, 3, 1)

    # Failed at first sight today: still learning, never reached a schedule in days.
    card = imported[guid_of(session, learning)]
    assert (card.type, card.queue, card.due, card.reps) == (1, 1, int(now.timestamp()), 1)

    card = imported[guid_of(session, suspended)]
    assert (card.type, card.queue) == (2, -1)
    assert anki_date(collection, card.due) == suspended.due_on == date(2024, 2, 9)

    card = imported[guid_of(session, new)]
    assert (card.type, card.queue, card.reps) == (0, 0, 0)


def test_the_review_log_arrives_in_anki(
    session: Session, tmp_path: Path, collection: Collection
) -> None:
    limits, answered = sm2_history(session)
    out = tmp_path / "log.apkg"
    export_to(session, limits.user_id, out, at=DAY1 + timedelta(hours=2))
    load(collection, out, with_scheduling=True)
    imported = anki_cards(collection)
    rows = collection.db.all(
        "select id, cid, ease, ivl, lastIvl, factor, type from revlog order by id"
    )
    expected = []
    for state in answered:
        cid = imported[guid_of(session, state)].id
        for row in logged(session, limits.user_id, state.card_id):
            expected.append((epoch_ms(row.reviewed_at), cid, anki_button(row.grade, row.scheduler)))
    assert len(rows) == len(expected) == 7
    assert sorted((r[1], r[2]) for r in rows) == sorted((cid, ease) for _, cid, ease in expected)
    # An id is the answer's time in milliseconds; answers given at the same moment (three on
    # each day here) take the next free milliseconds.
    moments = Counter(at for at, _, _ in expected)
    assert max(moments.values()) == 3
    assert sorted(r[0] for r in rows) == sorted(
        at + bump for at, count in moments.items() for bump in range(count)
    )
    by_card: dict[int, list[list[int]]] = {}
    for row in rows:
        by_card.setdefault(row[1], []).append(row)
    lapsed = by_card[imported[guid_of(session, answered[1])].id]
    # First sight (learning, 1 day), the lapse (review, into a step), the re-drill (relearning,
    # still in its step).
    assert [(r[3], r[4], r[6]) for r in lapsed] == [
        (1, 0, 0),
        (-STEP_SECONDS, 1, 1),
        (-STEP_SECONDS, -STEP_SECONDS, 2),
    ]
    scheduled = by_card[imported[guid_of(session, answered[0])].id]
    assert [(r[2], r[3], r[5], r[6]) for r in scheduled] == [(4, 1, 2600, 0), (3, 6, 2600, 1)]


def test_an_export_without_progress_is_all_new(
    session: Session, tmp_path: Path, collection: Collection
) -> None:
    limits, _ = sm2_history(session)
    out = tmp_path / "new.apkg"
    export_to(session, limits.user_id, out, at=DAY1, with_progress=False)
    load(collection, out, with_scheduling=True)
    assert {(c.type, c.queue, c.reps) for c in anki_cards(collection).values()} == {(0, 0, 0)}
    assert collection.db.scalar("select count() from revlog") == 0


def test_anki_takes_progress_only_for_cards_it_does_not_have(
    session: Session, tmp_path: Path, collection: Collection
) -> None:
    # What the export page says: Anki's importer leaves the scheduling of a card it already
    # holds alone, so progress exported after a first export as new does not reach it.
    limits, _ = sm2_history(session)
    first, second = tmp_path / "first.apkg", tmp_path / "second.apkg"
    export_to(session, limits.user_id, first, at=DAY1, with_progress=False)
    export_to(session, limits.user_id, second, at=DAY1 + timedelta(hours=2))
    load(collection, first, with_scheduling=True)
    load(collection, second, with_scheduling=True)
    assert {c.type for c in anki_cards(collection).values()} == {0}
    assert collection.db.scalar("select count() from revlog") == 0


def test_sm2_grades_become_anki_buttons_and_long_looks_are_capped() -> None:
    at = datetime(2024, 2, 8, 0, 0)
    log = tuple(
        LoggedAnswer(
            at, at.date(), grade, AnswerKind.LEARN, SchedulerName.SM2, 0, 1, 2.5, 90_000, None
        )
        for grade in range(6)
    )
    progress = CardProgress(interval_days=1, due_on=date(2024, 2, 9), last_reviewed_at=at, log=log)
    rows = revlog_rows(progress, 7, RevlogIds())
    assert [row.ease for row in rows] == [1, 1, 1, 2, 3, 4]
    assert {row.time for row in rows} == {ANSWER_CAP_MS} == {60_000}
    assert [row.id - epoch_ms(at) for row in rows] == [0, 1, 2, 3, 4, 5]


def test_progress_is_the_users_own(session: Session) -> None:
    limits, answered = sm2_history(session)
    guids = [guid_of(session, state) for state in answered]
    # Only the cards asked for, and only the user's own rows.
    assert export.progress_for(session, limits.user_id, guids[:1]).keys() == {guids[0]}
    with session.begin():
        stranger = make_user(session, email="stranger@example.com").id
    assert export.progress_for(session, stranger, guids) == {}


def test_fsrs_memory_and_steps_arrive_in_anki(
    session: Session, tmp_path: Path, collection: Collection
) -> None:
    limits = replace(
        setup_cards(session, 3, timezone=SEOUL), scheduling=Scheduling(SchedulerName.FSRS)
    )
    scheduling.update_scheduling(
        session,
        limits.user_id,
        scheduling.SchedulingChange(SchedulerName.FSRS, 0.85, 36500),
    )
    graduated, learning, relearning = (s.id for s in states(session, limits.user_id))
    for state_id in (graduated, relearning):
        answer(session, limits, state_id, fsrs.Rating.GOOD, DAY0)
        answer(session, limits, state_id, fsrs.Rating.GOOD, DAY0 + timedelta(minutes=10))
    due = states(session, limits.user_id)[2].due_on
    assert due is not None
    lapse_at = datetime.combine(due, datetime.min.time(), tzinfo=UTC)
    answer(session, limits, relearning, fsrs.Rating.AGAIN, lapse_at)
    answer(session, limits, learning, fsrs.Rating.GOOD, lapse_at)
    now = lapse_at + timedelta(minutes=2)
    graduated, learning, relearning = states(session, limits.user_id)
    assert (graduated.phase, learning.phase, relearning.phase) == (2, 1, 3)
    out = tmp_path / "fsrs.apkg"
    export_to(session, limits.user_id, out, at=now)
    collection.set_config("fsrs", True)
    load(collection, out, with_scheduling=True)
    imported = anki_cards(collection)

    card = imported[guid_of(session, graduated)]
    assert (card.type, card.queue, card.ivl) == (2, 2, graduated.interval_days)
    assert anki_date(collection, card.due) == graduated.due_on
    assert card.memory_state.stability == pytest.approx(graduated.stability, abs=1e-4)
    assert card.memory_state.difficulty == pytest.approx(graduated.difficulty, abs=1e-3)
    assert card.desired_retention == pytest.approx(0.85)

    # Learning and relearning steps are due at FSRS's own time, minutes away.
    for state, ctype in ((learning, 1), (relearning, 3)):
        card = imported[guid_of(session, state)]
        assert state.due_at is not None
        assert (card.type, card.queue, card.left) == (ctype, 1, 1)
        assert card.due == epoch_ms(state.due_at) // 1000 > int(now.timestamp())
        assert card.memory_state.stability == pytest.approx(state.stability, abs=1e-4)
    assert imported[guid_of(session, relearning)].lapses == 1

    rows = collection.db.all("select ease, type from revlog order by id")
    assert len(rows) == 6
    assert sorted(ease for ease, _ in rows) == [1, 3, 3, 3, 3, 3]


def test_cli_exports_a_users_progress(
    session: Session, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    limits, _ = sm2_history(session)
    _, slug = deck_of(session, limits.user_id)
    out = tmp_path / "cli.apkg"
    result = runner.invoke(
        args=["export", "--user", "READER@example.com", "--deck", slug, "-o", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{out}: 5 cards"
    load(collection, out, with_scheduling=True)
    # Exported now, long after: the re-drills of 9 Feb 2024 are over, and every answered card
    # is on its schedule in days.
    assert sorted(c.type for c in anki_cards(collection).values()) == [0, 2, 2, 2, 2]
    assert collection.db.scalar("select count() from revlog") == 7


def test_cli_as_new(
    session: Session, runner: FlaskCliRunner, tmp_path: Path, collection: Collection
) -> None:
    limits, _ = sm2_history(session)
    _, slug = deck_of(session, limits.user_id)
    out = tmp_path / "cli.apkg"
    args = ["export", "--user", "reader@example.com", "--deck", slug, "--as-new", "-o", str(out)]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    load(collection, out, with_scheduling=True)
    assert {c.type for c in anki_cards(collection).values()} == {0}
    assert collection.db.scalar("select count() from revlog") == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--with-schedule"], "schedules belong to a user: give --user EMAIL"),
        (["--user", "nobody@example.com"], "no account 'nobody@example.com'"),
    ],
)
def test_cli_refuses_a_schedule_without_a_user(
    session: Session, runner: FlaskCliRunner, tmp_path: Path, args: list[str], message: str
) -> None:
    sm2_history(session)
    out = tmp_path / "x.apkg"
    result = runner.invoke(args=["export", "--deck", "daily", *args, "-o", str(out)])
    assert result.exit_code == 2
    assert message in result.stderr
    assert not out.exists()
