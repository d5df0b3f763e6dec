"""Fitting FSRS to a log: Anki's training items, the review threshold, and a fit that beats the
defaults on simulated learners whose memory is nothing like the defaults'."""

from __future__ import annotations

import json
import random
from datetime import date, timedelta

import pytest
from fsrs import scheduler as pyfsrs_scheduler

from studyapp.srs.fsrs import DEFAULT_PARAMETERS, FSRSSettings, Rating
from studyapp.srs.fsrs_fit import MIN_REVIEWS, Fit, NotEnoughReviews, fit, items_of

A, H, G, E = Rating.AGAIN, Rating.HARD, Rating.GOOD, Rating.EASY
DAY = date(2024, 1, 1)

History = list[tuple[date, Rating]]


def on(*days_and_ratings: tuple[int, Rating]) -> History:
    return [(DAY + timedelta(days=d), r) for d, r in days_and_ratings]


def forgetful_learners(cards: int, *, seed: int = 7) -> dict[int, History]:
    """Answers of someone whose memory lasts a tenth of what FSRS's defaults expect.

    Each card has a true stability (days until recall falls to 90 %) on FSRS's power forgetting
    curve; a recall multiplies it, a lapse halves it and is relearned the same day. The
    reviewer comes back after a random one to three stabilities.
    """
    rng = random.Random(seed)
    factor, decay = 19 / 81, -0.5
    histories = {}
    for card in range(1000, 1000 + cards):
        day = DAY + timedelta(days=rng.randrange(90))
        stability = 0.25 * rng.uniform(0.5, 2)
        answers = [(day, G)]
        for _ in range(8):
            gap = min(120, max(1, round(rng.uniform(1, 3) * stability)))
            day += timedelta(days=gap)
            recalled = (1 + factor * gap / stability) ** decay
            if rng.random() < recalled:
                answers.append((day, rng.choice([H, G, G, G, E])))
                stability *= 1.7
            else:
                answers += [(day, A), (day, G)]
                stability = max(0.1, stability / 2)
        histories[card] = answers
    return histories


@pytest.fixture(scope="module")
def learners() -> dict[int, History]:
    return forgetful_learners(120)


@pytest.fixture(scope="module")
def fitted(learners: dict[int, History]) -> Fit:
    return fit(learners)


@pytest.mark.parametrize(
    ("answers", "items"),
    [
        ([], []),
        (on((0, G)), []),  # a first sight predicts nothing
        (on((0, G), (0, G)), []),  # nor does a same-day step: it stays in later histories
        (on((0, G), (2, G)), [((3, 0), (3, 2))]),
        (
            on((0, A), (0, G), (1, G), (5, A), (5, A), (5, G), (9, E)),
            [
                ((1, 0), (3, 0), (3, 1)),
                ((1, 0), (3, 0), (3, 1), (1, 4)),
                ((1, 0), (3, 0), (3, 1), (1, 4), (1, 0), (3, 0), (4, 4)),
            ],
        ),
    ],
    ids=["none", "first sight", "same day", "one review", "lapses and same-day steps"],
)
def test_items_are_one_per_long_term_review_with_the_history_before_it(
    answers: History, items: list[tuple[tuple[int, int], ...]]
) -> None:
    assert items_of(answers) == items


