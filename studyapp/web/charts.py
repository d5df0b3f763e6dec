"""Chart geometry for server-rendered SVG: bars and a calendar heatmap.

Only numbers and already-localized labels come in; ``templates/stats/_charts.html`` draws them.
Colours come from the stylesheet's classes, so the charts follow light and dark mode.

A bar chart is as wide as the page lets it be and keeps its height: its bars stretch (they are
drawn in slots of :data:`SLOT` units, in an inner SVG that fills the width), while its text is
drawn at its own size in CSS pixels, placed at a percentage of the width. Which labels fit is
worked out here from each label's estimated width (:func:`text_width`) against the narrowest
plot the chart is shown at: labels under many bars are thinned (phones hide the ones marked not
``narrow``), labels that must all be shown (one per bucket) are tilted when they would touch.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

__all__ = [
    "Bar",
    "BarChart",
    "Cell",
    "Heatmap",
    "Tick",
    "XLabel",
    "bar_chart",
    "heatmap",
    "fits",
    "nice_ticks",
    "text_width",
]

#: Font size of tick labels in CSS pixels (``.chart .tick`` in the stylesheet).
FONT_PX = 11
#: The least room between two labels side by side, in CSS pixels.
LABEL_GAP = 8
#: Width of one bar's slot in the inner SVG's units (which stretch to the plot's width).
SLOT = 10
#: How far tilted labels turn, in degrees (counter-clockwise).
TILT = 40
#: The plot widths, in CSS pixels, that labels must fit: a phone (the narrowest plot a chart is
#: drawn at, also on a 320 px screen) and from 48rem on (the nav's breakpoint), when a chart as
#: wide as the page is at least this wide.
NARROW_PX = 200
WIDE_PX = 600


def text_width(text: str, font_px: float = FONT_PX) -> float:
    """An estimate of ``text``'s width in CSS pixels: Hangul, CJK and other wide characters are
    a square each, digits and most Latin letters a little over half of one, spaces and
    punctuation narrower. Generous on purpose: labels laid out by it never touch."""
    em = 0.0
    for char in text:
        if unicodedata.east_asian_width(char) in ("W", "F"):
            em += 1.0
        elif char.isspace() or char in ".,:;'|!()[]":
            em += 0.32
        elif char in "–—%>≥<≤MWmw":
            em += 0.85
        else:
            em += 0.62
    return em * font_px


def nice_ticks(largest: float, most: int = 5) -> tuple[int, ...]:
    """Whole-number y-axis ticks from 0 to a round top at least ``largest``: steps of 1, 2 or 5
    times a power of ten, the smallest that needs at most ``most`` steps. (0, 1) for nothing."""
    if largest <= 0:
        return (0, 1)
    rough = largest / most
    power = 10 ** max(0, math.floor(math.log10(rough))) if rough >= 1 else 1
    step = next(s * power for s in (1, 2, 5, 10) if s * power >= rough)
    steps = math.ceil(largest / step)
    return tuple(i * step for i in range(steps + 1))


@dataclass(frozen=True, slots=True)
class Bar:
    #: Left edge and width in the inner SVG's units (:data:`SLOT` per bar).
    x: float
    width: float
    #: Top and height in CSS pixels, within the plot.
    y: float
    height: float
    value: int
    #: The bar's full description, for its <title> (a tooltip and what screen readers say).
    title: str


@dataclass(frozen=True, slots=True)
class Tick:
    value: int
    #: From the top of the chart, in CSS pixels.
    y: float


@dataclass(frozen=True, slots=True)
class XLabel:
    text: str
    #: Where it stands, in percent of the plot's width, and which of its ends stands there
    #: ("start", "middle" or "end", as SVG's text-anchor).
    x: float
    anchor: str
    #: Whether phones show it too (they show every label of a chart whose labels all fit).
    narrow: bool


@dataclass(frozen=True, slots=True)
class BarChart:
    height: int
    #: The plot's top and height, and the width of the y axis beside it, in CSS pixels.
    top: int
    plot_height: int
    axis_width: int
    bars: tuple[Bar, ...]
    ticks: tuple[Tick, ...]
    labels: tuple[XLabel, ...]
    #: Labels are turned by :data:`TILT` degrees, each ending under its bar.
    tilted: bool
    top_value: int
    total: int

    @property
    def slot(self) -> int:
        return SLOT

    @property
    def inner_width(self) -> int:
        """Width of the inner SVG's coordinates: one slot per bar."""
        return max(1, len(self.bars)) * SLOT

    @property
    def baseline(self) -> int:
        return self.top + self.plot_height

    @property
    def tilt(self) -> int:
        return TILT


def _placed(
    text: str, index: int, count: int, width: float, plot_px: float, *, narrow: bool
) -> XLabel:
    """The label under bar ``index`` of ``count``: centred under it, unless it would then stick
    out of a plot ``plot_px`` wide, when it starts at the bar's left edge (or ends at its right)."""
    half = width / 2 / plot_px
    centre = (index + 0.5) / count
    if centre - half < 0:
        x, anchor = index / count, "start"
    elif centre + half > 1:
        x, anchor = (index + 1) / count, "end"
    else:
        x, anchor = centre, "middle"
    return XLabel(text, round(100 * x, 3), anchor, narrow)


