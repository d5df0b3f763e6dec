"""Helpers for tests/test_crash.py: scratch databases, a gunicorn that can be killed outright,
readers that remember which answers the server acknowledged, and database snapshots.

The HTTP client is the load benchmark's (``bench/load_client.py``): plain asyncio streams, its
own cookies, one request per connection, as gunicorn's sync workers want.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Coroutine, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from random import Random
from typing import Any, TypeVar

from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.engine import make_url

from bench.load_client import Client
from studyapp.models import Base
from tests.conftest import PG_URL

_T = TypeVar("_T")

ROOT = Path(__file__).resolve().parent.parent
#: The backends every crash test runs on: SQLite as shipped (synchronous=FULL), SQLite with
#: synchronous=NORMAL, and PostgreSQL when STUDYAPP_TEST_DATABASE_URL names one.
BACKENDS = ["sqlite-full", "sqlite-normal"] + (["postgresql"] if PG_URL else [])
_SETTINGS = {"sqlite-normal": {"STUDYAPP_SQLITE_SYNCHRONOUS": "NORMAL"}}
_CLI = "from studyapp.cli import main; main()"
_ACTION = re.compile(r'action="/review/(\d+)/answer"')
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'\b(name|value)="([^"]*)"')


def poll(condition: Callable[[], Any], what: str, *, timeout: float = 30.0) -> Any:
    """Call ``condition`` until it returns something true; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)
    return result


@dataclass
class Database:
    url: str
    #: Settings for the app's processes beside DATABASE_URL.
    settings: dict[str, str]
    path: Path | None = None  # the SQLite file

    @property
    def is_sqlite(self) -> bool:
        return self.path is not None

    def env(self) -> dict[str, str]:
        """The environment of a server or command on this database (no stray STUDYAPP_*)."""
        inherited = {k: v for k, v in os.environ.items() if not k.startswith("STUDYAPP_")}
        return {
            **inherited,
            **self.settings,
            "DATABASE_URL": self.url,
            "SECRET_KEY": "crash-test-secret",
        }

    def engine(self) -> Engine:
        return create_engine(self.url)


@contextmanager
def scratch_database(backend: str, folder: Path) -> Iterator[Database]:
    """An empty database: a SQLite file in ``folder``, or a PostgreSQL database of its own
    (so that pg_locks and pg_stat_activity can be read for it alone), dropped afterwards."""
    if backend.startswith("sqlite"):
        path = folder / "crash.db"
        yield Database(f"sqlite:///{path}", dict(_SETTINGS.get(backend, {})), path)
        return
    name = f"crash_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield Database(make_url(PG_URL).set(database=name).render_as_string(False), {})
        finally:
            with admin.connect() as connection:
                connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def spawn(
    command: list[str], database: Database, log: Path, settings: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start a process on the database in a session (process group) of its own, with
    ``settings`` added to its environment."""
    with log.open("wb") as output:
        return subprocess.Popen(
            command,
            cwd=ROOT,
            env={**database.env(), **(settings or {})},
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def cli(database: Database, *args: str, log: Path) -> subprocess.Popen[bytes]:
    """Start ``studyapp ARGS`` on the database, its output going to ``log``."""
    return spawn([sys.executable, "-c", _CLI, *args], database, log)


def run_cli(database: Database, *args: str, log: Path) -> None:
    process = cli(database, *args, log=log)
    try:
        code = process.wait(timeout=120)
    finally:
        kill_group(process)
    assert code == 0, f"studyapp {' '.join(args)} exited {code}:\n{log.read_text()}"


def kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the process's whole group (its session) and reap the process. A group that is
    gone, its leader reaped, is left alone: its number may belong to someone else by now."""
    if process.returncode is None or group_members(process.pid):
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    process.wait(timeout=30)


def group_members(group: int) -> list[int]:
    """The live (not zombie) processes of a process group, read from /proc."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue
        if int(fields[2]) == group and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def run_async(coroutine: Coroutine[Any, Any, _T]) -> _T:
    """``asyncio.run`` in a thread of its own: the browser tests' Playwright, earlier in the
    same session, leaves an event loop running in the main thread."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def request(
    port: int, method: str, path: str, form: dict[str, str] | None = None, **kw: Any
) -> tuple[int, str]:
    return run_async(Client(port).request(method, path, form, **kw))


class Server:
    """gunicorn with 2 sync workers, as deployed, in a session (process group) of its own."""

    def __init__(
        self, database: Database, folder: Path, settings: dict[str, str] | None = None
    ) -> None:
        self.port = _free_port()
        self.log = folder / f"gunicorn-{self.port}.log"
        port = f"127.0.0.1:{self.port}"
        command = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", port]
        self.process = spawn([*command, "studyapp:create_app()"], database, self.log, settings)

    def wait_ready(self) -> None:
        """Poll /healthz until it answers 200 (and both workers are up)."""

        def healthy() -> bool:
            assert self.process.poll() is None, f"gunicorn exited:\n{self.log.read_text()}"
            try:
                status, _body = request(self.port, "GET", "/healthz")
            except (OSError, EOFError):
                return False
            return status == 200 and len(self.workers()) == 2

        poll(healthy, f"gunicorn on port {self.port}")

    def workers(self) -> list[int]:
        return [pid for pid in group_members(self.process.pid) if pid != self.process.pid]

    def kill(self) -> list[int]:
        """kill -9 the master and every worker at once; wait until none is left. Returns the
        pids that were killed."""
        victims = group_members(self.process.pid)
        kill_group(self.process)
        poll(lambda: not group_members(self.process.pid), "the killed server's processes to go")
        return victims

    def __enter__(self) -> Server:
        try:
            self.wait_ready()
        except BaseException:
            self.kill()
            raise
        return self

    def __exit__(self, *_exc: object) -> None:
        self.kill()


