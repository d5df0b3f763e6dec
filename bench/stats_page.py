"""Benchmark: the stats page with 100,000 review-log rows. Target (issue 9): ≤ 100 ms.

    .venv/bin/python bench/stats_page.py [--cards 20000] [--logs 100000] [--requests 40]
                                         [--fsrs] [--json FIGURES.json]

It is also driven by ``make bench`` (``bench/run.py``) through the interface described in
``bench/common.py``: ``NAME``, ``FULL``, ``SMOKE``, ``measure()`` and ``rows()``.

One user studies 20,000 cards (half of them reviewed, with spread-out ease, intervals and due
dates) and has answered 100,000 times over the last two years. The figure is the time of a full
GET /stats — every aggregate query and the SVG rendering — through Flask's test client, on
SQLite; the first request warms the caches and is not counted. The verdict is on the mean; the
median and the 95th percentile are shown beside it. With ``--fsrs`` the user schedules with
FSRS and every one of the cards has an FSRS memory, so the page also sums the expected recalls
of all of them for each of the next 30 days (the worst case).
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from common import Row, mean, p95, print_table, signed_in_app, synthetic_papers
from sqlalchemy import insert, select, update

from studyapp.models import ReviewKind, ReviewLog, ReviewState, User
from studyapp.services.importing import DeckImport, import_decks
from studyapp.srs.schedule import SchedulerName

NAME = "stats_page"
FULL: dict[str, Any] = {"cards": 20_000, "logs": 100_000, "requests": 40}
SMOKE: dict[str, Any] = {"cards": 200, "logs": 1_000, "requests": 3}
#: The mean time of GET /stats may be at most this many milliseconds.
TARGET_MS = 100


def measure(
    cards: int = 20_000, logs: int = 100_000, requests: int = 40, fsrs: bool = False
) -> dict[str, Any]:
    """Time ``requests`` GET /stats (after one warm-up) for a user with ``cards`` cards and
    ``logs`` review-log rows (an FSRS user whose every card has a memory, with ``fsrs``)."""
    rng = random.Random(9)
    today = date.today()

    with tempfile.TemporaryDirectory() as folder:
        app, factory, client, user_id = signed_in_app(folder)
        with factory() as session:
            papers = synthetic_papers(cards // 2)
            import_decks(session, [DeckImport(name="Bench", papers=papers, owner_id=user_id)])
            with session.begin():
                ids = list(session.scalars(select(ReviewState.card_id)))
                for card_id in rng.sample(ids, len(ids) // 2):
                    interval = rng.choice([1, 3, 6, 12, 25, 60, 150, 400])
                    session.execute(
                        update(ReviewState)
                        .where(ReviewState.card_id == card_id)
                        .values(
                            repetitions=3,
                            interval_days=interval,
                            ease=rng.choice([1.3, 1.7, 2.1, 2.5, 2.8]),
                            due_on=today + timedelta(days=rng.randint(-5, 60)),
                            last_reviewed_at=datetime.now(UTC),
                        )
                    )
                log_rows = []
                for _ in range(logs):
                    day = today - timedelta(days=rng.randint(0, 730))
                    interval = rng.choice([0, 1, 6, 15, 30, 90])
                    log_rows.append(
                        {
                            "user_id": user_id,
                            "card_id": rng.choice(ids),
                            "reviewed_at": datetime(day.year, day.month, day.day, 12, tzinfo=UTC),
                            "reviewed_on": day,
                            "grade": rng.choice([1, 3, 4, 4, 5, 5]),
                            "kind": ReviewKind.REVIEW,
                            "repetitions_before": 2,
                            "ease_before": 2.5,
                            "interval_before": interval,
                            "due_before": day,
                            "repetitions_after": 3,
                            "ease_after": 2.5,
                            "interval_after": interval + 1,
                            "due_after": day + timedelta(days=interval + 1),
                        }
                    )
                session.execute(insert(ReviewLog), log_rows)
                if fsrs:
                    session.execute(
                        update(User).where(User.id == user_id).values(scheduler=SchedulerName.FSRS)
                    )
                    for card_id in ids:
                        session.execute(
                            update(ReviewState)
                            .where(ReviewState.card_id == card_id)
                            .values(
                                scheduler=SchedulerName.FSRS,
                                stability=rng.uniform(0.5, 400),
                                difficulty=rng.uniform(1, 10),
                                phase=2,
                                last_reviewed_at=datetime.now(UTC)
                                - timedelta(days=rng.randint(0, 200)),
                            )
                        )

        timings = []
        for i in range(requests + 1):
            started = time.perf_counter()
            response = client.get("/stats")
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            if i:
                timings.append(elapsed * 1000)
        factory.kw["bind"].dispose()

    return {
        "cards": cards,
        "logs": logs,
        "fsrs": fsrs,
        "requests": len(timings),
        "mean_ms": round(mean(timings), 2),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95(timings), 2),
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "stats page",
            f"GET /stats, {figures['cards']} cards"
            f"{' (FSRS, all with a memory)' if figures.get('fsrs') else ''}, "
            f"{figures['logs']} log rows, "
            f"{figures['requests']} requests: mean / p50 / p95",
            f"{figures['mean_ms']:.1f} / {figures['p50_ms']:.1f} / {figures['p95_ms']:.1f} ms",
            f"mean ≤ {TARGET_MS} ms",
            figures["mean_ms"] <= TARGET_MS,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=FULL["cards"])
    parser.add_argument("--logs", type=int, default=FULL["logs"])
    parser.add_argument("--requests", type=int, default=FULL["requests"])
    parser.add_argument(
        "--fsrs", action="store_true", help="An FSRS user: every card has a memory."
    )
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(cards=args.cards, logs=args.logs, requests=args.requests, fsrs=args.fsrs)
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
