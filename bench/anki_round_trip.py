"""Benchmark: a user's cards to Anki with their progress, and Anki's answers back.

    .venv/bin/python bench/anki_round_trip.py [--cards 10000] [--answers 5]

The user holds ``cards`` reviewed cards with ``answers`` log rows each. Timed: the export with
progress (reading the states and the log, writing the package), then the import of the same
package after one answer to every card in Anki — written into the package's collection as
Anki writes it (a revlog row, the card's new interval and due day) — as the page does it:
reading the package, the report, and the import, all or nothing. Then the same package again,
which finds everything unchanged.
Target: each of export, report and import of 10,000 cards in ≤ 10 s.
"""

from __future__ import annotations

import argparse
import io
import json
import sqlite3
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

from common import Row, give_history, print_table, signed_in_app

from studyapp.apkg.package import package_bytes
from studyapp.apkg.reading import read_package
from studyapp.services import anki_import, export

NAME = "anki_round_trip"
FULL: dict[str, Any] = {"cards": 10_000, "answers": 5}
SMOKE: dict[str, Any] = {"cards": 100, "answers": 2}
TARGET_SECONDS = 10.0


def _answered_in_anki(package: bytes, now_ms: int) -> bytes:
    """The package after one Good to every card in Anki: a revlog row each, and each card's
    interval and due day moved on, as Anki's scheduler leaves them."""
    with zipfile.ZipFile(io.BytesIO(package)) as archive:
        data = archive.read("collection.anki2")
    collection = sqlite3.connect(":memory:")
    collection.deserialize(data)
    cards = collection.execute("SELECT id, ivl FROM cards").fetchall()
    collection.executemany(
        "INSERT INTO revlog VALUES (?, ?, -1, 3, ?, ?, 2500, 6000, 1)",
        [(now_ms + index, card_id, ivl * 2 + 1, ivl) for index, (card_id, ivl) in enumerate(cards)],
    )
    collection.execute(
        "UPDATE cards SET ivl = ivl * 2 + 1, due = due + ivl * 2 + 1, reps = reps + 1"
    )
    collection.commit()
    answered = collection.serialize()
    collection.close()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("collection.anki2", answered)
        archive.writestr("media", "{}")
    return buffer.getvalue()


def _timed(work: Any) -> tuple[Any, float]:
    begun = time.perf_counter()
    result = work()
    return result, time.perf_counter() - begun


def measure(cards: int = 10_000, answers: int = 5) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        app, factory, _client, user_id = signed_in_app(folder)
        with factory() as session:
            card_ids = give_history(session, user_id, cards, answers)

            def export_with_progress() -> bytes:
                decks = export.exportable_decks(session, user_id)
                notes = export.notes_for_decks(
                    session, [deck.id for deck in decks], lang="en", user_id=user_id
                )
                progress = export.progress_for(session, user_id, [note.guid for note in notes])
                return package_bytes(notes, progress=progress)

            package, export_s = _timed(export_with_progress)
            back = _answered_in_anki(package, int(time.time() * 1000) + 60_000)
            collection, read_s = _timed(lambda: read_package(back))
            report, check_s = _timed(lambda: anki_import.check_import(session, user_id, collection))
            done, import_s = _timed(lambda: anki_import.run_import(session, user_id, collection))
            again, again_s = _timed(lambda: anki_import.run_import(session, user_id, collection))
            assert report.reviews == done.reviews == len(card_ids), (report, done)
            assert again.unchanged == len(card_ids) and not again.changes_anything, again
        factory.kw["bind"].dispose()
        del app
    return {
        "cards": len(card_ids),
        "answers": len(card_ids) * answers,
        "package_mb": round(len(package) / 1024 / 1024, 1),
        "export_s": round(export_s, 2),
        "read_s": round(read_s, 2),
        "report_s": round(check_s, 2),
        "import_s": round(import_s, 2),
        "again_s": round(again_s, 2),
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    worst = max(figures["export_s"], figures["read_s"] + figures["report_s"], figures["import_s"])
    return [
        Row(
            "Anki round trip",
            f"{figures['cards']} cards, {figures['answers']} answers: export with progress / "
            "read + report / import of one Anki answer per card / the same again",
            f"{figures['export_s']:.2f} s / {figures['read_s'] + figures['report_s']:.2f} s / "
            f"{figures['import_s']:.2f} s / {figures['again_s']:.2f} s",
            f"≤ {TARGET_SECONDS:.0f} s each",
            worst <= TARGET_SECONDS,
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
