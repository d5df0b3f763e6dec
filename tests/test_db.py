"""Connection settings and transaction boundaries."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select, text
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import sessionmaker

from studyapp.db import get_session, make_engine, session_factory, write_unit
from studyapp.models import User
from tests.conftest import PG_URL, engine_of
from tests.factories import make_user


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db", busy_timeout_ms=1234)
    with engine.connect() as connection:
        pragma = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("foreign_keys", "journal_mode", "busy_timeout", "synchronous")
        }
    engine.dispose()
    assert pragma == {
        "foreign_keys": 1,
        "journal_mode": "wal",
        "busy_timeout": 1234,
        "synchronous": 2,
    }


def test_sqlite_synchronous_is_a_setting_and_refuses_other_values(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db", synchronous="normal")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 1
    engine.dispose()
    with pytest.raises(ValueError, match="SQLITE_SYNCHRONOUS must be one of FULL, NORMAL"):
        make_engine(f"sqlite:///{tmp_path}/x.db", synchronous="OFF")


def test_a_waiting_writer_gets_the_lock_once_it_is_free(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db", busy_timeout_ms=2000)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    factory = sessionmaker(bind=engine)
    waited: list[float] = []

    def second_writer() -> None:
        with factory() as waiter:
            started = time.perf_counter()
            with write_unit(waiter):
                waited.append(time.perf_counter() - started)
                waiter.execute(insert_row, {"x": 2})

    insert_row = text("INSERT INTO t (x) VALUES (:x)")
    with factory() as holder:
        with write_unit(holder):
            holder.execute(insert_row, {"x": 1})
            thread = threading.Thread(target=second_writer)
            thread.start()
            time.sleep(0.05)
            assert not waited  # still waiting for the lock
        thread.join(5)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 2
    assert len(waited) == 1  # it kept trying, and got in once the holder committed
    engine.dispose()


def test_a_write_unit_takes_the_sqlite_write_lock_before_reading(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.db", busy_timeout_ms=50)
    with engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE t (x INTEGER)")
    factory = sessionmaker(bind=engine)
    with factory() as holder, factory() as waiter:
        with write_unit(holder):
            holder.execute(select(1))
            # A second writer is turned away at BEGIN, before it can read a stale snapshot.
            with pytest.raises(OperationalError, match="locked"):
                with write_unit(waiter):
                    pytest.fail("entered a write unit while another held the lock")
            # Plain reads still go ahead beside a writer (WAL).
            with waiter.begin():
                assert waiter.execute(select(1)).scalar() == 1
    engine.dispose()


def test_a_write_unit_commits_at_the_end_and_rolls_back_on_error(app: Flask) -> None:
    factory = session_factory(app)
    with factory() as session:
        with write_unit(session):
            make_user(session, "kept@example.com")
        with pytest.raises(RuntimeError, match="boom"):
            with write_unit(session):
                make_user(session, "lost@example.com")
                raise RuntimeError("boom")
    with factory() as session, session.begin():
        emails = session.scalars(select(User.email)).all()
    assert emails == ["kept@example.com"]


def test_a_write_unit_cannot_nest_in_an_open_transaction(app: Flask) -> None:
    with session_factory(app)() as session, session.begin():
        with pytest.raises(RuntimeError, match="outside any transaction"):
            with write_unit(session):
                pass


def test_the_request_session_is_closed_at_teardown(app: Flask) -> None:
    with app.app_context():
        session = get_session()
        assert get_session() is session
        session.begin()
        assert session.in_transaction()
    assert not session.in_transaction()
    assert engine_of(app).pool.checkedout() == 0


def test_a_write_unit_that_loses_a_race_runs_once_more(app: Flask) -> None:
    from studyapp.db import run_write_unit

    factory = session_factory(app)
    with factory() as session:
        with write_unit(session):
            make_user(session, "first@example.com")
        attempts = []

        def insert_then_settle() -> str:
            attempts.append(1)
            if len(attempts) == 1:
                make_user(session, "first@example.com")  # a concurrent writer got here first
            return "done"

        assert run_write_unit(session, insert_then_settle) == "done"
        assert len(attempts) == 2

        def always_conflicts() -> None:
            make_user(session, "first@example.com")

        with pytest.raises(IntegrityError):
            run_write_unit(session, always_conflicts)
    with factory() as session, session.begin():
        assert session.scalars(select(User.email)).all() == ["first@example.com"]


@pytest.mark.skipif(not PG_URL, reason="STUDYAPP_TEST_DATABASE_URL is not set")
@pytest.mark.parametrize("ping_after_s", [0.0, 3600.0])
def test_a_pooled_connection_dropped_while_idle_is_replaced_when_pinged(
    monkeypatch: pytest.MonkeyPatch, ping_after_s: float
) -> None:
    # The pool pings a connection only once it has waited PING_AFTER_IDLE_S: one the server
    # dropped meanwhile is replaced before use; one used a moment ago is handed out unpinged,
    # and the statement on it fails (SQLAlchemy then replaces the pool's connections).
    # (pg_terminate_backend with a timeout returns once the backend is gone.)
    monkeypatch.setattr("studyapp.db.PING_AFTER_IDLE_S", ping_after_s)
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as connection:
            backend = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
        admin = make_engine(PG_URL)
        with admin.connect() as other, other.begin():
            other.execute(text("SELECT pg_terminate_backend(:pid, 5000)"), {"pid": backend})
        admin.dispose()
        with engine.connect() as connection:
            if ping_after_s:
                with pytest.raises(OperationalError):
                    connection.execute(text("SELECT 1"))
            else:
                renewed = connection.execute(text("SELECT pg_backend_pid()")).scalar_one()
                assert renewed != backend
    finally:
        engine.dispose()
