"""Read Anki packages (.apkg and .colpkg) into plain Python data. Pure: no database of ours.

A package is a zip. It holds the collection as SQLite: `collection.anki21b` (zstd-compressed,
schema 18, what Anki writes by default since 2.1.50), `collection.anki21` (schema 11, Anki 2.1's
"support older versions" export) or `collection.anki2` (schema 11, Anki 2.0). Modern packages
also carry a dummy `collection.anki2` that only asks the user to update Anki, so the newest
file wins. Beside it, `media` names the media files: JSON in old packages, zstd-compressed
protobuf in new ones.

Everything read from the package is treated as hostile: sizes are capped while decompressing,
the SQLite copy lives in memory and is only queried, and every failure of the file itself
becomes an `AnkiPackageError` subclass whose message is one English sentence.
"""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zstandard

from studyapp.apkg import layouts

# The largest uncompressed collection we accept; a bigger one raises PackageTooLarge.
MAX_PACKAGE_BYTES = 200 * 1024 * 1024
# The largest uncompressed media index (names of the media files).
MAX_MEDIA_INDEX_BYTES = 16 * 1024 * 1024

# The collection files in the order we prefer them.
_COLLECTION_FILES = ("collection.anki21b", "collection.anki21", "collection.anki2")
_OLDEST_SCHEMA = 11  # Anki 2.0 and every legacy export
_NEWEST_SCHEMA = 18  # Anki 2.1.50 and later
_FIRST_TABLE_SCHEMA = 15  # from here, note types and decks live in their own tables
_LATEST_PACKAGE_VERSION = 3  # PackageMetadata.Version.VERSION_LATEST in the `meta` file
_SQLITE_MAGIC = b"SQLite format 3\x00"
# What zipfile raises for a corrupt, encrypted or oddly compressed entry.
_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError)


class AnkiPackageError(ValueError):
    """The file is not an Anki package we can read; str() is one sentence for the user."""


class NotAnAnkiPackage(AnkiPackageError):
    """Not a zip, or a zip without an Anki collection in it."""


class DamagedPackage(AnkiPackageError):
    """The zip, its compression or its SQLite collection is corrupt or incomplete."""


class UnsupportedPackage(AnkiPackageError):
    """A collection made by an Anki version whose format we do not read."""


class PackageTooLarge(AnkiPackageError):
    """The collection (or its media index) decompresses to more than we accept."""


@dataclass(frozen=True, slots=True)
class Template:
    ord: int
    name: str
    front: str  # qfmt
    back: str  # afmt


@dataclass(frozen=True, slots=True)
class NoteType:
    id: int
    name: str
    cloze: bool
    fields: tuple[str, ...]
    templates: tuple[Template, ...]


@dataclass(frozen=True, slots=True)
class AnkiNote:
    id: int
    guid: str
    notetype_id: int
    fields: tuple[str, ...]
    tags: tuple[str, ...]
    mod: int


@dataclass(frozen=True, slots=True)
class AnkiCard:
    id: int
    note_id: int
    deck_id: int
    ord: int
    type: int
    queue: int
    due: int
    ivl: int
    factor: int
    reps: int
    lapses: int
    left: int
    odue: int
    odid: int
    data: Mapping[str, Any]  # cards.data JSON; {} when empty or not a JSON object


@dataclass(frozen=True, slots=True)
class RevlogEntry:
    id: int
    card_id: int
    ease: int
    ivl: int
    last_ivl: int
    factor: int
    time_ms: int
    type: int


@dataclass(frozen=True, slots=True)
class AnkiCollection:
    schema: int  # col.ver: 11 for legacy files, 18 for modern ones
    created: int  # col.crt, in seconds
    rollover_hour: int  # the hour at which Anki's next day starts
    # The UTC offset where the collection was made, minutes west (Anki's creationOffset): day
    # numbers count from the date of `created` there. None in collections that lack it.
    creation_offset: int | None
    notetypes: Mapping[int, NoteType]
    decks: Mapping[int, str]  # deck id -> full name, levels joined by "::"
    notes: tuple[AnkiNote, ...]
    cards: tuple[AnkiCard, ...]
    revlog: tuple[RevlogEntry, ...]
    media: tuple[str, ...]  # names of the media files in the package


