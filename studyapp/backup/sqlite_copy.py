"""SQLite copies: made with SQLite's online backup API while the app keeps serving (one
consistent snapshot, no writer blocked), the rows a backup leaves out deleted, and read back
read-only after ``PRAGMA integrity_check``."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import Engine, Table
from sqlalchemy.exc import SQLAlchemyError

from studyapp import migrate
from studyapp.backup.tables import (
    NOT_BACKED_UP,
    BackupError,
    Rows,
    Summary,
    count,
    first_line,
    table_rows,
)

MAGIC = b"SQLite format 3\x00"


def copy_sqlite(engine: Engine, partial: Path, *, shown: Path) -> Summary:
    with engine.connect() as connection, closing(sqlite3.connect(partial)) as copy:
        live = connection.connection.driver_connection
        assert isinstance(live, sqlite3.Connection)
        # In one step (pages=-1) the copy reads one snapshot: an open write is not in it.
        live.backup(copy)
        _drop_not_backed_up(copy)
        # A file that stands alone, with no -wal beside it, whatever the live database uses.
        copy.execute("PRAGMA journal_mode = DELETE")
    # Checked as a restore would check it, and read back whole to count its rows.
    source = SqliteSource(partial, shown=shown)
    return Summary(source.revision, count(source))


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


class SqliteSource:
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
            found = [f"cannot be read: {first_line(error)}"]
        if found != ["ok"]:
            raise BackupError(f"the SQLite copy {self.path} failed its integrity check: {found[0]}")

    def batches(self) -> Iterator[tuple[Table, Rows]]:
        with self.engine.connect() as connection, connection.begin():
            for table, part in table_rows(connection):
                if part:
                    yield table, [dict(row._mapping) for row in part]
