"""Helpers for tests/test_production.py: the production set-up (``deploy/serve.py``: nginx in
front of gunicorn) on free ports of 127.0.0.1, a small HTTP client that can say where it
comes from, and an attacker holding many connections open with half-sent request headers.
"""

from __future__ import annotations

import asyncio
import http.client
import re
import shutil
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

from tests.crash_support import Database, kill_group, poll, run_cli, spawn

ROOT = Path(__file__).resolve().parent.parent
SERVE = ROOT / "deploy" / "serve.py"
GUNICORN_CONF = ROOT / "deploy" / "gunicorn_conf.py"
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Answer:
    status: int
    headers: http.client.HTTPMessage
    body: str
    seconds: float

    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


def fetch(
    port: int,
    method: str,
    path: str,
    *,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10.0,
) -> Answer:
    """One request on a connection of its own; raises OSError (a timeout too) when the
    server does not answer in ``timeout`` seconds."""
    started = time.monotonic()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        text = response.read().decode("utf-8", "replace")
        return Answer(response.status, response.headers, text, time.monotonic() - started)
    finally:
        connection.close()


class Browser:
    """Cookies and a CSRF token, and headers of our choosing (``X-Forwarded-For``)."""

    def __init__(self, port: int, **headers: str) -> None:
        self.port = port
        self.headers = {name.replace("_", "-"): value for name, value in headers.items()}
        self.jar: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict[str, str] | None = None) -> Answer:
        headers = dict(self.headers)
        if self.jar:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.jar.items())
        body = None
        if form is not None:
            body = urlencode(form).encode()
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = fetch(self.port, method, path, headers=headers, body=body)
        for cookie in answer.cookies():
            name, _, rest = cookie.partition("=")
            self.jar[name.strip()] = rest.split(";", 1)[0]
        return answer

    def post_form(self, path: str, page: str, form: dict[str, str]) -> Answer:
        """Post ``form`` with the CSRF token of the page at ``page``."""
        found = _CSRF.search(self.request("GET", page).body)
        assert found is not None, f"no CSRF token on {page}"
        return self.request("POST", path, {**form, "csrf_token": found.group(1)})


def migrated_database(folder: Path, **settings: str) -> Database:
    """A SQLite database in ``folder``, migrated by ``studyapp db upgrade``."""
    path = folder / "production.db"
    database = Database(f"sqlite:///{path}", dict(settings), path)
    run_cli(database, "db", "upgrade", log=folder / "upgrade.log")
    return database


@dataclass
class Running:
    port: int
    log: Path

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _wait_healthy(port: int, process_alive: object, log: Path) -> None:
    def healthy() -> bool:
        assert process_alive(), f"the server exited:\n{log.read_text()}"  # type: ignore[operator]
        try:
            return fetch(port, "GET", "/healthz", timeout=2).status == 200
        except OSError:
            return False

    poll(healthy, f"/healthz on port {port}", timeout=60)


@contextmanager
def production(database: Database, folder: Path, *args: str) -> Iterator[Running]:
    """The README's production command, ``deploy/serve.py``, serving a free port of
    127.0.0.1 (run directory in a short temporary folder: a socket path has ~100 bytes)."""
    port = free_port()
    run = Path(tempfile.mkdtemp(prefix="studyapp-test-"))
    command = [sys.executable, str(SERVE), "--bind", f"127.0.0.1:{port}", "--run-dir", str(run)]
    with _serving([*command, *args], database, folder / f"serve-{port}.log", port, run) as up:
        yield up


@contextmanager
def gunicorn(database: Database, folder: Path, *options: str) -> Iterator[Running]:
    """gunicorn alone on a free port of 127.0.0.1, with ``options`` (``-c`` a config...)."""
    port = free_port()
    run = Path(tempfile.mkdtemp(prefix="studyapp-test-"))
    command = [sys.executable, "-m", "gunicorn", *options, "--bind", f"127.0.0.1:{port}"]
    command += ["--control-socket", str(run / "gunicorn.ctl"), "studyapp:create_app()"]
    with _serving(command, database, folder / f"gunicorn-{port}.log", port, run) as up:
        yield up


