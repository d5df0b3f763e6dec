"""FSRS parameters fitted to one user's own review log, and checked against the defaults.

:func:`fit` turns each card's answers into training items the way Anki does, fits the 21
parameters with fsrs-rs (through ``fsrs_rs_python``: no torch), and scores both the fitted and
the default parameters on a fifth of the cards that the fit never saw. The caller keeps the
defaults unless :attr:`Fit.better` says the fit predicts those unseen reviews at least as well.

Training items, as Anki builds them: one per *long-term* review (an answer on a later local
day than the card's previous one), holding the card's whole history up to and including it.
``delta_t`` is the number of local days since the previous answer, so every answer after the
first of a day has ``delta_t`` 0: those stay in the histories, where fsrs-rs reads them as
short-term memory, but are never predicted on their own.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from typing import Any

import fsrs_rs_python
from fsrs import scheduler as pyfsrs_scheduler

from studyapp.srs.fsrs import DEFAULT_PARAMETERS, Rating, as_rating

__all__ = ["HELD_OUT_SHARE", "MIN_REVIEWS", "Fit", "NotEnoughReviews", "fit", "items_of"]

#: Long-term reviews needed before a fit is tried: Anki's threshold when it first shipped
#: FSRS. Fewer, and 21 parameters mostly learn the noise of a few hundred answers.
MIN_REVIEWS = 400
#: One card in this many is held back to score the fit.
HELD_OUT_SHARE = 5

#: One training item: (rating, days since the previous answer) for each answer up to one review.
Item = tuple[tuple[int, int], ...]


@dataclass(frozen=True, slots=True)
class Fit:
    """Fitted parameters, and how they and the defaults predict reviews the fit never saw."""

    parameters: tuple[float, ...]
    #: Long-term reviews in the whole log.
    reviews: int
    #: Of those, the reviews of held-back cards, on which both losses are measured.
    held_out: int
    default_log_loss: float
    fitted_log_loss: float
    #: fsrs-rs sums its RMSE bins in no fixed order, so these two may differ between runs on
    #: the same log in their last float32 bits; the parameters and log losses do not.
    default_rmse: float
    fitted_rmse: float

    @property
    def better(self) -> bool:
        """True when the fitted parameters predict the held-out reviews at least as well."""
        return self.fitted_log_loss <= self.default_log_loss

    @property
    def chosen(self) -> tuple[float, ...]:
        """The parameters to schedule with: the fit if it is :attr:`better`, else the defaults."""
        return self.parameters if self.better else DEFAULT_PARAMETERS

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe (a fit job keeps its result as JSON); :meth:`from_dict` reads it back."""
        return {**asdict(self), "parameters": list(self.parameters)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Fit:
        return cls(
            parameters=tuple(float(p) for p in data["parameters"]),
            reviews=int(data["reviews"]),
            held_out=int(data["held_out"]),
            default_log_loss=float(data["default_log_loss"]),
            fitted_log_loss=float(data["fitted_log_loss"]),
            default_rmse=float(data["default_rmse"]),
            fitted_rmse=float(data["fitted_rmse"]),
        )


class NotEnoughReviews(ValueError):
    """The log is too short to fit parameters that would beat the defaults."""

    def __init__(self, *, reviews: int, needed: int) -> None:
        super().__init__(
            f"fitting FSRS needs {needed} long-term reviews, on at least two cards; "
            f"the log has {reviews}"
        )
        self.reviews = reviews
        self.needed = needed


def items_of(answers: Sequence[tuple[date, Rating]]) -> list[Item]:
    """The training items of one card answered with each rating on each local date, in order.

    ``ValueError`` for a bad rating or a date earlier than the one before it.
    """
    history: list[tuple[int, int]] = []
    items: list[Item] = []
    previous: date | None = None
    for day, rating in answers:
        delta_t = 0 if previous is None else (day - previous).days
        if delta_t < 0:
            raise ValueError(f"answers must be in time order: {day} comes after {previous}")
        history.append((int(as_rating(rating)), delta_t))
        if previous is not None and delta_t > 0:
            items.append(tuple(history))
        previous = day
    return items


def fit(
    histories: Mapping[int, Sequence[tuple[date, Rating]]],
    *,
    progress: Callable[[int, int], None] | None = None,
) -> Fit:
    """Fit FSRS to ``histories`` (card id → that card's answers: local date, rating; in order).

    ``progress(done, 3)`` is called as the work goes: 0 before the items are built, 1 when
    fitting starts, 2 when it ends (the longest step, with no finer progress), 3 when both
    parameter sets are scored. Raises :class:`NotEnoughReviews` below :data:`MIN_REVIEWS`.
    The same histories always give the same fit.
    """

    def report(done: int) -> None:
        if progress is not None:
            progress(done, 3)

    report(0)
    by_card = {card: items_of(answers) for card, answers in sorted(histories.items())}
    by_card = {card: items for card, items in by_card.items() if items}
    reviews = sum(len(items) for items in by_card.values())
    if reviews < MIN_REVIEWS or len(by_card) < 2:
        raise NotEnoughReviews(reviews=reviews, needed=MIN_REVIEWS)

    first_days = {card: histories[card][0][0] for card in by_card}
    held_cards = _held_out_cards(by_card)
    train = _in_time_order({c: i for c, i in by_card.items() if c not in held_cards}, first_days)
    held = _in_time_order({c: i for c, i in by_card.items() if c in held_cards}, first_days)
    report(1)

    defaults = fsrs_rs_python.FSRS(list(DEFAULT_PARAMETERS))
    parameters = _within_bounds(defaults.compute_parameters(train))
    report(2)

    default_score = defaults.evaluate(held)
    # Scored as returned (clamped to py-fsrs's bounds), not as fsrs-rs produced them.
    fitted_score = fsrs_rs_python.FSRS(list(parameters)).evaluate(held)
    report(3)
    return Fit(
        parameters=parameters,
        reviews=reviews,
        held_out=len(held),
        default_log_loss=default_score.log_loss,
        fitted_log_loss=fitted_score.log_loss,
        default_rmse=default_score.rmse_bins,
        fitted_rmse=fitted_score.rmse_bins,
    )


def _held_out_cards(by_card: Mapping[int, list[Item]]) -> set[int]:
    # A fifth of the cards, picked by a hash of the id so the choice is repeatable and does not
    # follow the order cards were added in; at least one card on each side.
    ranked = sorted(by_card, key=lambda card: (zlib.crc32(str(card).encode()), card))
    return set(ranked[: max(1, len(ranked) // HELD_OUT_SHARE)])


def _in_time_order(
    by_card: Mapping[int, list[Item]], first_days: Mapping[int, date]
) -> list[fsrs_rs_python.FSRSItem]:
    # Anki hands fsrs-rs its items in the order the reviews were made; the day of an item's
    # last review is its place, and card id then position keep ties repeatable.
    dated = []
    for card, items in by_card.items():
        for position, item in enumerate(items):
            day = first_days[card] + timedelta(days=sum(delta_t for _, delta_t in item))
            dated.append((day, card, position, item))
    dated.sort(key=lambda entry: entry[:3])
    return [
        fsrs_rs_python.FSRSItem([fsrs_rs_python.FSRSReview(r, t) for r, t in item])
        for *_, item in dated
    ]


def _within_bounds(fitted: Sequence[float]) -> tuple[float, ...]:
    # fsrs-rs computes in 32-bit floats under bounds of its own: 0.8 comes back as 0.80000001,
    # which py-fsrs's scheduler refuses. Clamping moves a parameter by a rounding error.
    return tuple(
        min(max(float(value), low), high)
        for value, low, high in zip(
            fitted,
            pyfsrs_scheduler.LOWER_BOUNDS_PARAMETERS,
            pyfsrs_scheduler.UPPER_BOUNDS_PARAMETERS,
            strict=True,
        )
    )
