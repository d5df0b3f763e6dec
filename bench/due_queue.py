"""Benchmark: fetching today's queue for one user with 1,000, 10,000 and 100,000 cards.

    .venv/bin/python bench/due_queue.py [--sizes 1000 10000 100000] [--fetches 300]  (make bench)

"Today's queue" is what the review page asks for: the next card with its texts and paper, and
the counts of what is left (``review.next_card``). Each size gets a fresh SQLite file where the
user has that many cards: a third new, two thirds reviewed with due dates spread over the last
month and the next two months (so about a third are due), and a few re-drills of today. The
user has the default daily limits. The figure is the mean and p95 of repeated fetches; the
report also shows SQLite's plan for the fetch (one statement). Target (issue 10): the
100,000-card fetch takes at most 1.5 × the 1,000-card one.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from common import Row, mean, p95, print_table
from sqlalchemy import Engine, func, insert, select

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.identity import CardKind
from studyapp.models import Card, CardText, Deck, Paper, ReviewState, User
from studyapp.services import review, review_sql, study_queue

NAME = "due_queue"
FULL: dict[str, Any] = {"sizes": (1_000, 10_000, 100_000), "fetches": 300}
SMOKE: dict[str, Any] = {"sizes": (100, 1_000), "fetches": 20}
TARGET = 1.5
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
TODAY = NOW.date()
_BATCH = 5_000


def _fill(engine: Engine, cards: int, rng: random.Random) -> review.StudyLimits:
    """One user with ``cards`` cards, written in batches with Core (building them through the
    importer would take minutes at 100,000 and measure nothing of the queue)."""
    with engine.begin() as connection:
        user_id = connection.execute(
            insert(User).returning(User.id), {"email": "q@example.com", "password_hash": "x"}
        ).scalar_one()
        deck_id = connection.execute(
            insert(Deck).returning(Deck.id), {"owner_id": user_id, "slug": "q", "name": "Q"}
        ).scalar_one()
        for start in range(0, cards, _BATCH):
            numbers = range(start, min(cards, start + _BATCH))
            connection.execute(
                insert(Paper),
                [
                    {
                        "id": n + 1,
                        "deck_id": deck_id,
                        "identity": f"arxiv:2601.{n:06d}",
                        "title": f"Paper {n}",
                        "lang": "en",
                    }
                    for n in numbers
                ],
            )
            connection.execute(
                insert(Card),
                [
                    {
                        "id": n + 1,
                        "paper_id": n + 1,
                        "kind": CardKind.METHOD_IDEA,
                        "guid": f"g{n}",
                        "lang": "en",
                    }
                    for n in numbers
                ],
            )
            connection.execute(
                insert(CardText),
                [
                    {"card_id": n + 1, "lang": "en", "front": f"Method {n}?", "back": "An idea."}
                    for n in numbers
                ],
            )
            connection.execute(insert(ReviewState), [_state(user_id, n + 1, rng) for n in numbers])
    return review.StudyLimits(user_id, "UTC", new_per_day=20, reviews_per_day=200)


def _state(user_id: int, card_id: int, rng: random.Random) -> dict[str, Any]:
    if rng.random() < 1 / 3:  # new
        return {
            "user_id": user_id,
            "card_id": card_id,
            "repetitions": 0,
            "interval_days": 0,
            "ease": 2.5,
            "due_on": None,
            "last_reviewed_at": None,
            "redrill_on": None,
        }
    interval = rng.randint(1, 90)
    return {
        "user_id": user_id,
        "card_id": card_id,
        "repetitions": 3,
        "interval_days": interval,
        "ease": 2.5,
        "due_on": TODAY + timedelta(days=rng.randint(-30, 60)),
        "last_reviewed_at": NOW - timedelta(days=interval),
        # A few cards failed earlier today come back as re-drills.
        "redrill_on": TODAY if rng.random() < 0.002 else None,
    }


def _plans(engine: Engine) -> dict[str, list[str]]:
    """SQLite's plan for each statement of a fetch (EXPLAIN QUERY PLAN, one line per step)."""
    statements = {
        "next card, its texts and paper, answers today, cards left": review_sql.EVERYTHING.pick
    }
    values = {"today": TODAY.isoformat(), "prefer": None, "count_cap": review.COUNT_CAP}
    plans = {}
    with engine.connect() as connection:
        for name, statement in statements.items():
            compiled = statement.compile(dialect=engine.dialect)
            sql = "EXPLAIN QUERY PLAN " + str(compiled)
            arguments = tuple(values.get(key, 1) for key in compiled.positiontup or ())
            plans[name] = [row[3] for row in connection.exec_driver_sql(sql, arguments)]
    return plans


def measure_one(cards: int, fetches: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/queue.db", "SECRET_KEY": "bench"})
        factory = session_factory(app)
        engine = factory.kw["bind"]
        migrate.upgrade(engine)
        limits = _fill(engine, cards, random.Random(cards))
        timings = []
        with factory() as session:
            first = review.next_card(session, limits, now=NOW)
            assert first is not None
            for _ in range(fetches):
                started = time.perf_counter()
                item = review.next_card(session, limits, now=NOW)
                timings.append((time.perf_counter() - started) * 1000)
                assert item is not None and item.state.id == first.state.id
            due = session.scalar(select(func.count()).where(study_queue.review_due(limits, TODAY)))
        plans = _plans(engine)
        engine.dispose()
    return {
        "cards": cards,
        "due_reviews": due,
        "remaining_shown": first.remaining,
        "mean_ms": round(mean(timings), 3),
        "p95_ms": round(p95(timings), 3),
        "plans": plans,
    }


def measure(sizes: tuple[int, ...] = FULL["sizes"], fetches: int = 300) -> dict[str, Any]:
    runs = [measure_one(cards, fetches) for cards in sizes]
    return {
        "fetches": fetches,
        "runs": runs,
        "ratio_largest_to_smallest": round(runs[-1]["mean_ms"] / runs[0]["mean_ms"], 2),
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    runs = figures["runs"]
    lines = [
        Row(
            "due queue",
            f"{run['cards']} cards ({run['due_reviews']} due): next card + counts, mean (p95)",
            f"{run['mean_ms']:.2f} ({run['p95_ms']:.2f}) ms",
        )
        for run in runs
    ]
    lines.append(
        Row(
            "due queue",
            f"{runs[-1]['cards']} / {runs[0]['cards']} cards, mean",
            f"{figures['ratio_largest_to_smallest']:.2f}×",
            f"≤ {TARGET}×",
            figures["ratio_largest_to_smallest"] <= TARGET,
        )
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=list(FULL["sizes"]))
    parser.add_argument("--fetches", type=int, default=FULL["fetches"])
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(tuple(args.sizes), args.fetches)
    print_table(rows(figures))
    for run in figures["runs"][-1:]:
        print(f"\nSQLite's plans at {run['cards']} cards:")
        for name, plan in run["plans"].items():
            print(f"- {name}: " + "; ".join(plan))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
