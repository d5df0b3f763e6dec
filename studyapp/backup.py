"""Backups of the whole database, and restoring them.

A *SQLite copy* comes from SQLite's online backup API while the app keeps serving: one
consistent snapshot, no writer blocked. A *JSON dump* restores into any database. It is one JSON
array, one item a line, written and read a row at a time: a header (format version, Alembic
revision, app version, time), then for each table of the models in dependency order
``{"table": ..., "columns": [...]}`` and its rows as arrays, then ``{"end": true}``. Dates and
datetimes are ISO 8601 text, enums their stored value, text is escaped to ASCII (so that any
string survives). Nothing half-written is left under a backup's name, and a restore happens in
one transaction or not at all.

Login sessions are not data: a backup leaves them out (a SQLite copy has them deleted) and a
restore deletes the database's own, so that everyone signed in to it logs in again, and no
cookie signed in to the old rows means anything in the restored ones.
"""

from __future__ import annotations

import enum
import gzip
import json
import os
import sqlite3
import tempfile
import zlib
from collections.abc import Generator, Iterator, Sequence
from contextlib import closing, contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy import Column, Connection, Engine, Row, Table
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeDecorator

from studyapp import migrate
from studyapp.db import core_transaction
from studyapp.models import Base

__all__ = [
    "NOT_BACKED_UP",
    "BackupError",
    "BackupFormat",
    "Summary",
    "backed_up_tables",
    "backup",
    "choose_format",
    "restore",
]

FORMAT_NAME = "studyapp-backup"
#: Raised whenever the layout or the encoding of values changes.
FORMAT_VERSION = 1
_END = {"end": True}
_BATCH = 1000
_SQLITE_MAGIC = b"SQLite format 3\x00"
# How values are written, by the Python type of their column, and the JSON types read back.
_KINDS = {"datetime", "date", "bool", "float", "int", "str"}
_JSON_TYPES: dict[str, tuple[type, ...]] = {"bool": (bool,), "int": (int,), "float": (int, float)}

Rows = list[dict[str, Any]]

#: Tables a backup leaves out, and a restore empties.
NOT_BACKED_UP = frozenset({"login_sessions"})


def backed_up_tables() -> list[Table]:
    """The tables a backup holds, in the order their foreign keys need."""
    return [table for table in Base.metadata.sorted_tables if table.name not in NOT_BACKED_UP]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in one line."""


class BackupFormat(enum.StrEnum):
    JSON = "json"
    SQLITE = "sqlite"


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup wrote or a restore loaded: rows per table, at which schema revision."""

    revision: str | None
    rows: dict[str, int]


def choose_format(path: Path, fmt: BackupFormat | None, *, dialect: str) -> BackupFormat:
    """``fmt`` if given, else by the name: ``.json`` or ``.gz`` a JSON dump, ``.db``,
    ``.sqlite`` or ``.sqlite3`` a SQLite copy, anything else a copy on SQLite and a dump
    elsewhere. Raises :class:`BackupError` for a SQLite copy of another database."""
    name = path.name.lower()
    if fmt is None:
        copy = dialect == "sqlite" or name.endswith((".db", ".sqlite", ".sqlite3"))
        copy = copy and not name.endswith((".json", ".gz"))
        fmt = BackupFormat.SQLITE if copy else BackupFormat.JSON
    if fmt is BackupFormat.SQLITE and dialect != "sqlite":
        raise BackupError(
            f"a SQLite copy needs a SQLite database, not {dialect}; make a JSON dump instead "
            "(--format json, or a FILE ending in .json or .json.gz)"
        )
    if fmt is BackupFormat.SQLITE and name.endswith(".gz"):
        raise BackupError(f"a SQLite copy is not compressed; name it without .gz ({path.name})")
    return fmt


def backup(engine: Engine, path: Path, *, fmt: BackupFormat, now: datetime) -> Summary:
    """Back up every table to ``path``, which is replaced only by a complete, checked file."""
    try:
        with _replacing(path) as partial:
            if fmt is BackupFormat.SQLITE:
                return _copy_sqlite(engine, partial, shown=path)
            return _dump_json(engine, partial, compress=path.name.endswith(".gz"), now=now)
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror or error}") from None
    except (SQLAlchemyError, sqlite3.Error, ValueError) as error:
        raise BackupError(f"backup failed, nothing was written: {_first_line(error)}") from None


