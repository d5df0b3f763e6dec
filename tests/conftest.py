"""Fixtures: an app on a fresh database per test, on SQLite and (when configured) PostgreSQL.

Set ``STUDYAPP_TEST_DATABASE_URL`` to a PostgreSQL URL to run every database test twice; each
PostgreSQL test gets a schema of its own, dropped afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import Engine, create_engine
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.models import Base
from tests.anki_support import collection  # noqa: F401 (a fixture for every test)
from tests.http_fixtures import digest_server  # noqa: F401 (a fixture for every test)

PG_URL = os.environ.get("STUDYAPP_TEST_DATABASE_URL", "")
BACKENDS = ["sqlite", "postgresql"] if PG_URL else ["sqlite"]


@pytest.fixture(scope="session")
def pg_admin() -> Iterator[Engine]:
    engine = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


@pytest.fixture(params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The URL of an empty database (no tables) for one test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('db') / 'studyapp.db'}"
        return
    admin: Engine = request.getfixturevalue("pg_admin")
    schema = f"test_{uuid.uuid4().hex[:16]}"
    with admin.connect() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    url = make_url(PG_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    yield url.render_as_string(hide_password=False)
    with admin.connect() as connection:
        connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture
def empty_app(database_url: str) -> Iterator[Flask]:
    """An app whose database has no tables yet (for migration tests)."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
        }
    )
    yield app
    app.extensions["queue"].close()
    engine_of(app).dispose()


@pytest.fixture
def app(empty_app: Flask) -> Flask:
    """An app on a fresh database with every table."""
    Base.metadata.create_all(engine_of(empty_app))
    return empty_app


@pytest.fixture
def worker(app: Flask) -> Iterator[None]:
    """The queue's real consumer (huey), running jobs in threads of the test process until
    the test ends. Ticks run only when the test queues one (``current_queue().tick(now)``)."""
    with app.extensions["queue"].running(workers=2):
        yield


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask) -> FlaskCliRunner:
    # The commands that use the database check its schema revision; the tables the models made
    # are the newest revision's (test_migrations.py proves it), so say so.
    migrate.stamp(engine_of(app))
    return app.test_cli_runner()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with session_factory(app)() as session:
        yield session


def engine_of(app: Flask) -> Engine:
    bind = session_factory(app).kw["bind"]
    assert isinstance(bind, Engine)
    return bind


def html(response_data: bytes) -> BeautifulSoup:
    return BeautifulSoup(response_data.decode("utf-8"), "html.parser")


@pytest.fixture
def app_session_pair(app: Flask) -> Iterator[tuple[Session, Session]]:
    """Two independent sessions on the same database, as two requests would have."""
    factory = session_factory(app)
    with factory() as first, factory() as second:
        yield first, second


def csrf_token(client: FlaskClient) -> str:
    """A valid CSRF token for ``client``'s session, as every page carries it for htmx."""
    import json as _json

    page = html(client.get("/").data)
    body = page.select_one("body")
    assert body is not None
    return str(_json.loads(str(body["hx-headers"]))["X-CSRFToken"])


class AuthActions:
    """Register, log in and post forms as a user, through the real pages."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client

    def register(
        self,
        email: str = "reader@example.com",
        password: str = "correct horse",
        timezone: str = "UTC",
    ) -> object:
        return self.post(
            "/register",
            {"email": email, "password": password, "confirm": password, "timezone": timezone},
        )

    def login(self, email: str = "reader@example.com", password: str = "correct horse") -> object:
        return self.post("/login", {"email": email, "password": password})

    def logout(self) -> object:
        return self.post("/logout", {})

    def post(self, url: str, data: dict[str, object], **kwargs: object) -> object:
        return self.client.post(url, data={**data, "csrf_token": csrf_token(self.client)}, **kwargs)


@pytest.fixture
def auth(client: FlaskClient) -> AuthActions:
    return AuthActions(client)