def read_package(source: bytes | Path) -> AnkiCollection:
    """Read an .apkg or .colpkg, given as its bytes or its path.

    Raises an AnkiPackageError subclass for any problem with the file's content; an OSError
    from opening a path (missing file, no permission) is left to the caller.
    """
    stream: io.BytesIO | Path = io.BytesIO(source) if isinstance(source, bytes) else source
    try:
        archive = zipfile.ZipFile(stream)
    except zipfile.BadZipFile:
        if _starts_like_zip(source):
            raise DamagedPackage("The package's zip archive is damaged or cut short.") from None
        raise NotAnAnkiPackage("The file is not an Anki package (not a zip archive).") from None
    with archive:
        names = set(archive.namelist())
        chosen = next((name for name in _COLLECTION_FILES if name in names), None)
        if chosen is None:
            raise NotAnAnkiPackage("The zip archive holds no Anki collection.")
        try:
            _check_package_version(archive, names)
            raw = _read_entry(archive, chosen, MAX_PACKAGE_BYTES, "collection")
            media = _media_names(archive) if "media" in names else ()
        except _ZIP_ERRORS as error:
            raise DamagedPackage(f"The package's zip archive is damaged ({error}).") from None
    if chosen.endswith("b"):
        raw = _decompress(raw, MAX_PACKAGE_BYTES, "collection")
    return _read_collection(raw, media)


def _starts_like_zip(source: bytes | Path) -> bool:
    if isinstance(source, bytes):
        return source.startswith(b"PK\x03\x04")
    with source.open("rb") as file:
        return file.read(4) == b"PK\x03\x04"


def _check_package_version(archive: zipfile.ZipFile, names: set[str]) -> None:
    if "meta" not in names:
        return
    meta = _read_entry(archive, "meta", 1024, "package description")
    try:
        version = layouts.first_int(layouts.parse_message(meta), 1, 0)
    except layouts.LayoutError:
        raise DamagedPackage("The package's description (meta) is damaged.") from None
    if version > _LATEST_PACKAGE_VERSION:
        raise UnsupportedPackage(
            "The package was made by a newer Anki than this program can read "
            f"(package version {version})."
        )


def _read_entry(archive: zipfile.ZipFile, name: str, limit: int, what: str) -> bytes:
    """One zip entry's bytes, stopping as soon as it grows past `limit`."""
    info = archive.getinfo(name)
    if info.file_size > limit:
        raise _too_large(what, limit)
    with archive.open(info) as entry:
        data = entry.read(limit + 1)
    if len(data) > limit:
        raise _too_large(what, limit)
    return data


def _decompress(data: bytes, limit: int, what: str) -> bytes:
    """Zstd-decompress `data`, never holding much more than `limit` bytes of output.

    The input is fed in small pieces so that one piece cannot expand to more than a few
    tens of megabytes, whatever the compression ratio.
    """
    piece = 1024
    try:
        decompressor = zstandard.ZstdDecompressor().decompressobj()
        out = bytearray()
        for start in range(0, len(data), piece):
            out += decompressor.decompress(data[start : start + piece])
            if len(out) > limit:
                raise _too_large(what, limit)
            if decompressor.eof:
                break
        complete = decompressor.eof
    except zstandard.ZstdError:
        raise DamagedPackage(f"The package's {what} is damaged (bad compression).") from None
    if not complete:
        raise DamagedPackage(f"The package's {what} is cut short.")
    return bytes(out)


def _too_large(what: str, limit: int) -> PackageTooLarge:
    return PackageTooLarge(
        f"The package's {what} is larger than {limit // (1024 * 1024)} MB uncompressed."
    )


def _media_names(archive: zipfile.ZipFile) -> tuple[str, ...]:
    raw = _read_entry(archive, "media", MAX_MEDIA_INDEX_BYTES, "media index")
    if raw.startswith(zstandard.FRAME_HEADER):
        # MediaEntries { repeated MediaEntry entries = 1 { string name = 1; ... } }
        index = _decompress(raw, MAX_MEDIA_INDEX_BYTES, "media index")
        try:
            entries = layouts.all_bytes(layouts.parse_message(index), 1)
            return tuple(
                layouts.first_str(layouts.parse_message(entry), 1, "") for entry in entries
            )
        except (layouts.LayoutError, UnicodeDecodeError):
            raise DamagedPackage("The package's media index is damaged.") from None
    try:
        names = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise DamagedPackage("The package's media index is damaged.") from None
    if not isinstance(names, dict) or not all(isinstance(v, str) for v in names.values()):
        raise DamagedPackage("The package's media index is damaged.")
    return tuple(names[key] for key in sorted(names, key=_numeric_key))