def restore(engine: Engine, path: Path, *, replace: bool) -> Summary:
    """Load the backup at ``path``, a JSON dump or a SQLite copy (told apart by content).

    The whole file is read and checked before anything is written. A database with no tables
    is first migrated to the newest revision; the backup's revision must be the database's. A
    database holding rows is refused unless ``replace``: then its rows are deleted and the
    backup's inserted in one transaction, so that a failure leaves the old rows in place.
    """
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(_SQLITE_MAGIC))
        if not start:
            raise BackupError(f"{path} is empty")
        source = _SqliteSource(path) if start == _SQLITE_MAGIC else _JsonSource(path, start)
        rows = _count(source)
        with engine.connect() as connection:
            names = set(sa.inspect(connection).get_table_names())
            blank = not names & {*Base.metadata.tables, "alembic_version"}
            database = migrate.head_revision() if blank else migrate.current_revision(connection)
            _check_target(connection, source, database, replace=replace or blank)
        if blank:
            migrate.upgrade(engine)
        with Session(engine) as session, core_transaction(session, write=True) as connection:
            _check_target(connection, source, migrate.current_revision(connection), replace=replace)
            # Every table, login sessions too: the database's sessions end with the restore.
            for table in reversed(Base.metadata.sorted_tables):
                connection.execute(table.delete())
            for table, batch in source.batches():
                connection.execute(table.insert(), batch)
            if connection.dialect.name == "postgresql":
                _reset_sequences(connection)
    except OSError as error:
        raise BackupError(f"cannot read {path}: {error.strerror or error}") from None
    except (SQLAlchemyError, ValueError) as error:  # (ValueError: a bad value in a SQLite copy)
        raise BackupError(f"restore failed and changed nothing: {_first_line(error)}") from None
    return Summary(source.revision, rows)


def _check_target(db: Connection, source: _Source, database: str | None, *, replace: bool) -> None:
    if source.revision != database:
        hint = "run `studyapp db upgrade` first"
        if source.revision != (head := migrate.head_revision()):
            hint = f"this studyapp's schema is at {head}: restore with the release that made it"
        raise BackupError(
            f"{source.path} is of schema revision {source.revision or '(none)'} but the database "
            f"is at {database or '(none)'}; {hint}"
        )
    tables = [] if replace else backed_up_tables()
    if filled := [t.name for t in tables if db.scalar(sa.select(sa.exists().select_from(t)))]:
        raise BackupError(
            f"the database already holds data ({', '.join(filled)}); nothing was restored. "
            "Use --replace to delete it and load the backup in its place"
        )


def _reset_sequences(connection: Connection) -> None:
    """Point each id sequence past the largest id restored, so that new rows get fresh ids."""
    for table in Base.metadata.sorted_tables:
        if (column := table.autoincrement_column) is not None:
            sequence = f"pg_get_serial_sequence('{table.name}', '{column.name}')"
            connection.exec_driver_sql(
                f'SELECT setval({sequence}, coalesce(max("{column.name}"), 0) + 1, false) '
                f'FROM "{table.name}"'
            )


def _first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside ``path`` that takes its place only if the block completes."""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".partial")
    os.close(fd)
    try:
        yield Path(name)
        with open(name, "rb") as written:
            os.fsync(written.fileno())
        os.replace(name, path)
    finally:
        for leftover in (name, f"{name}-journal", f"{name}-wal", f"{name}-shm"):
            Path(leftover).unlink(missing_ok=True)


def _table_rows(connection: Connection) -> Iterator[tuple[Table, Sequence[Row[Any]]]]:
    """Every backed-up table's rows in dependency order, by primary key, a batch at a time."""
    for table in backed_up_tables():
        yield table, ()  # so that empty tables are seen too
        query = sa.select(table).order_by(*table.primary_key.columns)
        with connection.execute(query.execution_options(yield_per=_BATCH)) as result:  # streamed
            yield from ((table, part) for part in result.partitions())


def _count(source: _Source) -> dict[str, int]:
    rows = {table.name: 0 for table in backed_up_tables()}
    for table, batch in source.batches():
        rows[table.name] += len(batch)
    return rows


