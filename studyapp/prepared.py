"""Statements for the hottest paths, compiled once per database and run on the driver.

SQLAlchemy spends 20-30 µs of Python on every statement it executes (cache lookup, parameter
processing, result set-up), several times what SQLite needs to answer an indexed query. The
review step runs ten statements per answer, so those that it repeats are :class:`Prepared`: a
Core statement, compiled by SQLAlchemy's own compiler for the session's dialect on first use,
then run on the DBAPI cursor of a session's connection, inside the session's transaction.
Values go through the column types' own bind and result processors, so what is stored and
read back is exactly what the ORM would store and read (dates as ISO text on SQLite, aware
UTC datetimes, enums as their values).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ClauseElement, ColumnDefault, Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql.compiler import SQLCompiler

__all__ = ["Prepared"]

_Processor = Callable[[Any], Any] | None


@dataclass(slots=True)
class _Compiled:
    sql: str
    # Positional drivers (SQLite's qmark) take a tuple in this order; named ones take a dict.
    positions: tuple[str, ...] | None
    defaults: Mapping[str, Any]
    computed: Mapping[str, Callable[[Any], Any]]
    binds: Mapping[str, Callable[[Any], Any]]
    # The returned columns' types; their processors are made on the first run, since some
    # depend on the type the driver reports (psycopg's numeric types).
    returned: tuple[Any, ...]
    results: tuple[_Processor, ...] | None = None


class Prepared:
    """One statement with named bound parameters, ready to run on any session's connection.

    ``columns`` names the columns that an INSERT or UPDATE sets, as for ``Connection.execute``
    with a parameter dictionary.
    """

    __slots__ = ("_by_dialect", "columns", "statement")

    def __init__(self, statement: ClauseElement, *, columns: Sequence[str] = ()) -> None:
        self.statement = statement
        self.columns = tuple(columns)
        self._by_dialect: dict[str, _Compiled] = {}

    def _compiled(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = self._compile(dialect)
        return found

    def _compile(self, dialect: Dialect) -> _Compiled:
        compiled = self.statement.compile(dialect=dialect, column_keys=list(self.columns) or None)
        assert isinstance(compiled, SQLCompiler)
        binds: dict[str, Callable[[Any], Any]] = {}
        defaults: dict[str, Any] = {}
        computed: dict[str, Callable[[Any], Any]] = {}
        for key, bind in compiled.binds.items():
            processor = bind.type.dialect_impl(dialect).bind_processor(dialect)
            if processor is not None:
                binds[key] = processor
            if bind.value is not None:
                defaults[key] = bind.value
        returned: Sequence[Any] = (
            getattr(self.statement, "selected_columns", None)
            or getattr(self.statement, "_returning", None)
            or ()
        )
        # Columns the statement sets from their Python-side defaults when not given.
        for column in (*compiled.insert_prefetch, *compiled.update_prefetch):
            default = column.default if column in compiled.insert_prefetch else column.onupdate
            if isinstance(default, ColumnDefault) and default.is_scalar:
                defaults[column.key] = default.arg
            elif isinstance(default, ColumnDefault) and default.is_callable:
                computed[column.key] = default.arg
        positions = tuple(compiled.positiontup or ()) if dialect.positional else None
        types = tuple(column.type.dialect_impl(dialect) for column in returned)
        return _Compiled(compiled.string, positions, defaults, computed, binds, types)

    def _cursor(self, connection: Connection, params: Mapping[str, Any]) -> tuple[Any, _Compiled]:
        compiled = self._compiled(connection.dialect)
        values = {**compiled.defaults, **params}
        for key, default in compiled.computed.items():
            if key not in values:
                values[key] = default(None)
        for key, processor in compiled.binds.items():
            if key in values:
                values[key] = processor(values[key])
        arguments: Any = (
            values
            if compiled.positions is None
            else tuple(values[key] for key in compiled.positions)
        )
        driver: Any = connection.connection.driver_connection
        try:
            # sqlite3 and psycopg connections both execute on a new cursor and return it.
            cursor = driver.execute(compiled.sql, arguments)
        except connection.dialect.loaded_dbapi.Error as error:
            # The same exception classes (IntegrityError, OperationalError, ...) as any other
            # statement run through SQLAlchemy.
            raise DBAPIError.instance(
                compiled.sql, arguments, error, connection.dialect.loaded_dbapi.Error
            ) from error
        return cursor, compiled

    def rows(self, connection: Connection, **params: Any) -> list[tuple[Any, ...]]:
        """Every row, each value read back through its column's type."""
        cursor, compiled = self._cursor(connection, params)
        try:
            fetched = cursor.fetchall()
            results = compiled.results
            if results is None:
                dialect = connection.dialect
                results = compiled.results = tuple(
                    kind.result_processor(dialect, described[1])
                    for kind, described in zip(compiled.returned, cursor.description, strict=True)
                )
        finally:
            cursor.close()
        if not any(results):
            return [tuple(row) for row in fetched]
        return [
            tuple(
                value if process is None else process(value)
                for process, value in zip(results, row, strict=True)
            )
            for row in fetched
        ]

    def first(self, connection: Connection, **params: Any) -> tuple[Any, ...] | None:
        found = self.rows(connection, **params)
        return found[0] if found else None

    def scalar(self, connection: Connection, **params: Any) -> Any:
        row = self.first(connection, **params)
        return None if row is None else row[0]

    def run(self, connection: Connection, **params: Any) -> int:
        """Execute a statement that returns no rows; the number of rows it changed."""
        cursor, _compiled = self._cursor(connection, params)
        try:
            count: int = cursor.rowcount
        finally:
            cursor.close()
        return count
