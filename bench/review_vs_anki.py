"""Benchmark: one review step in our service layer against Anki's own scheduler.

    .venv/bin/python bench/review_vs_anki.py [--cards 20000] [--answers 400]

Both sides hold the same cards, all review cards due today, and answer them in the same loop:
fetch the next due card, grade it, commit. Ours is ``review.next_card`` then ``review.answer``
on SQLite with ``synchronous = FULL``; Anki's is ``col.sched.get_queued_cards`` then
``col.sched.answer_card`` on a collection that imported our own export of those cards. The
grades follow one seeded mix (SM-2's 0-2 are Anki's Again, 3 Hard, 4 Good, 5 Easy), and the
two run in alternating blocks in one process. Target (issue 10): ours ≤ 2.0 × Anki per answer.
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

# isort: off
# Anki's own library: anki.collection before any other anki module, as it must be.
from anki.collection import Collection, ImportAnkiPackageOptions, ImportAnkiPackageRequest
from anki.cards import Card as AnkiCard
from anki.scheduler.v3 import CardAnswer

# isort: on
from common import signed_in_app, synthetic_papers
from sqlalchemy import update

from studyapp.apkg.package import write_package
from studyapp.models import ReviewState, User, utcnow
from studyapp.services import export, review
from studyapp.services.library import DeckImport, import_decks
from studyapp.srs.calendar import local_day

TARGET = 2.0
_RATING = {
    0: CardAnswer.AGAIN,
    1: CardAnswer.AGAIN,
    2: CardAnswer.AGAIN,
    3: CardAnswer.HARD,
    4: CardAnswer.GOOD,
    5: CardAnswer.EASY,
}


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def measure(cards: int = 20_000, answers: int = 400, block: int = 25) -> dict[str, Any]:
    rng = random.Random(10)
    grades = [rng.choice([2, 3, 4, 4, 5, 5]) for _ in range(answers)]
    with tempfile.TemporaryDirectory() as folder:
        app, factory, _client, user_id = signed_in_app(folder)
        today = local_day(utcnow(), "UTC")
        with factory() as session:
            papers = synthetic_papers(cards // 2)
            (report,) = import_decks(
                session, [DeckImport(name="Bench", papers=papers, owner_id=user_id)]
            )
            with session.begin():
                session.execute(
                    update(ReviewState)
                    .where(ReviewState.user_id == user_id)
                    .values(
                        repetitions=3,
                        interval_days=10,
                        ease=2.5,
                        due_on=today,
                        last_reviewed_at=utcnow() - timedelta(days=10),
                    )
                )
                session.execute(
                    update(User).where(User.id == user_id).values(reviews_per_day=1_000_000)
                )
            package = Path(folder) / "bench.apkg"
            write_package(
                export.notes_for_decks(session, [report.deck_id], lang="en", user_id=user_id),
                package,
            )
        limits = review.StudyLimits(user_id, "UTC", 0, 1_000_000)

        (Path(folder) / "anki").mkdir()
        col = Collection(str(Path(folder) / "anki" / "collection.anki2"))
        col.import_anki_package(
            ImportAnkiPackageRequest(package_path=str(package), options=ImportAnkiPackageOptions())
        )
        col.db.execute(
            "update cards set type = 2, queue = 2, ivl = 10, factor = 2500, reps = 3, due = ?",
            col.sched.today,
        )
        deck_id = col.decks.id_for_name("Bench")
        assert deck_id is not None
        col.decks.set_current(deck_id)
        config = col.decks.config_dict_for_deck_id(deck_id)
        config["rev"]["perDay"] = 9999  # Anki's largest daily limit
        config["new"]["perDay"] = 0
        col.decks.save(config)
        anki_notes = col.note_count()

        ours: list[float] = []
        theirs: list[float] = []

        def our_block(start: int) -> None:
            with factory() as session:
                for grade in grades[start : start + block]:
                    begun = time.perf_counter()
                    item = review.next_card(session, limits, now=utcnow())
                    assert item is not None
                    review.answer(
                        session,
                        limits,
                        state_id=item.state.id,
                        version=item.state.version,
                        grade=grade,
                        now=utcnow(),
                    )
                    ours.append((time.perf_counter() - begun) * 1000)

        def anki_block(start: int) -> None:
            for grade in grades[start : start + block]:
                begun = time.perf_counter()
                queued = col.sched.get_queued_cards(fetch_limit=1).cards[0]
                card = AnkiCard(col, backend_card=queued.card)
                card.start_timer()  # as Anki's reviewer does when it shows the card
                answer = col.sched.build_answer(
                    card=card, states=queued.states, rating=_RATING[grade]
                )
                col.sched.answer_card(answer)
                theirs.append((time.perf_counter() - begun) * 1000)

        for start in range(0, answers, block):
            first, second = (
                (our_block, anki_block) if start // block % 2 else (anki_block, our_block)
            )
            first(start)
            second(start)
        col.close()
        factory.kw["bind"].dispose()
        del app

    ratio = statistics.mean(ours) / statistics.mean(theirs)
    return {
        "cards": cards,
        "anki_notes": anki_notes,
        "answers": answers,
        "ours_mean_ms": round(statistics.mean(ours), 2),
        "ours_p95_ms": round(_p95(ours), 2),
        "anki_mean_ms": round(statistics.mean(theirs), 2),
        "anki_p95_ms": round(_p95(theirs), 2),
        "ratio": round(ratio, 2),
        "target": f"≤ {TARGET}",
        "met": ratio <= TARGET,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=20_000)
    parser.add_argument("--answers", type=int, default=400)
    args = parser.parse_args()
    result = measure(args.cards, args.answers)
    print("| cards | answers | ours mean / p95 ms | Anki mean / p95 ms | ratio | target |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {result['cards']} | {result['answers']} "
        f"| {result['ours_mean_ms']} / {result['ours_p95_ms']} "
        f"| {result['anki_mean_ms']} / {result['anki_p95_ms']} "
        f"| {result['ratio']} | {result['target']} |"
    )


if __name__ == "__main__":
    main()
