"""`studyapp backup` and `studyapp restore`: every row survives, in both formats and across
databases; a restore is all or nothing; bad files are refused before anything is written."""

from __future__ import annotations

import gzip
import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import Engine, inspect, select
from sqlalchemy.engine import make_url

from studyapp import create_app, migrate
from studyapp.backup import NOT_BACKED_UP, BackupError, BackupFormat, choose_format
from studyapp.config import load_config
from studyapp.db import session_factory, write_unit
from studyapp.extract import extract_text
from studyapp.models import (
    Base,
    Card,
    DayOutcome,
    Follow,
    FollowDay,
    Job,
    LoginSession,
    Paper,
    User,
)
from studyapp.services import (
    accounts,
    anki_uploads,
    cards,
    library,
    login_sessions,
    quiz,
    quiz_missed,
    review,
)
from studyapp.services.importing import DeckImport, import_decks
from tests.conftest import PG_URL, AuthActions, csrf_token, engine_of
from tests.factories import make_fetched_document

DATA = Path(__file__).parent / "data"
NOW = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)
needs_postgresql = pytest.mark.skipif(not PG_URL, reason="STUDYAPP_TEST_DATABASE_URL is not set")

Snapshot = dict[str, list[tuple[Any, ...]]]


@pytest.fixture
def new_app(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Callable[[str], Flask]]:
    """Make apps on new, empty databases of either backend; all are dropped afterwards."""
    made: list[tuple[Flask, str | None]] = []

    def make(backend: str) -> Flask:
        schema = None
        if backend == "sqlite":
            url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'studyapp.db'}"
        else:
            schema = f"test_{uuid.uuid4().hex[:16]}"
            with request.getfixturevalue("pg_admin").connect() as connection:
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            options = {"options": f"-csearch_path={schema}"}
            url = make_url(PG_URL).update_query_dict(options).render_as_string(hide_password=False)
        app = create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "test-secret"})
        made.append((app, schema))
        return app

    yield make
    for app, schema in made:
        engine_of(app).dispose()
        if schema is not None:
            with request.getfixturevalue("pg_admin").connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


def backend_of(app: Flask) -> str:
    return engine_of(app).dialect.name


def fill(app: Flask) -> None:
    """Migrate the app's database and use it as people would: two accounts, a library deck
    and an own deck from summaries, answers, a suspension, an edit and a quiz."""
    migrate.upgrade(engine_of(app))
    with session_factory(app)() as session:
        reader = accounts.register(
            session,
            email="reader@example.com",
            password="correct horse",
            display_name="읽는 사람 📚",
            timezone="Asia/Seoul",
        )
        other = accounts.register(session, email="other@example.com", password="battery staple")
        settings = accounts.Settings(
            locale="ko",
            timezone="Asia/Seoul",
            new_cards_per_day=7,
            reviews_per_day=50,
            four_grade_buttons=True,
        )
        accounts.update_settings(session, reader.id, settings)

        def papers(name: str) -> Any:
            return extract_text((DATA / name).read_text(encoding="utf-8"), source=name).papers

        (shared,) = import_decks(
            session, [DeckImport(name="Daily Papers", papers=papers("digest_ko.md"))]
        )
        (own,) = import_decks(
            session, [DeckImport(name="내 덱", papers=papers("digest_en.md"), owner_id=reader.id)]
        )
        for user in (reader, other):
            library.add_to_my_cards(session, user.id, shared.deck_id)

        limits = review.StudyLimits(
            user_id=reader.id, timezone="Asia/Seoul", new_per_day=20, reviews_per_day=200
        )
        for grade in (5, 3, 4, 1):
            item = review.next_card(session, limits, now=NOW)
            assert item is not None
            review.answer(
                session,
                limits,
                state_id=item.state.id,
                version=item.state.version,
                grade=grade,
                now=NOW,
                duration_ms=4321,
            )
        with session.begin():
            own_cards = session.scalars(
                select(Card.id).join(Card.paper).where(Paper.deck_id == own.deck_id)
            ).all()
        cards.set_suspended(session, reader.id, own_cards[0], suspended=True)
        cards.edit_text(
            session,
            reader.id,
            own_cards[1],
            lang="en",
            front='Front with "quotes", a tab\tand 🧪\nsecond line',
            back="ünïcödé — 한국어 — 𝔘𝔫𝔦 — \\ back\\slash",
            source_sentence=None,
        )
        quiz_id = quiz.start(session, reader.id, lang="ko", now=NOW, deck_id=shared.deck_id, seed=7)
        for position in (0, 1):
            quiz.answer(session, reader.id, quiz_id, position, given="0", now=NOW)
        quiz_missed.make_missed_due(session, reader.id, quiz_id, timezone="Asia/Seoul", now=NOW)
        lasting = login_sessions.Lifetimes(plain=timedelta(days=7), remembered=timedelta(days=30))
        for remember in (False, True):
            login_sessions.start(
                session, reader.id, remember=remember, user_agent="", now=NOW, lifetimes=lasting
            )
        with write_unit(session):  # what a URL sent last time, for a user and for the library
            for owner in (reader.id, None):
                make_fetched_document(session, user_id=owner)
        # An Anki package waiting for the go-ahead: not backed up.
        anki_uploads.keep(session, reader.id, "deck.apkg", b"a package")
        with write_unit(session):  # a series followed into the own deck, its job and days
            job = Job(kind="follow.run", user_id=reader.id, payload={"follow_id": 1})
            session.add(job)
            session.flush()
            follow = Follow(
                owner_id=reader.id,
                deck_id=own.deck_id,
                source="daily_papers_ko",
                run_at=time(9, 30),
                min_votes=10,
                topics=["llm", "vision"],
                max_new=5,
                start_on=date(2025, 3, 10),
                next_run_at=NOW,
                busy_since=NOW,
                job_id=job.id,
            )
            session.add(follow)
            session.flush()
            for day, outcome in ((10, DayOutcome.IMPORTED), (15, DayOutcome.MISSING)):
                session.add(FollowDay(follow_id=follow.id, day=date(2025, 3, day), outcome=outcome))


