"""Localized strings that every card shown repeats, made once per language and kept."""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache

from babel.dates import format_timedelta

__all__ = ["relative_days"]


@lru_cache(maxsize=4096)
def relative_days(days: int, locale: str) -> str:
    """``in 6 days`` / ``6일 후``: Babel's relative time, exact up to the next whole unit."""
    return format_timedelta(timedelta(days=days), threshold=1, add_direction=True, locale=locale)
