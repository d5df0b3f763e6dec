"""`studyapp import URL`: fetched under the app's settings, into the library or one account's
decks, not imported again while unchanged, and refused in one clear line when not allowed."""

from __future__ import annotations

from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskCliRunner
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import Card, Deck, FetchedDocument, Paper
from tests.factories import make_user
from tests.http_fixtures import DigestServer

DATA = Path(__file__).parent / "data"
DIGEST = (DATA / "digest_ko.md").read_bytes()
MARKDOWN = {"Content-Type": "text/markdown; charset=utf-8"}
PATH = "/paper_logs/2025/03/15.md"


@pytest.fixture
def served(app: Flask, digest_server: DigestServer) -> DigestServer:
    """The digest served at PATH with an ETag, and the test server allowed."""
    app.config["FETCH_ALLOWED_HOSTS"] = f"127.0.0.1:{digest_server.port}"
    digest_server.routes[PATH] = (200, {**MARKDOWN, "ETag": '"day-1"'}, DIGEST)
    return digest_server


def decks(app: Flask) -> list[tuple[int | None, str, int]]:
    """(owner, name, papers) of every deck."""
    with session_factory(app)() as session, session.begin():
        query = (
            select(Deck.owner_id, Deck.name, func.count(Paper.id))
            .outerjoin(Paper)
            .group_by(Deck.id)
            .order_by(Deck.id)
        )
        return [tuple(row) for row in session.execute(query)]  # type: ignore[misc]


def cards(app: Flask) -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalar(select(func.count(Card.id))) or 0


def test_a_url_is_imported_into_the_library_once(
    app: Flask, runner: FlaskCliRunner, served: DigestServer
) -> None:
    url = served.url(PATH)
    result = runner.invoke(args=["import", url])
    assert result.exit_code == 0, result.output
    assert "2025-03-15: 3 papers, 5 cards (5 new, 0 updated, 0 unchanged)" in result.stdout
    assert decks(app) == [(None, "2025-03-15", 3)]
    assert served.requests[0].headers["user-agent"].startswith("paper-flashcards/")

    again = runner.invoke(args=["import", url])
    assert again.exit_code == 0, again.output
    assert again.stdout.strip() == f"{url}: unchanged since the last import"
    assert served.requests[-1].headers["if-none-match"] == '"day-1"'
    assert decks(app) == [(None, "2025-03-15", 3)] and cards(app) == 5


def test_a_url_goes_into_a_users_own_deck_with_user(
    app: Flask, runner: FlaskCliRunner, served: DigestServer
) -> None:
    with session_factory(app)() as session, session.begin():
        reader = make_user(session, "Reader@Example.com").id
    result = runner.invoke(
        args=["import", "--user", "reader@example.com", "--deck", "Morning", served.url(PATH)]
    )
    assert result.exit_code == 0, result.output
    assert decks(app) == [(reader, "Morning", 3)]
    # The library's memory of the URL is its own: importing there fetches the whole file.
    assert runner.invoke(args=["import", served.url(PATH)]).exit_code == 0
    assert "if-none-match" not in served.requests[-1].headers
    assert decks(app) == [(reader, "Morning", 3), (None, "2025-03-15", 3)]


def test_an_unknown_user_is_refused(
    app: Flask, runner: FlaskCliRunner, served: DigestServer
) -> None:
    result = runner.invoke(args=["import", "--user", "nobody@example.com", served.url(PATH)])
    assert result.exit_code == 2
    assert "error: no account with the email address nobody@example.com" in result.output
    assert served.requests == [] and decks(app) == []


def test_loopback_is_refused_unless_allowed_and_nothing_is_imported(
    app: Flask, runner: FlaskCliRunner, served: DigestServer
) -> None:
    app.config["FETCH_ALLOWED_HOSTS"] = "raw.githubusercontent.com"
    result = runner.invoke(args=["import", served.url(PATH), str(DATA / "digest_en.md")])
    assert result.exit_code == 2
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert errors == [
        f"error: {served.url(PATH)}: 127.0.0.1:{served.port} is not on FETCH_ALLOWED_HOSTS, "
        "the sites this server may fetch from."
    ]
    assert "Nothing was imported" in result.stderr
    assert served.requests == [] and decks(app) == []


def test_with_partial_the_good_sources_are_imported(
    app: Flask, runner: FlaskCliRunner, served: DigestServer
) -> None:
    missing = served.url("/paper_logs/2025/03/16.md")
    result = runner.invoke(
        args=["import", "--partial", missing, served.url(PATH), str(DATA / "digest_en.md")]
    )
    assert result.exit_code == 2
    assert f"error: {missing}: the server has no such document (HTTP 404)." in result.stderr
    assert sorted(name for _, name, _ in decks(app)) == ["2025-03-15", "Daily Papers (2025-03-14)"]


def test_a_url_that_failed_to_import_is_fetched_whole_next_time(
    app: Flask, runner: FlaskCliRunner, served: DigestServer
) -> None:
    """A document with no paper is not "unchanged since the last import": nothing was."""
    served.routes[PATH] = (200, {**MARKDOWN, "ETag": '"empty"'}, "제목 없음\n".encode())
    result = runner.invoke(args=["import", served.url(PATH)])
    assert result.exit_code == 2
    assert "no paper was recognised" in result.stderr
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(func.count(FetchedDocument.id))) == 0
    result = runner.invoke(args=["import", served.url(PATH)])
    assert "if-none-match" not in served.requests[-1].headers
    assert "unchanged" not in result.output


def test_a_url_fetched_for_a_run_that_imported_nothing_is_not_unchanged_next_time(
    app: Flask, runner: FlaskCliRunner, served: DigestServer, tmp_path: Path
) -> None:
    result = runner.invoke(args=["import", served.url(PATH), str(tmp_path / "missing.md")])
    assert result.exit_code == 2 and decks(app) == []
    result = runner.invoke(args=["import", served.url(PATH)])
    assert result.exit_code == 0, result.output
    assert "if-none-match" not in served.requests[-1].headers
    assert decks(app) == [(None, "2025-03-15", 3)]