def snapshot(engine: Engine) -> Snapshot:
    """Every row of every table, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def assert_refused(result: Result, message: str) -> None:
    """Failed with one line naming the problem, and no traceback."""
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.output
    assert message in lines[0]


def back_up(app: Flask, path: Path) -> Snapshot:
    """Back up ``app``'s database to ``path``; what restoring it gives: every row but the login
    sessions, which backups leave out."""
    result = run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    rows = snapshot(engine_of(app))
    return {name: [] if name in NOT_BACKED_UP else found for name, found in rows.items()}


def assert_round_trip(source: Flask, target: Flask, path: Path) -> None:
    fill(source)
    # The comparison below means something only if every table has rows.
    assert [name for name, rows in snapshot(engine_of(source)).items() if not rows] == []
    with engine_of(source).connect() as connection:
        digests = connection.execute(select(LoginSession.token_hash)).scalars().all()
    before = back_up(source, path)
    assert set(before) == set(Base.metadata.tables)
    assert len(before["review_log"]) == 4 and len(before["users"]) == 2

    result = run(target, "restore", str(path))
    assert result.exit_code == 0, result.output
    assert f"Restored {path}: {sum(map(len, before.values()))} rows in 16 tables" in result.output
    # Every row, but no login session: signed in to the source, signed in nowhere here.
    assert snapshot(engine_of(target)) == before
    assert before["login_sessions"] == []
    written = path.read_bytes()
    written = gzip.decompress(written) if path.name.endswith(".gz") else written
    assert [digest for digest in digests if digest.encode() in written] == []
    with engine_of(target).connect() as connection:
        assert migrate.current_revision(connection) == migrate.head_revision()


@pytest.mark.parametrize("name", ["backup.json", "backup.json.gz"])
def test_a_json_dump_restores_every_row(
    empty_app: Flask, new_app: Callable[[str], Flask], tmp_path: Path, name: str
) -> None:
    path = tmp_path / name
    assert_round_trip(empty_app, new_app(backend_of(empty_app)), path)
    raw = path.read_bytes()
    text = gzip.decompress(raw).decode() if name.endswith(".gz") else raw.decode("ascii")
    assert raw.startswith(b"\x1f\x8b") == name.endswith(".gz")
    # One standard JSON document: any JSON reader can load it.
    items = json.loads(text)
    assert items[0]["format"] == "studyapp-backup" and items[-1] == {"end": True}
    assert items[0]["alembic_revision"] == migrate.head_revision()
    assert items[0]["app_version"] == "0.1.0"
    assert datetime.fromisoformat(items[0]["created_at"]).tzinfo is not None


def test_a_sqlite_copy_restores_every_row(new_app: Callable[[str], Flask], tmp_path: Path) -> None:
    path = tmp_path / "backup.db"
    assert_round_trip(new_app("sqlite"), new_app("sqlite"), path)
    assert path.read_bytes().startswith(b"SQLite format 3\x00")
    with closing(sqlite3.connect(path)) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)


@needs_postgresql
@pytest.mark.parametrize(
    ("source", "target", "name"),
    [
        ("sqlite", "postgresql", "backup.json"),
        ("postgresql", "sqlite", "backup.json.gz"),
        ("sqlite", "postgresql", "backup.db"),
    ],
)
def test_a_backup_moves_between_sqlite_and_postgresql(
    new_app: Callable[[str], Flask], tmp_path: Path, source: str, target: str, name: str
) -> None:
    assert_round_trip(new_app(source), new_app(target), tmp_path / name)


def test_restoring_over_data_needs_replace(
    empty_app: Flask, new_app: Callable[[str], Flask], tmp_path: Path
) -> None:
    path = tmp_path / "backup.json"
    fill(empty_app)
    backed_up = back_up(empty_app, path)
    target = new_app(backend_of(empty_app))
    migrate.upgrade(engine_of(target))
    with session_factory(target)() as session:
        accounts.register(session, email="someone@example.com", password="not the same")
    before = snapshot(engine_of(target))

    assert_refused(run(target, "restore", str(path)), "the database already holds data (users)")
    assert snapshot(engine_of(target)) == before

    result = run(target, "restore", "--replace", str(path))
    assert result.exit_code == 0, result.output
    assert snapshot(engine_of(target)) == backed_up


def duplicate_last_row(text: str) -> str:
    """The dump with its very last row twice: it reads well and fails on the last insert."""
    lines = text.splitlines(keepends=True)
    return "".join([*lines[:-2], lines[-3], *lines[-2:]])


def cut_short(text: str) -> str:
    # Cut in the middle of a line two thirds in (a cut at a line end reads otherwise).
    line_start = text.rindex("\n", 0, len(text) * 2 // 3) + 1
    return text[: line_start + 5]


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (duplicate_last_row, "restore failed and changed nothing"),
        (cut_short, "the file is truncated"),
    ],
)
def test_a_failed_replace_keeps_the_old_data(
    empty_app: Flask,
    new_app: Callable[[str], Flask],
    tmp_path: Path,
    spoil: Callable[[str], str],
    message: str,
) -> None:
    path = tmp_path / "backup.json"
    fill(empty_app)
    back_up(empty_app, path)
    path.write_text(spoil(path.read_text(encoding="ascii")), encoding="ascii")
    target = new_app(backend_of(empty_app))
    fill(target)
    with session_factory(target)() as session:
        accounts.register(session, email="only-here@example.com", password="kept safely")
    before = snapshot(engine_of(target))

    assert_refused(run(target, "restore", "--replace", str(path)), message)
    assert snapshot(engine_of(target)) == before


@pytest.fixture
def dump(new_app: Callable[[str], Flask], tmp_path: Path) -> str:
    """A small but real JSON dump, as text."""
    app = new_app("sqlite")
    migrate.upgrade(engine_of(app))
    with session_factory(app)() as session:
        accounts.register(session, email="reader@example.com", password="correct horse")
    path = tmp_path / "small.json"
    back_up(app, path)
    return path.read_text(encoding="ascii")


def edit_line(text: str, number: int, edit: Callable[[str], str]) -> str:
    lines = text.split("\n")
    lines[number - 1] = edit(lines[number - 1])
    return "\n".join(lines)


def users_row(text: str) -> int:
    """The line number of the first user's row."""
    lines = text.split("\n")
    return lines.index(next(line for line in lines if line.startswith('{"table": "users"'))) + 2