def _numeric_key(key: str) -> tuple[int, str]:
    return (int(key), "") if key.isdigit() else (-1, key)


def _read_collection(raw: bytes, media: tuple[str, ...]) -> AnkiCollection:
    if not raw.startswith(_SQLITE_MAGIC) or len(raw) < 100:
        raise DamagedPackage("The package's collection is not an SQLite database.")
    # The collection is in WAL mode, which an in-memory copy cannot open: mark it as a
    # plain rollback-journal file (header bytes 18 and 19) in our copy.
    image = bytearray(raw)
    image[18:20] = b"\x01\x01"
    connection = sqlite3.connect(":memory:")
    try:
        connection.deserialize(bytes(image))
        connection.execute("PRAGMA query_only = ON")
        connection.execute("PRAGMA trusted_schema = OFF")
        return _read_tables(connection, media)
    except sqlite3.DatabaseError as error:
        raise DamagedPackage(f"The package's collection cannot be read ({error}).") from None
    except (KeyError, ValueError, TypeError, UnicodeDecodeError) as error:
        if isinstance(error, AnkiPackageError):
            raise
        raise DamagedPackage("The package's collection holds rows we cannot read.") from None
    finally:
        connection.close()


def _read_tables(db: sqlite3.Connection, media: tuple[str, ...]) -> AnkiCollection:
    row = db.execute("SELECT ver, crt, models, decks, conf FROM col").fetchone()
    if row is None:
        raise DamagedPackage("The package's collection has no collection row.")
    schema, created, models, deck_json, conf = row
    schema = int(schema)
    if schema < _OLDEST_SCHEMA:
        raise UnsupportedPackage(
            f"The collection was made by Anki older than 2.0 (schema {schema}); "
            "open it in a newer Anki and export it again."
        )
    if schema > _NEWEST_SCHEMA:
        raise UnsupportedPackage(
            f"The collection was made by a newer Anki than this program reads "
            f"(schema {schema}, newest known {_NEWEST_SCHEMA})."
        )
    if schema >= _FIRST_TABLE_SCHEMA:
        notetypes = layouts.table_notetypes(db)
        decks = layouts.table_decks(db)
        rollover = layouts.table_rollover(db)
        offset = layouts.table_creation_offset(db)
    else:
        notetypes = layouts.legacy_notetypes(models)
        decks = layouts.legacy_decks(deck_json)
        rollover = layouts.legacy_rollover(conf)
        offset = layouts.legacy_creation_offset(conf)
    return AnkiCollection(
        schema=schema,
        created=int(created),
        rollover_hour=rollover,
        creation_offset=offset,
        notetypes={
            ntid: NoteType(ntid, name, cloze, fields, tuple(Template(*t) for t in templates))
            for ntid, name, cloze, fields, templates in notetypes
        },
        decks=decks,
        notes=tuple(_notes(db)),
        cards=tuple(_cards(db)),
        revlog=tuple(_revlog(db)),
        media=media,
    )


def _notes(db: sqlite3.Connection) -> Iterator[AnkiNote]:
    for nid, guid, mid, mod, tags, flds in db.execute(
        "SELECT id, guid, mid, mod, tags, flds FROM notes ORDER BY id"
    ):
        yield AnkiNote(
            id=int(nid),
            guid=str(guid),
            notetype_id=int(mid),
            fields=tuple(str(flds).split("\x1f")),
            tags=tuple(str(tags).split()),
            mod=int(mod),
        )


def _cards(db: sqlite3.Connection) -> Iterator[AnkiCard]:
    query = (
        "SELECT id, nid, did, ord, type, queue, due, ivl, factor, reps, lapses, left,"
        " odue, odid, data FROM cards ORDER BY id"
    )
    for row in db.execute(query):
        n = [int(value) for value in row[:14]]
        yield AnkiCard(
            id=n[0],
            note_id=n[1],
            deck_id=n[2],
            ord=n[3],
            type=n[4],
            queue=n[5],
            due=n[6],
            ivl=n[7],
            factor=n[8],
            reps=n[9],
            lapses=n[10],
            left=n[11],
            odue=n[12],
            odid=n[13],
            data=_card_data(row[14]),
        )


def _card_data(value: object) -> Mapping[str, Any]:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if not isinstance(value, str) or not value:
        return {}
    try:
        data = json.loads(value)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _revlog(db: sqlite3.Connection) -> Iterator[RevlogEntry]:
    query = "SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog ORDER BY id"
    for row in db.execute(query):
        yield RevlogEntry(*(int(value) for value in row))
