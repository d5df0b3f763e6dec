"""What forms across the web pages share."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

__all__ = ["timezone_choices"]


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, as (value, label) pairs for a select."""
    return [(zone, zone.replace("_", " ")) for zone in _zones()]
