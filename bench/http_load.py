"""Benchmark: the review loop over HTTP under load, on SQLite and on PostgreSQL.

    .venv/bin/python bench/http_load.py [--clients 50] [--seconds 30] [--database sqlite ...]
    (or make bench)

The app runs as it is deployed: gunicorn with 2 sync workers on 127.0.0.1, on a fresh database
of each kind where every client has its own account and 400 due cards. Each client has its own
cookies: it logs in through the login form, then answers the card it is shown with the htmx
POST the review page sends (the answer comes back with the next card) for the given time. A
client answers at most once every 100 ms, a quick reader's pace, so 50 clients ask for up to
500 answers a second. The clients are asyncio tasks in four processes speaking plain HTTP/1.1,
so that the load generator takes as little as it can of the two cores it shares with the
server, and answers it promptly.
While they run, the workers' resident memory is read from /proc.

Afterwards the review log must hold exactly as many rows as answers the clients saw
acknowledged (200 with the next card): nothing lost, nothing doubled. Targets (issue 10):
≥ 400 answers/s, p95 ≤ 50 ms, no errors, none lost, peak worker RSS ≤ 150 MB.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from common import Row, mean, postgres_database, print_table, synthetic_papers
from load_client import PASSWORD, READER_PROCESSES, Client, start_readers
from sqlalchemy import func, select, update

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.models import ReviewLog, ReviewState, User
from studyapp.services import accounts
from studyapp.services.importing import DeckImport, import_decks

NAME = "http_load"
#: The servers measured: SQLite as shipped (synchronous=FULL), SQLite with
#: SQLITE_SYNCHRONOUS=NORMAL, and PostgreSQL.
DATABASES = {
    "sqlite": ("SQLite", {}),
    "sqlite-normal": ("SQLite, NORMAL", {"STUDYAPP_SQLITE_SYNCHRONOUS": "NORMAL"}),
    "postgresql": ("PostgreSQL", {}),
}
FULL: dict[str, Any] = {"clients": 50, "seconds": 30.0, "databases": tuple(DATABASES)}
SMOKE: dict[str, Any] = {
    "clients": 4,
    "seconds": 2.0,
    "cards": 20,
    "databases": tuple(DATABASES),
}
TARGETS = {"answers_per_s": 400, "p95_ms": 50, "rss_mb": 150}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _prepare(database_url: str, clients: int, cards: int) -> None:
    """Schema, accounts and due cards for every client."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    engine = factory.kw["bind"]
    migrate.upgrade(engine)
    with factory() as session:
        for index in range(clients):
            user = accounts.register(session, email=f"reader{index}@example.com", password=PASSWORD)
            import_decks(
                session,
                [DeckImport(name="Load", papers=synthetic_papers(cards // 2), owner_id=user.id)],
            )
        today = datetime.now(UTC).date()
        with session.begin():
            session.execute(
                update(ReviewState).values(
                    repetitions=3,
                    interval_days=10,
                    ease=2.5,
                    due_on=today,
                    last_reviewed_at=datetime.now(UTC),
                )
            )
            # Every due card is served: with siblings buried (the default) a paper would offer
            # only one of its two cards a day, and a client would run out halfway. The queue
            # still evaluates the burying conditions for each pick.
            session.execute(update(User).values(reviews_per_day=9999, bury_siblings=False))
    engine.dispose()


@contextmanager
def _server(
    database_url: str, workers: int, folder: str, settings: dict[str, str]
) -> Iterator[tuple[int, int]]:
    """gunicorn serving the app; yields its port and the master's pid."""
    port = _free_port()
    environment = {
        **os.environ,
        **settings,
        "DATABASE_URL": database_url,
        "SECRET_KEY": "bench-secret",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "--workers",
        str(workers),
        "--bind",
        f"127.0.0.1:{port}",
        "--backlog",
        "512",
        *os.environ.get("BENCH_GUNICORN_ARGS", "").split(),
        "studyapp:create_app()",
    ]
    log = Path(folder) / "gunicorn.log"
    with log.open("w") as output:
        master = subprocess.Popen(command, env=environment, stdout=output, stderr=output)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                status, _text = asyncio.run(Client(port).request("GET", "/healthz"))
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or master.poll() is not None:
                raise RuntimeError("gunicorn did not start:\n" + log.read_text())
            time.sleep(0.1)
        yield port, master.pid
    finally:
        master.send_signal(signal.SIGTERM)
        master.wait(timeout=30)


def _workers(master: int) -> list[int]:
    children = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in children.read_text().split()] if children.exists() else []


def _cpu_seconds(pids: list[int]) -> float:
    """User and system CPU time the processes have used so far."""
    ticks = 0
    for pid in pids:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks += int(fields[11]) + int(fields[12])
    return ticks / os.sysconf("SC_CLK_TCK")


def _peak_rss_mb(pids: list[int]) -> float:
    """The largest peak resident set (VmHWM) among the worker processes, in MB."""
    peak = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    peak = max(peak, int(line.split()[1]))
        except FileNotFoundError:
            continue
    return round(peak / 1024, 1)


def _run(
    database: str, database_url: str, clients: int, seconds: float, pace_s: float, folder: str
) -> dict:
    processes = min(READER_PROCESSES, clients)
    context = multiprocessing.get_context("fork")
    # Every reader signed in: the clock starts (the log-ins, with their password hashing, are
    # not measured).
    start = context.Barrier(processes + 1)
    out = context.Queue()
    with _server(database_url, 2, folder, DATABASES[database][1]) as (port, master):
        workers = _workers(master)
        spawned = start_readers(context, port, clients, seconds, pace_s, start, out)
        start.wait()
        began, server_before = time.perf_counter(), _cpu_seconds(workers)
        shares = [out.get(timeout=seconds + 120) for _ in spawned]
        elapsed = time.perf_counter() - began
        server_cpu = _cpu_seconds(workers) - server_before
        for process in spawned:
            process.join()
        rss_mb = _peak_rss_mb(workers)
    latencies = [value for share in shares for value in share.latencies]
    acknowledged = sum(share.acknowledged for share in shares)
    errors = [error for share in shares for error in share.errors]
    client_cpu = sum(share.cpu_s for share in shares)

    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    with factory() as session, session.begin():
        logged = session.scalar(select(func.count(ReviewLog.id))) or 0
    factory.kw["bind"].dispose()
    ordered = sorted(latencies)

    def percentile(share: float) -> float:
        return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 2)

    return {
        "clients": clients,
        "seconds": round(elapsed, 1),
        "answers": acknowledged,
        "answers_per_s": round(acknowledged / elapsed, 1),
        "offered_per_s": round(clients / pace_s, 1),
        "mean_ms": round(mean(latencies), 2) if latencies else None,
        "p50_ms": percentile(0.50) if ordered else None,
        "p95_ms": percentile(0.95) if ordered else None,
        "p99_ms": percentile(0.99) if ordered else None,
        "errors": len(errors),
        "error_kinds": sorted(set(errors))[:5],
        "log_rows": logged,
        "lost": acknowledged - logged,
        "peak_worker_rss_mb": rss_mb,
        # Where the two cores went while the readers ran: the workers, and the readers.
        "workers_cpu_ms_per_answer": round(server_cpu * 1000 / max(acknowledged, 1), 2),
        "clients_cpu_ms_per_answer": round(client_cpu * 1000 / max(acknowledged, 1), 2),
    }


def measure(
    clients: int = 50,
    seconds: float = 30.0,
    cards: int = 400,
    pace_ms: float = 100.0,
    databases: tuple[str, ...] = tuple(DATABASES),
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for database in databases:
        with tempfile.TemporaryDirectory() as folder:
            if database.startswith("sqlite"):
                url = f"sqlite:///{folder}/load.db"
                _prepare(url, clients, cards)
                figures[database] = _run(database, url, clients, seconds, pace_ms / 1000, folder)
                continue
            with postgres_database("http") as pg_url:
                if pg_url is None:
                    figures[database] = {"skipped": "PostgreSQL not reachable"}
                    continue
                _prepare(pg_url, clients, cards)
                figures[database] = _run(database, pg_url, clients, seconds, pace_ms / 1000, folder)
    return figures


def check(figures: dict[str, Any]) -> list[str]:
    """What must hold at any size: no errors, and every acknowledged answer in the log."""
    problems = []
    for database, run in figures.items():
        if "skipped" in run:
            continue
        if run["errors"]:
            problems.append(f"{database}: {run['errors']} errors, e.g. {run['error_kinds']}")
        if run["lost"]:
            problems.append(
                f"{database}: {run['answers']} answers acknowledged, {run['log_rows']} logged"
            )
        if not run["answers"]:
            problems.append(f"{database}: no answer went through")
    return problems


def rows(figures: dict[str, Any]) -> list[Row]:
    lines = []
    for database, run in figures.items():
        label = f"HTTP load, {DATABASES[database][0]}"
        if "skipped" in run:
            lines.append(Row(label, "gunicorn, 2 workers", f"skipped: {run['skipped']}"))
            continue
        who = f"{run['clients']} clients × {run['seconds']} s"
        lines += [
            Row(
                label,
                f"{who}: answers/s (offered {run['offered_per_s']:.0f}/s)",
                f"{run['answers_per_s']:.0f}",
                f"≥ {TARGETS['answers_per_s']}",
                run["answers_per_s"] >= TARGETS["answers_per_s"],
            ),
            Row(
                label,
                "answer latency p50 / p95 / p99",
                f"{run['p50_ms']} / {run['p95_ms']} / {run['p99_ms']} ms",
                f"p95 ≤ {TARGETS['p95_ms']} ms",
                run["p95_ms"] is not None and run["p95_ms"] <= TARGETS["p95_ms"],
            ),
            Row(
                label,
                "errors; answers acknowledged / rows in the review log",
                f"{run['errors']}; {run['answers']} / {run['log_rows']}",
                "0; equal",
                run["errors"] == 0 and run["lost"] == 0,
            ),
            Row(
                label,
                "peak RSS of a worker",
                f"{run['peak_worker_rss_mb']} MB",
                f"≤ {TARGETS['rss_mb']} MB",
                run["peak_worker_rss_mb"] <= TARGETS["rss_mb"],
            ),
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=FULL["clients"])
    parser.add_argument("--seconds", type=float, default=FULL["seconds"])
    parser.add_argument("--cards", type=int, default=400, help="Due cards per client.")
    parser.add_argument("--pace-ms", type=float, default=100.0, help="Least time per answer.")
    parser.add_argument("--database", action="append", choices=tuple(DATABASES), dest="databases")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(
        args.clients,
        args.seconds,
        args.cards,
        args.pace_ms,
        tuple(args.databases or FULL["databases"]),
    )
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
