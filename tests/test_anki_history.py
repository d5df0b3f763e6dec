"""Anki's days and due times read in our terms, on collections built by hand: day numbers
count from the collection's creation date where it was made, a learning card in a filtered
deck is due at its home moment, and numbers no Anki writes are a damaged package."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from studyapp.apkg.reading import AnkiCard, AnkiCollection, DamagedPackage, RevlogEntry
from studyapp.services import anki_history
from studyapp.srs.schedule import CardSchedule, SchedulerName, Scheduling

# 04:00 in Seoul on 8 December 2026 (Anki makes a collection at its day's start): 19:00 UTC
# the evening before.
CREATED = int(datetime(2026, 12, 7, 19, 0, tzinfo=UTC).timestamp())


def collection(offset: int | None) -> AnkiCollection:
    return AnkiCollection(
        schema=18,
        created=CREATED,
        rollover_hour=4,
        creation_offset=offset,
        notetypes={},
        decks={},
        notes=(),
        cards=(),
        revlog=(),
        media=(),
    )


def card(**changes: int) -> AnkiCard:
    values = {"type": 2, "queue": 2, "due": 10, "ivl": 10, "factor": 2500, "odue": 0, "odid": 0}
    values.update(changes)
    return AnkiCard(id=1, note_id=1, deck_id=1, ord=0, reps=3, lapses=0, left=0, data={}, **values)


def test_day_numbers_count_from_the_creation_date_where_the_collection_was_made() -> None:
    # Made in Seoul (UTC+9: Anki keeps -540 minutes west): day 0 is 8 December, for a reader
    # here in UTC too.
    assert anki_history.anki_date(0, collection(-540), "UTC") == date(2026, 12, 8)
    assert anki_history.anki_date(5, collection(-540), "UTC") == date(2026, 12, 13)
    # A collection that does not say: its creation date in the reader's zone.
    assert anki_history.anki_date(0, collection(None), "UTC") == date(2026, 12, 7)
    assert anki_history.anki_date(0, collection(None), "Asia/Seoul") == date(2026, 12, 8)


def test_a_learning_card_in_a_filtered_deck_is_due_at_its_home_moment() -> None:
    moment = int(datetime(2026, 12, 20, 9, 30, tzinfo=UTC).timestamp())
    before = CardSchedule(SchedulerName.SM2, 2, 2.5, 3, date(2026, 12, 10), 0, None, None)
    filtered = card(type=3, queue=1, due=-99999, odid=7, odue=moment, ivl=1)
    state, suspended = anki_history.anki_state(before, filtered, (), collection(-540), "UTC")
    assert state.due_on == date(2026, 12, 20)
    assert state.redrill_on == date(2026, 12, 20)  # a learning step: asked again that day
    assert state.interval_days == 1 and not suspended
    # A review card in a filtered deck: its home day number.
    review = card(due=-100, odid=7, odue=12)
    state, _ = anki_history.anki_state(before, review, (), collection(-540), "UTC")
    assert state.due_on == date(2026, 12, 20)
    assert state.last_reviewed_at == datetime(2026, 12, 10, tzinfo=UTC)  # due less interval


@pytest.mark.parametrize(
    "changes",
    [{"due": 10**9}, {"type": 1, "queue": 1, "due": 10**15}, {"odid": 3, "odue": -(10**7)}],
)
def test_numbers_no_anki_writes_are_a_damaged_package(changes: dict[str, int]) -> None:
    before = CardSchedule(SchedulerName.SM2, 0, 2.5, 0, None, 0, None, None)
    with pytest.raises(DamagedPackage):
        anki_history.anki_state(before, card(**changes), (), collection(None), "UTC")


def test_an_answer_logged_at_a_time_no_anki_writes_is_a_damaged_package() -> None:
    before = CardSchedule(SchedulerName.SM2, 0, 2.5, 0, None, 0, None, None)
    entry = RevlogEntry(
        id=10**16, card_id=1, ease=3, ivl=1, last_ivl=0, factor=2500, time_ms=1, type=0
    )
    with pytest.raises(DamagedPackage):
        anki_history.merge(
            before,
            [entry],
            card(),
            [entry],
            collection=collection(None),
            timezone="UTC",
            scheduling=Scheduling(),
        )


def test_under_anki_fsrs_the_logged_factor_is_not_read_as_an_ease() -> None:
    before = CardSchedule(SchedulerName.SM2, 2, 2.3, 5, date(2026, 12, 10), 0, None, None)
    moment_ms = int(datetime(2026, 12, 10, 8, 0, tzinfo=UTC).timestamp() * 1000)
    entry = RevlogEntry(
        id=moment_ms, card_id=1, ease=3, ivl=12, last_ivl=5, factor=540, time_ms=4000, type=1
    )
    fsrs_card = AnkiCard(
        id=1,
        note_id=1,
        deck_id=1,
        ord=0,
        type=2,
        queue=2,
        due=14,
        ivl=12,
        factor=540,
        reps=3,
        lapses=0,
        left=0,
        odue=0,
        odid=0,
        data={"s": 12.5, "d": 5.4},
    )
    adopted = anki_history.merge(
        before,
        [entry],
        fsrs_card,
        [entry],
        collection=collection(-540),
        timezone="UTC",
        scheduling=Scheduling(),
    )
    assert [row["ease_after"] for row in adopted.log] == [2.3]
    assert adopted.state is not None and adopted.state.ease == 2.3
    assert adopted.state.due_on == date(2026, 12, 22)
