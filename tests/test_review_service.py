"""The review session's rules, on a pinned clock: queue order, limits, the same-day re-drill,
idempotent answers, exact undo and local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.identity import CardKind
from studyapp.models import ReviewKind, ReviewLog, ReviewState
from studyapp.services import progress, review
from studyapp.services.library import enroll
from tests.factories import make_card, make_deck, make_paper, make_user

# 09:00 in Seoul on 8 Feb 2024.
MORNING = datetime(2024, 2, 8, 0, 0, tzinfo=UTC)


def setup_cards(
    session: Session, count: int, *, timezone: str = "UTC", new: int = 20, reviews: int = 200
) -> review.StudyLimits:
    user = make_user(session)
    deck = make_deck(session, owner=user)
    for index in range(count):
        make_card(
            session, make_paper(session, deck, arxiv_id=f"2402.{index:05d}"), CardKind.METHOD_IDEA
        )
    enroll(session, deck.id)
    session.commit()
    return review.StudyLimits(
        user_id=user.id, timezone=timezone, new_per_day=new, reviews_per_day=reviews
    )


def answer_next(
    session: Session, limits: review.StudyLimits, grade: int, now: datetime
) -> review.QueueItem:
    item = review.next_card(session, limits, now=now)
    assert item is not None
    result = review.answer(
        session, limits, state_id=item.state.id, version=item.state.version, grade=grade, now=now
    )
    assert result.applied
    return item


def state_of(session: Session, state_id: int) -> ReviewState:
    session.expire_all()
    with session.begin():
        return session.get_one(ReviewState, state_id)


def test_new_cards_are_learned_in_order_and_scheduled_by_sm2(session: Session) -> None:
    limits = setup_cards(session, 2)
    first = answer_next(session, limits, 5, MORNING)
    state = state_of(session, first.state.id)
    assert (state.repetitions, state.ease, state.interval_days) == (1, 2.6, 1)
    assert state.due_on == date(2024, 2, 9)
    assert first.kind is ReviewKind.LEARN
    second = review.next_card(session, limits, now=MORNING)
    assert second is not None and second.state.card_id > first.state.card_id


@pytest.mark.parametrize(
    ("local_time", "today", "due"),
    [
        # 23:59 and 00:01 in Seoul are different days, 2 minutes apart.
        (datetime(2024, 2, 8, 14, 59, tzinfo=UTC), date(2024, 2, 8), date(2024, 2, 9)),
        (datetime(2024, 2, 8, 15, 1, tzinfo=UTC), date(2024, 2, 9), date(2024, 2, 10)),
    ],
)
def test_today_is_the_local_date_in_seoul(
    session: Session, local_time: datetime, today: date, due: date
) -> None:
    limits = setup_cards(session, 1, timezone="Asia/Seoul")
    item = answer_next(session, limits, 4, local_time)
    state = state_of(session, item.state.id)
    assert state.due_on == due
    with session.begin():
        log = session.scalars(select(ReviewLog)).one()
    assert log.reviewed_on == today


def test_a_card_due_tomorrow_in_seoul_is_not_due_at_2359(session: Session) -> None:
    limits = setup_cards(session, 1, timezone="Asia/Seoul")
    item = answer_next(session, limits, 4, datetime(2024, 2, 8, 14, 0, tzinfo=UTC))  # 23:00 local
    assert (
        review.next_card(session, limits, now=datetime(2024, 2, 9, 14, 59, tzinfo=UTC)) is not None
    )
    assert state_of(session, item.state.id).due_on == date(2024, 2, 9)
    # 23:59 local on the 8th: not yet due.
    assert review.next_card(session, limits, now=datetime(2024, 2, 8, 14, 59, tzinfo=UTC)) is None


def test_same_day_rule_repeats_low_grades_without_rescheduling(session: Session) -> None:
    limits = setup_cards(session, 2)
    hard = answer_next(session, limits, 3, MORNING)  # passed, but below 4: comes back today
    answer_next(session, limits, 5, MORNING)
    scheduled = state_of(session, hard.state.id)
    assert (scheduled.repetitions, scheduled.interval_days, scheduled.due_on) == (
        1,
        1,
        date(2024, 2, 9),
    )

    again = review.next_card(session, limits, now=MORNING)
    assert (
        again is not None and again.state.id == hard.state.id and again.kind is ReviewKind.REDRILL
    )
    review.answer(
        session, limits, state_id=again.state.id, version=again.state.version, grade=2, now=MORNING
    )
    still = review.next_card(session, limits, now=MORNING)
    assert still is not None and still.state.id == hard.state.id  # graded 2: asked again
    review.answer(
        session, limits, state_id=still.state.id, version=still.state.version, grade=4, now=MORNING
    )
    assert review.next_card(session, limits, now=MORNING) is None

    after = state_of(session, hard.state.id)
    # The re-drills were logged but left the schedule as the first answer set it.
    assert (after.repetitions, after.ease, after.interval_days, after.due_on) == (
        1,
        2.36,
        1,
        date(2024, 2, 9),
    )
    with session.begin():
        kinds = session.scalars(
            select(ReviewLog.kind)
            .where(ReviewLog.card_id == hard.state.card_id)
            .order_by(ReviewLog.id)
        ).all()
    assert kinds == [ReviewKind.LEARN, ReviewKind.REDRILL, ReviewKind.REDRILL]


def test_a_redrill_is_not_due_the_next_day(session: Session) -> None:
    limits = setup_cards(session, 1)
    answer_next(session, limits, 1, MORNING)
    tomorrow = MORNING + timedelta(days=1)
    item = review.next_card(session, limits, now=tomorrow)
    assert item is not None and item.kind is ReviewKind.REVIEW


def test_the_same_answer_twice_applies_once(session: Session) -> None:
    limits = setup_cards(session, 2)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None
    kwargs = dict(state_id=item.state.id, version=item.state.version, grade=5, now=MORNING)
    assert review.answer(session, limits, **kwargs).applied  # type: ignore[arg-type]
    assert not review.answer(session, limits, **kwargs).applied  # type: ignore[arg-type]
    with session.begin():
        assert session.scalar(select(func.count(ReviewLog.id))) == 1
    assert state_of(session, item.state.id).repetitions == 1


def test_daily_limits_cap_new_cards_and_reviews(session: Session) -> None:
    limits = setup_cards(session, 5, new=2)
    answer_next(session, limits, 5, MORNING)
    answer_next(session, limits, 5, MORNING)
    assert review.next_card(session, limits, now=MORNING) is None
    overview = progress.overview(session, limits, now=MORNING)
    assert (overview.new_due, overview.answered_today) == (0, 2)
    tomorrow = progress.overview(session, limits, now=MORNING + timedelta(days=1))
    assert (tomorrow.new_due, tomorrow.reviews_due) == (2, 2)
    capped = review.StudyLimits(limits.user_id, "UTC", new_per_day=0, reviews_per_day=1)
    assert progress.overview(session, capped, now=MORNING + timedelta(days=1)).reviews_due == 1


def test_undo_restores_the_exact_state_and_removes_the_log_row(session: Session) -> None:
    limits = setup_cards(session, 1)
    answer_next(session, limits, 5, MORNING)
    later = MORNING + timedelta(days=1)
    item = review.next_card(session, limits, now=later)
    assert item is not None
    before = state_of(session, item.state.id)
    snapshot = (
        before.repetitions,
        before.ease,
        before.interval_days,
        before.due_on,
        before.lapses,
        before.last_reviewed_at,
        before.redrill_on,
    )
    review.answer(
        session, limits, state_id=item.state.id, version=item.state.version, grade=1, now=later
    )
    assert state_of(session, item.state.id).lapses == 1

    assert review.undo_last(session, limits, now=later) == item.state.id
    after = state_of(session, item.state.id)
    assert (
        after.repetitions,
        after.ease,
        after.interval_days,
        after.due_on,
        after.lapses,
        after.last_reviewed_at,
        after.redrill_on,
    ) == snapshot
    with session.begin():
        assert session.scalar(select(func.count(ReviewLog.id))) == 1
    # The undone card is offered again first.
    again = review.next_card(session, limits, now=later, prefer=item.state.id)
    assert again is not None and again.state.id == item.state.id


def test_undo_with_nothing_to_undo(session: Session) -> None:
    limits = setup_cards(session, 1)
    assert review.undo_last(session, limits, now=MORNING) is None


def test_suspended_cards_are_not_asked(session: Session) -> None:
    limits = setup_cards(session, 1)
    with session.begin():
        session.scalars(select(ReviewState)).one().suspended = True
    assert review.next_card(session, limits, now=MORNING) is None


def test_another_users_card_cannot_be_answered(session: Session) -> None:
    limits = setup_cards(session, 1)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None
    stranger = review.StudyLimits(
        user_id=limits.user_id + 1000, timezone="UTC", new_per_day=20, reviews_per_day=200
    )
    with pytest.raises(LookupError):
        review.answer(
            session,
            stranger,
            state_id=item.state.id,
            version=item.state.version,
            grade=5,
            now=MORNING,
        )


@pytest.mark.parametrize("grade", [-1, 6, True])
def test_bad_grades_are_refused(session: Session, grade: int) -> None:
    limits = setup_cards(session, 1)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None
    with pytest.raises(ValueError):
        review.answer(
            session,
            limits,
            state_id=item.state.id,
            version=item.state.version,
            grade=grade,
            now=MORNING,
        )


def test_streak_counts_consecutive_days(session: Session) -> None:
    limits = setup_cards(session, 3)
    for day in range(3):
        answer_next(session, limits, 5, MORNING + timedelta(days=day))
    assert progress.overview(session, limits, now=MORNING + timedelta(days=2)).streak_days == 3
    assert progress.overview(session, limits, now=MORNING + timedelta(days=3)).streak_days == 3
    assert progress.overview(session, limits, now=MORNING + timedelta(days=4)).streak_days == 0


def test_session_summary(session: Session) -> None:
    limits = setup_cards(session, 2)
    answer_next(session, limits, 5, MORNING)
    answer_next(session, limits, 2, MORNING)
    answer_next(session, limits, 4, MORNING)  # the re-drill
    summary = progress.session_summary(session, limits, now=MORNING)
    assert (summary.answered, summary.learned, summary.redrilled, summary.passed) == (3, 2, 1, 1)
    assert summary.pass_rate == 0.5


def test_counts_left_stop_at_the_cap_and_say_so(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    limits = setup_cards(session, 5, new=20)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None and (item.remaining, item.more) == (5, False)
    monkeypatch.setattr(review, "COUNT_CAP", 3)
    capped = review.next_card(session, limits, now=MORNING)
    assert capped is not None and (capped.remaining, capped.more) == (3, True)
    # Under the cap the daily limit decides, and the count is exact again.
    small = review.StudyLimits(limits.user_id, "UTC", new_per_day=2, reviews_per_day=200)
    limited = review.next_card(session, small, now=MORNING)
    assert limited is not None and (limited.remaining, limited.more) == (2, False)
    # A daily limit equal to the cap is still exact: nothing beyond it is left today.
    at_cap = review.StudyLimits(limits.user_id, "UTC", new_per_day=3, reviews_per_day=200)
    exact = review.next_card(session, at_cap, now=MORNING)
    assert exact is not None and (exact.remaining, exact.more) == (3, False)


def test_answer_and_next_commits_the_answer_and_returns_the_following_card(
    session: Session,
) -> None:
    limits = setup_cards(session, 3)
    first = review.next_card(session, limits, now=MORNING)
    assert first is not None
    answered, second = review.answer_and_next(
        session, limits, state_id=first.state.id, version=first.state.version, grade=2, now=MORNING
    )
    assert answered.applied and answered.log_id is not None
    assert second is not None and second.state.id != first.state.id
    # The next card already counts the answer: one done, two new left and one re-drill.
    assert (second.done_today, second.remaining) == (1, 3)
    assert state_of(session, first.state.id).version == first.state.version + 1
    # The same answer again (a double click) changes nothing but still shows the next card.
    again, shown = review.answer_and_next(
        session, limits, state_id=first.state.id, version=first.state.version, grade=5, now=MORNING
    )
    assert not again.applied and shown is not None and shown.state.id == second.state.id
    with session.begin():
        assert session.scalar(select(func.count(ReviewLog.id))) == 1


def test_the_review_page_reads_what_the_orm_wrote(session: Session) -> None:
    limits = setup_cards(session, 1, timezone="Asia/Seoul")
    item = answer_next(session, limits, 2, MORNING)
    again = review.next_card(session, limits, now=MORNING)
    assert again is not None and again.kind is ReviewKind.REDRILL
    stored = state_of(session, item.state.id)
    assert (again.state.due_on, again.state.redrill_on) == (stored.due_on, stored.redrill_on)
    assert again.state.last_reviewed_at == stored.last_reviewed_at == MORNING
    assert again.card.kind is CardKind.METHOD_IDEA
    assert again.card.text("ko").lang == again.card.lang


def test_an_answer_refreshes_a_copy_of_the_state_the_session_holds(session: Session) -> None:
    limits = setup_cards(session, 1)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None
    with session.begin():
        held = session.get_one(ReviewState, item.state.id)
        assert held.repetitions == 0
    review.answer(
        session, limits, state_id=item.state.id, version=item.state.version, grade=5, now=MORNING
    )
    # The answer wrote the row without the ORM; the copy the session kept is not stale.
    with session.begin():
        assert session.get_one(ReviewState, item.state.id) is held
        assert (held.repetitions, held.version) == (1, item.state.version + 1)
