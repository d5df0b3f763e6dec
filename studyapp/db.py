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

import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from flask import Flask, current_app, g
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

__all__ = [
    "checkpoint_wal",
    "core_statements",
    "core_transaction",
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


#: What ``SQLITE_SYNCHRONOUS`` may say: how hard each commit is pushed to the disk.
SQLITE_SYNCHRONOUS = ("FULL", "NORMAL")


def make_engine(
    url: str, *, busy_timeout_ms: int = 5000, synchronous: str = "FULL", **options: Any
) -> Engine:
    """Create an engine for ``url`` with this app's per-dialect connection settings."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if synchronous.upper() not in SQLITE_SYNCHRONOUS:
            raise ValueError(
                f"SQLITE_SYNCHRONOUS must be one of {', '.join(SQLITE_SYNCHRONOUS)}, "
                f"not {synchronous!r}"
            )
        engine = create_engine(url, **options)
        _configure_sqlite(engine, busy_timeout_ms=busy_timeout_ms, synchronous=synchronous.upper())
        return engine
    engine = create_engine(url, **options)
    if not options.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


#: A pooled connection that has waited longer than this is pinged before it is handed out.
PING_AFTER_IDLE_S = 30.0


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before use only when it has been idle for a while.

    SQLAlchemy's ``pool_pre_ping`` pings on every checkout: a round trip on each request, more
    than the review answer's own statements cost. A connection checked in a moment ago is
    alive but for a server restarted within that moment; one that has waited
    :data:`PING_AFTER_IDLE_S` may have been dropped by the server, a proxy or a restart. A
    dead one is replaced before the request sees it (a ``DisconnectionError`` from a checkout
    listener makes the pool connect afresh); a request that meets a restart in between fails
    once, and SQLAlchemy then replaces every pooled connection older than the failure.
    """

    @event.listens_for(engine, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop("idle_since", None)
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            if engine.dialect.is_disconnect(error, dbapi_connection, None):
                raise DisconnectionError(str(error)) from error
            raise


def _configure_sqlite(engine: Engine, *, busy_timeout_ms: int, synchronous: str) -> None:
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
            # FULL (the default): an acknowledged answer survives a power cut. NORMAL: it
            # survives a crashed or killed process; the WAL reaches the disk at checkpoints.
            cursor.execute(f"PRAGMA synchronous = {synchronous}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        mode = connection.get_execution_options().get(_SQLITE_BEGIN, "DEFERRED")
        # Straight to the driver: every transaction begins here, and SQLAlchemy's statement
        # machinery would cost several times what SQLite needs for it.
        driver = connection.connection.driver_connection
        try:
            if mode == "IMMEDIATE":
                _begin_immediate(driver, busy_timeout_ms)
            else:
                driver.execute(f"BEGIN {mode}")  # type: ignore[union-attr]
        except sqlite3.Error as error:
            raise DBAPIError.instance(f"BEGIN {mode}", (), error, sqlite3.Error) from error


#: How long a writer waits between tries for SQLite's write lock.
_LOCK_POLL_S = 0.0002


def _begin_immediate(driver: Any, busy_timeout_ms: int) -> None:
    """``BEGIN IMMEDIATE``, waiting for the write lock in short steps.

    SQLite's own busy handler sleeps 1, 2, 5, 10, 15... ms between tries. A review answer holds
    the lock for well under a millisecond, so two workers answering at once would each wait
    several times longer than the other needed. Here the first try fails at once and the
    next ones come every 0.2 ms until the busy timeout has passed.
    """
    deadline = time.monotonic() + busy_timeout_ms / 1000
    driver.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                driver.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(_LOCK_POLL_S)
    finally:
        driver.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")


def init_app(app: Flask) -> None:
    """Create the app's engine and session factory and close each request's session."""
    engine = make_engine(
        app.config["DATABASE_URL"],
        busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"],
        synchronous=str(app.config["SQLITE_SYNCHRONOUS"]),
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


@contextmanager
def core_transaction(session: Session, *, write: bool) -> Iterator[Connection]:
    """A transaction on a connection of the session's engine, for Core statements that need no
    unit of work (a backup's restore): committed when the block ends, rolled back on error.

    A write transaction begins like :func:`write_unit` (``BEGIN IMMEDIATE`` on SQLite). It
    skips the session's bookkeeping; ORM objects the session holds are not refreshed. The
    session must not be inside a transaction, as for :func:`write_unit`.
    """
    if session.in_transaction():
        raise RuntimeError("core_transaction() needs a session outside any transaction")
    engine = session.get_bind()
    assert isinstance(engine, Engine), "sessions here are bound to an engine"
    with engine.connect() as connection:
        if write:
            connection.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
        with connection.begin():
            yield connection


@contextmanager
def core_statements(session: Session, *, write: bool) -> Iterator[Connection]:
    """A connection of the session's engine for Core statements that each stand on their own
    (the review step, the login read): every write must be a single statement.

    On PostgreSQL the connection is in autocommit: each statement is its own transaction, and
    no BEGIN or COMMIT costs a round trip. A read loses nothing by it, since at PostgreSQL's
    READ COMMITTED every statement of a transaction takes its own snapshot anyway. On SQLite,
    where BEGIN and COMMIT cost no round trip, the block is one transaction as in
    :func:`core_transaction` (``BEGIN IMMEDIATE`` when ``write``), and may write in several
    statements. The session must not be inside a transaction.
    """
    if session.in_transaction():
        raise RuntimeError("core_statements() needs a session outside any transaction")
    engine = session.get_bind()
    assert isinstance(engine, Engine), "sessions here are bound to an engine"
    with engine.connect() as connection:
        if engine.dialect.name != "sqlite":
            connection.execution_options(isolation_level="AUTOCOMMIT")
            yield connection
            return
        if write:
            connection.execution_options(**{_SQLITE_BEGIN: "IMMEDIATE"})
        with connection.begin():
            yield connection


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


def checkpoint_wal(session: Session) -> None:
    """On a SQLite file database, copy what the write-ahead log holds into the database file
    now, from this session's connection, without waiting for (or blocking) anyone
    (``PRAGMA wal_checkpoint(PASSIVE)``); elsewhere, nothing.

    SQLite checkpoints in whichever connection commits once the log passes 1,000 pages. A
    writer that commits many pages in a row calls this after each commit, so that the copying
    falls to it and not to the review answer that happens to commit next. The session must not
    be inside a transaction.
    """
    if session.in_transaction():
        raise RuntimeError("checkpoint_wal() needs a session outside any transaction")
    engine = session.get_bind()
    assert isinstance(engine, Engine), "sessions here are bound to an engine"
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA wal_checkpoint(PASSIVE)")
