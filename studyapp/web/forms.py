"""What forms across the web pages share."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from babel.dates import get_timezone_location
from flask_babel import get_locale
from wtforms import IntegerField

from studyapp.web.ids import read_int

__all__ = ["WholeNumberField", "timezone_choices"]


class WholeNumberField(IntegerField):  # type: ignore[misc]
    """A number field read as every number of a request is (:func:`~studyapp.web.ids.read_int`):
    ASCII digits only, where WTForms' ``int()`` would take '١٢' and choke on 5,000 digits. A
    minus sign is let through, for the field's range to refuse in its own words."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist and read_int(valuelist[0].strip().removeprefix("-")) is None:
            # Not a number: WTForms says so in its own words (and languages).
            valuelist = [""]
        super().process_formdata(valuelist)


@cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(z for z in available_timezones() if "/" in z or z == "UTC"))


def timezone_choices() -> list[tuple[str, str]]:
    """Every IANA time zone, as (value, label) pairs for a select, labelled in the page's
    language where Babel knows the place: ``Asia/Seoul · 대한민국 시간``."""
    return list(_labelled_zones(str(get_locale() or "en")))


@cache
def _labelled_zones(locale: str) -> tuple[tuple[str, str], ...]:
    # CLDR names zones it cannot place "Unknown Region (UTC) Time": those keep only their id.
    unknown = get_timezone_location("UTC", locale=locale).split("(")[0]
    choices = []
    for zone in _zones():
        label = zone.replace("_", " ")
        try:
            place = get_timezone_location(zone, locale=locale)
        except LookupError:  # a zone newer than Babel's data
            place = unknown
        if unknown not in place:
            label = f"{label} · {place}"
        choices.append((zone, label))
    return tuple(choices)