def _span(label: XLabel, plot_px: float) -> tuple[float, float]:
    width, at = text_width(label.text), label.x / 100 * plot_px
    left = {"start": at, "middle": at - width / 2, "end": at - width}[label.anchor]
    return left, left + width


def fits(labels: Sequence[XLabel], plot_px: float) -> bool:
    """Whether the labels, side by side across ``plot_px`` pixels, stay inside the plot and
    :data:`LABEL_GAP` pixels apart."""
    spans = [_span(label, plot_px) for label in labels]
    inside = all(left >= -0.01 and right <= plot_px + 0.01 for left, right in spans)
    return inside and all(b[0] - a[1] >= LABEL_GAP for a, b in zip(spans, spans[1:], strict=False))


def _thinned(
    texts: Sequence[str], widths: Sequence[float], narrow_px: float, wide_px: float
) -> list[XLabel]:
    """Labels under every k-th bar, k as small as fits ``wide_px``; of those, phones show
    every m-th, m as small as fits ``narrow_px``. A label is placed for the narrowest plot
    that shows it."""
    count = len(texts)
    for every in range(1, count + 1):
        wide = [
            _placed(texts[i], i, count, widths[i], wide_px, narrow=False)
            for i in range(0, count, every)
        ]
        if not fits(wide, wide_px):
            continue
        for narrow_every in range(every, count + 1, every):
            labels = [
                _placed(
                    texts[i],
                    i,
                    count,
                    widths[i],
                    narrow_px if i % narrow_every == 0 else wide_px,
                    narrow=i % narrow_every == 0,
                )
                for i in range(0, count, every)
            ]
            if fits(labels, wide_px) and fits([la for la in labels if la.narrow], narrow_px):
                return labels
    return [_placed(texts[0], 0, count, widths[0], narrow_px, narrow=True)] if texts else []


def bar_chart(
    values: Sequence[tuple[int, str, str]],
    *,
    plot_height: int = 130,
    thin: bool = True,
    narrow_px: float = NARROW_PX,
    wide_px: float = WIDE_PX,
) -> BarChart:
    """Bars for ``(value, title, label)`` triples, left to right, under round y ticks.

    With ``thin`` (a series of days), a label goes under every k-th bar, k as small as lets
    them fit across ``wide_px``; phones keep every k'-th of them, k' a multiple of k that fits
    ``narrow_px`` (see :func:`fits`). Without it (buckets, each of which needs its label),
    every label is shown, tilted when they would not fit side by side across ``narrow_px``."""
    count = len(values)
    ticks = nice_ticks(max((v for v, _, _ in values), default=0))
    top_value = ticks[-1]
    top = 8
    widths = [text_width(label) for _, _, label in values]
    widest = max(widths, default=0.0)
    tilted = not thin and count > 0 and widest + LABEL_GAP / 2 > narrow_px / count
    if tilted:
        turn = math.radians(TILT)
        bottom = math.ceil(widest * math.sin(turn) + FONT_PX * math.cos(turn)) + 10
    else:
        bottom = FONT_PX + 12
    axis_width = math.ceil(max(text_width(f"{t:,}") for t in ticks)) + 22

    gap = 2.0 if count <= 60 else 0.5
    bars = []
    for i, (value, title, _) in enumerate(values):
        h = round(plot_height * value / top_value, 2)
        bars.append(
            Bar(
                x=i * SLOT + gap / 2,
                width=SLOT - gap,
                y=round(top + plot_height - h, 2),
                height=h,
                value=value,
                title=title,
            )
        )

    if tilted:
        labels = [
            XLabel(text, round(100 * (i + 0.5) / count, 3), "end", narrow=True)
            for i, (_, _, text) in enumerate(values)
        ]
    elif thin:
        labels = _thinned([label for _, _, label in values], widths, narrow_px, wide_px)
    else:
        labels = [
            _placed(text, i, count, widths[i], narrow_px, narrow=True)
            for i, (_, _, text) in enumerate(values)
        ]
    labels = [label for label in labels if label.text]

    return BarChart(
        height=top + plot_height + bottom,
        top=top,
        plot_height=plot_height,
        axis_width=axis_width,
        bars=tuple(bars),
        ticks=tuple(
            Tick(t, round(top + plot_height - plot_height * t / top_value, 2)) for t in ticks
        ),
        labels=tuple(labels),
        tilted=tilted,
        top_value=top_value,
        total=sum(v for v, _, _ in values),
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
    shade from 0 (no answer) to 4 (a quarter of the busiest day or more, in quarters).

    A month is named over its first column unless the name before it is still there (a month
    that starts in the calendar's first week or two leaves no room for the one before)."""
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
            label = month_label[day.month]
            if months and months[-1][0] + text_width(months[-1][1], 10) + 4 > x:
                months.pop()
            months.append((x, label))
    weeks = (days[-1][0] - start).days // 7 + 1
    weekdays = tuple((top + row * STEP + CELL - 1, weekday_label[row]) for row in (0, 2, 4))
    return Heatmap(left + weeks * STEP, top + 7 * STEP, tuple(cells), tuple(months), weekdays)
