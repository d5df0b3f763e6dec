"""The stats page's figures, from synthetic review logs at a pinned clock."""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pytest
from babel.dates import format_skeleton
from flask.testing import FlaskClient
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from studyapp.identity import PAPER_KINDS
from studyapp.models import Card, ReviewKind, ReviewLog, ReviewState, Topic, User
from studyapp.services import stats
from studyapp.services.review import StudyLimits
from studyapp.srs import fsrs, recall_forecast
from studyapp.srs.fsrs import DEFAULT_PARAMETERS, FSRSState, Phase, Rating
from studyapp.srs.recall_forecast import Memory, expected_recalls
from studyapp.srs.schedule import SchedulerName, Scheduling
from studyapp.web.charts import (
    FONT_PX,
    LABEL_GAP,
    NARROW_PX,
    WIDE_PX,
    XLabel,
    bar_chart,
    heatmap,
    nice_ticks,
    text_width,
)
from tests.conftest import AuthActions, html
from tests.factories import make_card, make_deck, make_paper, make_state, make_user

# 16:30 UTC on 9 March is 01:30 on 10 March in Seoul: "today" is the 10th there.
NOW = datetime(2025, 3, 9, 16, 30, tzinfo=UTC)
TODAY = date(2025, 3, 10)


@dataclass
class World:
    user_id: int
    cards: list[int]

    @property
    def limits(self) -> StudyLimits:
        return StudyLimits(self.user_id, "Asia/Seoul", 20, 200)


def log(
    session: Session,
    world: World,
    card: int,
    day: date,
    grade: int,
    interval: int,
    *,
    kind: ReviewKind = ReviewKind.REVIEW,
    scheduler: SchedulerName = SchedulerName.SM2,
) -> None:
    when = datetime(day.year, day.month, day.day, 3, tzinfo=UTC)
    session.add(
        ReviewLog(
            user_id=world.user_id,
            card_id=world.cards[card],
            reviewed_at=when,
            reviewed_on=day,
            grade=grade,
            kind=kind,
            scheduler=scheduler,
            repetitions_before=3,
            ease_before=2.5,
            interval_before=interval,
            due_before=day,
            repetitions_after=4,
            ease_after=2.5,
            interval_after=interval * 2,
            due_after=day + timedelta(days=interval * 2),
        )
    )


@pytest.fixture
def world(session: Session) -> World:
    """Eight cards over two topics (quantization: papers 0-2, attention: papers 2-3)."""
    with session.begin():
        user = make_user(session)
        deck = make_deck(session)
        quant = Topic(slug="quantization", name_en="Quantization", name_ko="양자화")
        attn = Topic(slug="attention", name_en="Attention", name_ko="어텐션")
        cards = []
        for i in range(4):
            paper = make_paper(session, deck, arxiv_id=f"2501.0000{i}", title=f"Paper {i}")
            paper.topics = [quant] if i < 2 else [attn, quant] if i == 2 else [attn]
            for kind in PAPER_KINDS:
                cards.append(make_card(session, paper, kind).id)
        session.flush()
        return World(user.id, cards)


def states(session: Session, world: World, rows: list[dict[str, object]]) -> None:
    """One state per card, in card order; {} is a new card."""
    with session.begin():
        user = session.get_one(User, world.user_id)
        for card_id, row in zip(world.cards, rows, strict=False):
            state = make_state(session, user, session.get_one(Card, card_id))
            if row:
                state.last_reviewed_at = NOW - timedelta(days=1)
            for name, value in row.items():
                setattr(state, name, value)


def test_reviews_per_day_count_local_days_and_keep_empty_ones(
    session: Session, world: World
) -> None:
    states(session, world, [{}] * 8)
    with session.begin():
        for _ in range(3):
            log(session, world, 0, TODAY, 4, 1)
        log(session, world, 1, TODAY - timedelta(days=1), 5, 1)
        log(session, world, 1, TODAY - timedelta(days=364), 5, 1)
        log(session, world, 1, TODAY - timedelta(days=365), 5, 1)  # out of the year
        log(session, world, 1, TODAY + timedelta(days=1), 5, 1)  # a clock ahead: not counted
    figures = stats.stats(session, world.limits, now=NOW, lang="en")
    assert figures.today == TODAY
    assert len(figures.daily) == 365
    assert figures.daily[-1] == (TODAY, 3)
    assert figures.daily[-2] == (TODAY - timedelta(days=1), 1)
    assert figures.daily[0] == (TODAY - timedelta(days=364), 1)
    assert sum(count for _, count in figures.daily) == 5
    assert [day for day, _ in figures.last(30)] == [
        TODAY - timedelta(days=29 - i) for i in range(30)
    ]
    assert figures.total_reviews == 7
    assert figures.streak_days == 2


