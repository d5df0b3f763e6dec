"""Backups of the whole database, and restoring them.

Two formats: a *SQLite copy* (:mod:`.sqlite_copy`), made while the app keeps serving, and a
*JSON dump* (:mod:`.json_dump`), which restores into any database. Nothing half-written is left
under a backup's name, and a restore happens in one transaction or not at all.

Login sessions are not data: a backup leaves them out (a SQLite copy has them deleted) and a
restore deletes the database's own, so that everyone signed in to it logs in again, and no
cookie signed in to the old rows means anything in the restored ones.
"""

from __future__ import annotations

import enum
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Connection, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from studyapp import migrate
from studyapp.backup.json_dump import JsonSource, dump_json
from studyapp.backup.sqlite_copy import MAGIC, SqliteSource, copy_sqlite
from studyapp.backup.tables import (
    NOT_BACKED_UP,
    BackupError,
    Source,
    Summary,
    backed_up_tables,
    count,
    first_line,
)
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


class BackupFormat(enum.StrEnum):
    JSON = "json"
    SQLITE = "sqlite"


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
                return copy_sqlite(engine, partial, shown=path)
            return dump_json(engine, partial, compress=path.name.endswith(".gz"), now=now)
    except OSError as error:
        raise BackupError(f"cannot write {path}: {error.strerror or error}") from None
    except (SQLAlchemyError, sqlite3.Error, ValueError) as error:
        raise BackupError(f"backup failed, nothing was written: {first_line(error)}") from None


def restore(engine: Engine, path: Path, *, replace: bool) -> Summary:
    """Load the backup at ``path``, a JSON dump or a SQLite copy (told apart by content).

    The whole file is read and checked before anything is written. A database with no tables
    is first migrated to the newest revision; the backup's revision must be the database's. A
    database holding rows is refused unless ``replace``: then its rows are deleted and the
    backup's inserted in one transaction, so that a failure leaves the old rows in place.
    """
    try:
        with open(path, "rb") as handle:
            start = handle.read(len(MAGIC))
        if not start:
            raise BackupError(f"{path} is empty")
        source = SqliteSource(path) if start == MAGIC else JsonSource(path, start)
        rows = count(source)
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
        raise BackupError(f"restore failed and changed nothing: {first_line(error)}") from None
    return Summary(source.revision, rows)


def _check_target(db: Connection, source: Source, database: str | None, *, replace: bool) -> None:
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
