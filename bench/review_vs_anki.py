"""Benchmark: one review step in our service layer against Anki's own scheduler.

    .venv/bin/python bench/review_vs_anki.py [--cards 20000] [--answers 500]
        [--scheduler sm2 fsrs]   (or make bench)

Both sides hold the same cards, all review cards due today, and answer them in the same loop:
grade the card shown, commit durably, fetch the next one. Ours is ``review.answer_and_next``
(the review page's step: one transaction) on SQLite in WAL mode with ``synchronous = FULL``;
Anki's is ``col.sched.answer_card`` then ``col.sched.get_queued_cards`` on a collection holding
the texts of our own export of those cards (Anki also runs WAL with ``synchronous = FULL`` and
commits every answer). Both have the same daily review limit, 9999, Anki's largest. The grades
follow one seeded mix (SM-2's 0-2 are Anki's Again, 3 Hard, 4 Good, 5 Easy), and the two run in
alternating blocks in one process. Each scheduler is a run of its own on fresh copies of the
cards: SM-2 (Anki's default), and FSRS (Anki with ``fsrs`` switched on, desired retention
0.9; Anki derives each card's memory state from its ease and interval, as it does for cards
reviewed before FSRS was on). Our side switches the user to FSRS the same way (memory from
ease and interval, the same retention and longest interval); ``ours_scheduler`` in the
figures names what it ran. Target (issue 21): ours ≤ 1.2 × Anki per answer, for each scheduler.

Both sides bury siblings: each paper is one Anki note with two cards (Anki's stock "Basic (and
reversed card)"; our export's note per card would leave Anki no siblings), and once one is
answered the other waits until tomorrow. Ours does so by default (the user's ``bury_siblings``, read
here from the account as the review page does); Anki's deck options "bury new siblings",
"bury review siblings" and "bury interday learning siblings" (``new.bury``, ``rev.bury``,
``buryInterdayLearning``) are off by default and switched on here, so both queues do the same
work. ``bury`` in the figures says so.
"""

from __future__ import annotations

import argparse
import json
import random
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

# isort: off
# Anki's own library: anki.collection before any other anki module, as it must be.
from anki.collection import AddNoteRequest, Collection
from anki.cards import Card as AnkiCard
from anki.scheduler.v3 import CardAnswer

# isort: on
from common import Row, mean, p95, print_table, signed_in_app, synthetic_papers
from sqlalchemy import update

from studyapp.models import ReviewState, User, utcnow
from studyapp.services import export, review
from studyapp.services.importing import DeckImport, import_decks
from studyapp.services.scheduling import SchedulingChange, update_scheduling
from studyapp.srs.calendar import local_day
from studyapp.srs.fsrs import MAXIMUM_INTERVAL
from studyapp.srs.schedule import SchedulerName, Scheduling

NAME = "review_vs_anki"
SCHEDULERS = ("sm2", "fsrs")
FULL: dict[str, Any] = {"cards": 20_000, "answers": 500, "schedulers": SCHEDULERS}
SMOKE: dict[str, Any] = {"cards": 200, "answers": 50, "schedulers": SCHEDULERS}
TARGET = 1.2
#: FSRS's desired retention on Anki's side (Anki's default).
DESIRED_RETENTION = 0.9
_LABELS = {"sm2": "SM-2", "fsrs": "FSRS"}
#: Anki's largest daily review limit, given to both sides.
DAILY_REVIEWS = 9999
_RATING = {
    0: CardAnswer.AGAIN,
    1: CardAnswer.AGAIN,
    2: CardAnswer.AGAIN,
    3: CardAnswer.HARD,
    4: CardAnswer.GOOD,
    5: CardAnswer.EASY,
}


#: The same answers on FSRS's own scale (1 Again, 2 Hard, 3 Good, 4 Easy), as Anki's ratings.
_FSRS_GRADE = {0: 1, 1: 1, 2: 1, 3: 2, 4: 3, 5: 4}


def measure(
    cards: int = 20_000,
    answers: int = 500,
    schedulers: tuple[str, ...] = SCHEDULERS,
    block: int = 25,
) -> dict[str, Any]:
    """One run per scheduler, keyed by its name."""
    return {name: measure_one(cards, answers, name, block) for name in schedulers}


