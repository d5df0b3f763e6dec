"""Reading Anki packages: packages made by Anki's own library, read back and compared with what
Anki holds; cards rendered to text and compared with Anki's own rendering; broken files."""

from __future__ import annotations

import io
import json
import sqlite3
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import zstandard

# Anki's own library: anki.collection is the first anki module imported, as it must be.
from anki.collection import Collection, ExportAnkiPackageOptions
from anki.scheduler.v3 import CardAnswer

from studyapp.apkg import reading
from studyapp.apkg.html_text import answer_marker_end
from studyapp.apkg.reading import (
    AnkiCollection,
    AnkiPackageError,
    DamagedPackage,
    NotAnAnkiPackage,
    PackageTooLarge,
    UnsupportedPackage,
    read_package,
)
from studyapp.apkg.rendering import html_to_text, media_references, render_card

KINDS = ["apkg", "apkg-legacy", "colpkg", "colpkg-legacy", "anki2-only"]


@dataclass
class Built:
    """The packages made from one collection, and what Anki said about that collection."""

    packages: dict[str, Path]
    notes: list[list[object]]
    cards: list[list[object]]
    revlog: list[list[object]]
    decks: dict[int, str]
    models: dict[int, dict[str, object]]
    rendered: dict[tuple[int, int], tuple[str, str]]  # (note id, ord) -> Anki's text
    ids: dict[str, int]  # our names for some notes -> note id


def _answer(col: Collection, rating: CardAnswer.Rating.V) -> None:
    queued = col.sched.get_queued_cards().cards[0]
    card = col.get_card(queued.card.id)
    card.start_timer()
    col.sched.answer_card(col.sched.build_answer(card=card, states=queued.states, rating=rating))


def _add(col: Collection, kind: str, deck: int, tags: list[str] = [], **fields: str) -> int:  # noqa: B006
    note = col.new_note(col.models.by_name(kind))
    for name, value in fields.items():
        note[name.replace("_", " ")] = value
    note.tags = tags
    col.add_note(note, deck)
    return int(note.id)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    folder = tmp_path_factory.mktemp("anki")
    col = Collection(str(folder / "collection.anki2"))
    col.set_config("fsrs", True)
    col.set_config("rollover", 6)
    nested = col.decks.id("A::B")
    assert nested is not None
    (folder / "x.png").write_bytes(b"\x89PNG not really")
    picture = col.media.add_file(str(folder / "x.png"))
    (folder / "s.mp3").write_bytes(b"ID3 not really")
    sound = col.media.add_file(str(folder / "s.mp3"))
    ids = {
        "basic": _add(col, "Basic", nested, ["t1", "t2"], Front="hello", Back="world"),
        "reversed": _add(col, "Basic (and reversed card)", nested, Front="cat", Back="chat"),
        "cloze": _add(
            col,
            "Cloze",
            1,
            Text="{{c1::Paris}} is in {{c2::France::country}}",
            Back_Extra="<i>capital</i>",
        ),
        "picture": _add(
            col, "Basic", 1, Front=f'look <img src="{picture}">', Back=f"[sound:{sound}]"
        ),
        "only_picture": _add(col, "Basic", 1, Front=f'<img src="{picture}">', Back="a picture"),
        "markup": _add(
            col,
            "Basic",
            1,
            Front="<b>Bold</b> &amp; text<script>alert(1)</script><style>b {}</style>",
            Back="<ul><li>one</li><li>two</li></ul><div>last&nbsp;line</div>",
        ),
    }
    _answer(col, CardAnswer.GOOD)
    _answer(col, CardAnswer.AGAIN)
    rendered = {}
    for card_id in col.find_cards(""):
        card = col.get_card(card_id)
        answer = card.answer()
        rendered[(card.nid, card.ord)] = (
            html_to_text(card.question()),
            html_to_text(answer[answer_marker_end(answer) :]),
        )
    out = folder / "out"
    out.mkdir()
    packages = {}
    for kind, legacy in (("apkg", False), ("apkg-legacy", True)):
        packages[kind] = out / f"{kind}.apkg"
        col.export_anki_package(
            out_path=str(packages[kind]),
            options=ExportAnkiPackageOptions(with_scheduling=True, with_media=True, legacy=legacy),
            limit=None,
        )
    built = Built(
        packages=packages,
        notes=col.db.all("SELECT id, guid, mid, mod, tags, flds FROM notes ORDER BY id"),
        cards=col.db.all("SELECT id, nid, did, ord, type, queue, due, ivl, data FROM cards"),
        revlog=col.db.all("SELECT id, cid, ease, ivl, lastIvl, factor, time, type FROM revlog"),
        decks={int(d.id): d.name for d in col.decks.all_names_and_ids()},
        models={int(m["id"]): m for m in col.models.all()},
        rendered=rendered,
        ids=ids,
    )
    for kind, legacy in (("colpkg", False), ("colpkg-legacy", True)):
        packages[kind] = out / f"{kind}.colpkg"
        col.export_collection_package(str(packages[kind]), include_media=True, legacy=legacy)
        col.reopen()
    col.close()
    # What Anki 2.0 wrote: only collection.anki2 (schema 11) and a JSON media index.
    with zipfile.ZipFile(packages["apkg-legacy"]) as source:
        anki2 = out / "anki2-only.apkg"
        with zipfile.ZipFile(anki2, "w") as target:
            target.writestr("collection.anki2", source.read("collection.anki21"))
            target.writestr("media", source.read("media"))
    packages["anki2-only"] = anki2
    yield built