def spoil_user(value: Callable[[list[Any]], list[Any]]) -> Callable[[str], str]:
    def edit(text: str) -> str:
        row = users_row(text)
        return edit_line(text, row, lambda line: json.dumps(value(json.loads(line[:-1]))) + ",")

    return edit


BAD_DUMPS: list[tuple[str, Callable[[str], str | bytes], str]] = [
    ("empty", lambda text: "", "is empty"),
    ("prose", lambda text: "Dear diary,\nno backup here.\n", "is not a studyapp backup"),
    ("other JSON", lambda text: '{"users": []}\n', "is not a studyapp backup"),
    ("binary", lambda text: b"\x00\xff\xfe" * 40, "is not a studyapp backup"),
    (
        "newer format",
        lambda text: text.replace('"format_version": 1', '"format_version": 2', 1),
        "is backup format 2; this app reads 1",
    ),
    ("cut mid-line", cut_short, "cut short: the file is truncated"),
    (
        "cut at a line end",
        lambda text: "".join(text.splitlines(keepends=True)[:-2]),
        "is truncated: it ends before the dump does",
    ),
    (
        "cut gzip",
        lambda text: gzip.compress(text.encode())[:-30],
        "is truncated or damaged",
    ),
    (
        "text after the end",
        lambda text: text + "[1, 2, 3]\n",
        "expected only the closing ']'",
    ),
    (
        "missing comma",
        lambda text: edit_line(text, 2, lambda line: line.removesuffix(",")),
        "line 2: a comma is missing or extra",
    ),
    (
        "tables out of order",
        lambda text: text.replace('{"table": "topics"', '{"table": "zebras"', 1),
        "line 2: expected table topics",
    ),
    (
        "text for a number",
        spoil_user(lambda row: ["one", *row[1:]]),
        'users.id: "one" is not a valid int',
    ),
    (
        "a value short",
        spoil_user(lambda row: row[:-1]),
        f"{len(User.__table__.columns) - 1} values for {len(User.__table__.columns)} columns",
    ),
    (
        "null where required",
        spoil_user(lambda row: [row[0], None, *row[2:]]),
        "users.email: null where a value is required",
    ),
    (
        "datetime without offset",
        spoil_user(lambda row: [*row[:-1], "2025-03-10T09:00:00"]),
        "users.created_at: 2025-03-10T09:00:00 has no UTC offset",
    ),
    (
        "not a date",
        spoil_user(lambda row: [*row[:-1], "yesterday"]),
        "users.created_at: Invalid isoformat string",
    ),
]