def _copy_sqlite(engine: Engine, partial: Path, *, shown: Path) -> Summary:
    with engine.connect() as connection, closing(sqlite3.connect(partial)) as copy:
        live = connection.connection.driver_connection
        assert isinstance(live, sqlite3.Connection)
        # In one step (pages=-1) the copy reads one snapshot: an open write is not in it.
        live.backup(copy)
        _drop_not_backed_up(copy)
        # A file that stands alone, with no -wal beside it, whatever the live database uses.
        copy.execute("PRAGMA journal_mode = DELETE")
    # Checked as a restore would check it, and read back whole to count its rows.
    source = _SqliteSource(partial, shown=shown)
    return Summary(source.revision, _count(source))


def _drop_not_backed_up(copy: sqlite3.Connection) -> None:
    """Delete from a SQLite copy the rows a backup leaves out, overwriting their bytes."""
    found = {
        name
        for (name,) in copy.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if name in NOT_BACKED_UP
    }
    copy.execute("PRAGMA secure_delete = ON")
    with copy:  # one transaction, committed
        for name in sorted(found):
            copy.execute(f'DELETE FROM "{name}"')


class _SqliteSource:
    """A SQLite copy, opened read-only (each time on a new connection: nothing to close) and
    checked with ``PRAGMA integrity_check``."""

    def __init__(self, path: Path, *, shown: Path | None = None) -> None:
        self.path, uri = shown or path, f"{path.resolve().as_uri()}?mode=ro"
        self.engine = sa.create_engine(
            "sqlite://", creator=lambda: sqlite3.connect(uri, uri=True), poolclass=sa.NullPool
        )
        try:
            with self.engine.connect() as connection:
                found = connection.exec_driver_sql("PRAGMA integrity_check").scalars().all()
                self.revision = migrate.current_revision(connection)
        except SQLAlchemyError as error:
            found = [f"cannot be read: {_first_line(error)}"]
        if found != ["ok"]:
            raise BackupError(f"the SQLite copy {self.path} failed its integrity check: {found[0]}")

    def batches(self) -> Iterator[tuple[Table, Rows]]:
        with self.engine.connect() as connection, connection.begin():
            for table, part in _table_rows(connection):
                if part:
                    yield table, [dict(row._mapping) for row in part]


def _dump_json(engine: Engine, partial: Path, *, compress: bool, now: datetime) -> Summary:
    rows = {table.name: 0 for table in backed_up_tables()}
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # One snapshot for every table, as SQLite's read transaction gives by itself.
            connection.execution_options(isolation_level="REPEATABLE READ")
        with connection.begin(), _open_text(partial, "w", compress=compress) as out:
            revision = migrate.current_revision(connection)
            try:
                app_version = version("studyapp")
            except PackageNotFoundError:
                app_version = "unknown"
            header = {"format": FORMAT_NAME, "format_version": FORMAT_VERSION}
            header |= {"alembic_revision": revision, "app_version": app_version}
            header |= {"created_at": now.isoformat(), "database": connection.dialect.name}
            # Each item on its own line, the comma that follows it at the end of that line.
            out.write("[" + json.dumps(header))
            for table, part in _table_rows(connection):
                if not part:
                    kinds = [_kind_of(column) for column in table.columns]
                    opener = {"table": table.name, "columns": list(table.columns.keys())}
                    out.write(",\n" + json.dumps(opener))
                for row in part:
                    values = [_encode(kind, value) for kind, value in zip(kinds, row, strict=True)]
                    out.write(",\n" + json.dumps(values))
                rows[table.name] += len(part)
            out.write(",\n" + json.dumps(_END) + "\n]\n")
    return Summary(revision, rows)


def _open_text(path: Path, mode: str, *, compress: bool) -> IO[str]:
    if compress:
        return gzip.open(path, f"{mode}t", encoding="utf-8", newline="\n")  # type: ignore[return-value]
    return open(path, mode, encoding="utf-8", newline="\n")


@cache
def _kind_of(column: Column[Any]) -> str:
    impl = column.type.impl_instance if isinstance(column.type, TypeDecorator) else column.type
    if isinstance(impl, sa.JSON | sa.Enum):
        return "json" if isinstance(impl, sa.JSON) else "enum"
    if (kind := impl.python_type.__name__) in _KINDS:
        return kind
    raise TypeError(f"no backup encoding for {column.table.name}.{column.name} ({impl!r})")


def _encode(kind: str, value: Any) -> Any:
    if value is not None and kind in ("datetime", "date"):
        return value.isoformat()
    return value.value if isinstance(value, enum.Enum) else value


