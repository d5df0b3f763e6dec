"""Benchmark: switching a user with a long history from SM-2 to FSRS and back.

    .venv/bin/python bench/switch_scheduler.py [--cards 20000] [--answers 5]

Switching to FSRS rebuilds every card's memory from its review log (a replay through py-fsrs,
as Anki does) during the settings page's POST, so its time is what the user waits for; the
replay runs before the write unit, which stores the memories. The user holds ``cards``
reviewed cards with ``answers`` log rows each, a week apart. Switching back only hands the
cards to SM-2 (its memory is kept up to date).
Target: the switch to FSRS of 20,000 cards with 100,000 answers in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from common import Row, give_history, print_table, signed_in_app

from studyapp.services.scheduling import SchedulingChange, update_scheduling
from studyapp.srs.schedule import SchedulerName

NAME = "switch_scheduler"
FULL: dict[str, Any] = {"cards": 20_000, "answers": 5}
SMOKE: dict[str, Any] = {"cards": 200, "answers": 3}
TARGET_SECONDS = 10.0


def measure(cards: int = 20_000, answers: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app, factory, _client, user_id = signed_in_app(folder)
        with factory() as session:
            card_ids = give_history(session, user_id, cards, answers, grades=(4, 5, 3, 2, 4))
            timings: dict[str, float] = {}
            for to in (SchedulerName.FSRS, SchedulerName.SM2):
                begun = time.perf_counter()
                switched = update_scheduling(session, user_id, SchedulingChange(to, 0.9, 36500))
                timings[to.value] = time.perf_counter() - begun
                assert switched.switched
        factory.kw["bind"].dispose()
        del app
    return {
        "cards": len(card_ids),
        "answers": len(card_ids) * answers,
        "to_fsrs_s": round(timings["fsrs"], 2),
        "to_sm2_s": round(timings["sm2"], 2),
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "switch scheduler",
            f"{figures['cards']} cards, {figures['answers']} answers: SM-2 → FSRS (replay) / back",
            f"{figures['to_fsrs_s']:.2f} s / {figures['to_sm2_s']:.2f} s",
            f"≤ {TARGET_SECONDS:.0f} s",
            figures["to_fsrs_s"] <= TARGET_SECONDS,
        )
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=FULL["cards"])
    parser.add_argument("--answers", type=int, default=FULL["answers"])
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(args.cards, args.answers)
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
