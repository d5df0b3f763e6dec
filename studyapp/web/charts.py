"""Chart geometry for server-rendered SVG: bars and a calendar heatmap.

Only numbers and already-localized labels come in; ``templates/stats/_charts.html`` draws them.
Colours come from the stylesheet's classes, so the charts follow light and dark mode.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = ["Bar", "BarChart", "Cell", "Heatmap", "bar_chart", "heatmap"]


@dataclass(frozen=True, slots=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    value: int
    #: The bar's full description, for its <title> (a tooltip and what screen readers say).
    title: str
    #: The axis label under it, or "" to leave it out.
    label: str


@dataclass(frozen=True, slots=True)
class BarChart:
    width: int
    height: int
    left: int
    bottom: int
    bars: tuple[Bar, ...]
    top_value: int
    total: int


def _nice_top(largest: int) -> int:
    """A round top for the y axis: 1, 2, 5 or 10 times a power of ten, at least ``largest``."""
    if largest <= 0:
        return 1
    power: int = 10 ** math.floor(math.log10(largest))
    return next(step * power for step in (1, 2, 5, 10) if step * power >= largest)


def bar_chart(
    values: Sequence[tuple[int, str, str]],
    *,
    width: int = 720,
    height: int = 180,
    labels_every: int = 1,
) -> BarChart:
    """Bars for ``(value, title, label)`` triples, left to right; every ``labels_every``-th
    label is kept so that the axis stays readable."""
    left, bottom, top = 36, 22, 8
    plot_w, plot_h = width - left - 4, height - bottom - top
    top_value = _nice_top(max((v for v, _, _ in values), default=0))
    slot = plot_w / max(1, len(values))
    gap = min(2.0, slot * 0.2)
    bars = []
    for i, (value, title, label) in enumerate(values):
        h = plot_h * value / top_value
        bars.append(
            Bar(
                x=round(left + i * slot + gap / 2, 2),
                y=round(top + plot_h - h, 2),
                width=round(max(slot - gap, 1.0), 2),
                height=round(h, 2),
                value=value,
                title=title,
                label=label if i % labels_every == 0 else "",
            )
        )
    return BarChart(
        width, height, left, bottom, tuple(bars), top_value, sum(v for v, _, _ in values)
    )


@dataclass(frozen=True, slots=True)
class Cell:
    x: int
    y: int
    day: date
    count: int
    level: int
    title: str


@dataclass(frozen=True, slots=True)
class Heatmap:
    width: int
    height: int
    cells: tuple[Cell, ...]
    #: (x, label) of each month's first column.
    months: tuple[tuple[int, str], ...]
    #: (y, label) of the weekday rows that are labelled.
    weekdays: tuple[tuple[int, str], ...]


CELL = 11
STEP = 13


def heatmap(
    days: Sequence[tuple[date, int, str]],
    *,
    month_label: dict[int, str],
    weekday_label: dict[int, str],
) -> Heatmap:
    """A year calendar like Anki's: a column per week (Monday first), a row per weekday, a
    shade from 0 (no answer) to 4 (a quarter of the busiest day or more, in quarters)."""
    if not days:
        return Heatmap(0, 0, (), (), ())
    left, top = 30, 16
    start = days[0][0] - timedelta(days=days[0][0].weekday())
    busiest = max(count for _, count, _ in days)
    cells = []
    months: list[tuple[int, str]] = []
    for day, count, title in days:
        week = (day - start).days // 7
        x, y = left + week * STEP, top + day.weekday() * STEP
        level = 0 if count == 0 else min(4, 1 + (4 * count - 1) // max(1, busiest))
        cells.append(Cell(x, y, day, count, level, title))
        if day.day == 1 or (not months and day.day <= 7):
            months.append((x, month_label[day.month]))
    weeks = (days[-1][0] - start).days // 7 + 1
    weekdays = tuple((top + row * STEP + CELL - 1, weekday_label[row]) for row in (0, 2, 4))
    return Heatmap(left + weeks * STEP, top + 7 * STEP, tuple(cells), tuple(months), weekdays)