def measure_one(cards: int, answers: int, scheduler: str, block: int = 25) -> dict[str, Any]:
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
            exported = export.notes_for_decks(session, [report.deck_id], lang="en", user_id=user_id)
        settings = Scheduling()
        if scheduler == "fsrs":
            # Our switch to FSRS: cards without a log get their memory from ease and interval.
            change = SchedulingChange(SchedulerName.FSRS, DESIRED_RETENTION, MAXIMUM_INTERVAL)
            with factory() as session:
                switched = update_scheduling(session, user_id, change)
            assert switched.switched
            settings = Scheduling(SchedulerName.FSRS, DESIRED_RETENTION, MAXIMUM_INTERVAL)
        with factory() as session:
            bury = session.get_one(User, user_id).bury_siblings
        limits = review.StudyLimits(user_id, "UTC", 0, DAILY_REVIEWS, settings)

        (Path(folder) / "anki").mkdir()
        col = Collection(str(Path(folder) / "anki" / "collection.anki2"))
        # A paper is one Anki note with two cards (Anki's stock "Basic (and reversed card)"), so
        # that its cards are siblings there too: our export writes a note per card, and Anki
        # buries only the cards of one note.
        papers_in_anki: dict[str | None, list[str]] = {}
        for note in exported:
            papers_in_anki.setdefault(note.link or note.paper, []).extend(
                (note.question, note.answer)
            )
        two_cards = col.models.by_name("Basic (and reversed card)")
        assert two_cards is not None
        bench_deck = col.decks.id("Bench")
        assert bench_deck is not None
        adding = []
        for texts in papers_in_anki.values():
            note = col.new_note(two_cards)
            note["Front"], note["Back"] = texts[0], texts[1]
            adding.append(AddNoteRequest(note=note, deck_id=bench_deck))
        col.add_notes(adding)
        col.db.execute(
            "update cards set type = 2, queue = 2, ivl = 10, factor = 2500, reps = 3, due = ?",
            col.sched.today,
        )
        col.decks.set_current(bench_deck)
        config = col.decks.config_dict_for_deck_id(bench_deck)
        config["rev"]["perDay"] = DAILY_REVIEWS
        config["new"]["perDay"] = 0
        config["rev"]["maxIvl"] = MAXIMUM_INTERVAL
        # Siblings buried as ours buries them (Anki's default is off).
        config["new"]["bury"] = bury
        config["rev"]["bury"] = bury
        config["buryInterdayLearning"] = bury
        if scheduler == "fsrs":
            config["desiredRetention"] = DESIRED_RETENTION
        col.decks.save(config)
        col.set_config("fsrs", scheduler == "fsrs")
        anki_notes = col.note_count()

        ours: list[float] = []
        theirs: list[float] = []

        def our_block(start: int) -> None:
            with factory() as session:
                item = review.next_card(session, limits, now=utcnow())
                for grade in grades[start : start + block]:
                    begun = time.perf_counter()
                    assert item is not None
                    _answered, item = review.answer_and_next(
                        session,
                        limits,
                        state_id=item.state.id,
                        version=item.state.version,
                        grade=_FSRS_GRADE[grade] if scheduler == "fsrs" else grade,
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
        # Anki buries by setting a card's queue to -2 ("buried by the scheduler").
        anki_buried = col.db.scalar("select count() from cards where queue = -2")
        col.close()
        factory.kw["bind"].dispose()
        del app

    return {
        "scheduler": scheduler,
        "ours_scheduler": limits.scheduling.name.value,
        "cards": cards,
        "anki_notes": anki_notes,
        "bury": bury,
        "anki_buried": anki_buried,
        "answers": answers,
        "ours_mean_ms": round(mean(ours), 3),
        "ours_p95_ms": round(p95(ours), 3),
        "anki_mean_ms": round(mean(theirs), 3),
        "anki_p95_ms": round(p95(theirs), 3),
        "ratio": round(mean(ours) / mean(theirs), 2),
    }


def rows(runs: dict[str, Any]) -> list[Row]:
    return [_row(figures) for figures in runs.values()]


def _row(figures: dict[str, Any]) -> Row:
    ours = _LABELS[figures["ours_scheduler"]]
    return Row(
        f"review step vs Anki, {_LABELS[figures['scheduler']]}",
        f"{figures['cards']} cards, {figures['answers']} answers, siblings "
        f"{'buried' if figures['bury'] else 'not buried'}: ours ({ours}) / Anki, mean (p95)",
        f"{figures['ours_mean_ms']:.2f} ({figures['ours_p95_ms']:.2f}) ms / "
        f"{figures['anki_mean_ms']:.2f} ({figures['anki_p95_ms']:.2f}) ms "
        f"= {figures['ratio']:.2f}×",
        f"≤ {TARGET}×",
        figures["ratio"] <= TARGET,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=FULL["cards"])
    parser.add_argument("--answers", type=int, default=FULL["answers"])
    parser.add_argument("--scheduler", nargs="+", choices=SCHEDULERS, default=list(SCHEDULERS))
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(args.cards, args.answers, tuple(args.scheduler))
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
