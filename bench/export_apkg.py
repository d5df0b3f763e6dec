"""Benchmark: export 10,000 cards to .apkg, against plain genanki writing the same notes.
Target (issue 5): ours ≤ 1.3 × plain genanki.

    .venv/bin/python bench/export_apkg.py [--cards 10000] [--rounds 9]

"Ours" is the whole export: loading the cards from SQLite, building the notes (escaping every
field) and writing the package. "Plain genanki" writes the same notes — the same note types,
GUIDs, tags and finished field values — so the difference is what the export adds. Rounds
alternate; the ratio is of the best rounds (this VM's disk and page cache make single rounds
jitter by ±50 %), and the medians are shown beside it.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import genanki
from common import synthetic_papers

from studyapp import create_app, migrate
from studyapp.apkg.notetypes import note_type
from studyapp.apkg.package import note_fields, write_package
from studyapp.db import session_factory
from studyapp.services import export
from studyapp.services.library import DeckImport, import_decks


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as folder:
        app = create_app({"DATABASE_URL": f"sqlite:///{folder}/bench.db", "SECRET_KEY": "bench"})
        factory = session_factory(app)
        migrate.upgrade(factory.kw["bind"])
        with factory() as session:
            import_decks(
                session, [DeckImport(name="Bench", papers=synthetic_papers(args.cards // 2))]
            )
            notes = export.notes_for_decks(session, ["Bench"], lang="en")
        finished = [
            (note_type(n.kind, n.lang), note_fields(n), n.guid, list(n.tags)) for n in notes
        ]

        ours, plain = [], []
        for _ in range(args.rounds):
            started = time.perf_counter()
            with factory() as session:
                write_package(
                    export.notes_for_decks(session, ["Bench"], lang="en"),
                    Path(folder) / "ours.apkg",
                )
            ours.append(time.perf_counter() - started)

            started = time.perf_counter()
            deck = genanki.Deck(2059400110, "Bench")
            for model, fields, guid, tags in finished:
                deck.add_note(genanki.Note(model=model, fields=fields, guid=guid, tags=tags))
            genanki.Package(deck).write_to_file(str(Path(folder) / "plain.apkg"))
            plain.append(time.perf_counter() - started)
        factory.kw["bind"].dispose()

    best_ours, best_plain = min(ours), min(plain)
    print("| cards | ours s (median) | plain genanki s (median) | ratio | target |")
    print("| ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {len(notes)} | {best_ours:.2f} ({statistics.median(ours):.2f}) "
        f"| {best_plain:.2f} ({statistics.median(plain):.2f}) "
        f"| {best_ours / best_plain:.2f} | ≤ 1.3 |"
    )


if __name__ == "__main__":
    main()
