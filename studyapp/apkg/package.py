"""Building an .apkg from export notes.

Field text is escaped here: summaries are text, so a ``<script>`` in one shows as text in Anki.
Line breaks, the number's emphasis and links are markup of the note types' templates, never
taken from input. A note's GUID is the card's stable GUID, so exporting again after an edit
updates the note in Anki instead of adding a duplicate.
"""

from __future__ import annotations

import gc
import hashlib
import io
import itertools
import os
import sqlite3
import time
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import genanki
from markupsafe import escape

from studyapp.apkg.notetypes import note_type
from studyapp.apkg.progress_rows import write_progress
from studyapp.apkg.scheduling import CardProgress
from studyapp.identity import CardKind, web_link

__all__ = [
    "ExportNote",
    "build_package",
    "collector_paused",
    "deck_id",
    "note_fields",
    "package_bytes",
    "write_package",
]


@dataclass(slots=True)
class ExportNote:
    """One card as it goes to Anki, in one language, with the deck it belongs in.

    Not frozen: a frozen dataclass's ``__init__`` sets each field through
    ``object.__setattr__``, which made building 10,000 of these a tenth of an export."""

    guid: str
    kind: CardKind
    lang: str
    deck: str
    question: str
    answer: str
    context: str | None = None
    source: str | None = None
    paper: str = ""
    link: str | None = None
    topics: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()


class _Deck(genanki.Deck):  # type: ignore[misc]
    """A genanki deck that writes its notes in two batches instead of two statements per note.

    genanki's deck writes the deck and note types; the notes are written here with the same rows
    genanki's ``Note.write_to_db`` writes (a card per template whose required fields are
    filled, the first field as sort field), minus its check for stray HTML tags, which finds
    nothing in escaped text. Tests import every export with Anki's own library, and compare
    its rows with genanki's own for the same notes.

    It reads genanki's private ``Model._req``, which is why genanki is pinned below 0.14. It
    earns that (issue 21, ``bench/export_apkg.py``): a 10,000-card export takes about 35 %
    less time, best and median, than the same export through genanki's public ``Note`` and
    ``Package.write_to_file``.
    """

    def __init__(self, deck_id: int, name: str) -> None:
        super().__init__(deck_id, name)
        self.rows: list[tuple[genanki.Model, list[str], str, str]] = []

    def add_row(self, model: genanki.Model, fields: list[str], guid: str, tags: str) -> None:
        self.add_model(model)
        self.rows.append((model, fields, guid, tags))

    def write_to_db(self, cursor: sqlite3.Cursor, timestamp: float, id_gen: Iterator[int]) -> None:
        super().write_to_db(cursor, timestamp, id_gen)  # the deck and its note types
        mod = int(timestamp)
        notes, cards = [], []
        for model, fields, guid, tags in self.rows:
            note_id = next(id_gen)
            notes.append(
                (
                    note_id,
                    guid,
                    model.model_id,
                    mod,
                    -1,
                    tags,
                    _SEPARATOR.join(fields),
                    fields[model.sort_field_index],
                    0,
                    0,
                    "",
                )
            )
            for ord_, any_or_all, required in model._req:
                filled = (fields[i] for i in required)
                if any(filled) if any_or_all == "any" else all(filled):
                    cards.append(
                        (
                            next(id_gen),
                            note_id,
                            self.deck_id,
                            ord_,
                            mod,
                            -1,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            0,
                            "",
                        )
                    )
        cursor.executemany("INSERT INTO notes VALUES(?,?,?,?,?,?,?,?,?,?,?)", notes)
        cursor.executemany("INSERT INTO cards VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", cards)


@contextmanager
def collector_paused() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for the duration of a bulk export.

    An export of 10,000 cards allocates some 200,000 short-lived objects that form no cycles.
    With the collector running, those allocations set off full collections that walk the whole
    heap of the app (Flask, SQLAlchemy, Babel) several times and cost as much as the export
    itself. Reference counting still frees everything; the collector resumes afterwards, also
    when the export fails.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def deck_id(name: str) -> int:
    """A stable Anki deck id for a deck name, in genanki's recommended range."""
    digest = int.from_bytes(hashlib.sha256(name.encode("utf-8")).digest()[:4], "big")
    return (1 << 30) + digest % (1 << 30)


_SEPARATOR = "\x1f"  # Anki's own field separator; control characters never reach card text


def note_fields(note: ExportNote) -> list[str]:
    """The note's field values for its note type, each escaped."""
    common = [note.source or "", note.paper, web_link(note.link) or "", " · ".join(note.topics)]
    if note.kind is CardKind.METHOD_IDEA:
        raw = [note.question, note.answer, *common]
    else:
        raw = [note.question, note.context or "", note.answer, *common]
    # One call of MarkupSafe's C escaper over the joined fields costs a third of one per field.
    # A stray separator inside a field would shift the others, so it is dropped first.
    joined = _SEPARATOR.join(value.replace(_SEPARATOR, "") for value in raw)
    return str(escape(joined)).split(_SEPARATOR)


def build_package(notes: Sequence[ExportNote]) -> genanki.Package:
    """A package with one Anki deck per distinct deck name, in the order first met."""
    decks: dict[str, _Deck] = {}
    for note in notes:
        deck = decks.get(note.deck)
        if deck is None:
            deck = decks[note.deck] = _Deck(deck_id(note.deck), note.deck)
        lang = note.lang if note.lang in ("ko", "en") else "en"
        # Anki stores tags space-separated between spaces; topic tags never hold spaces.
        tags = f" {' '.join(note.tags)} " if note.tags else ""
        deck.add_row(note_type(note.kind, lang), note_fields(note), note.guid, tags)
    return genanki.Package(list(decks.values()))


def package_bytes(
    notes: Sequence[ExportNote],
    *,
    timestamp: float | None = None,
    progress: Mapping[str, CardProgress] | None = None,
    timezone: str = "UTC",
) -> bytes:
    """The .apkg file's bytes. Leave ``timestamp`` unset for real exports: Anki only updates a
    note whose modification time is newer than its own copy.

    Without ``progress`` every card is new. With it (a user's progress by card GUID, and that
    user's ``timezone``), each card goes with its schedule and its answers into Anki's review
    log, as of ``timestamp``: see :mod:`studyapp.apkg.scheduling`."""
    package = build_package(notes)
    if timestamp is None:
        timestamp = time.time()
    with collector_paused():
        # genanki's own write_to_file builds the collection in a temporary file and reads it
        # back to zip it; here it is built and zipped in memory.
        collection = sqlite3.connect(":memory:")
        try:
            package.write_to_db(
                collection.cursor(), timestamp, itertools.count(int(timestamp * 1000))
            )
            if progress is not None:
                write_progress(
                    collection,
                    [note.guid for note in notes],
                    progress,
                    now=datetime.fromtimestamp(timestamp, UTC),
                    timezone=timezone,
                )
            collection.commit()
            data = collection.serialize()
        finally:
            collection.close()
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("collection.anki2", data)
            archive.writestr("media", "{}")
        return buffer.getvalue()


def write_package(
    notes: Sequence[ExportNote],
    path: Path,
    *,
    timestamp: float | None = None,
    progress: Mapping[str, CardProgress] | None = None,
    timezone: str = "UTC",
) -> None:
    """Write the .apkg to ``path``: beside it first, then renamed over it, so that a failed
    export never leaves a truncated package where the user expects a good one."""
    data = package_bytes(notes, timestamp=timestamp, progress=progress, timezone=timezone)
    partial = path.with_name(f".{path.name}.part")
    try:
        partial.write_bytes(data)
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
