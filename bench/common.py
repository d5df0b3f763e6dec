"""What the benchmarks share: synthetic papers, and an app on a fresh SQLite file with one
signed-in user (the benchmarks import this file as ``bench/common.py`` beside them)."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract.drafts import CardDraft, NumberDraft, PaperDraft
from studyapp.identity import CardKind
from studyapp.models import User

__all__ = ["signed_in_app", "synthetic_papers"]


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