@pytest.mark.parametrize(
    ("spoil", "message"), [case[1:] for case in BAD_DUMPS], ids=[case[0] for case in BAD_DUMPS]
)
def test_a_bad_file_is_refused_before_anything_is_written(
    empty_app: Flask,
    dump: str,
    tmp_path: Path,
    spoil: Callable[[str], str | bytes],
    message: str,
) -> None:
    path = tmp_path / "bad.json"
    content = spoil(dump)
    if isinstance(content, str):
        path.write_text(content, encoding="utf-8")
    else:
        path.write_bytes(content)
    assert_refused(run(empty_app, "restore", str(path)), message)
    # Not even the schema: the empty database is left as it was.
    assert inspect(engine_of(empty_app)).get_table_names() == []


def break_a_page(path: Path) -> None:
    with closing(sqlite3.connect(path)) as copy:
        (page_size,) = copy.execute("PRAGMA page_size").fetchone()
        (root,) = copy.execute("SELECT rootpage FROM sqlite_master WHERE name = 'cards'").fetchone()
    raw = bytearray(path.read_bytes())
    # The first byte of a b-tree page says what kind of page it is; no kind is 0xA5.
    raw[(root - 1) * page_size] = 0xA5
    path.write_bytes(bytes(raw))


def garble_a_date(path: Path) -> None:
    with closing(sqlite3.connect(path)) as copy, copy:
        copy.execute("UPDATE review_log SET reviewed_at = 'half past nine' WHERE id = 3")


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (break_a_page, "the SQLite copy {path} failed its integrity check"),
        (garble_a_date, "changed nothing: Invalid isoformat string: 'half past nine'"),
    ],
)
def test_a_damaged_sqlite_copy_is_refused(
    new_app: Callable[[str], Flask],
    empty_app: Flask,
    tmp_path: Path,
    damage: Callable[[Path], None],
    message: str,
) -> None:
    source = new_app("sqlite")
    fill(source)
    path = tmp_path / "backup.db"
    back_up(source, path)
    damage(path)
    assert_refused(run(empty_app, "restore", str(path)), message.format(path=path))
    assert inspect(engine_of(empty_app)).get_table_names() == []


