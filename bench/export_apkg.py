"""Benchmark: export 10,000 cards to .apkg, against plain genanki writing the same notes.
Target (issue 5): ours ≤ 1.3 × plain genanki.

    .venv/bin/python bench/export_apkg.py [--cards 10000] [--rounds 15] [--json FIGURES.json]

It is also driven by ``make bench`` (``bench/run.py``) through the interface described in
``bench/common.py``: ``NAME``, ``FULL``, ``SMOKE``, ``measure()`` and ``rows()``.

Issue 21 asks whether ``package.py::_Deck`` (which writes note and card rows itself, reading
genanki's private ``Model._req``) earns its place: "public" is the same whole export written
through genanki's public API only (``genanki.Note``, ``Deck.add_note``,
``Package.write_to_file``), once inside ``collector_paused()`` and once without it. Target:
ours ≤ 0.85 × public (collector paused), best and median, or _Deck goes. The four timings
rotate their order every round.

"Ours" is the whole export: loading the cards from SQLite, building the notes (escaping every
field) and writing the package. "Plain genanki" writes the same notes — the same note types,
GUIDs, tags and finished field values — so the difference is what the export adds. Rounds
alternate; the ratio is of the best rounds (this VM's disk and page cache make single rounds
jitter by ±50 %), and the medians are shown beside it.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import genanki
from common import Row, print_table, synthetic_papers

from studyapp import create_app, migrate
from studyapp.apkg.notetypes import note_type
from studyapp.apkg.package import (
    ExportNote,
    collector_paused,
    deck_id,
    note_fields,
    write_package,
)
from studyapp.db import session_factory
from studyapp.services import export
from studyapp.services.importing import DeckImport, import_decks

NAME = "export_apkg"
FULL: dict[str, Any] = {"cards": 10_000, "rounds": 15}
SMOKE: dict[str, Any] = {"cards": 200, "rounds": 2}
#: Ours may take at most this many times plain genanki's time.
TARGET_RATIO = 1.3
#: The share of the whole export that _Deck's private rows must save over the public API (issue 21).
PRIVATE_GAIN = 0.15


def write_public(notes: list[ExportNote], path: Path) -> None:
    """The export's notes written through genanki's public API only."""
    decks: dict[str, genanki.Deck] = {}
    for note in notes:
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = genanki.Deck(deck_id(note.deck), note.deck)
        lang = note.lang if note.lang in ("ko", "en") else "en"
        deck.add_note(
            genanki.Note(
                model=note_type(note.kind, lang),
                fields=note_fields(note),
                guid=note.guid,
                tags=list(note.tags),
            )
        )
    genanki.Package(list(decks.values())).write_to_file(str(path))


def measure(cards: int = 10_000, rounds: int = 15) -> dict[str, Any]:
    """Export ``cards`` cards ``rounds`` times, alternating with the public API and genanki."""
    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench"})
        factory = session_factory(app)
        migrate.upgrade(factory.kw["bind"])
        with factory() as session:
            import_decks(session, [DeckImport(name="Bench", papers=synthetic_papers(cards // 2))])
            notes = export.notes_for_decks(session, ["Bench"], lang="en")
        finished = [
            (note_type(n.kind, n.lang), note_fields(n), n.guid, list(n.tags)) for n in notes
        ]

        def run_ours() -> None:
            with factory() as session:
                write_package(
                    export.notes_for_decks(session, ["Bench"], lang="en"),
                    Path(folder) / "ours.apkg",
                )

        def run_public(paused: bool) -> None:
            with factory() as session:
                notes = export.notes_for_decks(session, ["Bench"], lang="en")
            if paused:
                with collector_paused():
                    write_public(notes, Path(folder) / "public.apkg")
            else:
                write_public(notes, Path(folder) / "public.apkg")

        def run_plain() -> None:
            deck = genanki.Deck(2059400110, "Bench")
            for model, fields, guid, tags in finished:
                deck.add_note(genanki.Note(model=model, fields=fields, guid=guid, tags=tags))
            genanki.Package(deck).write_to_file(str(Path(folder) / "plain.apkg"))

        runs = {
            "ours": run_ours,
            "public_paused": lambda: run_public(True),
            "public": lambda: run_public(False),
            "plain": run_plain,
        }
        times: dict[str, list[float]] = {name: [] for name in runs}
        order = list(runs)
        for round_ in range(rounds):
            for name in order[round_ % 4 :] + order[: round_ % 4]:
                started = time.perf_counter()
                runs[name]()
                times[name].append(time.perf_counter() - started)
        factory.kw["bind"].dispose()

    ours, plain = times["ours"], times["plain"]
    best_ours, best_plain = min(ours), min(plain)
    figures: dict[str, Any] = {
        "cards": len(notes),
        "rounds": rounds,
        "ours_best_s": round(best_ours, 3),
        "ours_median_s": round(statistics.median(ours), 3),
        "plain_best_s": round(best_plain, 3),
        "plain_median_s": round(statistics.median(plain), 3),
        "ratio": round(best_ours / best_plain, 3),
        "median_ratio": round(statistics.median(ours) / statistics.median(plain), 3),
    }
    for name in ("public", "public_paused"):
        figures[f"{name}_best_s"] = round(min(times[name]), 3)
        figures[f"{name}_median_s"] = round(statistics.median(times[name]), 3)
        figures[f"{name}_best_ratio"] = round(best_ours / min(times[name]), 3)
        figures[f"{name}_median_ratio"] = round(
            statistics.median(ours) / statistics.median(times[name]), 3
        )
    return figures


def rows(figures: dict[str, Any]) -> list[Row]:
    return [
        Row(
            "export .apkg",
            f"{figures['cards']} cards: ours / plain genanki (best of {figures['rounds']})",
            f"{figures['ours_best_s']:.2f} s / {figures['plain_best_s']:.2f} s "
            f"= {figures['ratio']:.2f}×",
            f"≤ {TARGET_RATIO}×",
            figures["ratio"] <= TARGET_RATIO,
        ),
        Row(
            "export .apkg",
            f"{figures['cards']} cards: ours / plain genanki (median of {figures['rounds']})",
            f"{figures['ours_median_s']:.2f} s / {figures['plain_median_s']:.2f} s "
            f"= {figures['median_ratio']:.2f}×",
        ),
        *(
            Row(
                "export .apkg",
                f"{figures['cards']} cards: ours (_Deck) / public genanki API{label} "
                f"({kind} of {figures['rounds']})",
                f"{figures[f'ours_{kind}_s']:.2f} s / {figures[f'{name}_{kind}_s']:.2f} s "
                f"= {figures[f'{name}_{kind}_ratio']:.2f}×",
                # The same export with only the deck writer changed: _Deck must save at least
                # PRIVATE_GAIN of it to keep reaching into genanki.
                f"≤ {1 - PRIVATE_GAIN:.2f}×" if name == "public_paused" else "—",
                figures[f"{name}_{kind}_ratio"] <= 1 - PRIVATE_GAIN
                if name == "public_paused"
                else None,
            )
            for name, label in (("public_paused", ""), ("public", ", collector running"))
            for kind in ("best", "median")
        ),
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=FULL["cards"])
    parser.add_argument("--rounds", type=int, default=FULL["rounds"])
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(cards=args.cards, rounds=args.rounds)
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
