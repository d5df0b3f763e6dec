"""Benchmark: other users' answers while one user imports a large document, on SQLite.

    .venv/bin/python bench/import_during_reviews.py [--papers 15000] [--clients 8]
                                                    [--seconds 75] [--mode {single,steps} ...]
                                                    [--step 50] [--nice 0]
                                                    [--json FIGURES.json]
    (or make bench)

The app runs as ``bench/http_load.py`` serves it: gunicorn with 2 sync workers on 127.0.0.1,
on a fresh SQLite file where every reader has its own account and due cards. The readers
(``bench/load_client.py``) sign in and answer the card they are shown, at most once every
100 ms each, for ``seconds``. A second after they start, another process — one more user —
imports a Daily Papers digest of ``papers`` papers into a new deck of their own. The digest is
built as ``bench/extract_import.py`` builds it (our own example digests repeated with distinct
arXiv ids) and extracted before anything is written: what is measured is the writing.

Once per mode, each on its own fresh database:

- ``single``: ``import_decks``, one transaction (the write lock held for the whole import);
- ``steps``: ``import_in_steps``, short transactions and one short publishing one.

Reported per mode: the import's time, the answers sent while it ran, the errors among them
(any status but 200, or a failed connection) and their latency (p50 / p95 / max). Target
(issue 20): in ``steps`` mode, 0 errors and p95 ≤ 200 ms. For comparison, the readers'
latency outside the import (before and after it) is reported too: what the machine's other
work costs them. ``--step`` sets the papers per step, ``--nice`` the importer's niceness.
Checked at any size: the import stored every paper, and no staging deck is left.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import tempfile
import time
from collections.abc import Sequence
from typing import Any

from common import Row, print_table
from extract_import import OWN_DIGESTS, build_digest
from http_load import _prepare, _server
from load_client import PASSWORD, READER_PROCESSES, start_readers
from sqlalchemy import func, select

from studyapp import create_app
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.models import Deck, Paper, User
from studyapp.services import accounts
from studyapp.services.importing import DeckImport, import_decks
from studyapp.services.importing_steps import STEP, import_in_steps

NAME = "import_during_reviews"
MODES = {"single": "one transaction", "steps": "in steps"}
FULL: dict[str, Any] = {"papers": 15000, "clients": 8, "seconds": 75.0}
SMOKE: dict[str, Any] = {"papers": 1500, "clients": 4, "seconds": 8.0}
TARGET_P95_MS = 200
#: The readers answer alone this long before the import starts.
_WARM_UP_S = 1.0
_IMPORTER = "importer@example.com"


def _import(
    url: str, mode: str, papers: Sequence[PaperDraft], go: Any, out: Any, nice: int, step: int
) -> None:
    """In its own process: wait for ``go``, import ``papers`` for the importing user, report
    when it started and ended (``time.monotonic()``, as the readers' timeline)."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    with factory() as session:
        with session.begin():
            owner_id = session.scalars(select(User.id).where(User.email == _IMPORTER)).one()
        item = DeckImport(name="Big digest", papers=papers, owner_id=owner_id)
        go.wait()
        if nice:
            os.nice(nice)
        began = time.monotonic()
        try:
            if mode == "single":
                report = import_decks(session, [item])[0]
            else:
                report = import_in_steps(session, item, step=step)
            outcome = f"{report.papers_new} new papers"
        except Exception as error:  # noqa: BLE001 - reported as the run's outcome
            outcome = f"failed: {type(error).__name__}: {str(error).splitlines()[0]}"
        out.put((began, time.monotonic(), outcome))
    factory.kw["bind"].dispose()


def _run(
    mode: str,
    papers: Sequence[PaperDraft],
    clients: int,
    seconds: float,
    pace_s: float,
    nice: int,
    step: int,
) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{folder}/import.db"
        # Enough due cards for every reader to answer all the time.
        _prepare(url, clients, int(seconds / pace_s) + 20)
        _register_importer(url)
        context = multiprocessing.get_context("fork")
        processes = min(READER_PROCESSES, clients)
        start, go, out = context.Barrier(processes + 1), context.Event(), context.Queue()
        importer = context.Process(target=_import, args=(url, mode, papers, go, out, nice, step))
        importer.start()
        with _server(url, 2, folder, {}) as (port, _master):
            readers = start_readers(context, port, clients, seconds, pace_s, start, out)
            start.wait()
            time.sleep(_WARM_UP_S)
            go.set()
            results = [out.get(timeout=seconds + 600) for _ in range(processes + 1)]
            for process in [*readers, importer]:
                process.join()
        stored, staging = _stored(url)
    ((began, ended, outcome),) = [result for result in results if isinstance(result, tuple)]
    shares = [result for result in results if not isinstance(result, tuple)]
    timeline = [event for share in shares for event in share.timeline]
    during = [event for event in timeline if began <= event[0] <= ended]
    latencies = sorted(ms for _, ms, _ in during)
    # The same readers with no import running, for comparison: the machine's own noise.
    alone = sorted(ms for sent, ms, _ in timeline if not began <= sent <= ended)
    errors = [status for _, _, status in during if status != 200]
    last_answer = max((sent for sent, _, _ in timeline), default=0.0)
    return {
        "papers": len(papers),
        "outcome": outcome,
        "import_s": round(ended - began, 1),
        "readers_outlasted_import": last_answer >= ended,
        "answers_during": len(during),
        "errors": len(errors),
        "error_kinds": sorted({f"HTTP {s}" if s else "no connection" for s in errors}),
        "p50_ms": _percentile(latencies, 0.50),
        "p95_ms": _percentile(latencies, 0.95),
        "max_ms": round(latencies[-1], 1) if latencies else None,
        "answers_alone": len(alone),
        "alone_p50_ms": _percentile(alone, 0.50),
        "alone_p95_ms": _percentile(alone, 0.95),
        "stored_papers": stored,
        "staging_decks_left": staging,
    }


def _register_importer(url: str) -> None:
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    with factory() as session:
        accounts.register(session, email=_IMPORTER, password=PASSWORD)
    factory.kw["bind"].dispose()


def _stored(url: str) -> tuple[int, int]:
    """The papers in the imported deck, and the staging decks left."""
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"})
    factory = session_factory(app)
    with factory() as session, session.begin():
        stored = session.scalar(
            select(func.count(Paper.id))
            .join(Deck, Deck.id == Paper.deck_id)
            .where(Deck.name == "Big digest", Deck.published())
        )
        staging = session.scalar(select(func.count(Deck.id)).where(~Deck.published()))
    factory.kw["bind"].dispose()
    return stored or 0, staging or 0


def _percentile(ordered: Sequence[float], share: float) -> float | None:
    if not ordered:
        return None
    return round(ordered[min(len(ordered) - 1, int(len(ordered) * share))], 1)


def measure(
    papers: int = 15000,
    clients: int = 8,
    seconds: float = 75.0,
    pace_ms: float = 100.0,
    modes: tuple[str, ...] = tuple(MODES),
    nice: int = 0,
    step: int = STEP,
) -> dict[str, Any]:
    started = time.perf_counter()
    drafts = extract_text(build_digest(OWN_DIGESTS, papers), source="bench digest").papers
    figures: dict[str, Any] = {"extract_s": round(time.perf_counter() - started, 1)}
    for mode in modes:
        figures[mode] = _run(mode, drafts, clients, seconds, pace_ms / 1000, nice, step)
    return figures


def check(figures: dict[str, Any]) -> list[str]:
    """What must hold at any size: every paper stored, nothing staged left, readers that ran
    through the whole import, and none of their answers failing in steps mode."""
    problems = []
    for mode in MODES:
        run = figures.get(mode)
        if run is None:
            continue
        if run["stored_papers"] != run["papers"] or run["staging_decks_left"]:
            problems.append(
                f"{mode}: {run['stored_papers']} of {run['papers']} papers stored "
                f"({run['outcome']}), {run['staging_decks_left']} staging decks left"
            )
        if not run["readers_outlasted_import"]:
            problems.append(f"{mode}: the import outlasted the readers; raise --seconds")
    steps = figures.get("steps")
    if steps is not None and steps["errors"]:
        problems.append(f"steps: {steps['errors']} answers failed: {steps['error_kinds']}")
    return problems


def rows(figures: dict[str, Any]) -> list[Row]:
    lines = []
    for mode, label in MODES.items():
        run = figures.get(mode)
        if run is None:
            continue
        name = f"Import during reviews, {label}"
        met = run["errors"] == 0 and (run["p95_ms"] or 0) <= TARGET_P95_MS
        lines += [
            Row(
                name,
                f"{run['papers']:,} papers imported while others answer",
                f"{run['import_s']} s ({run['outcome']})",
            ),
            Row(
                name,
                "answers during the import; errors",
                f"{run['answers_during']}; {run['errors']}",
                "errors 0",
                run["errors"] == 0 if mode == "steps" else None,
            ),
            Row(
                name,
                "their latency p50 / p95 / max",
                f"{run['p50_ms']} / {run['p95_ms']} / {run['max_ms']} ms",
                f"p95 ≤ {TARGET_P95_MS} ms",
                met if mode == "steps" else None,
            ),
            Row(
                name,
                "the same readers before and after it: p50 / p95",
                f"{run['alone_p50_ms']} / {run['alone_p95_ms']} ms",
            ),
        ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--papers", type=int, default=FULL["papers"])
    parser.add_argument("--clients", type=int, default=FULL["clients"])
    parser.add_argument("--seconds", type=float, default=FULL["seconds"])
    parser.add_argument("--pace-ms", type=float, default=100.0, help="Least time per answer.")
    parser.add_argument("--mode", action="append", choices=tuple(MODES), dest="modes")
    parser.add_argument("--nice", type=int, default=0, help="The importer's niceness.")
    parser.add_argument("--step", type=int, default=STEP, help="Papers per step (steps mode).")
    parser.add_argument("--json", help="Also write the figures to this file.")
    args = parser.parse_args()
    figures = measure(
        args.papers,
        args.clients,
        args.seconds,
        args.pace_ms,
        tuple(args.modes or MODES),
        args.nice,
        args.step,
    )
    print_table(rows(figures))
    for problem in check(figures):
        print("problem:", problem)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as output:
            json.dump(figures, output, indent=2)


if __name__ == "__main__":
    main()