def test_the_forecast_puts_overdue_cards_today_and_skips_new_and_suspended(
    session: Session, world: World
) -> None:
    states(
        session,
        world,
        [
            {"due_on": TODAY - timedelta(days=5)},
            {"due_on": TODAY},
            {"due_on": TODAY + timedelta(days=1)},
            {"due_on": TODAY + timedelta(days=29)},
            {"due_on": TODAY + timedelta(days=30)},
            {"due_on": TODAY + timedelta(days=1), "suspended": True},
            {},
            {},
        ],
    )
    figures = stats.stats(session, world.limits, now=NOW, lang="en")
    forecast = dict(figures.forecast)
    assert len(figures.forecast) == 30 and figures.forecast[0][0] == TODAY
    assert forecast[TODAY] == 2
    assert forecast[TODAY + timedelta(days=1)] == 1
    assert forecast[TODAY + timedelta(days=29)] == 1
    assert sum(forecast.values()) == 4
    week = stats.forecast(session, world.limits, now=NOW, days=7)
    assert [count for _, count in week] == [2, 1, 0, 0, 0, 0, 0]


def test_true_retention_counts_scheduled_reviews_on_each_schedulers_scale(
    session: Session, world: World
) -> None:
    states(session, world, [{}] * 8)
    two_days_ago = TODAY - timedelta(days=2)
    with session.begin():
        for grade in (5, 4, 3, 2, 0):  # SM-2: 3-5 recalled, 2 is not
            log(session, world, 0, two_days_ago, grade, 21)
        for rating in (Rating.EASY, Rating.GOOD, Rating.HARD, Rating.AGAIN):  # FSRS: Hard is
            log(session, world, 1, two_days_ago, rating, 3, scheduler=SchedulerName.FSRS)
        log(session, world, 2, two_days_ago, 5, 0, kind=ReviewKind.LEARN)  # a first sight
        log(session, world, 2, two_days_ago, 1, 0, kind=ReviewKind.REDRILL)  # a same-day repeat
        log(session, world, 3, TODAY - timedelta(days=29), 2, 1)  # the month's first day
        log(session, world, 3, TODAY - timedelta(days=40), 5, 30)  # all time only
    figures = stats.stats(session, world.limits, now=NOW, lang="en")
    assert (figures.retention_month.reviews, figures.retention_month.passed) == (10, 6)
    assert figures.retention_month.rate == pytest.approx(0.6)
    assert (figures.retention_all.reviews, figures.retention_all.passed) == (11, 7)
    # SM-2 aims at no retention and forecasts no recall.
    assert figures.desired_retention is None and figures.recall_forecast is None


FSRS_LIMITS = Scheduling(name=SchedulerName.FSRS, desired_retention=0.85)
#: (stability in days, last answer): a card answered today, one overdue, one answered "later"
#: than now by a clock that ran ahead, and one barely remembered.
MEMORIES = [
    (3.2, NOW - timedelta(hours=5)),
    (12.0, NOW - timedelta(days=40, hours=2)),
    (40.5, NOW + timedelta(days=2)),
    (0.4, NOW - timedelta(days=1, minutes=1)),
]


def fsrs_states(session: Session, world: World) -> None:
    """The :data:`MEMORIES` on FSRS's first cards; a suspended and an SM-2 card besides."""
    rows: list[dict[str, object]] = [
        {
            "scheduler": SchedulerName.FSRS,
            "stability": stability,
            "difficulty": 5.0,
            "phase": int(Phase.REVIEW),
            "last_reviewed_at": last,
            "due_on": TODAY + timedelta(days=i),
        }
        for i, (stability, last) in enumerate(MEMORIES)
    ]
    rows.append({**rows[0], "suspended": True})
    rows.append({"due_on": TODAY, "interval_days": 3})
    states(session, world, rows)


