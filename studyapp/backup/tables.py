"""What every backup shares: which tables it holds, how their rows are read, its errors and
its summary."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import sqlalchemy as sa
from sqlalchemy import Connection, Row, Table

from studyapp.models import Base

BATCH = 1000

Rows = list[dict[str, Any]]

#: Tables a backup leaves out, and a restore empties: sign-ins, and background jobs (work in
#: flight, whose payloads can be whole documents; the queue skips a job that is gone), and Anki
#: packages waiting for a go-ahead.
NOT_BACKED_UP = frozenset({"login_sessions", "jobs", "anki_uploads"})


def backed_up_tables() -> list[Table]:
    """The tables a backup holds, in the order their foreign keys need."""
    return [table for table in Base.metadata.sorted_tables if table.name not in NOT_BACKED_UP]


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why, in one line."""


@dataclass(frozen=True, slots=True)
class Summary:
    """What a backup wrote or a restore loaded: rows per table, at which schema revision."""

    revision: str | None
    rows: dict[str, int]


class Source(Protocol):
    """A backup being read: its path, its schema revision and its rows, a batch at a time."""

    path: Path
    revision: str | None

    def batches(self) -> Iterator[tuple[Table, Rows]]: ...


def table_rows(connection: Connection) -> Iterator[tuple[Table, Sequence[Row[Any]]]]:
    """Every backed-up table's rows in dependency order, by primary key, a batch at a time."""
    for table in backed_up_tables():
        yield table, ()  # so that empty tables are seen too
        query = sa.select(table).order_by(*table.primary_key.columns)
        with connection.execute(query.execution_options(yield_per=BATCH)) as result:  # streamed
            yield from ((table, part) for part in result.partitions())


def count(source: Source) -> dict[str, int]:
    rows = {table.name: 0 for table in backed_up_tables()}
    for table, batch in source.batches():
        rows[table.name] += len(batch)
    return rows


def first_line(error: Exception) -> str:
    cause = getattr(error, "orig", None) or error
    return (str(cause).strip().splitlines() or [type(cause).__name__])[0]
