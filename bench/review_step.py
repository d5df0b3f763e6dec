"""Benchmark: server time of one review step (grade → next card fragment) for a user with
20,000 cards on SQLite. Target (issue 4): p95 ≤ 20 ms.

    .venv/bin/python bench/review_step.py [--cards 20000] [--answers 400]

Half of the cards are due reviews spread over the last month, half are new. Each step is the
htmx POST of a grade, which commits the answer and renders the next card; it runs through
Flask's test client, so the figure is the app's time without network.
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

from common import signed_in_app, synthetic_papers
from sqlalchemy import update

from studyapp.models import ReviewState
from studyapp.services.library import DeckImport, import_decks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=400)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    rng = random.Random(7)

    with tempfile.TemporaryDirectory() as folder:
        app, factory, client, user_id = signed_in_app(folder)
        with factory() as session:
            import_decks(
                session,
                [
                    DeckImport(
                        name="Bench", papers=synthetic_papers(args.cards // 2), owner_id=user_id
                    )
                ],
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
        for _ in range(args.answers):
            state_id = re.search(r"/review/(\d+)/reveal", page).group(1)  # type: ignore[union-attr]
            revealed = client.get(f"/review/{state_id}/reveal", headers={"HX-Request": "true"})
            version = re.search(r'name="version" value="(\d+)"', revealed.get_data(as_text=True))
            grade = rng.choice([3, 4, 4, 5, 5, 2])
            started = time.perf_counter()
            response = client.post(
                f"/review/{state_id}/answer",
                data={"grade": grade, "version": version.group(1)},  # type: ignore[union-attr]
                headers={"HX-Request": "true"},
            )
            timings.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
            page = response.get_data(as_text=True)
        factory.kw["bind"].dispose()

    timings.sort()
    figures = {
        "cards": args.cards,
        "answers": len(timings),
        "mean_ms": round(statistics.fmean(timings), 2),
        "p50_ms": round(timings[len(timings) // 2], 2),
        "p95_ms": round(timings[int(len(timings) * 0.95) - 1], 2),
        "max_ms": round(timings[-1], 2),
    }
    print("| cards | answers | mean ms | p50 ms | p95 ms | target p95 |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {figures['cards']} | {figures['answers']} | {figures['mean_ms']} | "
        f"{figures['p50_ms']} | {figures['p95_ms']} | ≤ 20 |"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
