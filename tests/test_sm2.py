"""SM-2, checked against sequences computed by hand from Wozniak's rules."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from studyapp.srs.sm2 import MIN_EASE, Grade, SM2State, ease_delta, review


def replay(grades: list[int], start: SM2State | None = None) -> list[tuple[int, float, int]]:
    state = start or SM2State.initial()
    history = []
    for grade in grades:
        state = review(state, grade)
        history.append((state.repetitions, state.ease, state.interval_days))
    return history


def test_initial_state() -> None:
    assert SM2State.initial() == SM2State(repetitions=0, ease=2.5, interval_days=0)


def test_successful_reviews_then_a_lapse_and_relearning() -> None:
    assert replay([5, 5, 5, 4, 3, 2, 4, 4, 4]) == [
        (1, 2.6, 1),  # first success: 1 day; EF +0.1
        (2, 2.7, 6),  # second success: 6 days
        (3, 2.8, 16),  # round(6 × 2.7 = 16.2); EF before this review is used
        (4, 2.8, 45),  # round(16 × 2.8 = 44.8); grade 4 leaves EF as it is
        (5, 2.66, 126),  # 45 × 2.8 = 126; grade 3 costs 0.14
        (0, 2.34, 1),  # failed: repetitions restart, interval 1, EF still updated (−0.32)
        (1, 2.34, 1),  # relearning starts over at 1 day...
        (2, 2.34, 6),  # ...then 6...
        (3, 2.34, 14),  # ...then round(6 × 2.34 = 14.04)
    ]


def test_ease_floor_and_half_up_rounding() -> None:
    assert replay([0, 3, 3, 5, 3, 3, 3, 3]) == [
        (0, 1.7, 1),  # grade 0 costs 0.8
        (1, 1.56, 1),
        (2, 1.42, 6),
        (3, 1.52, 9),  # round(6 × 1.42 = 8.52)
        (4, 1.38, 14),  # round(9 × 1.52 = 13.68)
        (5, 1.3, 19),  # round(14 × 1.38 = 19.32); EF 1.24 is floored at 1.3
        (6, 1.3, 25),  # round(19 × 1.3 = 24.7)
        (7, 1.3, 33),  # 25 × 1.3 = 32.5 rounds half up (Pascal's Round), not to even
    ]


def test_repeated_blackouts_stay_at_the_floor() -> None:
    assert replay([0, 0, 0]) == [(0, 1.7, 1), (0, 1.3, 1), (0, 1.3, 1)]


@pytest.mark.parametrize(
    ("grade", "delta"),
    [(5, "0.10"), (4, "0.00"), (3, "-0.14"), (2, "-0.32"), (1, "-0.54"), (0, "-0.80")],
)
def test_ease_delta_per_grade(grade: int, delta: str) -> None:
    assert ease_delta(grade) == Decimal(delta)


@pytest.mark.parametrize("grade", [-1, 6, 3.0, 4.5, "4", None, True, False])
def test_anything_but_an_integer_0_to_5_is_refused(grade: object) -> None:
    with pytest.raises(ValueError, match="grade must be an integer from 0 to 5"):
        review(SM2State.initial(), grade)  # type: ignore[arg-type]


def test_grade_enum_is_accepted_and_named() -> None:
    assert review(SM2State.initial(), Grade.PERFECT) == review(SM2State.initial(), 5)
    assert [g.passed for g in Grade] == [False, False, False, True, True, True]


def test_state_round_trips_through_a_dict() -> None:
    state = SM2State(repetitions=4, ease=1.86, interval_days=37)
    assert SM2State.from_dict(state.to_dict()) == state


def test_state_is_frozen() -> None:
    state = SM2State.initial()
    with pytest.raises(AttributeError):
        state.ease = 3.0  # type: ignore[misc]


states = st.builds(
    SM2State,
    repetitions=st.integers(min_value=0, max_value=50),
    ease=st.integers(min_value=130, max_value=400).map(lambda cents: cents / 100),
    interval_days=st.integers(min_value=0, max_value=36500),
)
grades = st.integers(min_value=0, max_value=5)


@given(states, grades)
def test_ease_never_drops_below_the_floor(state: SM2State, grade: int) -> None:
    assert review(state, grade).ease >= MIN_EASE


@given(states, grades)
def test_interval_is_at_least_one_day_after_any_review(state: SM2State, grade: int) -> None:
    assert review(state, grade).interval_days >= 1


@given(states, st.integers(min_value=0, max_value=2))
def test_a_failed_grade_always_restarts_repetitions(state: SM2State, grade: int) -> None:
    after = review(state, grade)
    assert (after.repetitions, after.interval_days) == (0, 1)


@given(states, st.integers(min_value=3, max_value=5))
def test_a_passing_grade_adds_one_repetition(state: SM2State, grade: int) -> None:
    assert review(state, grade).repetitions == state.repetitions + 1


@given(states, grades)
def test_the_input_state_is_never_mutated(state: SM2State, grade: int) -> None:
    before = state.to_dict()
    review(state, grade)
    assert state.to_dict() == before


@given(st.lists(grades, max_size=60))
def test_ease_stays_on_its_two_decimal_grid(history: list[int]) -> None:
    state = SM2State.initial()
    for grade in history:
        state = review(state, grade)
        assert state.ease == round(state.ease, 2)
