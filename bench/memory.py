"""Benchmark: a worker's memory over 20,000 requests of everyday use (issue 19).

    .venv/bin/python bench/memory.py [--requests 20000] [--every 1000] [--users 20]
                                     [--database sqlite|postgresql] [--json FIGURES.json]

It is also driven by ``make bench`` (``bench/run.py``) through the interface described in
``bench/common.py``: ``NAME``, ``FULL``, ``SMOKE``, ``measure()``, ``rows()`` and ``check()``.

The app runs as the README deploys it, with one worker: ``gunicorn --workers 1 --bind …
'studyapp:create_app()'`` on a fresh database holding the built-in library, which every user
has added to their cards. The users log in through the form, then take turns going through
what a user does in a sitting, one request at a time: Today, the review page, answers (some
graded below 4, so that re-drills keep the session going) and an undo, the stats page over 30
and 365 days, the library, a search, a deck, a paper, the quiz page, a quiz started on a deck or
a topic and one of its questions answered, the settings and the export page. Each user's
decks, papers, searches and quizzes differ, as real users' do.

The worker's resident memory (VmRSS in /proc) is read every ``every`` requests. A worker that
keeps something per request grows without end; one that only warms caches grows and then
stays. The figure is the growth over the second half of the run, the least-squares slope of the
samples from the middle on, in MB per 1,000 requests; the target is ≤ 0.05 MB (it was about
0.8 MB before issue 19).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

from common import Row, postgres_database, print_table

# The load test's gunicorn, started as the README deploys it, and its workers' pids.
from http_load import _server, _workers
from load_client import PASSWORD, Client
from sqlalchemy import func, select, update

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.models import Deck, Paper, PaperTopic, Topic, User
from studyapp.services import accounts, builtin, importing, library

NAME = "memory"
FULL: dict[str, Any] = {"requests": 20_000, "every": 1_000, "users": 20}
SMOKE: dict[str, Any] = {"requests": 200, "every": 50, "users": 2}
#: Growth over the second half, MB per 1,000 requests.
TARGET_MB_PER_1000 = 0.05
DATABASES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}

_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')
_ANSWER = re.compile(r'action="(/review/\d+/answer)"')
_QUIZ = re.compile(r"^/quiz/(\d+)$")
#: A redirect's body names its target (werkzeug writes a link to it).
_TARGET = re.compile(r'href="([^"]+)"')
#: Papers a topic needs to be quizzed on here (a quiz needs a few cards; see services/quiz).
_QUIZ_PAPERS = 4
_DIGITS = re.compile(r"\d+")
_SEARCHES = ("attention", "diffusion", "quantization", "LLM", "video", "추론", "agent", "speech")


@dataclass(frozen=True)
class Library:
    """What the users browse: the built-in library's decks, papers and topics."""

    decks: tuple[int, ...]
    papers: tuple[int, ...]
    topics: tuple[str, ...]


