"""The pure rules of a followed series: a day's address, the next run (across daylight-saving
changes), the retry waits, and which papers a subscription keeps."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest

from studyapp.extract.drafts import PaperDraft
from studyapp.series import (
    day_url,
    days_from,
    has_day_placeholder,
    next_run_after,
    pick_papers,
    retry_after,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@pytest.mark.parametrize(
    ("template", "url"),
    [
        ("https://h/paper_logs/{yyyy}/{mm}/{dd}.md", "https://h/paper_logs/2024/05/03.md"),
        ("https://h/{date}.md", "https://h/2024-05-03.md"),
        ("https://h/{yyyy}{mm}{dd}?x={notaplaceholder}", "https://h/20240503?x={notaplaceholder}"),
    ],
)
def test_a_day_fills_the_template(template: str, url: str) -> None:
    assert day_url(template, date(2024, 5, 3)) == url


@pytest.mark.parametrize(
    ("template", "names_a_day"),
    [
        ("https://h/{date}.md", True),
        ("https://h/{yyyy}/{mm}/{dd}.md", True),
        ("https://h/{yyyy}/{mm}.md", False),  # a month is not a day
        ("https://h/latest.md", False),
    ],
)
def test_a_template_must_name_a_day(template: str, names_a_day: bool) -> None:
    assert has_day_placeholder(template) is names_a_day


@pytest.mark.parametrize(
    ("now", "run_at", "zone", "expected"),
    [
        # Seoul has no daylight saving: 09:00 KST is 00:00 UTC.
        ("2025-03-13T08:00+09:00", time(9), "Asia/Seoul", "2025-03-13T00:00+00:00"),
        ("2025-03-13T09:00+09:00", time(9), "Asia/Seoul", "2025-03-14T00:00+00:00"),
        # New York springs forward on 2026-03-08: 09:00 is 14:00 UTC the day before, 13:00 on it.
        ("2026-03-07T15:00+00:00", time(9), "America/New_York", "2026-03-08T13:00+00:00"),
        ("2026-03-06T15:00+00:00", time(9), "America/New_York", "2026-03-07T14:00+00:00"),
        # …and falls back on 2026-11-01: 09:00 is 13:00 UTC the day before, 14:00 on it.
        ("2026-10-31T14:00+00:00", time(9), "America/New_York", "2026-11-01T14:00+00:00"),
        # 02:30 does not exist on 2026-03-08 in New York: it runs when the clocks say 03:30.
        ("2026-03-08T05:00+00:00", time(2, 30), "America/New_York", "2026-03-08T07:30+00:00"),
        # 01:30 happens twice on 2026-11-01: the first time (EDT, 05:30 UTC).
        ("2026-11-01T04:00+00:00", time(1, 30), "America/New_York", "2026-11-01T05:30+00:00"),
    ],
)
def test_the_next_run_is_the_next_local_time_of_day(
    now: str, run_at: time, zone: str, expected: str
) -> None:
    assert next_run_after(utc(now), run_at, zone) == utc(expected)


def test_a_retry_waits_longer_each_time_up_to_four_hours() -> None:
    waits = [retry_after(n) for n in range(1, 6)]
    assert waits == [
        timedelta(minutes=15),
        timedelta(hours=1),
        timedelta(hours=4),
        timedelta(hours=4),
        timedelta(hours=4),
    ]


def test_days_from_counts_both_ends() -> None:
    assert days_from(date(2024, 2, 28), date(2024, 3, 1)) == [
        date(2024, 2, 28),
        date(2024, 2, 29),
        date(2024, 3, 1),
    ]
    assert days_from(date(2024, 3, 2), date(2024, 3, 1)) == []


_BLANK = PaperDraft(title="", lang="en", sentences=(), method=None, topics=(), cards=())


def _paper(title: str, votes: int | None, *topics: str) -> PaperDraft:
    return replace(_BLANK, title=title, votes=votes, topics=topics)


DAY = (
    _paper("a", 5, "audio"),
    _paper("b", 40, "llm"),
    _paper("c", None, "vision"),
    _paper("d", 12, "llm", "agents"),
    _paper("e", 40, "audio"),
)


@pytest.mark.parametrize(
    ("filters", "kept"),
    [
        ({}, "abcde"),
        # Papers whose digest counts no votes are kept by a votes filter.
        ({"min_votes": 12}, "bcde"),
        ({"topics": {"llm"}}, "bd"),
        ({"topics": {"agents", "audio"}}, "ade"),
        # The most voted, ties and the document's order kept; a paper without votes last.
        ({"max_new": 2}, "be"),
        ({"max_new": 3}, "bde"),
        ({"max_new": 4}, "abde"),
        ({"min_votes": 12, "topics": {"vision", "audio"}, "max_new": 1}, "e"),
        ({"min_votes": 12, "topics": {"vision"}}, "c"),
    ],
)
def test_the_filters_pick_the_papers_of_a_day(filters: dict[str, object], kept: str) -> None:
    picked = pick_papers(DAY, **filters)  # type: ignore[arg-type]
    assert "".join(paper.title for paper in picked) == kept