@pytest.fixture(scope="module")
def read(built: Built) -> dict[str, AnkiCollection]:
    return {kind: read_package(path) for kind, path in built.packages.items()}


@pytest.mark.parametrize("kind", KINDS)
def test_notes_cards_and_revlog_are_anki_s(
    built: Built, read: dict[str, AnkiCollection], kind: str
) -> None:
    collection = read[kind]
    assert collection.schema == (18 if kind in ("apkg", "colpkg") else 11)
    notes = [
        [n.id, n.guid, n.notetype_id, n.mod, " ".join(n.tags), "\x1f".join(n.fields)]
        for n in collection.notes
    ]
    assert notes == [[*row[:4], str(row[4]).strip(), row[5]] for row in built.notes]
    cards = {
        c.id: [c.id, c.note_id, c.deck_id, c.ord, c.type, c.queue, c.due, c.ivl, dict(c.data)]
        for c in collection.cards
    }
    assert cards == {row[0]: [*row[:8], json.loads(str(row[8]))] for row in built.cards}
    reviewed = [c for c in collection.cards if c.reps]
    assert len(reviewed) == 2 and all(0 < float(c.data["s"]) for c in reviewed)
    revlog = [
        [r.id, r.card_id, r.ease, r.ivl, r.last_ivl, r.factor, r.time_ms, r.type]
        for r in collection.revlog
    ]
    assert revlog == built.revlog and {r.ease for r in collection.revlog} == {1, 3}


@pytest.mark.parametrize("kind", KINDS)
def test_decks_note_types_and_media(
    built: Built, read: dict[str, AnkiCollection], kind: str
) -> None:
    collection = read[kind]
    assert "A::B" in collection.decks.values()
    assert {card.deck_id for card in collection.cards} <= set(collection.decks)
    for deck_id, name in collection.decks.items():
        assert built.decks[deck_id] == name
    used = {note.notetype_id for note in collection.notes}
    assert used <= set(collection.notetypes)
    for notetype in collection.notetypes.values():
        model = built.models[notetype.id]
        assert notetype.name == model["name"]
        assert notetype.cloze == (model["type"] == 1)
        assert notetype.fields == tuple(f["name"] for f in model["flds"])  # type: ignore[attr-defined]
        assert [(t.ord, t.name, t.front, t.back) for t in notetype.templates] == [
            (t["ord"], t["name"], t["qfmt"], t["afmt"])
            for t in model["tmpls"]  # type: ignore[attr-defined]
        ]
    assert sum(t.cloze for t in collection.notetypes.values()) >= 1
    assert sorted(collection.media) == ["s.mp3", "x.png"]


def test_rollover_and_creation_time(read: dict[str, AnkiCollection]) -> None:
    # A collection package carries the settings; a deck package does not.
    assert read["colpkg"].rollover_hour == read["colpkg-legacy"].rollover_hour == 6
    assert read["apkg"].rollover_hour == 4
    assert len({collection.created for collection in read.values()}) == 1


@pytest.mark.parametrize("kind", ["apkg", "apkg-legacy"])
def test_cards_render_as_anki_renders_them(
    built: Built, read: dict[str, AnkiCollection], kind: str
) -> None:
    collection = read[kind]
    notes = {note.id: note for note in collection.notes}
    compared = 0
    for card in collection.cards:
        note = notes[card.note_id]
        ours = render_card(collection.notetypes[note.notetype_id], note, card.ord)
        if note.id == built.ids["only_picture"]:
            assert ours is None  # Anki made the card, but it shows no words
            continue
        assert ours == built.rendered[(note.id, card.ord)]
        compared += 1
    assert compared == len(collection.cards) - 1


def test_rendered_text_of_each_kind(built: Built, read: dict[str, AnkiCollection]) -> None:
    collection = read["apkg"]
    notes = {note.id: note for note in collection.notes}

    def render(name: str, ord: int) -> tuple[str, str] | None:
        note = notes[built.ids[name]]
        return render_card(collection.notetypes[note.notetype_id], note, ord)

    assert render("basic", 0) == ("hello", "world")
    assert render("basic", 1) is None
    assert render("reversed", 0) == ("cat", "chat")
    assert render("reversed", 1) == ("chat", "cat")
    assert render("cloze", 0) == ("[...] is in France", "Paris is in France\ncapital")
    assert render("cloze", 1) == ("Paris is in [country]", "Paris is in France\ncapital")
    assert render("cloze", 2) is None
    assert render("picture", 0) == ("look", "")
    assert render("markup", 0) == ("Bold & text", "• one\n• two\nlast line")
    assert media_references(notes[built.ids["picture"]]) == {"x.png", "s.mp3"}
    assert media_references(notes[built.ids["markup"]]) == set()


