"""JSON dumps, which restore into any database: one JSON array, one item a line, written and
read a row at a time. A header (format version, Alembic revision, app version, time), then for
each table of the models in dependency order ``{"table": ..., "columns": [...]}`` and its rows
as arrays, then ``{"end": true}``. Dates and datetimes are ISO 8601 text, enums their stored
value, text is escaped to ASCII (so that any string survives)."""

from __future__ import annotations

import enum
import gzip
import json
import zlib
from collections.abc import Generator, Iterator
from contextlib import closing
from datetime import date, datetime, time
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy import Column, Engine, Table
from sqlalchemy.types import TypeDecorator

from studyapp import migrate
from studyapp.backup.tables import (
    BATCH,
    BackupError,
    Rows,
    Summary,
    backed_up_tables,
    table_rows,
)

FORMAT_NAME = "studyapp-backup"
#: Raised whenever the layout or the encoding of values changes.
FORMAT_VERSION = 1
_END = {"end": True}
# How values are written, by the Python type of their column, and the JSON types read back.
_KINDS = {"datetime", "date", "time", "bool", "float", "int", "str"}
_JSON_TYPES: dict[str, tuple[type, ...]] = {"bool": (bool,), "int": (int,), "float": (int, float)}


def dump_json(engine: Engine, partial: Path, *, compress: bool, now: datetime) -> Summary:
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
            for table, part in table_rows(connection):
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
    if value is not None and kind in ("datetime", "date", "time"):
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
    if kind == "time":  # a follow's time of day
        return time.fromisoformat(value)
    if kind == "datetime":
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None and getattr(column.type, "timezone", False):
            raise ValueError(f"{value} has no UTC offset")
        return moment
    if isinstance(column.type, sa.Enum) and column.type.enum_class is not None:
        return column.type.enum_class(value)
    return float(value) if kind == "float" else value


class JsonSource:
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
                    if len(batch) < BATCH:
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