@pytest.mark.parametrize("parameters", [None, tuple([*DEFAULT_PARAMETERS[:20], 0.5])])
def test_expected_recalls_sum_fsrs_retrievability(parameters: tuple[float, ...] | None) -> None:
    settings = Scheduling(name=SchedulerName.FSRS, fsrs_parameters=parameters).fsrs
    memories = [Memory(stability, last) for stability, last in MEMORIES]
    sums = expected_recalls(memories, now=NOW, days=30, parameters=settings.parameters)
    assert len(sums) == 30
    for day in (0, 1, 7, 29):
        moment = NOW + timedelta(days=day)
        expected = [
            fsrs.retrievability(
                FSRSState(Phase.REVIEW, None, stability, 5.0, moment, last),
                now=moment,
                settings=settings,
            )
            for stability, last in MEMORIES
        ]
        assert sums[day] == pytest.approx(sum(r for r in expected if r is not None), abs=1e-9)
    assert sums[0] > sums[29]  # memory fades


def test_fsrs_users_see_the_recall_forecast_beside_the_due_cards(
    session: Session, world: World
) -> None:
    fsrs_states(session, world)
    limits = StudyLimits(world.user_id, "Asia/Seoul", 20, 200, FSRS_LIMITS)
    figures = stats.stats(session, limits, now=NOW, lang="en")
    assert figures.desired_retention == 0.85
    forecast = figures.recall_forecast
    assert forecast is not None and len(forecast) == 30
    assert [d.day for d in forecast] == [TODAY + timedelta(days=i) for i in range(30)]
    assert [d.due for d in forecast[:5]] == [2, 1, 1, 1, 0]  # the SM-2 card is due too
    memories = [Memory(stability, last) for stability, last in MEMORIES]  # not the suspended
    assert [d.expected_recalls for d in forecast] == pytest.approx(
        expected_recalls(memories, now=NOW, days=30)
    )
    # Every card answered today or "later" is near certain; the 0.4-day card mostly forgotten.
    assert 2.0 < forecast[0].expected_recalls < 4.0


def test_ease_and_interval_distributions_cover_reviewed_cards(
    session: Session, world: World
) -> None:
    states(
        session,
        world,
        [
            {"ease": 1.3, "interval_days": 1},
            {"ease": 1.5, "interval_days": 3},
            {"ease": 2.5, "interval_days": 21},
            {"ease": 2.8, "interval_days": 400},
            {"ease": 2.8, "interval_days": 400, "suspended": True},
            {},
            {},
            {},
        ],
    )
    figures = stats.stats(session, world.limits, now=NOW, lang="en")
    ease = [(b.low, b.high, b.count) for b in figures.ease if b.count]
    assert ease == [(1.3, 1.5, 1), (1.5, 1.7, 1), (2.5, 2.7, 1), (2.7, None, 1)]
    intervals = [(b.low, b.high, b.count) for b in figures.intervals if b.count]
    assert intervals == [(0, 1, 1), (1, 3, 1), (14, 30, 1), (365, None, 1)]


def test_topic_mastery_counts_new_learning_and_mature_cards(session: Session, world: World) -> None:
    states(
        session,
        world,
        [
            {"interval_days": 30},
            {"interval_days": 21},
            {"interval_days": 6},
            {},
            {"interval_days": 40},
            {},
            {"interval_days": 2},
            {"interval_days": 2, "suspended": True},
        ],
    )
    figures = stats.stats(session, world.limits, now=NOW, lang="ko")
    topics = {t.slug: (t.name, t.cards, t.new, t.learning, t.mature) for t in figures.topics}
    # Quantization: papers 0-2 (cards 0-5); attention: papers 2-3 (cards 4-6, 7 suspended).
    assert topics["quantization"] == ("양자화", 6, 2, 1, 3)
    assert topics["attention"] == ("어텐션", 3, 1, 1, 1)
    assert figures.topics[0].slug == "quantization"  # most mastered first
    assert figures.topics[0].mastery == pytest.approx(0.5)