@contextmanager
def _serving(
    command: list[str], database: Database, log: Path, port: int, run: Path
) -> Iterator[Running]:
    """``command`` started on ``database`` until it answers on ``port``; stopped, and its run
    directory removed, when the block ends."""
    process = spawn(command, database, log)
    try:
        _wait_healthy(port, lambda: process.poll() is None, log)
        yield Running(port, log)
    finally:
        kill_group(process)
        shutil.rmtree(run, ignore_errors=True)


@dataclass
class SlowClients:
    """``count`` connections to 127.0.0.1:``port`` that each send the start of a request
    header, then one more byte about every ``pace`` seconds, never finishing it. A connection
    the server closes is opened again at once, so that ``count`` stay open all along.
    Runs in a thread of its own (its own event loop) for ``seconds``, then closes them all."""

    port: int
    count: int = 200
    seconds: float = 20.0
    pace: float = 1.0
    connected: int = 0
    closed_by_server: int = 0
    #: How many connections were open, sampled every 50 ms once all had first connected.
    samples: list[int] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    _open: int = 0
    _thread: threading.Thread | None = None
    _ready: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> SlowClients:
        self._thread = threading.Thread(target=lambda: asyncio.run(self._attack()), daemon=True)
        self._thread.start()
        assert self._ready.wait(30), "the slow clients could not connect"
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._thread is not None
        self._thread.join(self.seconds + 30)
        assert not self._thread.is_alive(), "the slow clients did not stop"

    def held(self, share: float) -> float:
        """The share of the samples with at least ``share`` of ``count`` open."""
        full = [n for n in self.samples if n >= share * self.count]
        return len(full) / len(self.samples) if self.samples else 0.0

    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    async def _attack(self) -> None:
        deadline = time.monotonic() + self.seconds
        tasks = [asyncio.create_task(self._one(n, deadline)) for n in range(self.count)]
        watcher = asyncio.create_task(self._watch(deadline))
        await asyncio.gather(*tasks, watcher)

    async def _watch(self, deadline: float) -> None:
        while time.monotonic() < deadline:
            if self._open >= self.count:
                self._ready.set()
            if self._ready.is_set():
                self.samples.append(self._open)
            await asyncio.sleep(0.05)
        self._ready.set()

    async def _one(self, n: int, deadline: float) -> None:
        while time.monotonic() < deadline:
            try:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", self.port), timeout=5
                )
            except (OSError, TimeoutError) as error:
                self.errors.append(f"connect: {error!r}")
                await asyncio.sleep(0.2)
                continue
            self.connected += 1
            self._open += 1
            try:
                writer.write(f"GET /healthz?slow={n} HTTP/1.1\r\nHost: 127.0.0.1\r\nX-S".encode())
                await writer.drain()
                while time.monotonic() < deadline:
                    # Has the server given up on us (an answer such as 408, or a close)?
                    try:
                        data = await asyncio.wait_for(reader.read(4096), timeout=self.pace)
                    except TimeoutError:
                        writer.write(b"l")
                        await writer.drain()
                        continue
                    if not data:
                        self.closed_by_server += 1
                        break
            except OSError:
                self.closed_by_server += 1
            finally:
                self._open -= 1
                writer.close()


def probe_health(port: int, *, every: float, timeout: float, until: object) -> list[float | str]:
    """GET /healthz every ``every`` seconds while ``until()`` is true: each answer's time in
    seconds, or what went wrong instead ("timeout", "HTTP 502"...)."""
    results: list[float | str] = []
    while until():  # type: ignore[operator]
        started = time.monotonic()
        try:
            answer = fetch(port, "GET", "/healthz", timeout=timeout)
        except TimeoutError:
            results.append("timeout")
        except OSError as error:
            results.append(f"{type(error).__name__}: {error}")
        else:
            results.append(answer.seconds if answer.status == 200 else f"HTTP {answer.status}")
        time.sleep(max(0.0, every - (time.monotonic() - started)))
    return results
