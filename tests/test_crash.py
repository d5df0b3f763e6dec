"""Crash tests: kill -9 the server or an import in the middle of its work, and check that what
was acknowledged stays and what was not finished leaves nothing behind.

The server test runs on SQLite with synchronous=FULL (as shipped) and =NORMAL, and on
PostgreSQL when STUDYAPP_TEST_DATABASE_URL names a server; the command-line import test on
SQLite (FULL) and PostgreSQL; the upload test on SQLite. The processes are real: gunicorn with
2 sync workers and the ``studyapp`` command, each in a session of its own so that SIGKILL
reaches its whole process group. Waits poll for a state (the health check, a lock, a count of
answers) with a deadline; nothing depends on how fast the machine is. PostgreSQL has no
counterpart of SQLite's integrity_check here: its constraints, and the invariants checked
below, stand for it.
"""

from __future__ import annotations

import os
import re
import signal
import threading
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from bench.common import synthetic_papers
from bench.load_client import PASSWORD, Client
from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import Card, Deck, Paper, ReviewLog, ReviewState, User
from studyapp.services import accounts, library
from studyapp.services.importing import DeckImport, import_decks
from tests.crash_support import (
    BACKENDS,
    Ack,
    Database,
    Reader,
    Server,
    cli,
    digest,
    integrity_problems,
    kill_group,
    poll,
    request,
    run_async,
    run_cli,
    scratch_database,
    snapshot,
    wait_inside_import,
)

DATA = Path(__file__).parent / "data"
#: Readers (one user each) answering at once, and the due cards each one has.
USERS, PAPERS_PER_USER = 6, 30
#: Answers the readers must have seen acknowledged before the server is killed.
KILL_AFTER = 60
#: The state every card starts the crash test in (what the first logged answer saw).
INITIAL = (3, 2.5, 10)
#: Papers in the large digest: enough that its import's transaction outgrows SQLite's page
#: cache and writes uncommitted pages into the WAL before it commits.
BIG = 2000
#: Killing an import is the same on SQLite whatever its synchronous setting (a killed process
#: loses nothing the kernel was given), so the import tests run on FULL and PostgreSQL only.
IMPORT_BACKENDS = [backend for backend in BACKENDS if backend != "sqlite-normal"]


@contextmanager
def _session(database: Database) -> Iterator[Session]:
    """A session of the app on the database; its engine is disposed of afterwards."""
    factory = session_factory(create_app({"DATABASE_URL": database.url, "SECRET_KEY": "crash"}))
    try:
        with factory() as session:
            yield session
    finally:
        factory.kw["bind"].dispose()


def _prepare_readers(database: Database, folder: Path) -> None:
    """Migrate with `studyapp db upgrade`; then USERS accounts with a deck each, every card a
    review due today (so that the queue never runs dry during the test)."""
    run_cli(database, "db", "upgrade", log=folder / "upgrade.log")
    with _session(database) as session:
        first = accounts.register(session, email="reader0@example.com", password=PASSWORD)
        users = [first] + [
            # The same password, hashed once: scrypt is slow on purpose.
            User(email=f"reader{n}@example.com", password_hash=first.password_hash)
            for n in range(1, USERS)
        ]
        with session.begin():
            session.add_all(users[1:])
        papers = synthetic_papers(PAPERS_PER_USER)
        for user in users:
            import_decks(session, [DeckImport(name="Load", papers=papers, owner_id=user.id)])
        with session.begin():
            repetitions, ease, interval = INITIAL
            session.execute(
                update(ReviewState).values(
                    repetitions=repetitions,
                    ease=ease,
                    interval_days=interval,
                    due_on=datetime.now(UTC).date(),
                    last_reviewed_at=datetime.now(UTC),
                )
            )
            session.execute(update(User).values(reviews_per_day=9999))


