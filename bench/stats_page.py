"""Benchmark: the stats page with 100,000 review-log rows. Target (issue 9): ≤ 100 ms.

    .venv/bin/python bench/stats_page.py [--cards 20000] [--logs 100000] [--requests 40]

One user studies 20,000 cards (half of them reviewed, with spread-out ease, intervals and due
dates) and has answered 100,000 times over the last two years. The figure is the time of a full
GET /stats — every aggregate query and the SVG rendering — through Flask's test client, on
SQLite; the first request warms the caches and is not counted.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import UTC, date, datetime, timedelta

from common import signed_in_app, synthetic_papers
from sqlalchemy import insert, select, update

from studyapp.models import ReviewKind, ReviewLog, ReviewState
from studyapp.services.library import DeckImport, import_decks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--logs", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=40)
    args = parser.parse_args()
    rng = random.Random(9)
    today = date.today()

    with tempfile.TemporaryDirectory() as folder:
        app, factory, client, user_id = signed_in_app(folder)
        with factory() as session:
            papers = synthetic_papers(args.cards // 2)
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
                rows = []
                for _ in range(args.logs):
                    day = today - timedelta(days=rng.randint(0, 730))
                    interval = rng.choice([0, 1, 6, 15, 30, 90])
                    rows.append(
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
                session.execute(insert(ReviewLog), rows)

        timings = []
        for i in range(args.requests + 1):
            started = time.perf_counter()
            response = client.get("/stats")
            elapsed = time.perf_counter() - started
            assert response.status_code == 200, response.status_code
            if i:
                timings.append(elapsed * 1000)
        factory.kw["bind"].dispose()

    timings.sort()
    p95 = timings[max(0, round(len(timings) * 0.95) - 1)]
    print("| cards | log rows | requests | mean ms | p50 ms | p95 ms | target |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {args.cards} | {args.logs} | {len(timings)} | {statistics.mean(timings):.1f} "
        f"| {statistics.median(timings):.1f} | {p95:.1f} | ≤ 100 |"
    )


if __name__ == "__main__":
    main()