def answer_form(page: str) -> tuple[int, dict[str, str]] | None:
    """The state id and hidden fields of the card's answer form, or None (no card left)."""
    action = _ACTION.search(page)
    if action is None:
        return None
    fields = {}
    for tag in _INPUT.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get("name") in ("csrf_token", "version", "shown_at"):
            fields[attributes["name"]] = attributes.get("value", "")
    return int(action.group(1)), fields


@dataclass(frozen=True)
class Ack:
    """An answer the server acknowledged: 200 with the next card, read to its end."""

    email: str
    state_id: int
    version: int
    grade: int


class Reader(threading.Thread):
    """One user answering cards as fast as the server lets them, in a thread of its own,
    until told to stop, until ``limit`` answers, or until the first failure."""

    def __init__(self, port: int, email: str, seed: int, limit: int | None = None) -> None:
        super().__init__(daemon=True)
        self.port, self.email, self.seed, self.limit = port, email, seed, limit
        self.acks: list[Ack] = []
        self.failures: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        try:
            asyncio.run(self._answer())
        except Exception as error:  # noqa: BLE001 - the test reads it from failures
            self.failures.append(f"{type(error).__name__}: {error}")

    async def _answer(self) -> None:
        client, grades = Client(self.port), Random(self.seed)
        page = await client.log_in(self.email)
        while not self.stop.is_set() and (self.limit is None or len(self.acks) < self.limit):
            found = answer_form(page)
            if found is None:
                self.failures.append("no card left")
                return
            state_id, fields = found
            # Mostly passes; a 3 now and then makes a same-day re-drill.
            grade = grades.choice((3, 4, 4, 5, 5))
            status, page = await client.request(
                "POST", f"/review/{state_id}/answer", {**fields, "grade": str(grade)}, htmx=True
            )
            if status != 200:
                self.failures.append(f"HTTP {status}")
                return
            self.acks.append(Ack(self.email, state_id, int(fields["version"]), grade))


def snapshot(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table of the app, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row)
                for row in connection.execute(select(table).order_by(*table.primary_key.columns))
            ]
            for table in Base.metadata.sorted_tables
        }


def integrity_problems(database: Database) -> list[str]:
    """What SQLite's integrity and foreign-key checks report (nothing when all is well)."""
    if not database.is_sqlite:
        return []
    with sqlite3.connect(database.path) as connection:
        integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
        foreign = [repr(row) for row in connection.execute("PRAGMA foreign_key_check")]
    connection.close()
    return ([] if integrity == ["ok"] else integrity) + foreign


def sqlite_write_locked(path: Path) -> bool:
    """Whether another connection holds the SQLite file's write lock (it is in a write
    transaction): BEGIN IMMEDIATE fails at once then, and is rolled back at once otherwise."""
    connection = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        connection.execute("BEGIN IMMEDIATE")
        connection.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as error:
        if "locked" not in str(error) and "busy" not in str(error):
            raise
        return True
    finally:
        connection.close()


def pg_writing(engine: Engine, table: str) -> bool:
    """Whether another session of this database holds an open write lock on ``table``."""
    query = text(
        "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation "
        "WHERE c.relname = :table AND l.mode = 'RowExclusiveLock' AND l.granted "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND l.pid <> pg_backend_pid()"
    )
    with engine.connect() as connection:
        return bool(connection.scalar(query, {"table": table}))


def wait_inside_import(database: Database, engine: Engine, running: Callable[[], bool]) -> None:
    """Return once the import is inside its write transaction and has written part of it: on
    SQLite, while another connection holds the write lock, the WAL file changes (pages of the
    open transaction spilled from the cache); on PostgreSQL, another session holds a write
    lock on card_texts (papers and cards are being inserted). Fails if ``running()`` turns
    false first: the import ended before it could be killed."""

    def alive() -> None:
        assert running(), "the import ended before it could be killed"

    if not database.is_sqlite:

        def writing() -> bool:
            alive()
            return pg_writing(engine, "card_texts")

        poll(writing, "the import's first inserts", timeout=60)
        return
    path = database.path
    assert path is not None
    wal = path.with_name(path.name + "-wal")

    def signature() -> tuple[int, int]:
        found = wal.stat() if wal.exists() else None
        return (found.st_size, found.st_mtime_ns) if found else (-1, -1)

    def locked() -> bool:
        alive()
        return sqlite_write_locked(path)

    poll(locked, "the import's write lock", timeout=60)
    # Nobody else can write while it holds the lock: a change to the WAL is its own.
    start = signature()
    poll(lambda: locked() and signature() != start and locked(), "uncommitted pages in the WAL")


def digest(papers: int, prefix: str) -> str:
    """A Daily Papers digest in the format of tests/data/digest_en.md: two cards a paper."""
    lines = ["## Daily Papers (2025-03-14)", ""]
    for n in range(papers):
        name = f"{prefix}{n}"
        lines += [
            f"### [{name}: Durable Key-Value Caches, Part {n}](https://arxiv.org/abs/2412.{n:05d})",
            "",
            "Authors: Mina Park, Oliver Grant",
            "",
            "- Serving many chat sessions wastes memory because each request copies the prompt.",
            f"- We propose {name}, which stores the prompt's key-value blocks only once.",
            f"- {name} raises serving throughput by up to {n % 9 + 1}.4x over a paged baseline.",
            "",
        ]
    return "\n".join(lines)
