"""Progress in figures: reviews per day, the due forecast, retention, distributions, mastery.

Everything is an SQL aggregate over the user's rows (a GROUP BY per figure, never the log
loaded into Python), so the page costs the same with 100 or 100,000 answers. Days are the
user's local days: each log row keeps the local date of its answer (``reviewed_on``), and
"today" is the local date in the user's time zone now.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Case, case, func, select
from sqlalchemy.orm import InstrumentedAttribute, Session

from studyapp.models import (
    Card,
    PaperTopic,
    ReviewKind,
    ReviewLog,
    ReviewState,
    Topic,
    recalled,
)
from studyapp.services.progress import streak_in
from studyapp.services.review import StudyLimits
from studyapp.srs import recall_forecast, sm2
from studyapp.srs.calendar import local_day
from studyapp.srs.schedule import SchedulerName

__all__ = [
    "EASE_BUCKETS",
    "INTERVAL_BUCKETS",
    "MATURE_DAYS",
    "Bucket",
    "DayForecast",
    "Retention",
    "Stats",
    "TopicMastery",
    "forecast",
    "stats",
]

#: A card whose interval is at least this many days is mature (as in Anki).
MATURE_DAYS = 21
HEATMAP_DAYS = 365
FORECAST_DAYS = 30
#: Upper bounds (exclusive) of the ease factor buckets; the last is open.
EASE_BUCKETS = (1.5, 1.7, 1.9, 2.1, 2.3, 2.5, 2.7)
#: Upper bounds (inclusive) of the interval buckets in days; the last is open.
INTERVAL_BUCKETS = (1, 3, 7, 14, 30, 90, 180, 365)


@dataclass(frozen=True, slots=True)
class Bucket:
    """A histogram bar: values from ``low`` up to ``high`` (None: no upper bound)."""

    low: float
    high: float | None
    count: int


@dataclass(frozen=True, slots=True)
class TopicMastery:
    slug: str
    name: str
    cards: int
    new: int
    learning: int
    mature: int

    @property
    def mastery(self) -> float:
        return self.mature / self.cards if self.cards else 0.0


@dataclass(frozen=True, slots=True)
class Retention:
    """Scheduled reviews (not first sights, not same-day re-drills) and how many of them
    recalled the card, each on its own scheduler's scale (SM-2's 3-5, FSRS's Hard to Easy)."""

    reviews: int
    passed: int

    @property
    def rate(self) -> float | None:
        return self.passed / self.reviews if self.reviews else None


@dataclass(frozen=True, slots=True)
class DayForecast:
    """One coming day: the cards due on it, and how many of all the user's cards FSRS expects
    them to recall if asked that day (the sum of the cards' retrievability then)."""

    day: date
    due: int
    expected_recalls: float


@dataclass(frozen=True, slots=True)
class Stats:
    today: date
    #: Answers per local day over the last :data:`HEATMAP_DAYS` days, oldest first (zeros kept).
    daily: tuple[tuple[date, int], ...]
    forecast: tuple[tuple[date, int], ...]
    retention_month: Retention
    retention_all: Retention
    #: The retention the user asked FSRS for; None under SM-2, which aims at none.
    desired_retention: float | None
    #: FSRS users: the next :data:`FORECAST_DAYS` days' due cards and expected recalls.
    recall_forecast: tuple[DayForecast, ...] | None
    ease: tuple[Bucket, ...]
    intervals: tuple[Bucket, ...]
    topics: tuple[TopicMastery, ...]
    streak_days: int
    total_reviews: int
    cards: int

    def last(self, days: int) -> tuple[tuple[date, int], ...]:
        return self.daily[-days:]


def _days(start: date, count: int) -> list[date]:
    return [start + timedelta(days=i) for i in range(count)]


def _forecast(session: Session, user_id: int, today: date, days: int) -> list[tuple[date, int]]:
    # Overdue cards are due today: they are what today's queue shows first.
    due_day = case((ReviewState.due_on < today, today), else_=ReviewState.due_on)
    counts: dict[date, int] = dict(
        session.execute(
            select(due_day, func.count())
            .where(
                ReviewState.user_id == user_id,
                ReviewState.suspended.is_(False),
                ReviewState.due_on.is_not(None),
                ReviewState.due_on < today + timedelta(days=days),
            )
            .group_by(due_day)
        ).all()
    )
    return [(day, counts.get(day, 0)) for day in _days(today, days)]