def _prepare(database_url: str, users: int) -> Library:
    """Schema, the built-in library, and users who have added all of it."""
    app = create_app({"DATABASE_URL": database_url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    engine = factory.kw["bind"]
    migrate.upgrade(engine)
    with factory() as session:
        files = builtin.read_decks(Path(app.config["DECKS_DIR"]))
        importing.import_decks(session, [deck_file.deck for deck_file in files])
        with session.begin():
            found = Library(
                decks=tuple(session.scalars(select(Deck.id).order_by(Deck.id))),
                papers=tuple(session.scalars(select(Paper.id).order_by(Paper.id))),
                # Topics a quiz can be made of (a few hundred cards' worth of the library).
                topics=tuple(
                    session.scalars(
                        select(Topic.slug)
                        .join(PaperTopic, PaperTopic.topic_id == Topic.id)
                        .group_by(Topic.slug)
                        .having(func.count() >= _QUIZ_PAPERS)
                        .order_by(Topic.slug)
                    )
                ),
            )
        for index in range(users):
            user = accounts.register(session, email=f"reader{index}@example.com", password=PASSWORD)
            for deck_id in found.decks:
                library.add_to_my_cards(session, user.id, deck_id)
        with session.begin():
            # No daily limit stops the session; re-drills keep it going in any case.
            session.execute(update(User).values(new_cards_per_day=9999, reviews_per_day=9999))
    engine.dispose()
    return found


@dataclass
class _Reader:
    """One user: their cookies, CSRF token and the review page they last saw."""

    client: Client
    index: int
    token: str = ""
    page: str = ""
    #: Turns taken so far: each turn visits other decks, papers, searches and quizzes.
    sittings: int = 0


@dataclass
class _Run:
    """The requests made so far, the errors, and the worker's memory every ``every`` requests."""

    worker: int
    every: int
    sent: int = 0
    errors: list[str] = field(default_factory=list)
    curve: list[tuple[int, float]] = field(default_factory=list)
    #: Requests by what they asked for ("POST /review/<id>/answer 200"), for the report.
    kinds: Counter[str] = field(default_factory=Counter)

    def count(self, status: int, method: str, path: str) -> None:
        self.sent += 1
        self.kinds[f"{method} {_DIGITS.sub('<id>', path.split('?')[0])} {status}"] += 1
        # 422 is a form refused with its reason (a topic with too few cards for a quiz).
        if status >= 400 and status != 422:
            self.errors.append(f"{method} {path.split('?')[0]}: HTTP {status}")
        if self.sent % self.every == 0:
            self.curve.append((self.sent, _rss_mb(self.worker)))


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return round(int(line.split()[1]) / 1024, 2)
    raise RuntimeError(f"no VmRSS for process {pid}")


def _hidden(page: str) -> dict[str, str]:
    return dict(_HIDDEN.findall(page))


async def _sitting(reader: _Reader, run: _Run, found: Library, budget: int) -> None:
    """One user's turn: the pages a user goes through in a sitting, until ``budget`` requests
    have been made in all."""
    client, n = reader.client, reader.index + reader.sittings * 7
    reader.sittings += 1

    async def get(path: str, *, htmx: bool = False) -> str:
        status, body = await client.request("GET", path, htmx=htmx)
        run.count(status, "GET", path)
        return body

    async def post(path: str, form: dict[str, str], *, htmx: bool = False) -> tuple[int, str]:
        status, body = await client.request(
            "POST", path, {**form, "csrf_token": reader.token}, htmx=htmx
        )
        run.count(status, "POST", path)
        return status, body

    async def review() -> None:
        reader.page = await get("/review")

    deck = found.decks[n % len(found.decks)]
    steps: list[Any] = [
        lambda: get("/"),
        review,
        lambda: _answer(reader, post, "5"),
        lambda: _answer(reader, post, "3"),
        lambda: _answer(reader, post, "4"),
        lambda: _undo(reader, post),
        lambda: get("/stats"),
        lambda: get("/library"),
        lambda: get(f"/library?q={quote(_SEARCHES[n % len(_SEARCHES)])}"),
        lambda: get(f"/library/decks/{deck}"),
        lambda: get(f"/papers/{found.papers[n % len(found.papers)]}"),
        lambda: get("/quiz"),
        lambda: _quiz(reader, post, get, found, n),
        lambda: get("/settings"),
        lambda: get("/stats?days=365"),
        lambda: get("/export"),
    ]

    for step in steps:
        if run.sent >= budget:
            return
        await step()


async def _answer(reader: _Reader, post: Any, grade: str) -> None:
    """Grade the card on the page with the htmx POST the review page sends (a grade below 4
    brings the card back later today)."""
    action = _ANSWER.search(reader.page)
    if action is None:
        return
    fields = {k: v for k, v in _hidden(reader.page).items() if k in ("version", "shown_at")}
    _status, body = await post(action.group(1), {**fields, "grade": grade}, htmx=True)
    reader.page = body


async def _undo(reader: _Reader, post: Any) -> None:
    """Press the undo button the page shows (it names the answer it takes back)."""
    start = reader.page.find('data-action="undo"')
    if start < 0:
        return
    form = _hidden(reader.page[start : reader.page.find("</form>", start)])
    _status, body = await post("/review/undo", {"answer": form.get("answer", "")}, htmx=True)
    reader.page = body


async def _quiz(reader: _Reader, post: Any, get: Any, found: Library, n: int) -> None:
    """Start a quiz on a deck or a topic, see its first question and answer it."""
    if n % 2:
        choice = {"deck": str(found.decks[n % len(found.decks)]), "size": "10"}
    else:
        choice = {"topic": found.topics[n % len(found.topics)], "size": "5"}
    status, body = await post("/quiz", choice)
    target = _TARGET.search(body) if status == 303 else None
    if target is None or not _QUIZ.match(location := target.group(1)):
        return  # a topic with too few cards: the page says so (422)
    question = await get(location)
    position = _hidden(question).get("position")
    if position is not None:
        await post(f"{location}/answer", {"position": position, "choice": "0", "typed": "1"})


async def _drive(
    port: int, worker: int, requests: int, every: int, users: int, found: Library
) -> tuple[_Run, float, float]:
    """Log every user in, then let them take turns until ``requests`` have been made; the run,
    the worker's RSS after the log-ins, and the seconds the turns took."""
    run = _Run(worker=worker, every=every)
    readers = [_Reader(Client(port), index) for index in range(users)]
    for reader in readers:
        reader.page = await reader.client.log_in(f"reader{reader.index}@example.com")
        reader.token = _hidden(reader.page)["csrf_token"]
    # The log-ins (password hashing) come first; the curve starts from here.
    baseline = _rss_mb(worker)
    began = time.perf_counter()
    turn = 0
    while run.sent < requests:
        await _sitting(readers[turn % users], run, found, requests)
        turn += 1
    return run, baseline, time.perf_counter() - began


def _slope(points: list[tuple[int, float]]) -> float:
    """The least-squares slope of MB against requests, per 1,000 requests."""
    if len(points) < 2:
        return 0.0
    xs = [x / 1000 for x, _ in points]
    ys = [y for _, y in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    spread = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / spread


def _measure_one(database_url: str, requests: int, every: int, users: int) -> dict[str, Any]:
    found = _prepare(database_url, users)
    with tempfile.TemporaryDirectory() as folder, _server(database_url, 1, folder, {}) as server:
        port, master = server
        (worker,) = _workers(master)
        run, baseline, elapsed = asyncio.run(_drive(port, worker, requests, every, users, found))
    second_half = [(x, y) for x, y in run.curve if x >= requests / 2]
    first, last = run.curve[0][1], run.curve[-1][1]
    return {
        "requests": run.sent,
        "users": users,
        "seconds": round(elapsed, 1),
        "errors": len(run.errors),
        "error_kinds": sorted(set(run.errors))[:5],
        "rss_after_login_mb": baseline,
        "curve": run.curve,
        "kinds": dict(sorted(run.kinds.items())),
        "rss_first_mb": first,
        "rss_last_mb": last,
        "second_half_mb_per_1000": round(_slope(second_half), 3),
        "whole_run_mb_per_1000": round(_slope(run.curve), 3),
    }


def measure(
    requests: int = 20_000,
    every: int = 1_000,
    users: int = 20,
    databases: tuple[str, ...] = ("sqlite",),
) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    for database in databases:
        if database == "sqlite":
            with tempfile.TemporaryDirectory() as folder:
                url = f"sqlite:///{folder}/memory.db"
                figures[database] = _measure_one(url, requests, every, users)
            continue
        with postgres_database("memory") as pg_url:
            if pg_url is None:
                figures[database] = {"skipped": "PostgreSQL not reachable"}
                continue
            figures[database] = _measure_one(pg_url, requests, every, users)
    return figures


def check(figures: dict[str, Any]) -> list[str]:
    """What must hold at any size: every request answered without an error."""
    problems = []
    for database, run in figures.items():
        if "skipped" in run:
            continue
        if run["errors"]:
            problems.append(f"{database}: {run['errors']} errors, e.g. {run['error_kinds']}")
    return problems


def rows(figures: dict[str, Any]) -> list[Row]:
    lines = []
    for database, run in figures.items():
        label = f"worker memory, {DATABASES[database]}"
        if "skipped" in run:
            lines.append(Row(label, "gunicorn, 1 worker", f"skipped: {run['skipped']}"))
            continue
        samples = run["curve"]
        # The first sample, then a quarter, half, three quarters and all of the run.
        shown = sorted({0, *(len(samples) * k // 4 - 1 for k in (1, 2, 3, 4))} - {-1})
        lines += [
            Row(
                label,
                f"{run['requests']} mixed requests of {run['users']} users: worker RSS after "
                + " / ".join(str(samples[i][0]) for i in shown),
                " → ".join(f"{samples[i][1]:.1f}" for i in shown) + " MB",
            ),
            Row(
                label,
                "growth over the second half (least squares), MB per 1,000 requests",
                f"{run['second_half_mb_per_1000']:.3f}",
                f"≤ {TARGET_MB_PER_1000}",
                run["second_half_mb_per_1000"] <= TARGET_MB_PER_1000,
            ),
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=FULL["requests"])
    parser.add_argument("--every", type=int, default=FULL["every"])
    parser.add_argument("--users", type=int, default=FULL["users"])
    parser.add_argument("--database", action="append", choices=tuple(DATABASES), dest="databases")
    parser.add_argument("--json", type=Path, help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(args.requests, args.every, args.users, tuple(args.databases or ("sqlite",)))
    print_table(rows(figures))
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
