"""The review session's rules, on a pinned clock: queue order, limits, the same-day re-drill,
idempotent answers, exact undo and local days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.identity import CardKind
from studyapp.models import ReviewKind, ReviewLog, ReviewState
from studyapp.services import progress, review, undo
from studyapp.services.enrollment import enroll
from studyapp.services.errors import InvalidGrade, NotFound
from studyapp.srs import sm2
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
    answered = review.answer(
        session, limits, state_id=item.state.id, version=item.state.version, grade=1, now=later
    )
    assert state_of(session, item.state.id).lapses == 1

    assert answered.log_id is not None
    undone = undo.undo_last(session, limits, answer_id=answered.log_id, now=later)
    assert undone == undo.Undone(state_id=item.state.id)
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
    assert undo.undo_last(session, limits, answer_id=1, now=MORNING).state_id is None


def latest_answer(session: Session, limits: review.StudyLimits) -> int:
    """The log row the undo button names on the review page."""
    item = review.next_card(session, limits, now=MORNING)
    summary = progress.session_summary(session, limits, now=MORNING)
    assert item is None or item.last_answer == summary.last_answer
    assert summary.last_answer is not None
    return summary.last_answer


def log_rows(session: Session) -> list[tuple[int, int]]:
    session.expire_all()
    with session.begin():
        return [tuple(row) for row in session.execute(select(ReviewLog.id, ReviewLog.card_id))]


def test_the_same_undo_twice_takes_back_one_answer(session: Session) -> None:
    limits = setup_cards(session, 3)
    first = answer_next(session, limits, 5, MORNING)
    second = answer_next(session, limits, 5, MORNING)
    button = latest_answer(session, limits)
    undone = undo.undo_last(session, limits, answer_id=button, now=MORNING)
    assert undone == undo.Undone(state_id=second.state.id)
    kept = log_rows(session)
    assert [card for _, card in kept] == [first.state.card_id]
    # The same button again (a double click, a retry, the other tab): nothing more changes.
    again = undo.undo_last(session, limits, answer_id=button, now=MORNING)
    assert again == undo.Undone(state_id=None, stale=True)
    assert log_rows(session) == kept
    assert state_of(session, first.state.id).repetitions == 1
    # The page now names the first answer, and its button takes that one back.
    assert latest_answer(session, limits) == kept[0][0]


def test_undo_naming_an_answer_that_is_no_longer_the_latest_changes_nothing(
    session: Session,
) -> None:
    limits = setup_cards(session, 3)
    first = answer_next(session, limits, 5, MORNING)
    stale_button = latest_answer(session, limits)
    answer_next(session, limits, 4, MORNING)  # a later answer, say from another tab
    before = log_rows(session)
    undone = undo.undo_last(session, limits, answer_id=stale_button, now=MORNING)
    assert undone == undo.Undone(state_id=None, stale=True)
    assert log_rows(session) == before
    assert state_of(session, first.state.id).repetitions == 1
    # Neither is an answer of another user, nor one of yesterday, undone by naming it.
    stranger = make_user(session, "stranger@example.com").id
    session.commit()
    other = review.StudyLimits(stranger, "UTC", new_per_day=20, reviews_per_day=200)
    assert undo.undo_last(session, other, answer_id=before[-1][0], now=MORNING).stale
    tomorrow = MORNING + timedelta(days=1)
    assert undo.undo_last(session, limits, answer_id=before[-1][0], now=tomorrow).stale
    assert log_rows(session) == before


def test_undo_after_the_card_left_my_study_keeps_the_answer(session: Session) -> None:
    # The last answer was on a card whose schedule is gone since (its library deck removed
    # from my cards): there is no state to put back, so nothing is undone and the log keeps it.
    limits = setup_cards(session, 1)
    item = answer_next(session, limits, 5, MORNING)
    with session.begin():
        session.delete(session.get_one(ReviewState, item.state.id))
    button = latest_answer(session, limits)
    assert undo.undo_last(session, limits, answer_id=button, now=MORNING).state_id is None
    with session.begin():
        assert session.scalar(select(func.count(ReviewLog.id))) == 1


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
    with pytest.raises(NotFound):
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
    with pytest.raises(InvalidGrade):
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


# ---- What each grade will do, buried siblings, one deck, the home page's numbers ----------


def setup_papers(
    session: Session, papers: int, *, decks: int = 1, new: int = 20, bury: bool = True
) -> tuple[review.StudyLimits, list[int]]:
    """``papers`` papers per deck, each with its key-idea and headline cards; the deck ids."""
    user = make_user(session)
    user.bury_siblings = bury
    deck_ids = []
    for number in range(decks):
        deck = make_deck(session, owner=user, slug=f"deck-{number}")
        for index in range(papers):
            paper = make_paper(session, deck, arxiv_id=f"2402.{number}{index:04d}")
            make_card(session, paper, CardKind.METHOD_IDEA)
            make_card(session, paper, CardKind.HEADLINE_NUMBER)
        enroll(session, deck.id)
        deck_ids.append(deck.id)
    session.commit()
    limits = review.StudyLimits(user.id, "UTC", new_per_day=new, reviews_per_day=200)
    return limits, deck_ids


def paper_of(session: Session, item: review.QueueItem) -> int:
    return item.card.paper.id


@pytest.mark.parametrize("grade", list(range(6)))
@pytest.mark.parametrize("history", [[], [5], [5, 5], [5, 2]])
def test_each_grade_foretells_exactly_what_answering_it_does(
    session: Session, grade: int, history: list[int]
) -> None:
    limits = setup_cards(session, 1, timezone="Asia/Seoul")
    day = MORNING
    for earlier in history:  # one answer a day, then the next day
        item = review.next_card(session, limits, now=day)
        assert item is not None
        review.answer(
            session,
            limits,
            state_id=item.state.id,
            version=item.state.version,
            grade=earlier,
            now=day,
        )
        day += timedelta(days=7)
    item = review.next_card(session, limits, now=day)
    assert item is not None
    foretold = item.outcomes()[grade]
    review.answer(
        session, limits, state_id=item.state.id, version=item.state.version, grade=grade, now=day
    )
    state = state_of(session, item.state.id)
    assert (state.repetitions, state.ease, state.interval_days, state.due_on, state.lapses) == (
        foretold.after.repetitions,
        foretold.after.ease,
        foretold.after.interval_days,
        foretold.after.due_on,
        foretold.after.lapses,
    )
    comes_back = review.next_card(session, limits, now=day)
    # "Again today" is true exactly when the card comes back in today's session.
    assert foretold.again_today is (comes_back is not None and comes_back.state.id == item.state.id)
    assert foretold.again_today is (grade < 4)


def test_a_redrill_foretells_the_day_its_first_answer_set(session: Session) -> None:
    limits = setup_cards(session, 1)
    answer_next(session, limits, 5, MORNING)
    later = MORNING + timedelta(days=1)
    answer_next(session, limits, 5, later)  # due in 6 days
    day = later + timedelta(days=6)
    answer_next(session, limits, 1, day)  # a lapse: due tomorrow, and again today
    again = review.next_card(session, limits, now=day)
    assert again is not None and again.kind is ReviewKind.REDRILL
    outcomes = again.outcomes()
    assert [outcomes[g].again_today for g in range(6)] == [True] * 4 + [False] * 2
    assert outcomes[sm2.Grade.PERFECT].days_until_due == 1


def test_answering_a_card_buries_its_sibling_until_tomorrow(session: Session) -> None:
    limits, _ = setup_papers(session, 2)
    first = review.next_card(session, limits, now=MORNING)
    assert first is not None
    # A paper offers one card a day: two papers, two cards today.
    assert first.remaining == 2
    answer_next(session, limits, 5, MORNING)
    second = review.next_card(session, limits, now=MORNING)
    assert second is not None and paper_of(session, second) != paper_of(session, first)
    assert second.remaining == 1
    answer_next(session, limits, 4, MORNING)
    assert review.next_card(session, limits, now=MORNING) is None
    assert progress.overview(session, limits, now=MORNING).new_due == 0

    # Tomorrow the two key ideas are due: their reviews come, and the headline cards (their
    # siblings) wait one more day.
    tomorrow = MORNING + timedelta(days=1)
    reviewed = [answer_next(session, limits, 5, tomorrow) for _ in range(2)]
    assert {item.kind for item in reviewed} == {ReviewKind.REVIEW}
    assert review.next_card(session, limits, now=tomorrow) is None
    after = MORNING + timedelta(days=2)
    back = review.next_card(session, limits, now=after)
    assert back is not None and back.kind is ReviewKind.LEARN and back.remaining == 2
    assert back.card.kind is CardKind.HEADLINE_NUMBER
    assert paper_of(session, back) == paper_of(session, first)


def test_a_redrilled_card_does_not_bring_back_its_sibling(session: Session) -> None:
    limits, _ = setup_papers(session, 1)
    first = answer_next(session, limits, 2, MORNING)
    again = review.next_card(session, limits, now=MORNING)
    assert again is not None and again.state.id == first.state.id  # the re-drill, not the sibling
    answer_next(session, limits, 5, MORNING)
    assert review.next_card(session, limits, now=MORNING) is None


def test_undo_unburies_the_sibling(session: Session) -> None:
    limits, _ = setup_papers(session, 1)
    first = answer_next(session, limits, 5, MORNING)
    assert review.next_card(session, limits, now=MORNING) is None
    undone = undo.undo_last(session, limits, answer_id=latest_answer(session, limits), now=MORNING)
    assert undone.state_id == first.state.id
    again = review.next_card(session, limits, now=MORNING)
    assert again is not None and again.state.id == first.state.id and again.remaining == 1


def test_with_burying_off_siblings_come_back_to_back(session: Session) -> None:
    limits, _ = setup_papers(session, 2, bury=False)
    first = answer_next(session, limits, 5, MORNING)
    second = review.next_card(session, limits, now=MORNING)
    assert second is not None and paper_of(session, second) == paper_of(session, first)
    assert second.remaining == 3
    assert progress.overview(session, limits, now=MORNING).new_due == 3


def test_a_due_review_holds_back_its_new_sibling(session: Session) -> None:
    limits, _ = setup_papers(session, 1)
    with session.begin():
        key_idea = session.scalars(select(ReviewState).order_by(ReviewState.card_id)).first()
        assert key_idea is not None
        key_idea.due_on, key_idea.repetitions, key_idea.interval_days = date(2024, 2, 8), 2, 6
        key_idea.last_reviewed_at = MORNING - timedelta(days=6)
    item = review.next_card(session, limits, now=MORNING)
    assert item is not None and item.kind is ReviewKind.REVIEW and item.remaining == 1
    overview = progress.overview(session, limits, now=MORNING)
    assert (overview.reviews_due, overview.new_due, overview.decks[0].later) == (1, 0, 1)


def test_one_deck_serves_only_its_own_cards(session: Session) -> None:
    limits, (library_like, fresh) = setup_papers(session, 3, decks=2)
    item = review.next_card(session, limits, now=MORNING, deck_id=fresh)
    assert item is not None and item.card.deck_id == fresh and item.remaining == 3
    everything = review.next_card(session, limits, now=MORNING)
    assert everything is not None and everything.card.deck_id == library_like
    for _ in range(3):
        step = review.next_card(session, limits, now=MORNING, deck_id=fresh)
        assert step is not None and step.card.deck_id == fresh
        answered, following = review.answer_and_next(
            session,
            limits,
            state_id=step.state.id,
            version=step.state.version,
            grade=5,
            now=MORNING,
            deck_id=fresh,
        )
        assert answered.applied
        assert following is None or following.card.deck_id == fresh
    assert review.next_card(session, limits, now=MORNING, deck_id=fresh) is None
    # The daily limit is the user's, over every deck.
    assert progress.overview(session, limits, now=MORNING).new_due == 3


def test_only_a_studied_deck_can_be_studied_alone(session: Session) -> None:
    limits, (own,) = setup_papers(session, 1)
    assert review.studied_deck(session, limits, own).id == own
    with session.begin():
        stranger = make_user(session, email="stranger@example.com")
        theirs = make_deck(session, owner=stranger, slug="theirs").id
        library = make_deck(session, slug="library").id
    for deck_id in (theirs, library, 999_999):
        with pytest.raises(review.DeckNotFound):
            review.studied_deck(session, limits, deck_id)


def test_the_home_page_counts_what_the_queue_serves(session: Session) -> None:
    # 12 + 5 + 6 papers in three decks, a daily limit of 20 new cards.
    user = make_user(session)
    deck_ids = []
    for number, papers in enumerate((12, 5, 6)):
        deck = make_deck(session, owner=user, slug=f"deck-{number}")
        for index in range(papers):
            paper = make_paper(session, deck, arxiv_id=f"2402.{number}{index:04d}")
            make_card(session, paper, CardKind.METHOD_IDEA)
            make_card(session, paper, CardKind.HEADLINE_NUMBER)
        enroll(session, deck.id)
        deck_ids.append(deck.id)
    session.commit()
    limits = review.StudyLimits(user.id, "UTC", new_per_day=20, reviews_per_day=200)

    overview = progress.overview(session, limits, now=MORNING)
    first = review.next_card(session, limits, now=MORNING)
    assert first is not None
    assert overview.new_due == first.remaining == 20
    by_deck = {deck.deck_id: deck for deck in overview.decks}
    # The queue's order (card by card) reaches the third deck last: 12 + 5 + 3.
    assert [by_deck[d].new for d in deck_ids] == [12, 5, 3]
    assert sum(deck.new for deck in overview.decks) == overview.new_due
    # What waits: each paper's second card, and the third deck's last 3 papers.
    assert [by_deck[d].later for d in deck_ids] == [12, 5, 9]
    assert all(deck.studyable for deck in overview.decks)

    answered = 0
    while (item := review.next_card(session, limits, now=MORNING)) is not None:
        review.answer(
            session,
            limits,
            state_id=item.state.id,
            version=item.state.version,
            grade=5,
            now=MORNING,
        )
        answered += 1
    assert answered == 20
    done = progress.overview(session, limits, now=MORNING)
    assert (done.new_due, done.answered_today) == (0, 20)
    assert [deck.new for deck in done.decks] == [0, 0, 0]
    assert not any(deck.studyable for deck in done.decks)