def _check_answers(engine: Engine, acks: list[Ack]) -> int:
    """Check (a) and (c); return how many answers the review log holds.

    (a) Every acknowledged answer is logged. An answer carries the version of the state it was
    given for; review.answer() applies it only if that version is current, and then inserts
    one log row and raises the version by one in the same transaction. Nothing else changes
    these states here (undo, suspending, quizzes write through the ORM, whose version_id_col
    also raises the version), so the state's k-th log row, in id order, is the answer given
    for version k: it must exist and carry the grade that was sent.

    (c) The invariant this schema keeps: a state's version - 1 counts the writes ever made to
    it, and its log rows count the answers minus the undos; with answers only, version - 1 ==
    the number of its log rows. Every log row records the state before and after the answer,
    so the rows chain (one's "after" is the next one's "before"), start from INITIAL, and end
    at the state as it is.
    """
    with engine.connect() as connection:
        emails = dict(connection.execute(select(User.email, User.id)).all())
        states = connection.execute(
            select(
                ReviewState.id,
                ReviewState.user_id,
                ReviewState.card_id,
                ReviewState.version,
                ReviewState.repetitions,
                ReviewState.ease,
                ReviewState.interval_days,
            )
        ).all()
        logs = connection.execute(
            select(
                ReviewLog.user_id,
                ReviewLog.card_id,
                ReviewLog.grade,
                ReviewLog.repetitions_before,
                ReviewLog.ease_before,
                ReviewLog.interval_before,
                ReviewLog.repetitions_after,
                ReviewLog.ease_after,
                ReviewLog.interval_after,
            ).order_by(ReviewLog.id)
        ).all()
    logged = defaultdict(list)
    for row in logs:
        logged[row.user_id, row.card_id].append(row)
    by_id = {state.id: state for state in states}

    missing = []
    for ack in acks:
        state = by_id[ack.state_id]
        assert state.user_id == emails[ack.email]
        rows = logged[state.user_id, state.card_id]
        if len(rows) < ack.version or rows[ack.version - 1].grade != ack.grade:
            missing.append(ack)
    assert not missing, f"{len(missing)} of {len(acks)} acknowledged answers lost: {missing}"

    broken = []
    for state in states:
        rows = logged.pop((state.user_id, state.card_id), [])
        chain = [INITIAL] + [(r.repetitions_after, r.ease_after, r.interval_after) for r in rows]
        befores = [(r.repetitions_before, r.ease_before, r.interval_before) for r in rows]
        current = (state.repetitions, state.ease, state.interval_days)
        if state.version - 1 != len(rows) or chain[:-1] != befores or chain[-1] != current:
            broken.append((state, rows))
    assert not broken, f"review states and log disagree: {broken[:3]}"
    assert not logged, f"log rows without a review state: {dict(logged)}"
    return len(logs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_killed_server_keeps_every_acknowledged_answer(backend: str, tmp_path: Path) -> None:
    with scratch_database(backend, tmp_path) as database:
        _prepare_readers(database, tmp_path)
        with Server(database, tmp_path) as server:
            readers = [Reader(server.port, f"reader{n}@example.com", n) for n in range(USERS)]
            for reader in readers:
                reader.start()
            try:

                def enough() -> bool:
                    for reader in readers:
                        assert not reader.failures, f"{reader.email}: {reader.failures}"
                    return sum(len(reader.acks) for reader in readers) >= KILL_AFTER

                poll(enough, f"{KILL_AFTER} acknowledged answers")
                killed = server.kill()
            finally:
                for reader in readers:
                    reader.stop.set()
                for reader in readers:
                    reader.join(timeout=30)
            assert len(killed) == 3, f"master and 2 workers, not {killed}"
            assert not any(reader.is_alive() for reader in readers)
            # After the kill the readers may only have lost their connection.
            for reader in readers:
                assert not [f for f in reader.failures if f.startswith(("HTTP", "no card"))]
        acks = [ack for reader in readers for ack in reader.acks]
        assert len(acks) >= KILL_AFTER

        with Server(database, tmp_path) as restarted:
            engine = database.engine()
            try:
                assert integrity_problems(database) == []
                logged = _check_answers(engine, acks)
                # Nothing doubled: beyond what was acknowledged, each reader can have had
                # one answer committed whose response the kill cut off.
                assert len(acks) <= logged <= len(acks) + USERS
                # Shown with -s, and on failure.
                print(f"{backend}: {len(acks)} acknowledged answers, {logged} logged")
                # (d) The restarted server answers its health check (it was polled until 200)
                # and takes more answers, which are logged too.
                more = [
                    Reader(restarted.port, f"reader{n}@example.com", 100 + n, limit=3)
                    for n in range(USERS)
                ]
                for reader in more:
                    reader.start()
                for reader in more:
                    reader.join(timeout=60)
                    assert not reader.is_alive() and not reader.failures, reader.failures
                    assert len(reader.acks) == 3
                assert request(restarted.port, "GET", "/healthz")[0] == 200
                after = _check_answers(engine, acks + [a for r in more for a in r.acks])
                assert after == logged + 3 * USERS
                assert integrity_problems(database) == []
            finally:
                engine.dispose()


def _deck_counts(engine: Engine, slug: str, email: str) -> tuple[int, int, int]:
    """Papers and cards of the deck, and the review states the user has."""
    with engine.connect() as connection:
        deck = select(Deck.id).where(Deck.slug == slug).scalar_subquery()
        papers = connection.scalar(select(func.count(Paper.id)).where(Paper.deck_id == deck))
        cards = connection.scalar(
            select(func.count(Card.id)).join(Paper).where(Paper.deck_id == deck)
        )
        states = connection.scalar(
            select(func.count(ReviewState.id))
            .join(User, User.id == ReviewState.user_id)
            .where(User.email == email)
        )
    return papers or 0, cards or 0, states or 0


@pytest.mark.parametrize("backend", IMPORT_BACKENDS)
def test_killed_cli_import_leaves_nothing_behind(backend: str, tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text(digest(BIG, "Crashproof"), encoding="utf-8")
    with scratch_database(backend, tmp_path) as database:
        # The deck "Crash" with a few papers, and a reader who studies it, so that an import
        # into it also makes review states.
        with _session(database) as session:
            migrate.upgrade(session.get_bind())
            user = accounts.register(session, email="student@example.com", password=PASSWORD)
            small = extract_text((DATA / "digest_en.md").read_text(), source="digest_en.md")
            (report,) = import_decks(session, [DeckImport(name="Crash", papers=small.papers)])
            library.add_to_my_cards(session, user.id, report.deck_id)
        engine = database.engine()
        try:
            papers, cards, states = _deck_counts(engine, "crash", "student@example.com")
            assert papers > 0 and cards == states > 0
            before = snapshot(engine)

            log = tmp_path / "killed.log"
            process = cli(database, "import", str(big), "--deck", "Crash", log=log)
            try:
                wait_inside_import(database, engine, lambda: process.poll() is None)
            finally:
                kill_group(process)
            # The kill came first: the command neither exited by itself nor printed its report,
            # which it does only after the commit.
            assert process.returncode == -signal.SIGKILL
            assert "papers," not in log.read_text()

            assert snapshot(engine) == before
            assert integrity_problems(database) == []

            again = tmp_path / "again.log"
            run_cli(database, "import", str(big), "--deck", "Crash", log=again)
            report = f"Crash: {BIG} papers, {2 * BIG} cards ({2 * BIG} new, 0 updated, 0 unchanged)"
            assert report in again.read_text()
            assert _deck_counts(engine, "crash", "student@example.com") == (
                papers + BIG,
                cards + 2 * BIG,
                states + 2 * BIG,
            )
            assert integrity_problems(database) == []
        finally:
            engine.dispose()


def _post(client: Client, form: dict[str, str]) -> int | str:
    """POST /import: its status, or the error that cut it off."""
    try:
        return run_async(client.request("POST", "/import", form))[0]
    except (OSError, EOFError) as error:
        return f"{type(error).__name__}: {error}"


# The import's transaction is the one above; over HTTP the test checks that a worker killed
# in it leaves nothing either, once, on SQLite, to keep the suite short. The document is
# saved by the web process (under INLINE_IMPORT_BYTES); a larger one goes to the job worker,
# whose killing test_import_steps.py::test_a_killed_run_is_cleared_once_abandoned covers.
def test_killed_worker_during_http_import_leaves_nothing_behind(tmp_path: Path) -> None:
    email = "uploader@example.com"
    with scratch_database("sqlite-full", tmp_path) as database:
        with _session(database) as session:
            migrate.upgrade(session.get_bind())
            accounts.register(session, email=email, password=PASSWORD)
        engine = database.engine()
        try:
            inline = {"STUDYAPP_INLINE_IMPORT_BYTES": str(16 * 1024 * 1024)}
            with Server(database, tmp_path, inline) as server:
                client = Client(server.port)
                run_async(client.log_in(email))
                page = run_async(client.request("GET", "/import"))[1]
                token = re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page)
                assert token is not None
                form = {
                    "text": digest(BIG, "Uploaded"),
                    "format": "",
                    "target": "new",
                    "deck_name": "Uploaded",
                    "csrf_token": token.group(1),
                }
                before = snapshot(engine)

                outcome: list[int | str] = []
                poster = threading.Thread(target=lambda: outcome.append(_post(client, form)))
                poster.start()
                try:
                    wait_inside_import(database, engine, poster.is_alive)
                    killed = server.workers()
                    for pid in killed:
                        os.kill(pid, signal.SIGKILL)
                finally:
                    poster.join(timeout=60)
                # The worker died before it answered, so the upload was cut off.
                assert len(outcome) == 1 and isinstance(outcome[0], str), outcome
                # The master replaces the killed workers.
                poll(lambda: not set(server.workers()) & set(killed), "the workers to die")
                server.wait_ready()

                assert snapshot(engine) == before
                assert integrity_problems(database) == []

                assert _post(client, form) == 303
            assert _deck_counts(engine, "uploaded", email) == (BIG, 2 * BIG, 2 * BIG)
            assert integrity_problems(database) == []
        finally:
            engine.dispose()