def test_a_dump_of_another_revision_is_refused(empty_app: Flask, dump: str, tmp_path: Path) -> None:
    head = migrate.head_revision()
    old = tmp_path / "old.json"
    old.write_text(dump.replace(f'"alembic_revision": "{head}"', '"alembic_revision": "0004"'))
    assert_refused(
        run(empty_app, "restore", str(old)),
        f"is of schema revision 0004 but the database is at {head}; this studyapp's schema is "
        f"at {head}: restore with the release that made it",
    )
    assert inspect(engine_of(empty_app)).get_table_names() == []

    current = tmp_path / "current.json"
    current.write_text(dump)
    engine = engine_of(empty_app)
    migrate.upgrade(engine, "0004")
    assert_refused(
        run(empty_app, "restore", str(current)),
        f"is of schema revision {head} but the database is at 0004; run `studyapp db upgrade`",
    )
    with engine.connect() as connection:
        assert migrate.current_revision(connection) == "0004"
    assert not any(snapshot_tables(engine).values())


def snapshot_tables(engine: Engine) -> dict[str, int]:
    """Row counts of the tables an older schema has."""
    with engine.connect() as connection:
        return {
            name: connection.exec_driver_sql(f'SELECT count(*) FROM "{name}"').scalar_one()
            for name in inspect(connection).get_table_names()
            if name != "alembic_version"
        }


@pytest.mark.parametrize("name", ["live.db", "live.json"])
def test_a_backup_leaves_out_a_write_still_in_progress(
    new_app: Callable[[str], Flask], tmp_path: Path, name: str
) -> None:
    app = new_app("sqlite")
    migrate.upgrade(engine_of(app))
    with session_factory(app)() as session:
        accounts.register(session, email="committed@example.com", password="correct horse")
    path = tmp_path / name
    with session_factory(app)() as writer, write_unit(writer):
        # Holds SQLite's write lock, with a row not yet committed, while the backup runs.
        writer.add(User(email="pending@example.com", password_hash="x"))
        writer.flush()
        result = run(app, "backup", str(path))
    assert result.exit_code == 0, result.output
    assert "1 rows in 1 tables" in result.output

    target = new_app("sqlite")
    assert run(target, "restore", str(path)).exit_code == 0
    with engine_of(target).connect() as connection:
        emails = connection.execute(select(User.email)).scalars().all()
    assert emails == ["committed@example.com"]
    with engine_of(app).connect() as connection:
        assert len(connection.execute(select(User.email)).all()) == 2  # the write went through
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing else left behind


def test_new_rows_get_fresh_ids_after_a_restore(
    empty_app: Flask, new_app: Callable[[str], Flask], tmp_path: Path
) -> None:
    path = tmp_path / "backup.json"
    fill(empty_app)
    before = back_up(empty_app, path)
    target = new_app(backend_of(empty_app))
    assert run(target, "restore", str(path)).exit_code == 0

    fill_more = DeckImport(
        name="More",
        papers=extract_text(
            (DATA / "notes_en.md").read_text(encoding="utf-8"), source="notes_en.md"
        ).papers,
    )
    with session_factory(target)() as session:
        user = accounts.register(session, email="new@example.com", password="fresh start")
        (report,) = import_decks(session, [fill_more])
    after = snapshot(engine_of(target))
    assert user.id == max(row[0] for row in before["users"]) + 1
    assert report.deck_id == max(row[0] for row in before["decks"]) + 1
    for table in ("papers", "cards", "review_log", "quizzes"):
        assert after[table][: len(before[table])] == before[table]
    assert len(after["cards"]) > len(before["cards"])


@pytest.mark.parametrize(
    ("name", "given", "dialect", "expected"),
    [
        ("backup.json", None, "sqlite", BackupFormat.JSON),
        ("backup.json.gz", None, "sqlite", BackupFormat.JSON),
        ("Backup.JSON", None, "postgresql", BackupFormat.JSON),
        ("backup.db", None, "sqlite", BackupFormat.SQLITE),
        ("backup.sqlite3", None, "sqlite", BackupFormat.SQLITE),
        ("nightly.bak", None, "sqlite", BackupFormat.SQLITE),
        ("nightly.bak", None, "postgresql", BackupFormat.JSON),
        ("nightly.bak", BackupFormat.JSON, "sqlite", BackupFormat.JSON),
        ("backup.json", BackupFormat.SQLITE, "sqlite", BackupFormat.SQLITE),
    ],
)
def test_the_format_follows_the_name_unless_given(
    name: str, given: BackupFormat | None, dialect: str, expected: BackupFormat
) -> None:
    assert choose_format(Path(name), given, dialect=dialect) is expected


