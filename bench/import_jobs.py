"""Benchmark: a large upload's preview returns at once, and the site stays quick while the
worker reads large documents.

    .venv/bin/python bench/import_jobs.py [--megabytes 5] [--imports 2]   (or make bench)

The app runs as ``make run`` and ``deploy/serve.py`` run it: gunicorn with 2 sync workers and
``studyapp worker`` (2 jobs at a time) on a fresh SQLite database. A signed-in reader uploads a
document of the given size (our test digest, repeated with a title and arXiv id of its own for
each paper: about 500 bytes a paper) to ``/import/preview``; what is timed is the request, up to
the 303 to its job's page. Then ``imports`` such uploads are made at once, and while the worker
reads them ``/healthz`` is asked every 100 ms until every job has finished.

Targets (issue 20): the preview request < 0.5 s; ``/healthz`` p95 ≤ 100 ms while the jobs run
(before jobs, a 5 MB preview kept a web worker busy 12–20 s, and two made ``/healthz`` take
19 s).
"""

from __future__ import annotations

import argparse
import http.client
import io
import itertools
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from common import Row, p95, print_table
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.models import Job

NAME = "import_jobs"
FULL: dict[str, Any] = {"megabytes": 5.0, "imports": 2}
SMOKE: dict[str, Any] = {"megabytes": 0.3, "imports": 2}
TARGET_PREVIEW_S = 0.5
TARGET_HEALTH_P95_MS = 100
_DIGEST = Path(__file__).resolve().parents[1] / "tests" / "data" / "digest_ko.md"
_JOB = re.compile(r"/import/jobs/(\d+)$")


def large_document(megabytes: float) -> bytes:
    """The test digest repeated to ``megabytes`` (UTF-8), every paper its own."""
    head, body = _DIGEST.read_text(encoding="utf-8").split("\n", 1)
    numbers = itertools.count(10000)
    parts = [head + "\n"]
    size, limit = 0, int(megabytes * 1024 * 1024) - len(body.encode()) * 2
    for copy in itertools.count():
        part = body.replace("### [", f"### [Part {copy}: ")
        part = re.sub(r"abs/\d{4}\.\d{5}", lambda _m: f"abs/2503.{next(numbers):05d}", part)
        size += len(part.encode())
        parts.append(part)
        if size >= limit:
            break
    return "".join(parts).encode()


def _upload(data: bytes) -> FileStorage:
    return FileStorage(io.BytesIO(data), filename="big.md", content_type="text/markdown")


class Reader:
    """A signed-in browser, as far as the benchmark needs one: cookies and plain requests."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(
        self, method: str, path: str, body: bytes = b"", content_type: str | None = None
    ) -> tuple[int, dict[str, str]]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        if content_type:
            headers["Content-Type"] = content_type
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _sep, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}
        finally:
            connection.close()

    def register(self) -> None:
        password = "benchmark passphrase"
        form = {"email": "big@example.com", "password": password, "confirm": password}
        status, _headers = self.request(
            "POST",
            "/register",
            urlencode({**form, "timezone": "UTC"}).encode(),
            "application/x-www-form-urlencoded",
        )
        assert status in (302, 303), status

    def upload(self, document: bytes) -> tuple[float, int]:
        """Posts ``document`` for a preview; returns the time taken and the job's id."""
        boundary, body = encode_multipart(
            {"text": "", "format": "", "target": "new", "deck_name": "", "file": _upload(document)}
        )
        started = time.perf_counter()
        status, headers = self.request(
            "POST", "/import/preview", body, f"multipart/form-data; boundary={boundary}"
        )
        took = time.perf_counter() - started
        match = _JOB.search(headers.get("location", ""))
        assert status == 303 and match, (status, headers)
        return took, int(match.group(1))

    def health_ms(self) -> float:
        started = time.perf_counter()
        status, _headers = self.request("GET", "/healthz")
        assert status == 200, status
        return (time.perf_counter() - started) * 1000