def test_bars_scale_to_the_top_tick() -> None:
    chart = bar_chart([(3, "a", "A"), (0, "b", "B"), (7, "c", "C"), (1, "d", "D")])
    assert [t.value for t in chart.ticks] == [0, 2, 4, 6, 8]
    assert chart.top_value == 8 and chart.total == 11
    heights = [bar.height for bar in chart.bars]
    assert heights[1] == 0 and heights[2] == pytest.approx(heights[0] * 7 / 3)
    assert heights[2] == pytest.approx(chart.plot_height * 7 / 8)
    # Tick 0 is on the baseline, the top tick at the plot's top, evenly spaced between.
    assert chart.ticks[0].y == chart.baseline and chart.ticks[-1].y == chart.top
    assert bar_chart([]).top_value == 1 and bar_chart([]).labels == ()


@pytest.mark.parametrize(
    ("largest", "ticks"),
    [
        (0, (0, 1)),
        (1, (0, 1)),
        (3, (0, 1, 2, 3)),
        (5, (0, 1, 2, 3, 4, 5)),
        (7, (0, 2, 4, 6, 8)),
        (47, (0, 10, 20, 30, 40, 50)),
        (100, (0, 20, 40, 60, 80, 100)),
        (101, (0, 50, 100, 150)),
        (1234, (0, 500, 1000, 1500)),
    ],
)
def test_the_y_axis_has_a_few_round_ticks(largest: int, ticks: tuple[int, ...]) -> None:
    assert nice_ticks(largest) == ticks


@given(st.integers(min_value=1, max_value=10**7))
def test_ticks_are_few_even_round_and_cover_the_largest_value(largest: int) -> None:
    ticks = nice_ticks(largest)
    step = ticks[1]
    assert ticks[0] == 0 and ticks[-1] >= largest > ticks[-2]
    assert 2 <= len(ticks) <= 6
    assert all(b - a == step for a, b in zip(ticks, ticks[1:], strict=False))
    assert int(str(step).rstrip("0") or "0") in (1, 2, 5)


