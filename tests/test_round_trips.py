"""What one review answer sends the database, counted at the driver.

On PostgreSQL every message libpq sends is traced (``PGconn.trace``, psycopg's public libpq
API) and the round trips counted: each simple ``Query`` message (BEGIN, COMMIT, ROLLBACK, a
statement without parameters) and each ``Sync`` that ends an extended-protocol statement
(Parse/Bind/Execute) waits for the server's ReadyForQuery, and psycopg sends nothing
pipelined. So the count takes in everything, whoever sends it: SQLAlchemy's statements, the
transaction's BEGIN and COMMIT, the pool's pings, psycopg's own preparing of a statement seen
five times. On SQLite there is no server: the count is of the statements SQLite runs
(``sqlite3``'s trace callback), BEGIN, COMMIT and PRAGMAs included, each a call into the
library rather than a round trip.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from studyapp.services import review
from tests.conftest import engine_of, html
from tests.test_review_service import setup_cards
from tests.test_review_web import studying  # noqa: F401 (a fixture: a user with six cards)

MORNING = datetime(2024, 2, 8, 9, 0, tzinfo=UTC)
HX = {"HX-Request": "true"}
#: The issue's bound on PostgreSQL, for the service step and for the whole request.
MOST = 4
#: What one answer costs, exactly, per database: the service step (read the state, write the
#: answer, read the next card) and the whole htmx POST (the login read, then the step).
#: SQLite adds BEGIN IMMEDIATE (with the two PRAGMAs around it that set the busy timeout for
#: the wait in short steps), the state's update and its log row as two statements, COMMIT.
EXPECTED = {
    "postgresql": {"step": 3, "request": 4},
    "sqlite": {"step": 8, "request": 11},
}


class RoundTrips:
    """Counts what the engine's connections send, from their first connect on."""

    def __init__(self, engine: Engine) -> None:
        self.dialect = engine.dialect.name
        self._traced: list[tuple[Any, int]] = []
        self._sqlite: list[str] = []
        self._folder = tempfile.TemporaryDirectory()
        weakref.finalize(self, self._folder.cleanup)
        engine.dispose()  # every connection from now on is a new one, traced from its start
        event.listen(engine, "connect", self._trace)

    def _trace(self, dbapi_connection: Any, _record: Any) -> None:
        if isinstance(dbapi_connection, sqlite3.Connection):
            dbapi_connection.set_trace_callback(self._sqlite.append)
            return
        path = os.path.join(self._folder.name, f"{len(self._traced)}.trace")
        fileno = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        self._traced.append((dbapi_connection.pgconn, fileno))
        _trace_into(dbapi_connection.pgconn, fileno)

    def _sent(self) -> list[str]:
        """Every round trip so far (PostgreSQL: the Query and Sync messages)."""
        if self.dialect == "sqlite":
            return list(self._sqlite)
        sent = []
        for index, (pgconn, fileno) in enumerate(self._traced):
            if pgconn.status == 0:  # CONNECTION_OK: flush libpq's buffer, then trace on
                pgconn.untrace()
                _trace_into(pgconn, fileno)
            path = os.path.join(self._folder.name, f"{index}.trace")
            with open(path, encoding="utf-8", errors="replace") as trace:
                for line in trace:
                    parts = line.rstrip("\n").split("\t")
                    if parts[0] == "F" and parts[2] in ("Query", "Sync"):
                        sent.append("\t".join(parts[2:]))
        return sent

    @contextmanager
    def counting(self) -> Iterator[list[str]]:
        """The round trips made inside the block."""
        before = len(self._sent())
        found: list[str] = []
        yield found
        found.extend(self._sent()[before:])


def _trace_into(pgconn: Any, fileno: int) -> None:
    from psycopg import pq

    pgconn.trace(fileno)
    pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)


def _answers(item: review.QueueItem | None) -> review.QueueItem:
    assert item is not None
    return item


def test_one_answer_of_the_service_step(session: Session, app: Flask) -> None:
    limits = setup_cards(session, 16)
    trips = RoundTrips(engine_of(app))
    item = _answers(review.next_card(session, limits, now=MORNING))
    counts = []
    # Enough answers that psycopg prepares the statements (after five runs of each) meanwhile.
    for _ in range(14):
        with trips.counting() as sent:
            answered, next_item = review.answer_and_next(
                session,
                limits,
                state_id=item.state.id,
                version=item.state.version,
                grade=4,
                now=MORNING,
            )
        assert answered.applied
        counts.append(len(sent))
        item = _answers(next_item)
    # The first answers may connect, and on PostgreSQL psycopg prepares each statement on
    # its fifth run (one Parse more, once per statement and connection): then each costs
    # the same.
    expected = EXPECTED[trips.dialect]["step"]
    assert counts[-5:] == [expected] * 5, (counts, sent)
    if trips.dialect == "postgresql":
        assert expected <= MOST


def test_a_stale_answer_writes_nothing_and_costs_no_more(session: Session, app: Flask) -> None:
    limits = setup_cards(session, 3)
    trips = RoundTrips(engine_of(app))
    item = _answers(review.next_card(session, limits, now=MORNING))
    answer = {"state_id": item.state.id, "version": item.state.version, "grade": 4}
    review.answer_and_next(session, limits, now=MORNING, **answer)
    with trips.counting() as sent:
        again, _next = review.answer_and_next(session, limits, now=MORNING, **answer)
    assert not again.applied
    # The state read finds another version: no write, just the next card.
    fewer = {"postgresql": 2, "sqlite": 6}[trips.dialect]
    assert len(sent) == fewer, sent


def _grade_form(client: FlaskClient) -> tuple[str, dict[str, str]]:
    page = html(client.get("/review", headers=HX).data)
    form = page.select_one("form.grades")
    assert form is not None
    fields = {str(i["name"]): str(i["value"]) for i in form.select("input[type=hidden]")}
    # Failed: the card comes back as a re-drill, so six cards never run out.
    return str(form["action"]), {**fields, "grade": "1"}


@pytest.mark.usefixtures("studying")
def test_one_answer_of_the_review_page(app: Flask, client: FlaskClient) -> None:
    trips = RoundTrips(engine_of(app))
    counts = []
    for _ in range(14):
        action, form = _grade_form(client)
        with trips.counting() as sent:
            response = client.post(action, data=form, headers=HX)
        assert response.status_code == 200
        counts.append(len(sent))
    expected = EXPECTED[trips.dialect]["request"]
    assert counts[-5:] == [expected] * 5, (counts, sent)
    if trips.dialect == "postgresql":
        assert expected <= MOST


def test_every_statement_of_the_step_is_compiled_once() -> None:
    # A construct without a cache key makes SQLAlchemy compile the whole statement on every
    # run: the next card's statement then costs tens of milliseconds instead of one.
    from studyapp.services import review_sql
    from studyapp.web import auth

    statements = {
        "pick": review_sql.EVERYTHING.pick,
        "pick in one deck": review_sql.ONE_DECK.pick,
        "state": review_sql.STATE,
        "answer": review_sql.ANSWER,
        "update state": review_sql.UPDATE_STATE,
        "insert log": review_sql.INSERT_LOG,
        "studied deck": review_sql.STUDIED_DECK,
        "signed in": auth._BY_TOKEN,
    }
    uncached = [
        name for name, statement in statements.items() if statement._generate_cache_key() is None
    ]
    assert uncached == []
