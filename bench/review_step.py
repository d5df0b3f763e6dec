"""Benchmark: server time of one review step (grade → next card fragment) for a user with
20,000 cards on SQLite. Target (issue 4): p95 ≤ 20 ms.

    .venv/bin/python bench/review_step.py [--cards 20000] [--answers 400] [--json FIGURES.json]

It is also driven by ``make bench`` (``bench/run.py``) through the interface described in
``bench/common.py``: ``NAME``, ``FULL``, ``SMOKE``, ``measure()`` and ``rows()``.

Half of the cards are due reviews spread over the last month, half are new. Each step is the
htmx POST of a grade, which commits the answer and renders the next card (whose fragment
already holds its answer, so revealing it costs no request); it runs through Flask's test
client, so the figure is the app's time without network.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from common import Row, mean, p95, print_table, signed_in_app, synthetic_papers
from sqlalchemy import update

from studyapp.models import ReviewState
from studyapp.services.importing import DeckImport, import_decks

NAME = "review_step"
FULL: dict[str, Any] = {"cards": 20_000, "answers": 400}
SMOKE: dict[str, Any] = {"cards": 200, "answers": 20}
#: The 95th percentile of a review step may be at most this many milliseconds.
TARGET_P95_MS = 20


def measure(cards: int = 20_000, answers: int = 400) -> dict[str, Any]:
    """Time ``answers`` review steps (POST of a grade) for a user with ``cards`` cards."""
    rng = random.Random(7)

    with tempfile.TemporaryDirectory() as folder:
        app, factory, client, user_id = signed_in_app(folder)
        with factory() as session:
            import_decks(
                session,
                [DeckImport(name="Bench", papers=synthetic_papers(cards // 2), owner_id=user_id)],
            )
            with session.begin():
                ids = [i for (i,) in session.query(ReviewState.id).all()]
                for state_id in rng.sample(ids, len(ids) // 2):
                    session.execute(
                        update(ReviewState)
                        .where(ReviewState.id == state_id)
                        .values(
                            repetitions=3,
                            interval_days=10,
                            ease=2.5,
                            due_on=date.today() - timedelta(days=rng.randint(0, 30)),
                        )
                    )

        timings = []
        page = client.get("/review", headers={"HX-Request": "true"}).get_data(as_text=True)
        for _ in range(answers):
            # The fragment carries the card's answer and its grade form (revealing it is
            # client-side), so the form's fields are all a step needs.
            state_id = re.search(r"/review/(\d+)/answer", page).group(1)  # type: ignore[union-attr]
            form = dict(re.findall(r'name="(version|shown_at)" value="(\d+)"', page))
            grade = rng.choice([3, 4, 4, 5, 5, 2])
            started = time.perf_counter()
            response = client.post(
                f"/review/{state_id}/answer",
                data={"grade": grade, **form},
                headers={"HX-Request": "true"},
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
        factory.kw["bind"].dispose()

    return {
        "cards": cards,
        "answers": len(timings),
        "mean_ms": round(mean(timings), 2),
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(p95(timings), 2),
        "max_ms": round(max(timings), 2),
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "review step",
            f"{figures['cards']} cards, {figures['answers']} answers (POST grade → next card): "
            "mean / p50 / p95",
            f"{figures['mean_ms']:.1f} / {figures['p50_ms']:.1f} / {figures['p95_ms']:.1f} ms",
            f"p95 ≤ {TARGET_P95_MS} ms",
            figures["p95_ms"] <= TARGET_P95_MS,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=FULL["cards"])
    parser.add_argument("--answers", type=int, default=FULL["answers"])
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(cards=args.cards, answers=args.answers)
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