def forecast(
    session: Session, limits: StudyLimits, *, now: datetime, days: int = 7
) -> tuple[tuple[date, int], ...]:
    """Reviews due on each of the next ``days`` local days (overdue ones count today)."""
    today = local_day(now, limits.timezone)
    with session.begin():
        return tuple(_forecast(session, limits.user_id, today, days))


def _recall_forecast(
    session: Session, limits: StudyLimits, *, now: datetime, due: list[tuple[date, int]]
) -> tuple[DayForecast, ...]:
    """Each day of ``due`` with the expected recalls of the cards FSRS keeps, at this time of
    day on that day. Above :data:`~studyapp.srs.recall_forecast.SAMPLE` cards, every k-th
    card by id is read and the sum scaled up: reading and converting 20,000 rows' times costs
    more than summing their curves."""
    kept = (
        ReviewState.user_id == limits.user_id,
        ReviewState.suspended.is_(False),
        ReviewState.scheduler == SchedulerName.FSRS,
        ReviewState.stability.is_not(None),
        ReviewState.last_reviewed_at.is_not(None),
    )
    count = session.scalar(select(func.count()).where(*kept)) or 0
    step = -(-count // recall_forecast.SAMPLE)  # ceiling: at most SAMPLE cards are read
    # Odd: a paper's two cards get consecutive ids, and an even step would read one kind only.
    step += 1 - step % 2
    sampled = (ReviewState.id % step == 0,) if step > 1 else ()
    rows = session.execute(
        select(ReviewState.stability, ReviewState.last_reviewed_at).where(*kept, *sampled)
    ).all()
    # Both columns are filtered on NOT NULL above.
    memories = [
        recall_forecast.Memory(stability, last)
        for stability, last in rows
        if stability is not None and last is not None
    ]
    sums = recall_forecast.expected_recalls(
        memories, now=now, days=len(due), parameters=limits.scheduling.fsrs.parameters
    )
    scale = count / len(memories) if memories else 0.0
    return tuple(
        DayForecast(day, number, expected * scale)
        for (day, number), expected in zip(due, sums, strict=True)
    )


@dataclass(frozen=True, slots=True)
class _Day:
    answers: int
    reviews: int
    recalled: int


def _log_by_day(session: Session, user_id: int) -> dict[date, _Day]:
    """Per local day: answers, scheduled reviews, and how many of those recalled the card. One
    pass over the user's entries of the review log's day index, which holds every column read;
    a row per day the user studied, so a few thousand at most."""
    scheduled = ReviewLog.kind == ReviewKind.REVIEW
    rows = session.execute(
        select(
            ReviewLog.reviewed_on,
            func.count(),
            func.count().filter(scheduled),
            func.count().filter(scheduled & recalled()),
        )
        .where(ReviewLog.user_id == user_id)
        .group_by(ReviewLog.reviewed_on)
    ).all()
    return {day: _Day(answers, reviews, good) for day, answers, reviews, good in rows}


def _retention(days: dict[date, _Day], since: date | None, today: date) -> Retention:
    chosen = [d for day, d in days.items() if (since is None or day >= since) and day <= today]
    return Retention(reviews=sum(d.reviews for d in chosen), passed=sum(d.recalled for d in chosen))


def _buckets(
    column: InstrumentedAttribute[float] | InstrumentedAttribute[int],
    bounds: Sequence[float],
    *,
    inclusive: bool,
) -> Case[int]:
    whens = [
        ((column <= bound) if inclusive else (column < bound), index)
        for index, bound in enumerate(bounds)
    ]
    return case(*whens, else_=len(bounds))


def _distributions(
    session: Session, user_id: int
) -> tuple[int, tuple[Bucket, ...], tuple[Bucket, ...]]:
    """The cards the user studies, and the reviewed ones' ease and interval histograms: one
    pass over the user's review states, grouped by both buckets."""
    ease = _buckets(ReviewState.ease, EASE_BUCKETS, inclusive=False)
    interval = _buckets(ReviewState.interval_days, INTERVAL_BUCKETS, inclusive=True)
    reviewed = case((ReviewState.last_reviewed_at.is_(None), 0), else_=1)
    rows = session.execute(
        select(reviewed, ease, interval, func.count())
        .where(ReviewState.user_id == user_id, ReviewState.suspended.is_(False))
        .group_by(reviewed, ease, interval)
    ).all()
    ease_counts = [0] * (len(EASE_BUCKETS) + 1)
    interval_counts = [0] * (len(INTERVAL_BUCKETS) + 1)
    for was_reviewed, ease_index, interval_index, count in rows:
        if was_reviewed:
            ease_counts[ease_index] += count
            interval_counts[interval_index] += count

    def histogram(
        lows: Sequence[float], bounds: Sequence[float], counts: list[int]
    ) -> tuple[Bucket, ...]:
        highs: list[float | None] = [*bounds, None]
        return tuple(
            Bucket(low, high, count) for low, high, count in zip(lows, highs, counts, strict=True)
        )

    return (
        sum(count for *_, count in rows),
        histogram([sm2.MIN_EASE, *EASE_BUCKETS], EASE_BUCKETS, ease_counts),
        histogram([0, *INTERVAL_BUCKETS], INTERVAL_BUCKETS, interval_counts),
    )


def _topics(session: Session, user_id: int, lang: str) -> tuple[TopicMastery, ...]:
    reviewed = ReviewState.last_reviewed_at.is_not(None)
    rows = session.execute(
        select(
            Topic.slug,
            Topic.name_ko,
            Topic.name_en,
            func.count(),
            func.count().filter(~reviewed),
            func.count().filter(reviewed & (ReviewState.interval_days < MATURE_DAYS)),
            func.count().filter(reviewed & (ReviewState.interval_days >= MATURE_DAYS)),
        )
        .select_from(ReviewState)
        .join(Card, Card.id == ReviewState.card_id)
        .join(PaperTopic, PaperTopic.paper_id == Card.paper_id)
        .join(Topic, Topic.id == PaperTopic.topic_id)
        .where(ReviewState.user_id == user_id, ReviewState.suspended.is_(False))
        .group_by(Topic.id, Topic.slug, Topic.name_ko, Topic.name_en)
    ).all()
    topics = [
        TopicMastery(slug, name_ko if lang == "ko" else name_en, cards, new, learning, mature)
        for slug, name_ko, name_en, cards, new, learning, mature in rows
    ]
    return tuple(sorted(topics, key=lambda t: (-t.mastery, -t.cards, t.name)))


def stats(session: Session, limits: StudyLimits, *, now: datetime, lang: str) -> Stats:
    """Every figure of the stats page for one user, at ``now``."""
    user_id = limits.user_id
    today = local_day(now, limits.timezone)
    first = today - timedelta(days=HEATMAP_DAYS - 1)
    with session.begin():
        by_day = _log_by_day(session, user_id)
        per_day = {day: d.answers for day, d in by_day.items() if first <= day <= today}
        cards, ease, intervals = _distributions(session, user_id)
        due = _forecast(session, user_id, today, FORECAST_DAYS)
        fsrs = limits.scheduling.name is SchedulerName.FSRS
        return Stats(
            today=today,
            daily=tuple((day, per_day.get(day, 0)) for day in _days(first, HEATMAP_DAYS)),
            forecast=tuple(due),
            retention_month=_retention(by_day, today - timedelta(days=29), today),
            retention_all=_retention(by_day, None, today),
            desired_retention=limits.scheduling.desired_retention if fsrs else None,
            recall_forecast=_recall_forecast(session, limits, now=now, due=due) if fsrs else None,
            ease=ease,
            intervals=intervals,
            topics=_topics(session, user_id, lang),
            # Every day the user studied is in by_day: the streak needs no query of its own.
            streak_days=streak_in(by_day.keys(), today),
            total_reviews=sum(d.answers for d in by_day.values()),
            cards=cards,
        )
