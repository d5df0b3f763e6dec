"""Due dates are local dates in the user's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from studyapp.srs.calendar import due_on, is_valid_timezone, local_day

# 23:30 on 8 Feb 2024 in UTC is already 08:30 on 9 Feb in Seoul and still 18:30 on 8 Feb in
# New York.
LATE_EVENING_UTC = datetime(2024, 2, 8, 23, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("timezone", "interval", "expected"),
    [
        ("UTC", 1, date(2024, 2, 9)),
        ("Asia/Seoul", 1, date(2024, 2, 10)),
        ("America/New_York", 1, date(2024, 2, 9)),
        ("Asia/Seoul", 6, date(2024, 2, 15)),
        ("Asia/Seoul", 0, date(2024, 2, 9)),
    ],
)
def test_due_date_is_the_local_review_date_plus_the_interval(
    timezone: str, interval: int, expected: date
) -> None:
    assert due_on(LATE_EVENING_UTC, interval, timezone) == expected


def test_daylight_saving_change_does_not_shift_the_due_date() -> None:
    # The night of 10 March 2024 has 23 hours in New York.
    reviewed = datetime(2024, 3, 10, 4, 30, tzinfo=UTC)  # 23:30 on 9 March, local
    assert local_day(reviewed, "America/New_York") == date(2024, 3, 9)
    assert due_on(reviewed, 1, "America/New_York") == date(2024, 3, 10)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        local_day(datetime(2024, 2, 8, 12, 0), "UTC")


def test_negative_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        due_on(LATE_EVENING_UTC, -1, "UTC")


@pytest.mark.parametrize(
    ("name", "valid"),
    [("Asia/Seoul", True), ("UTC", True), ("Mars/Olympus", False), ("", False), ("../etc", False)],
)
def test_timezone_validation(name: str, valid: bool) -> None:
    assert is_valid_timezone(name) is valid
