"""The scheduler seam through the review service: FSRS answering in the day-based queue, the
log keeping each answer's memory, switching SM-2 ⇄ FSRS without losing anything, and undo
across both. Every clock is pinned."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.models import ReviewKind, ReviewLog, ReviewState, User
from studyapp.services import review, scheduling, undo
from studyapp.services.errors import InvalidGrade
from studyapp.srs import fsrs
from studyapp.srs.schedule import SchedulerName, Scheduling
from tests.test_review_service import answer_next, setup_cards, state_of

MORNING = datetime(2024, 2, 8, 0, 0, tzinfo=UTC)
FSRS = Scheduling(name=SchedulerName.FSRS)


def switch(
    session: Session,
    limits: review.StudyLimits,
    to: SchedulerName,
    *,
    retention: float = 0.9,
    maximum: int = 36500,
) -> scheduling.Switched:
    return scheduling.update_scheduling(
        session,
        limits.user_id,
        scheduling.SchedulingChange(to, retention, maximum),
    )


def logged(session: Session, user_id: int) -> list[ReviewLog]:
    session.expire_all()
    with session.begin():
        return list(
            session.scalars(
                select(ReviewLog).where(ReviewLog.user_id == user_id).order_by(ReviewLog.id)
            )
        )


def test_a_new_card_under_fsrs_takes_its_learning_steps_today_then_fsrs_interval(
    session: Session,
) -> None:
    limits = replace(setup_cards(session, 1), scheduling=FSRS)
    switch(session, limits, SchedulerName.FSRS)
    first = answer_next(session, limits, fsrs.Rating.GOOD, MORNING)
    assert first.kind is ReviewKind.LEARN
    expected = fsrs.review(fsrs.FSRSState.initial(now=MORNING), fsrs.Rating.GOOD, now=MORNING)
    state = state_of(session, first.state.id)
    assert state.scheduler is SchedulerName.FSRS
    assert (state.stability, state.difficulty, state.phase, state.step) == (
        expected.stability,
        expected.difficulty,
        fsrs.Phase.LEARNING,
        1,
    )
    # The 10-minute step lands later today: the card is today's re-drill.
    assert state.redrill_on == date(2024, 2, 8) and state.due_on == date(2024, 2, 8)
    later = MORNING + timedelta(minutes=10)
    second = answer_next(session, limits, fsrs.Rating.GOOD, later)
    assert second.kind is ReviewKind.REDRILL
    graduated = fsrs.review(expected, fsrs.Rating.GOOD, now=later)
    state = state_of(session, first.state.id)
    days = fsrs.interval_days(graduated, now=later)
    assert state.phase == fsrs.Phase.REVIEW and state.redrill_on is None
    assert state.interval_days == days >= 1
    assert state.due_on == date(2024, 2, 8) + timedelta(days=days)
    rows = logged(session, limits.user_id)
    assert [row.scheduler for row in rows] == [SchedulerName.FSRS] * 2
    assert rows[0].memory_before is not None and rows[0].memory_before["stability"] is None
    assert rows[1].memory_after is not None
    assert rows[1].memory_after["stability"] == graduated.stability
    assert rows[1].memory_before == rows[0].memory_after


@pytest.mark.parametrize("grade", [0, 5])
def test_fsrs_refuses_a_grade_it_has_no_button_for_and_writes_nothing(
    session: Session, grade: int
) -> None:
    limits = replace(setup_cards(session, 1), scheduling=FSRS)
    switch(session, limits, SchedulerName.FSRS)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None
    with pytest.raises(InvalidGrade):
        review.answer(
            session,
            limits,
            state_id=item.state.id,
            version=item.state.version,
            grade=grade,
            now=MORNING,
        )
    assert logged(session, limits.user_id) == []
    assert state_of(session, item.state.id).last_reviewed_at is None


def test_switching_to_fsrs_replays_each_cards_log_and_keeps_due_dates(session: Session) -> None:
    limits = setup_cards(session, 2)
    grades = {0: [], 1: []}  # card index -> (time, SM-2 grade)
    day = MORNING
    for offset, pair in enumerate([(5, 2), (4, 4), (3, 5)]):
        day = MORNING + timedelta(days=offset * 7)
        for index, grade in enumerate(pair):
            answer_next(session, limits, grade, day)
            grades[index].append((day, grade))
    session.commit()
    with session.begin():
        before = {
            state.id: (state.due_on, state.version, state.ease, state.repetitions)
            for state in session.scalars(select(ReviewState))
        }
    switched = switch(session, limits, SchedulerName.FSRS)
    assert (switched.replayed, switched.from_ease, switched.new) == (2, 0, 0)
    session.expire_all()
    with session.begin():
        states = session.scalars(select(ReviewState).order_by(ReviewState.card_id)).all()
        for index, state in enumerate(states):
            # Every answer, the day's re-drills included, in order.
            history = [
                (row.reviewed_at, fsrs.from_sm2_grade(row.grade))
                for row in session.scalars(
                    select(ReviewLog)
                    .where(ReviewLog.card_id == state.card_id)
                    .order_by(ReviewLog.reviewed_at, ReviewLog.id)
                )
            ]
            assert len(history) >= len(grades[index])
            memory = fsrs.replay(history)
            assert state.scheduler is SchedulerName.FSRS
            assert (state.stability, state.difficulty, state.phase) == (
                memory.stability,
                memory.difficulty,
                int(memory.phase),
            )
            due_on, version, ease, repetitions = before[state.id]
            assert state.due_on == due_on and state.version == version + 1
            assert (state.ease, state.repetitions) == (ease, repetitions)


def test_progress_without_its_first_sight_in_the_log_converts_from_ease_and_interval(
    session: Session,
) -> None:
    limits = setup_cards(session, 2)
    session.commit()
    with session.begin():
        first, second = session.scalars(select(ReviewState).order_by(ReviewState.card_id)).all()
        for state, ease in ((first, 1.5), (second, 2.9)):
            state.repetitions, state.ease, state.interval_days = 4, ease, 30
            state.due_on = date(2024, 2, 20)
            state.last_reviewed_at = MORNING - timedelta(days=18)
        ids = first.id, second.id
    switched = switch(session, limits, SchedulerName.FSRS)
    assert (switched.replayed, switched.from_ease, switched.new) == (0, 2, 0)
    hard, easy = state_of(session, ids[0]), state_of(session, ids[1])
    assert hard.phase == easy.phase == fsrs.Phase.REVIEW
    assert hard.difficulty is not None and easy.difficulty is not None
    assert hard.difficulty > easy.difficulty  # a low ease reads as a hard card
    assert easy.due_on == date(2024, 2, 20)  # the due date stays


def test_undo_under_fsrs_restores_the_memory_exactly(session: Session) -> None:
    limits = replace(setup_cards(session, 1), scheduling=FSRS)
    switch(session, limits, SchedulerName.FSRS)
    first = answer_next(session, limits, fsrs.Rating.EASY, MORNING)
    kept = state_of(session, first.state.id)
    snapshot = (kept.stability, kept.difficulty, kept.phase, kept.step, kept.due_at, kept.due_on)
    day = MORNING + timedelta(days=kept.interval_days)
    again = review.next_card(session, limits, now=day)
    assert again is not None
    _answered, _next = review.answer_and_next(
        session,
        limits,
        state_id=again.state.id,
        version=again.state.version,
        grade=fsrs.Rating.AGAIN,
        now=day,
    )
    lapsed = state_of(session, first.state.id)
    assert lapsed.phase == fsrs.Phase.RELEARNING and lapsed.lapses == 1
    (last,) = [row.id for row in logged(session, limits.user_id)][-1:]
    assert undo.undo_last(session, limits, answer_id=last, now=day).state_id == first.state.id
    back = state_of(session, first.state.id)
    assert (back.stability, back.difficulty, back.phase, back.step, back.due_at, back.due_on) == (
        snapshot
    )
    assert back.lapses == 0


def test_an_answer_given_before_a_switch_is_not_undone_after_it(session: Session) -> None:
    limits = setup_cards(session, 1)
    answer_next(session, limits, 4, MORNING)
    (row,) = logged(session, limits.user_id)
    switch(session, limits, SchedulerName.FSRS)
    done = undo.undo_last(session, replace(limits, scheduling=FSRS), answer_id=row.id, now=MORNING)
    assert done.stale and done.state_id is None
    assert len(logged(session, limits.user_id)) == 1


def test_fsrs_keeps_sm2s_memory_so_switching_back_resumes_sm2(session: Session) -> None:
    limits = setup_cards(session, 1)
    first = answer_next(session, limits, 5, MORNING)  # SM-2: 1 day
    switch(session, limits, SchedulerName.FSRS)
    fsrs_limits = replace(limits, scheduling=FSRS)
    day = MORNING + timedelta(days=1)
    answer_next(session, fsrs_limits, fsrs.Rating.GOOD, day)
    under_fsrs = state_of(session, first.state.id)
    # SM-2 counted that answer as its grade 4: a second success, ease unchanged.
    assert (under_fsrs.repetitions, under_fsrs.ease) == (2, 2.6)
    interval, due_on = under_fsrs.interval_days, under_fsrs.due_on
    switched = switch(session, limits, SchedulerName.SM2)
    assert switched.switched and switched.after is SchedulerName.SM2
    back = state_of(session, first.state.id)
    assert back.scheduler is SchedulerName.SM2
    assert (back.due_on, back.interval_days) == (due_on, interval)
    # The next answer is SM-2's: round(interval × ease).
    later = datetime.combine(back.due_on, MORNING.timetz())
    answer_next(session, limits, 4, later)
    resumed = state_of(session, first.state.id)
    assert resumed.repetitions == 3
    assert resumed.interval_days == round(interval * 2.6)


@pytest.mark.parametrize(
    ("retention", "maximum", "error"),
    [
        (0.69, 100, scheduling.RetentionOutOfRange),
        (0.98, 100, scheduling.RetentionOutOfRange),
        (0.9, 0, scheduling.IntervalOutOfRange),
        (0.9, 36501, scheduling.IntervalOutOfRange),
    ],
)
def test_settings_out_of_range_are_refused_and_nothing_switches(
    session: Session, retention: float, maximum: int, error: type[Exception]
) -> None:
    limits = setup_cards(session, 1)
    with pytest.raises(error):
        switch(session, limits, SchedulerName.FSRS, retention=retention, maximum=maximum)
    session.expire_all()
    with session.begin():
        user = session.get_one(User, limits.user_id)
        assert user.scheduler is SchedulerName.SM2 and user.desired_retention == 0.9
        assert {s.scheduler for s in session.scalars(select(ReviewState))} == {SchedulerName.SM2}


def test_the_maximum_interval_caps_both_schedulers(session: Session) -> None:
    limits = replace(setup_cards(session, 2), scheduling=Scheduling(maximum_interval=3))
    session.commit()
    with session.begin():
        for state in session.scalars(select(ReviewState)):
            state.repetitions, state.interval_days, state.ease = 3, 40, 2.5
            state.due_on, state.last_reviewed_at = MORNING.date(), MORNING - timedelta(days=40)
    item = answer_next(session, limits, 5, MORNING)
    assert state_of(session, item.state.id).interval_days == 3
    capped = Scheduling(name=SchedulerName.FSRS, maximum_interval=3)
    switch(session, limits, SchedulerName.FSRS, maximum=3)
    other = answer_next(session, replace(limits, scheduling=capped), fsrs.Rating.EASY, MORNING)
    assert other.state.id != item.state.id
    assert state_of(session, other.state.id).interval_days == 3


def test_the_buttons_foretell_what_fsrs_will_do(session: Session) -> None:
    limits = replace(setup_cards(session, 1), scheduling=FSRS)
    switch(session, limits, SchedulerName.FSRS)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None
    told = item.outcomes()
    assert sorted(told) == [1, 2, 3, 4]
    assert told[fsrs.Rating.EASY].days_until_due >= 1
    assert told[fsrs.Rating.AGAIN].again_today
    answer_next(session, limits, fsrs.Rating.EASY, MORNING)
    state = state_of(session, item.state.id)
    assert state.due_on == told[fsrs.Rating.EASY].after.due_on
    assert item.retrievability() is None  # a new card: nothing to forget yet


def test_a_card_answered_while_the_log_is_replayed_is_rebuilt_with_that_answer(
    app_session_pair: tuple[Session, Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    session, other = app_session_pair
    limits = setup_cards(session, 2)
    answer_next(session, limits, 4, MORNING)
    day = MORNING + timedelta(days=1)
    replayed = scheduling._rebuild
    calls = 0

    def answer_meanwhile(*args: object, **kwargs: object) -> object:
        # The first replay runs before the write unit: another session answers a card then.
        nonlocal calls
        calls += 1
        built = replayed(*args, **kwargs)  # type: ignore[arg-type]
        if calls == 1:
            answer_next(other, limits, 5, day)
        return built

    monkeypatch.setattr(scheduling, "_rebuild", answer_meanwhile)
    switched = switch(session, limits, SchedulerName.FSRS)
    assert calls == 2 and (switched.replayed, switched.new) == (1, 1)
    session.expire_all()
    with session.begin():
        (state,) = session.scalars(
            select(ReviewState).where(ReviewState.last_reviewed_at.is_not(None))
        ).all()
        history = [
            (row.reviewed_at, fsrs.from_sm2_grade(row.grade))
            for row in session.scalars(select(ReviewLog).order_by(ReviewLog.id))
        ]
        assert len(history) == 2 and state.last_reviewed_at == day
        assert state.stability == fsrs.replay(history).stability
        assert state.scheduler is SchedulerName.FSRS
