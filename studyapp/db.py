"""Engine and session wiring.

One engine per app, made by :func:`init_app`; one session per request, closed at teardown.
Services receive a :class:`~sqlalchemy.orm.Session` and open their own unit of work with
:func:`write_unit` (or ``session.begin()`` for reads), so a view never commits.

SQLite gets foreign keys, WAL and a busy timeout on every connection, and its transactions are
begun explicitly: reads with ``BEGIN`` and units that write with ``BEGIN IMMEDIATE``, which takes
the write lock up front so that two writers queue behind each other instead of one failing
half-way.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "get_session",
    "init_app",
    "make_engine",
    "run_write_unit",
    "session_factory",
    "write_unit",
]

_T = TypeVar("_T")
_EXTENSION = "studyapp.db"
_SQLITE_BEGIN = "studyapp_sqlite_begin"


def make_engine(url: str, *, busy_timeout_ms: int = 5000, **options: Any) -> Engine:
    """Create an engine for ``url`` with this app's per-dialect connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, **options)
        _configure_sqlite(engine, busy_timeout_ms=busy_timeout_ms)
        return engine
    options.setdefault("pool_pre_ping", True)
    return create_engine(url, **options)


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy's "begin" event below instead of letting
        # the sqlite3 module open transactions lazily on the first write.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            # FULL: an acknowledged answer survives a power cut, not only a crashed process.
            cursor.execute("PRAGMA synchronous = FULL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def init_app(app: Flask) -> None:
    """Create the app's engine and session factory and close each request's session."""
    engine = make_engine(
        app.config["DATABASE_URL"], busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"]
    )
    app.extensions[_EXTENSION] = sessionmaker(bind=engine, expire_on_commit=False)
    app.teardown_appcontext(_close_session)


def session_factory(app: Flask | None = None) -> sessionmaker[Session]:
    """The session factory of ``app`` (default: the current app)."""
    target = app if app is not None else current_app
    factory: sessionmaker[Session] = target.extensions[_EXTENSION]
    return factory


def get_session() -> Session:
    """The current request's (or CLI command's) session, opened on first use."""
    if "db_session" not in g:
        g.db_session = session_factory()()
    session: Session = g.db_session
    return session


def _close_session(_exc: BaseException | None) -> None:
    session = g.pop("db_session", None)
    if session is not None:
        session.close()


@contextmanager
def write_unit(session: Session) -> Iterator[Session]:
    """One transaction that writes: committed when the block ends, rolled back on error.

    On SQLite the transaction starts with ``BEGIN IMMEDIATE``; elsewhere it is an ordinary
    transaction. The session must not already be inside one.
    """
    if session.in_transaction():
        raise RuntimeError("write_unit() needs a session outside any transaction")
    with session.begin():
        session.connection(execution_options={_SQLITE_BEGIN: "IMMEDIATE"})
        yield session


def run_write_unit(session: Session, work: Callable[[], _T], *, retries: int = 1) -> _T:
    """``work()`` in a :func:`write_unit`, run again when it loses a race on a unique
    constraint: the concurrent writer's rows are committed by then, and the second run finds
    them instead of inserting them twice."""
    for attempt in range(retries + 1):
        try:
            with write_unit(session):
                return work()
        except IntegrityError:
            if attempt == retries:
                raise
    raise AssertionError("unreachable")
