"""A followed series as pure rules: the address of a day's document, when the next run is due,
how long a retry waits, and which papers of a day a subscription keeps.

Nothing here reads a clock, a database or the network: the time and the papers are passed in.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from studyapp.extract.drafts import PaperDraft

__all__ = [
    "DAY_PLACEHOLDERS",
    "PRESETS",
    "RETRY_AFTER",
    "day_url",
    "days_from",
    "has_day_placeholder",
    "next_run_after",
    "pick_papers",
    "retry_after",
]

#: Sources known by name, and the setting that holds each one's URL template.
PRESETS: dict[str, str] = {"daily_papers_ko": "DAILY_PAPERS_KO_URL"}

#: What a URL template may say about the day: its year, month, day, or the whole ISO date.
DAY_PLACEHOLDERS = ("{yyyy}", "{mm}", "{dd}", "{date}")

#: How long the next try waits after one, two, three or more failed runs in a row.
RETRY_AFTER = (timedelta(minutes=15), timedelta(hours=1), timedelta(hours=4))


def has_day_placeholder(template: str) -> bool:
    """Whether ``template`` names a day: ``{date}``, or ``{yyyy}``, ``{mm}`` and ``{dd}``."""
    *parts, whole = DAY_PLACEHOLDERS
    return whole in template or all(part in template for part in parts)


def day_url(template: str, day: date) -> str:
    """The address of ``day``'s document. Other braces in the template stay as they are."""
    return (
        template.replace("{yyyy}", f"{day.year:04d}")
        .replace("{mm}", f"{day.month:02d}")
        .replace("{dd}", f"{day.day:02d}")
        .replace("{date}", day.isoformat())
    )


def next_run_after(now: datetime, run_at: time, timezone: str) -> datetime:
    """The first moment after ``now`` when the clock in ``timezone`` shows ``run_at``, in UTC.

    Counted in local dates, so a run at 09:00 stays at 09:00 across daylight-saving changes. A
    time that a spring-forward skips (02:30 in New York on that Sunday) runs as the clocks
    read it an hour later; one that autumn repeats runs the first time round.
    """
    zone = ZoneInfo(timezone)
    day = now.astimezone(zone).date()
    while True:
        local = datetime.combine(day, run_at, tzinfo=zone)
        moment = local.astimezone(UTC)
        if moment > now:
            return moment
        day += timedelta(days=1)


def retry_after(retries: int) -> timedelta:
    """How long to wait after ``retries`` (at least 1) failed runs in a row."""
    return RETRY_AFTER[min(max(retries, 1), len(RETRY_AFTER)) - 1]


def days_from(first: date, last: date) -> list[date]:
    """Every day from ``first`` to ``last``, both included (none when ``first`` is later)."""
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def pick_papers(
    papers: Sequence[PaperDraft],
    *,
    min_votes: int | None = None,
    topics: Collection[str] = (),
    max_new: int | None = None,
) -> list[PaperDraft]:
    """The papers of one day a subscription keeps, in the document's order.

    ``topics``: papers filed under any of them (none given: any paper). ``min_votes``: papers
    with at least that many votes; a paper whose source counts no votes (early digests had no
    ``Vote:`` line) is kept, since nothing says it is unpopular. ``max_new``: when more papers
    remain, the most voted ones (a paper without votes after those with), ties in the
    document's order.
    """
    wanted = set(topics)
    kept = [
        paper
        for paper in papers
        if (not wanted or wanted.intersection(paper.topics))
        and (min_votes is None or paper.votes is None or paper.votes >= min_votes)
    ]
    if max_new is None or len(kept) <= max_new:
        return kept
    order = {id(paper): position for position, paper in enumerate(kept)}
    ranked = sorted(kept, key=lambda paper: (paper.votes is None, -(paper.votes or 0)))
    chosen = {id(paper) for paper in ranked[:max_new]}
    return sorted((paper for paper in kept if id(paper) in chosen), key=lambda p: order[id(p)])