@contextmanager
def _site(folder: Path) -> Iterator[int]:
    """gunicorn and the job worker on a fresh database in ``folder``; yields the port."""
    database_url = f"sqlite:///{folder / 'bench.db'}"
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    migrate.upgrade(session_factory(app).kw["bind"])
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
        # The benchmark's reader is a script, not a browser with the page's token.
        "STUDYAPP_WTF_CSRF_ENABLED": "false",
    }
    with socket_port() as port:
        web = [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}"]
        worker = [str(Path(sys.executable).parent / "studyapp"), "worker", "--no-periodic"]
        log = (folder / "site.log").open("w")
        processes = [
            subprocess.Popen(
                [*web, "studyapp:create_app()"], env=environment, stdout=log, stderr=log
            ),
            subprocess.Popen(worker, env=environment, stdout=log, stderr=log),
        ]
        try:
            _wait_until_up(port, processes[0], folder / "site.log")
            yield port
        finally:
            for process in processes:
                process.send_signal(signal.SIGTERM)
            for process in processes:
                process.wait(timeout=60)
            log.close()


@contextmanager
def socket_port() -> Iterator[int]:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    yield port


def _wait_until_up(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if Reader(port).request("GET", "/healthz")[0] == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError("gunicorn did not start:\n" + log.read_text())
        time.sleep(0.1)


def _unfinished(folder: Path, ids: list[int]) -> list[int]:
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.db'}", "SECRET_KEY": "b"})
    with session_factory(app)() as session, session.begin():
        rows = session.execute(select(Job.id, Job.status).where(Job.id.in_(ids))).all()
    failed = [job_id for job_id, status in rows if status == "failed"]
    assert not failed, f"jobs failed: {failed}"
    return [job_id for job_id, status in rows if status != "done"]


def measure(*, megabytes: float, imports: int) -> dict[str, Any]:
    document = large_document(megabytes)
    with tempfile.TemporaryDirectory() as tmp, _site(Path(tmp)) as port:
        folder = Path(tmp)
        reader = Reader(port)
        reader.register()
        quiet = [reader.health_ms() for _ in range(20)]
        # The timed preview: its job waits for the worker like any other.
        preview_s, first = reader.upload(document)
        ids = [first] + [reader.upload(document)[1] for _ in range(imports - 1)]
        began, health = time.perf_counter(), []
        while _unfinished(folder, ids):
            health.append(reader.health_ms())
            time.sleep(0.1)  # a reader's pace, not a wait for the jobs: they are polled
        jobs_s = time.perf_counter() - began
    return {
        "document_mb": round(len(document) / 1024 / 1024, 2),
        "preview_s": round(preview_s, 3),
        "imports": imports,
        "jobs_s": round(jobs_s, 1),
        "health_quiet_p95_ms": round(p95(quiet), 1),
        "health_p95_ms": round(p95(health), 1) if health else None,
        "health_max_ms": round(max(health), 1) if health else None,
        "health_requests": len(health),
    }


def rows(figures: dict[str, Any]) -> list[Row]:
    size = f"{figures['document_mb']} MB upload"
    result = [
        Row(
            "import preview request",
            size,
            f"{figures['preview_s']:.3f} s",
            f"< {TARGET_PREVIEW_S} s",
            figures["preview_s"] < TARGET_PREVIEW_S,
        )
    ]
    if figures["health_p95_ms"] is not None:
        result.append(
            Row(
                "/healthz while imports run",
                f"{figures['imports']} × {size} read by the worker ({figures['jobs_s']} s), "
                f"{figures['health_requests']} requests; worst {figures['health_max_ms']} ms; "
                f"quiet p95 {figures['health_quiet_p95_ms']} ms",
                f"p95 {figures['health_p95_ms']} ms",
                f"p95 ≤ {TARGET_HEALTH_P95_MS} ms",
                figures["health_p95_ms"] <= TARGET_HEALTH_P95_MS,
            )
        )
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--megabytes", type=float, default=FULL["megabytes"])
    parser.add_argument("--imports", type=int, default=FULL["imports"])
    arguments = parser.parse_args()
    print_table(rows(measure(megabytes=arguments.megabytes, imports=arguments.imports)))


if __name__ == "__main__":
    main()