def _decode(column: Column[Any], kind: str, value: Any) -> Any:
    """A dump's value as the column takes it; ``ValueError`` when it cannot be one."""
    if value is None or kind == "json":
        if value is None and not column.nullable:
            raise ValueError("null where a value is required")
        return value
    if type(value) not in _JSON_TYPES.get(kind, (str,)):
        raise ValueError(f"{json.dumps(value)[:40]} is not a valid {kind}")
    if kind == "date":
        return date.fromisoformat(value)
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None and getattr(column.type, "timezone", False):
            raise ValueError(f"{value} has no UTC offset")
        return moment
    if isinstance(column.type, sa.Enum) and column.type.enum_class is not None:
        return column.type.enum_class(value)
    return float(value) if kind == "float" else value


class _JsonSource:
    """A JSON dump, read a line at a time; each line must hold the item the layout puts there."""

    def __init__(self, path: Path, start: bytes) -> None:
        self.path, self.compressed = path, start.startswith(b"\x1f\x8b")
        try:
            with closing(self._items()) as items:
                header = next(items)[1]
        except BackupError:
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT_NAME:
            raise BackupError(f"{path} is not a studyapp backup (a JSON dump or a SQLite copy)")
        if (found := header.get("format_version")) != FORMAT_VERSION:
            raise BackupError(f"{path} is backup format {found}; this app reads {FORMAT_VERSION}")
        self.revision: str | None = header.get("alembic_revision")

    def _error(self, number: int, problem: str, *, whole: bool = True) -> BackupError:
        problem = problem if whole else "cut short: the file is truncated"
        return BackupError(f"{self.path}, line {number}: {problem}")

    def _items(self) -> Generator[tuple[int, Any]]:
        """Each item with its line number, from the header to the end mark (which only the
        closing bracket may follow)."""
        try:
            with _open_text(self.path, "r", compress=self.compressed) as handle:
                for number, line in enumerate(handle, 1):
                    whole, line = line.endswith("\n"), line.removesuffix("\n")
                    if number == 1:  # the array opens before the header
                        line = line[1:] if line.startswith("[") else "?"
                    try:
                        item = json.loads(line.removesuffix(","))
                    except ValueError:
                        raise self._error(number, "not valid JSON", whole=whole) from None
                    if line.endswith(",") == (item == _END):
                        raise self._error(number, "a comma is missing or extra", whole=whole)
                    yield number, item
                    if item == _END:
                        if handle.read().strip() != "]":
                            raise self._error(number + 1, "expected only the closing ']'")
                        return
        except (EOFError, gzip.BadGzipFile, zlib.error) as error:
            raise BackupError(f"{self.path} is truncated or damaged: {error}") from None
        except UnicodeDecodeError:
            raise BackupError(f"{self.path} is not a studyapp backup (not text)") from None
        raise BackupError(f"{self.path} is truncated: it ends before the dump does")

    def batches(self) -> Iterator[tuple[Table, Rows]]:
        """The rows, table by table in the order the models' dependencies need."""
        tables, batch = backed_up_tables(), []
        table: Table | None = None
        with closing(self._items()) as items:
            next(items)  # the header
            for number, item in items:
                if isinstance(item, list) and table is not None:
                    batch.append(self._row(number, item, table))
                    if len(batch) < _BATCH:
                        continue
                if batch and table is not None:
                    yield table, batch
                    batch = []
                if (isinstance(item, list) and table is not None) or (item == _END and not tables):
                    continue  # a full batch, or the end mark (_items checks what follows it)
                table = tables.pop(0) if tables else None
                if table is None or not isinstance(item, dict) or item.get("table") != table.name:
                    wanted = f"table {table.name}" if table is not None else "the end mark"
                    raise self._error(number, f"expected {wanted}")
                if item.get("columns") != list(table.columns.keys()):
                    raise self._error(number, f"the columns of {table.name} are not this schema's")

    def _row(self, number: int, values: list[Any], table: Table) -> dict[str, Any]:
        if len(values) != len(table.columns):
            raise self._error(number, f"{len(values)} values for {len(table.columns)} columns")
        row = {}
        for column, value in zip(table.columns, values, strict=True):
            try:
                row[column.name] = _decode(column, _kind_of(column), value)
            except ValueError as error:
                raise self._error(number, f"{table.name}.{column.name}: {error}") from None
        return row


_Source = _JsonSource | _SqliteSource