@pytest.mark.parametrize(
    ("name", "given", "dialect", "message"),
    [
        ("backup.db", None, "postgresql", "a SQLite copy needs a SQLite database, not postgresql"),
        ("x.bak", BackupFormat.SQLITE, "postgresql", "a SQLite copy needs a SQLite database"),
        ("x.db.gz", BackupFormat.SQLITE, "sqlite", "a SQLite copy is not compressed"),
    ],
)
def test_impossible_formats_are_refused(
    name: str, given: BackupFormat | None, dialect: str, message: str
) -> None:
    with pytest.raises(BackupError, match=message):
        choose_format(Path(name), given, dialect=dialect)


def test_the_backup_command_picks_the_format_for_the_database(app: Flask, tmp_path: Path) -> None:
    migrate.stamp(engine_of(app))  # the models' tables are the newest revision's
    path = tmp_path / "backup.db"
    result = run(app, "backup", str(path))
    if backend_of(app) == "sqlite":
        assert result.exit_code == 0, result.output
        assert f"{path}: sqlite backup, 0 rows in 0 tables" in result.output
    else:
        assert_refused(result, "a SQLite copy needs a SQLite database, not postgresql")
        assert not path.exists()
    forced = run(app, "backup", "--format", "json", str(path))
    assert forced.exit_code == 0, forced.output
    assert json.loads(path.read_text())[-1] == {"end": True}


def test_a_failed_backup_keeps_the_previous_file(
    empty_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(empty_app)
    path = tmp_path / "backup.json"
    path.write_text("yesterday's backup")
    calls = 0

    def fail_midway(kind: str, value: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls > 200:
            raise OSError(28, "No space left on device")
        return value.isoformat() if kind in ("date", "datetime", "time") and value else value

    monkeypatch.setattr("studyapp.backup.json_dump._encode", fail_midway)
    assert_refused(run(empty_app, "backup", str(path)), "No space left on device")
    assert calls > 200
    assert path.read_text() == "yesterday's backup"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backup.json"]


def test_a_restore_ends_every_login_session_and_keeps_the_secret_key(
    empty_app: Flask, tmp_path: Path
) -> None:
    app = empty_app
    migrate.upgrade(engine_of(app))
    # The instance's own key, as an app given no SECRET_KEY makes and keeps in its folder.
    app.instance_path = str(tmp_path / "instance")
    load_config(app, {"TESTING": True, "DATABASE_URL": app.config["DATABASE_URL"]})
    key_file = tmp_path / "instance" / "secret_key"
    key = key_file.read_text(encoding="ascii")
    assert app.config["SECRET_KEY"] == key

    client = app.test_client()
    AuthActions(client).register()
    kept = app.test_client()
    AuthActions(kept).post(
        "/login", {"email": "reader@example.com", "password": "correct horse", "remember": "y"}
    )
    kept.delete_cookie("session")  # its remember cookie alone, as after a browser restart
    token = csrf_token(client)
    settings = {"locale": "en", "timezone": "UTC", "new_cards_per_day": "9"}
    settings |= {"reviews_per_day": "90", "grade_buttons": "six", "csrf_token": token}
    assert client.get("/settings").status_code == 200
    assert kept.get("/settings").status_code == 200
    path = tmp_path / "backup.json"
    back_up(app, path)

    result = run(app, "restore", "--replace", str(path))
    assert result.exit_code == 0, result.output
    assert "Every login session of this database ended" in result.output
    # The key stays: another instance on this folder (restoring into a scratch database, say)
    # goes on signing with it, and workers started later agree with those running.
    assert key_file.read_text(encoding="ascii") == key
    assert app.config["SECRET_KEY"] == key
    # The cookies of before sign no one in, for reading or writing.
    for browser in (client, kept):
        response = browser.get("/settings")
        assert response.status_code == 302 and response.headers["Location"].startswith("/login")
    refused = client.post("/settings", data=settings)
    assert refused.status_code == 302 and refused.headers["Location"].startswith("/login")
    # A new login, signed with the same key, works.
    assert AuthActions(client).login().status_code == 303  # type: ignore[attr-defined]
    assert client.get("/settings").status_code == 200
