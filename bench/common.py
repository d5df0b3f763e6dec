"""What the benchmarks share (each imports this file as ``bench/common.py`` beside it).

Every benchmark module exposes the same interface, which ``bench/run.py`` (``make bench``)
drives:

- ``NAME``: its key in the JSON report;
- ``FULL`` and ``SMOKE``: the keyword arguments of ``measure()`` for the real run and for
  ``make bench-smoke`` (tiny sizes, seconds, part of ``make test`` so that nothing rots);
- ``measure(**kwargs) -> dict``: JSON-ready figures;
- ``rows(figures) -> list[Row]``: its lines of the Markdown table, with target and verdict.

Also here: synthetic papers, an app on a fresh SQLite file with one signed-in user, and a
scratch PostgreSQL database when one is reachable.
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, insert, select, text, update
from sqlalchemy.orm import Session, sessionmaker

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft
from studyapp.identity import CardKind
from studyapp.models import User

__all__ = [
    "Row",
    "give_history",
    "mean",
    "p95",
    "postgres_database",
    "print_table",
    "signed_in_app",
    "synthetic_papers",
    "table",
]

#: Where the benchmarks make scratch PostgreSQL databases (trust auth on this machine).
POSTGRES_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the report's table."""

    benchmark: str
    measure: str
    result: str
    target: str = "—"
    met: bool | None = None


def table(rows: Sequence[Row]) -> str:
    lines = ["| benchmark | measure | result | target | met |", "| --- | --- | ---: | ---: | :-: |"]
    for row in rows:
        verdict = {True: "yes", False: "**no**", None: ""}[row.met]
        lines.append(
            f"| {row.benchmark} | {row.measure} | {row.result} | {row.target} | {verdict} |"
        )
    return "\n".join(lines)


def print_table(rows: Sequence[Row]) -> None:
    print(table(rows))


def p95(values: Sequence[float]) -> float:
    """The 95th percentile (nearest rank)."""
    ordered = sorted(values)
    return ordered[max(0, round(len(ordered) * 0.95) - 1)]


def mean(values: Sequence[float]) -> float:
    return statistics.fmean(values)


@contextmanager
def postgres_database(name: str) -> Iterator[str | None]:
    """A fresh, empty PostgreSQL database for one benchmark, dropped afterwards; ``None`` when
    no PostgreSQL server answers (the report then says the PostgreSQL figures were skipped)."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    database = f"bench_{name}_{os.getpid()}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}"'))
            connection.execute(text(f'CREATE DATABASE "{database}"'))
    except Exception:  # noqa: BLE001 - any failure to reach the server means "no PostgreSQL"
        admin.dispose()
        yield None
        return
    try:
        yield admin.url.set(database=database).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


def synthetic_papers(count: int) -> list[PaperDraft]:
    papers = []
    for index in range(count):
        name = f"Method{index}"
        papers.append(
            PaperDraft(
                title=f"{name}: A Synthetic Paper Number {index}",
                lang="en",
                sentences=(f"We propose {name}, which does something useful.",),
                method=name,
                topics=("general",),
                arxiv_id=f"2501.{index:05d}",
                cards=(
                    CardDraft(CardKind.METHOD_IDEA, f"{name} — key idea?", "It does a thing."),
                    CardDraft(
                        CardKind.HEADLINE_NUMBER,
                        f"{name} — headline result?\nIt is ___ faster.",
                        f"{index % 9 + 1}.5x",
                        number=NumberDraft(f"{index % 9 + 1}.5x", index % 9 + 1.5, "×"),
                    ),
                ),
            )
        )
    return papers


def signed_in_app(
    folder: str,
) -> tuple[Flask, sessionmaker[Session], FlaskClient, int]:
    """An app on ``folder``/bench.db, migrated, with a registered and signed-in test client."""
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{Path(folder) / 'bench.db'}",
            "SECRET_KEY": "bench",
            "WTF_CSRF_ENABLED": False,
        }
    )
    factory = session_factory(app)
    migrate.upgrade(factory.kw["bind"])
    client = app.test_client()
    client.post(
        "/register",
        data={
            "email": "bench@example.com",
            "password": "benchmark!",
            "confirm": "benchmark!",
            "timezone": "UTC",
        },
    )
    with factory() as session, session.begin():
        user_id = session.scalars(select(User.id)).one()
    return app, factory, client, user_id


def give_history(
    session: Session, user_id: int, cards: int, answers: int, grades: Sequence[int] = (4,)
) -> list[int]:
    """Give the user ``cards`` cards in a deck of their own (``cards // 2`` papers), each
    answered ``answers`` times a week apart (grades in turn), the last a week ago, and due
    today; their card ids."""
    # Imported here: the models' module imports a lot that other benchmarks do not need.
    from studyapp.models import ReviewKind, ReviewLog, ReviewState, utcnow
    from studyapp.services.importing import DeckImport, import_decks

    now = utcnow()
    start = now - timedelta(days=7 * answers)
    import_decks(
        session,
        [DeckImport(name="Bench", papers=synthetic_papers(cards // 2), owner_id=user_id)],
    )
    with session.begin():
        card_ids = list(
            session.scalars(select(ReviewState.card_id).where(ReviewState.user_id == user_id))
        )
        session.execute(
            insert(ReviewLog),
            [
                {
                    "user_id": user_id,
                    "card_id": card_id,
                    "reviewed_at": start + timedelta(days=7 * index),
                    "reviewed_on": (start + timedelta(days=7 * index)).date(),
                    "grade": grades[index % len(grades)],
                    "kind": ReviewKind.LEARN if index == 0 else ReviewKind.REVIEW,
                    "repetitions_before": index,
                    "ease_before": 2.5,
                    "interval_before": 7 if index else 0,
                    "repetitions_after": index + 1,
                    "ease_after": 2.5,
                    "interval_after": 7,
                    "due_after": (start + timedelta(days=7 * index + 7)).date(),
                }
                for card_id in card_ids
                for index in range(answers)
            ],
        )
        session.execute(
            update(ReviewState)
            .where(ReviewState.user_id == user_id)
            .values(
                repetitions=answers,
                interval_days=7,
                due_on=now.date(),
                last_reviewed_at=start + timedelta(days=7 * (answers - 1)),
            )
        )
    return card_ids