@pytest.mark.parametrize(
    ("answers", "message"),
    [
        (on((3, G), (1, G)), "answers must be in time order"),
        (on((0, G), (1, 5)), "rating must be an integer from 1 to 4"),  # type: ignore[arg-type]
        (on((0, 0)), "rating must be an integer from 1 to 4"),  # type: ignore[arg-type]
    ],
)
def test_a_bad_history_is_refused(answers: History, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        items_of(answers)


def steady(cards: int, reviews: int, *, same_day_extra: bool = False) -> dict[int, History]:
    """``cards`` cards each reviewed ``reviews`` times on later days (plus a same-day step)."""
    histories = {}
    for card in range(cards):
        answers = on((0, G), *[(3 * n, G) for n in range(1, reviews + 1)])
        if same_day_extra:
            answers.insert(1, (DAY, G))
        histories[card] = answers
    return histories


def test_fewer_long_term_reviews_than_the_minimum_are_not_enough() -> None:
    assert MIN_REVIEWS == 400
    histories = steady(100, 4)  # exactly 400
    del histories[0][-1]  # 399
    with pytest.raises(NotEnoughReviews) as caught:
        fit(histories)
    assert (caught.value.reviews, caught.value.needed) == (399, 400)
    assert isinstance(caught.value, ValueError)


def test_same_day_answers_do_not_count_towards_the_minimum() -> None:
    with pytest.raises(NotEnoughReviews) as caught:
        fit(steady(130, 3, same_day_extra=True))  # 650 answers, 390 on a later day
    assert caught.value.reviews == 390


def test_the_minimum_is_enough() -> None:
    assert fit(steady(100, 4)).reviews == 400


def test_one_card_alone_cannot_be_both_fitted_and_scored() -> None:
    with pytest.raises(NotEnoughReviews):
        fit(steady(1, 450))


def test_the_fit_gives_21_parameters_py_fsrs_accepts(fitted: Fit) -> None:
    assert len(fitted.parameters) == 21
    for value, low, high in zip(
        fitted.parameters,
        pyfsrs_scheduler.LOWER_BOUNDS_PARAMETERS,
        pyfsrs_scheduler.UPPER_BOUNDS_PARAMETERS,
        strict=True,
    ):
        assert low <= value <= high
    assert FSRSSettings(parameters=fitted.parameters).parameters == fitted.parameters


def test_the_fit_predicts_unseen_cards_better_than_the_defaults(fitted: Fit) -> None:
    assert fitted.fitted_log_loss < fitted.default_log_loss - 0.1
    assert fitted.fitted_rmse < fitted.default_rmse
    assert fitted.better and fitted.chosen == fitted.parameters
    assert fitted.parameters != DEFAULT_PARAMETERS
    # These learners forget fast: a first GOOD is stable for far less than the default 2.3 days.
    assert fitted.parameters[2] < DEFAULT_PARAMETERS[2] / 2


def test_a_fifth_of_the_cards_is_held_out(learners: dict[int, History], fitted: Fit) -> None:
    assert fitted.reviews == sum(len(items_of(answers)) for answers in learners.values())
    assert 0.1 * fitted.reviews < fitted.held_out < 0.3 * fitted.reviews


def test_the_same_log_gives_the_same_fit(learners: dict[int, History], fitted: Fit) -> None:
    shuffled = dict(sorted(learners.items(), key=lambda entry: -entry[0]))
    again = fit(shuffled)
    assert (again.parameters, again.reviews, again.held_out) == (
        fitted.parameters,
        fitted.reviews,
        fitted.held_out,
    )
    assert (again.default_log_loss, again.fitted_log_loss) == (
        fitted.default_log_loss,
        fitted.fitted_log_loss,
    )
    # fsrs-rs adds up its RMSE bins in no fixed order: the last float32 bits may differ.
    assert again.default_rmse == pytest.approx(fitted.default_rmse, rel=1e-6)
    assert again.fitted_rmse == pytest.approx(fitted.fitted_rmse, rel=1e-6)


def test_a_fit_that_is_not_better_keeps_the_defaults() -> None:
    worse = Fit(
        parameters=DEFAULT_PARAMETERS[:-1] + (0.5,),
        reviews=500,
        held_out=100,
        default_log_loss=0.4,
        fitted_log_loss=0.41,
        default_rmse=0.05,
        fitted_rmse=0.04,
    )
    assert not worse.better and worse.chosen == DEFAULT_PARAMETERS


def test_progress_is_reported_in_order(learners: dict[int, History]) -> None:
    calls: list[tuple[int, int]] = []
    fit(learners, progress=lambda done, total: calls.append((done, total)))
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]


def test_a_fit_survives_its_json_round_trip(fitted: Fit) -> None:
    # A fit job keeps its result as JSON; the page and "apply" read it back.
    again = Fit.from_dict(json.loads(json.dumps(fitted.to_dict())))
    assert again == fitted and again.better == fitted.better