def _zip(entries: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _legacy_db(built: Built) -> bytes:
    with zipfile.ZipFile(built.packages["apkg-legacy"]) as archive:
        return archive.read("collection.anki21")


def _modern_db(built: Built) -> bytes:
    with zipfile.ZipFile(built.packages["apkg"]) as archive:
        return (
            zstandard.ZstdDecompressor()
            .decompressobj()
            .decompress(archive.read("collection.anki21b"))
        )


def _edited(database: bytes, tmp_path: Path, *statements: str) -> bytes:
    path = tmp_path / "edited.db"
    path.write_bytes(database)
    connection = sqlite3.connect(path)
    for statement in statements:
        connection.execute(statement)
    connection.commit()
    connection.close()
    return path.read_bytes()


def _failure(package: bytes | Path) -> AnkiPackageError:
    with pytest.raises(AnkiPackageError) as caught:
        read_package(package)
    message = str(caught.value)
    assert message[:1].isupper() and message.endswith(".") and "\n" not in message
    return caught.value


def test_files_that_are_not_packages() -> None:
    assert isinstance(_failure(b"random bytes named .apkg"), NotAnAnkiPackage)
    assert isinstance(_failure(b""), NotAnAnkiPackage)
    assert isinstance(_failure(_zip({"media": b"{}", "notes.txt": b"x"})), NotAnAnkiPackage)


def test_damaged_zips_and_compression(built: Built) -> None:
    whole = built.packages["apkg"].read_bytes()
    assert isinstance(_failure(whole[: len(whole) // 2]), DamagedPackage)
    compressed = zipfile.ZipFile(built.packages["apkg"]).read("collection.anki21b")
    stored = _zip({"collection.anki21b": compressed})
    middle = stored.find(compressed) + len(compressed) // 2
    flipped = stored[:middle] + bytes([stored[middle] ^ 0xFF]) + stored[middle + 1 :]
    assert isinstance(_failure(flipped), DamagedPackage)  # the zip's checksum fails
    for broken in (b"not zstd at all", compressed[: len(compressed) // 2]):
        assert isinstance(_failure(_zip({"collection.anki21b": broken})), DamagedPackage)
    assert isinstance(_failure(_zip({"collection.anki21": b"x" * 500})), DamagedPackage)
    bad_media = {"collection.anki21": _legacy_db(built), "media": b"{not json"}
    assert isinstance(_failure(_zip(bad_media)), DamagedPackage)


def test_databases_that_are_not_collections(built: Built, tmp_path: Path) -> None:
    empty = _edited(b"", tmp_path, "CREATE TABLE other (x)")
    assert isinstance(_failure(_zip({"collection.anki2": empty})), DamagedPackage)
    legacy = _legacy_db(built)
    for statements in (
        ["DROP TABLE revlog"],
        ["UPDATE col SET models = '{broken'"],
        ["UPDATE notes SET mid = 'not a number'"],
    ):
        edited = _edited(legacy, tmp_path, *statements)
        assert isinstance(_failure(_zip({"collection.anki21": edited})), DamagedPackage)
    modern = _edited(_modern_db(built), tmp_path, "UPDATE notetypes SET config = x'ff'")
    package = _zip({"collection.anki21b": zstandard.ZstdCompressor().compress(modern)})
    assert isinstance(_failure(package), DamagedPackage)


def test_unsupported_versions(built: Built, tmp_path: Path) -> None:
    legacy = _legacy_db(built)
    older = _edited(legacy, tmp_path, "UPDATE col SET ver = 5")
    assert "older than 2.0" in str(_failure(_zip({"collection.anki2": older})))
    newer = _edited(legacy, tmp_path, "UPDATE col SET ver = 19")
    error = _failure(_zip({"collection.anki2": newer}))
    assert isinstance(error, UnsupportedPackage) and "newer" in str(error)
    future = _zip({"meta": b"\x08\x04", "collection.anki21": legacy})
    assert isinstance(_failure(future), UnsupportedPackage)


def test_size_caps(built: Built, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_PACKAGE_BYTES", 100_000)
    assert isinstance(_failure(built.packages["apkg-legacy"]), PackageTooLarge)
    # A small compressed entry that expands past the cap: stopped while decompressing.
    bomb = zstandard.ZstdCompressor().compress(b"\0" * 5_000_000)
    assert len(bomb) < 1000
    assert isinstance(_failure(_zip({"collection.anki21b": bomb})), PackageTooLarge)


def test_damaged_rows_never_escape_as_other_errors(built: Built, tmp_path: Path) -> None:
    database = bytearray(_legacy_db(built))
    outcomes = []
    for seed in range(40):
        damaged = bytearray(database)
        for step in range(25):
            position = 100 + (seed * 7919 + step * 104729) % (len(damaged) - 100)
            damaged[position] ^= 0x5A
        try:
            read_package(_zip({"collection.anki21": bytes(damaged)}))
            outcomes.append("read")
        except AnkiPackageError as error:  # anything else fails the test
            outcomes.append(type(error).__name__)
    assert "DamagedPackage" in outcomes
