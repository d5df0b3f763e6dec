"""The stats page: reviews per day, forecast, calendar, retention, distributions, mastery.

The figures come from :mod:`studyapp.services.stats` (SQL aggregates); this module only turns
them into localized chart geometry for the SVG templates.
"""

from __future__ import annotations

from datetime import date

from babel.dates import format_date as babel_format_date
from babel.dates import format_skeleton, get_day_names, get_month_names
from babel.numbers import format_decimal as babel_format_decimal
from flask import Blueprint, render_template, request
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale, get_translations, ngettext

from studyapp.db import get_session
from studyapp.models import utcnow
from studyapp.services import stats
from studyapp.web.auth import current_account, login_required
from studyapp.web.charts import WIDE_PX, BarChart, bar_chart, heatmap
from studyapp.web.ids import read_int
from studyapp.web.review import limits_for

__all__ = ["PERIODS", "bp", "forecast_chart"]

bp = Blueprint("stats", __name__)

PERIODS = (30, 90, 365)


class _Dates:
    """Localized day labels for hundreds of bars and squares: Flask-Babel's locale and
    catalog are looked up once per page instead of once per label."""

    def __init__(self) -> None:
        self.locale = get_locale()
        self.translations = get_translations()

    def short(self, day: date) -> str:
        """``Mar 10`` / ``3월 10일``."""
        return str(format_skeleton("MMMd", day, locale=self.locale))

    def weekday(self, day: date) -> str:
        """``Mon`` / ``월``."""
        return str(format_skeleton("E", day, locale=self.locale))

    def reviews(self, day: date, count: int) -> str:
        text = self.translations.ngettext(
            "%(date)s: %(num)d review", "%(date)s: %(num)d reviews", count
        )
        return str(text % {"date": babel_format_date(day, locale=self.locale), "num": count})

    def recalls(self, day: date, due: int, expected: float) -> str:
        text = self.translations.ngettext(
            "%(date)s: %(num)d card due; about %(recalled)s cards you would recall",
            "%(date)s: %(num)d cards due; about %(recalled)s cards you would recall",
            due,
        )
        return str(
            text
            % {
                "date": babel_format_date(day, locale=self.locale),
                "num": due,
                "recalled": babel_format_decimal(round(expected), locale=self.locale),
            }
        )

    def due(self, day: date, count: int) -> str:
        text = self.translations.ngettext(
            "%(date)s: %(num)d card due", "%(date)s: %(num)d cards due", count
        )
        return str(text % {"date": babel_format_date(day, locale=self.locale), "num": count})


def _daily_chart(days: tuple[tuple[date, int], ...], dates: _Dates) -> BarChart:
    return bar_chart([(count, dates.reviews(day, count), dates.short(day)) for day, count in days])


def forecast_chart(days: tuple[tuple[date, int], ...], *, width: int = WIDE_PX) -> BarChart:
    """Cards due on each of ``days``, for a plot at most about ``width`` pixels wide. A week
    is labelled by weekday (``Mon`` / ``월``), every day of it; longer spans by date."""
    dates = _Dates()
    label = dates.weekday if len(days) <= 7 else dates.short
    return bar_chart(
        [(count, dates.due(day, count), label(day)) for day, count in days], wide_px=width
    )


def _recall_chart(days: tuple[stats.DayForecast, ...], dates: _Dates) -> BarChart:
    return bar_chart(
        [
            (
                round(d.expected_recalls),
                dates.recalls(d.day, d.due, d.expected_recalls),
                dates.short(d.day),
            )
            for d in days
        ]
    )


def _buckets(buckets: tuple[stats.Bucket, ...], *, decimals: bool) -> BarChart:
    def number(value: float) -> str:
        return str(format_decimal(value, format="0.0" if decimals else "#,##0"))

    bars = []
    for bucket in buckets:
        if bucket.high is None:
            label = f"≥ {number(bucket.low)}" if decimals else f"> {number(bucket.low)}"
        elif decimals:
            label = f"{number(bucket.low)}–{number(bucket.high)}"
        else:
            low = int(bucket.low) + 1 if bucket.low else 1
            high = int(bucket.high)
            label = number(high) if low >= high else f"{number(low)}–{number(high)}"
        title = ngettext(
            "%(range)s: %(num)d card", "%(range)s: %(num)d cards", bucket.count, range=label
        )
        bars.append((bucket.count, title, label))
    return bar_chart(bars, plot_height=120, thin=False)


@bp.get("/stats")
@login_required
def page() -> ResponseReturnValue:
    account = current_account()
    lang = str(get_locale())
    figures = stats.stats(get_session(), limits_for(account), now=utcnow(), lang=lang)
    period = read_int(request.args.get("days"), high=max(PERIODS))
    if period not in PERIODS:
        period = 30
    months = get_month_names("abbreviated", locale=lang)
    weekdays = get_day_names("abbreviated", locale=lang)
    dates = _Dates()
    calendar = heatmap(
        [(day, count, dates.reviews(day, count)) for day, count in figures.daily],
        month_label=dict(months),
        weekday_label=dict(weekdays),
    )
    return render_template(
        "stats/page.html",
        figures=figures,
        period=period,
        periods=PERIODS,
        daily=_daily_chart(figures.last(period), dates),
        forecast=forecast_chart(figures.forecast),
        year=calendar,
        ease=_buckets(figures.ease, decimals=True),
        intervals=_buckets(figures.intervals, decimals=False),
        recall=None
        if figures.recall_forecast is None
        else _recall_chart(figures.recall_forecast, dates),
    )
