"""Calendar arithmetic for scheduling: local days and due dates in a user's time zone."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

__all__ = ["due_on", "is_valid_timezone", "local_day"]


def _require_aware(instant: datetime) -> None:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("a naive datetime has no place in time; pass an aware one")


def local_day(instant: datetime, timezone: str) -> date:
    """The calendar date that ``instant`` falls on for someone living in ``timezone``."""
    _require_aware(instant)
    return instant.astimezone(ZoneInfo(timezone)).date()


def due_on(reviewed_at: datetime, interval_days: int, timezone: str) -> date:
    """The due date of an item reviewed at ``reviewed_at``: the review's local date + interval.

    Counting in local dates rather than 24-hour periods means a card reviewed late in the
    evening is due on the right morning, and daylight-saving shifts never move it a day.
    """
    if interval_days < 0:
        raise ValueError(f"interval_days must not be negative, got {interval_days}")
    return local_day(reviewed_at, timezone) + timedelta(days=interval_days)


def is_valid_timezone(name: str) -> bool:
    """True when ``name`` is an IANA time zone this machine knows (``Asia/Seoul``, ``UTC``)."""
    if name not in available_timezones():
        return False
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True