def shown_apart(labels: list[XLabel], plot_px: float) -> bool:
    """Whether labels laid side by side at their positions across plot_px pixels keep
    LABEL_GAP pixels between each other and stay within the plot."""
    spans = []
    for label in labels:
        width, at = text_width(label.text), label.x / 100 * plot_px
        left = {"start": at, "middle": at - width / 2, "end": at - width}[label.anchor]
        spans.append((left, left + width))
    inside = all(left >= -0.01 and right <= plot_px + 0.01 for left, right in spans)
    return inside and all(b[0] - a[1] >= LABEL_GAP for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("days", [7, 30, 90, 365])
def test_day_labels_are_thinned_until_they_fit_on_a_desktop_and_on_a_phone(
    lang: str, days: int
) -> None:
    first = date(2025, 1, 1)
    values = [
        (1, "", format_skeleton("MMMd", first + timedelta(days=i), locale=lang))
        for i in range(days)
    ]
    chart = bar_chart(values)
    assert not chart.tilted
    assert shown_apart(list(chart.labels), WIDE_PX)
    phone = [label for label in chart.labels if label.narrow]
    assert shown_apart(phone, NARROW_PX)
    # As many as fit: the first day is always labelled, and neither size is left bare.
    assert chart.labels[0].text == values[0][2] and chart.labels[0].anchor == "start"
    assert len(phone) >= 3 and len(chart.labels) >= min(days, 6)
    assert bar_chart(values[:7], wide_px=10_000).labels[1].text == values[1][2]


@pytest.mark.parametrize(
    "labels",
    [
        ["1", "2–3", "4–7", "8–14", "15–30", "31–90", "91–180", "181–365", "> 365"],
        ["1.3–1.5", "1.5–1.7", "1.7–1.9", "1.9–2.1", "2.1–2.3", "2.3–2.5", "2.5–2.7", "≥ 2.7"],
    ],
)
def test_bucket_labels_all_show_and_tilt_when_they_would_touch(labels: list[str]) -> None:
    chart = bar_chart([(i, "", label) for i, label in enumerate(labels)], thin=False)
    assert [label.text for label in chart.labels] == labels
    assert all(label.narrow for label in chart.labels)
    # Side by side they would run together ("91–180181–365> 365"): they are tilted, each
    # ending under the middle of its bar, with room below the axis for the longest.
    assert not shown_apart(
        [XLabel(label.text, label.x, "middle", True) for label in chart.labels], NARROW_PX
    )
    assert chart.tilted and {label.anchor for label in chart.labels} == {"end"}
    assert [label.x for label in chart.labels] == pytest.approx(
        [100 * (i + 0.5) / len(labels) for i in range(len(labels))], abs=1e-3
    )
    widest = max(text_width(label) for label in labels)
    assert chart.height - chart.baseline >= widest * math.sin(math.radians(chart.tilt))
    # Labels that fit side by side stay level.
    level = bar_chart([(1, "", "1"), (2, "", "2"), (3, "", "3")], thin=False)
    assert not level.tilted and shown_apart(list(level.labels), NARROW_PX)


def test_text_width_counts_hangul_as_wide() -> None:
    assert text_width("12월 31일") > text_width("Dec 31") > text_width("31") > 0
    assert text_width("가나") == pytest.approx(2 * FONT_PX)


def test_the_calendar_starts_on_monday_and_shades_by_quarters() -> None:
    days = [
        (date(2025, 3, 3) + timedelta(days=i), count, "")
        for i, count in enumerate([0, 1, 4, 8, 2, 0, 0, 6])
    ]
    cal = heatmap(days, month_label={3: "Mar"}, weekday_label={0: "Mon", 2: "Wed", 4: "Fri"})
    levels = [cell.level for cell in cal.cells]
    assert levels == [0, 1, 2, 4, 1, 0, 0, 3]
    # 3 March 2025 is a Monday: the eighth day starts the second column, on the first row.
    assert cal.cells[7].x > cal.cells[0].x and cal.cells[7].y == cal.cells[0].y


def test_calendar_month_names_never_overlap() -> None:
    # The year starts on 28 November: December begins a week later, too close to name both.
    first = date(2024, 11, 28)
    days = [(first + timedelta(days=i), 0, "") for i in range(365)]
    names = {m: f"{m}월" for m in range(1, 13)}
    cal = heatmap(days, month_label=names, weekday_label={0: "월", 2: "수", 4: "금"})
    assert [label for _, label in cal.months][:2] == ["12월", "1월"]
    assert len(cal.months) == 12
    for (x, label), (next_x, _) in zip(cal.months, cal.months[1:], strict=False):
        assert x + text_width(label, 10) < next_x


def test_the_stats_page_draws_accessible_localized_charts(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register(timezone="Asia/Seoul")
    with session.begin():
        user = session.scalars(select(User)).one()
        deck = make_deck(session)
        card = make_card(session, make_paper(session, deck))
        state = make_state(session, user, card)
        state.due_on, state.interval_days, state.last_reviewed_at = TODAY, 25, NOW
        world = World(user.id, [card.id])
        log(session, world, 0, date.today(), 5, 25)
    page = html(client.get("/stats?lang=ko&days=90").data)
    charts = page.select("svg[role=img]")
    assert len(charts) == 5
    for chart in charts:
        ids = chart["aria-labelledby"].split()
        assert chart.select_one(f"title#{ids[0]}").get_text() and chart.select_one(f"desc#{ids[1]}")
    daily = page.select_one("svg[aria-labelledby^=daily]")
    assert len(daily.select("g.bar-slot")) == 90
    assert daily.find_parent("figure").select_one(".axis-label").get_text() == "답한 횟수"
    assert "1회" in " ".join(t.get_text() for t in daily.select("g.bar-slot title"))
    assert page.select_one(".period [aria-current]").get_text() == "90일"
    # The calendar scrolls sideways on a phone: keys scroll it too, and it is named.
    figure = page.select_one("figure.calendar-figure")
    assert figure["tabindex"] == "0" and figure.select_one(f"#{figure['aria-labelledby']}")
    topics = page.select_one(".table-scroll")
    assert topics is None or topics["tabindex"] == "0" and topics["aria-labelledby"]
    days = page.select("svg.calendar rect.day")
    assert len(days) == 365 and sum("level-0" not in d["class"] for d in days) == 1
    assert page.select_one("dl.stats-head").get_text().count("100%") == 1
    home = html(client.get("/?lang=en").data)
    assert home.select_one(".mini-forecast svg[role=img] title").get_text() == (
        "Reviews due in the next 7 days"
    )


def test_an_fsrs_users_page_shows_retention_against_the_desired_and_the_recall_forecast(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register(timezone="Asia/Seoul")
    with session.begin():
        user = session.scalars(select(User)).one()
        user.scheduler, user.desired_retention = SchedulerName.FSRS, 0.9
        deck = make_deck(session)
        cards = [
            make_card(session, make_paper(session, deck, arxiv_id=f"2501.0000{i}"))
            for i in range(2)
        ]
        for card in cards:
            state = make_state(session, user, card)
            state.scheduler, state.stability, state.difficulty = SchedulerName.FSRS, 10.0, 5.0
            state.phase, state.due_on = int(Phase.REVIEW), date.today()
            state.last_reviewed_at = datetime.now(UTC) - timedelta(days=3)
        world = World(user.id, [card.id for card in cards])
        for rating in (Rating.GOOD, Rating.HARD, Rating.AGAIN):
            log(session, world, 0, date.today(), rating, 3, scheduler=SchedulerName.FSRS)
        log(session, world, 1, date.today(), 1, 3)  # SM-2's 1: forgotten
    page = html(client.get("/stats?lang=en").data)
    month = page.select_one("#retention-heading ~ dl .retention-month dd")
    assert month.get_text(" ", strip=True) == "50% — you asked for 90% 2 of 4 reviews"
    section = page.select_one("section#recall-forecast")
    assert section.select_one("h2").get_text() == "What you would recall in the next 30 days"
    assert len(section.select("svg[aria-labelledby^=recall] g.bar-slot")) == 30
    rows = section.select("table.recall-table tbody tr")
    assert len(rows) == 30
    first = [cell.get_text() for cell in rows[0].select("td")]
    assert first == ["2", "2"]  # both due today, both very likely recalled (R ≈ 0.97)
    korean = html(client.get("/stats?lang=ko").data)
    assert (
        korean.select_one("section#recall-forecast h2").get_text()
        != section.select_one("h2").get_text()
    )


def test_an_sm2_users_page_has_no_recall_forecast_and_no_desired_retention(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    page = html(client.get("/stats?lang=en").data)
    assert page.select_one("section#recall-forecast") is None
    assert (
        "you asked for"
        not in page.select_one("#retention-heading").find_parent("section").get_text()
    )


def test_many_cards_are_summed_from_an_even_sample_within_a_percent() -> None:
    rng = random.Random(5)
    memories = [
        Memory(
            rng.uniform(0.2, 400),
            NOW - timedelta(days=rng.randint(0, 300), hours=rng.randint(0, 23)),
        )
        for _ in range(20_000)
    ]
    exact = expected_recalls(memories, now=NOW, days=30, sample=len(memories))
    sampled = expected_recalls(memories, now=NOW, days=30)
    assert sampled != exact  # it did sample
    for estimate, true in zip(sampled, exact, strict=True):
        assert estimate == pytest.approx(true, rel=0.01)


def test_above_the_sample_size_every_kth_card_by_id_is_read_and_scaled_up(
    session: Session, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    fsrs_states(session, world)  # four FSRS memories, on the first four states (ids 1-4)
    limits = StudyLimits(world.user_id, "Asia/Seoul", 20, 200, FSRS_LIMITS)
    monkeypatch.setattr(recall_forecast, "SAMPLE", 2)  # 4 cards: every 3rd (odd) id is read
    figures = stats.stats(session, limits, now=NOW, lang="en")
    with session.begin():
        ids = session.scalars(
            select(ReviewState.id)
            .where(ReviewState.user_id == world.user_id)
            .order_by(ReviewState.id)
        ).all()
    read = [Memory(s, last) for (s, last), id_ in zip(MEMORIES, ids, strict=False) if id_ % 3 == 0]
    assert len(read) == 1
    assert figures.recall_forecast is not None
    assert [d.expected_recalls for d in figures.recall_forecast] == pytest.approx(
        [4 * r for r in expected_recalls(read, now=NOW, days=30)]
    )
