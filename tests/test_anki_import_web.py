"""Importing from Anki by the command and on the page: the report first, then the import;
a second click, a file that is not a package. On SQLite and PostgreSQL."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import pytest
from anki.collection import Collection
from anki.scheduler.v3 import CardAnswer
from flask import Flask
from flask.testing import FlaskClient, FlaskCliRunner
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.models import Card
from tests.conftest import AuthActions, html
from tests.test_anki_import import answer_in_anki, export_from_anki, other_notes, send_to_anki
from tests.test_review_service import setup_cards


def test_the_command_reports_then_imports(
    runner: FlaskCliRunner, app: Flask, collection: Collection, tmp_path: Path
) -> None:
    with session_factory(app)() as session:
        limits = setup_cards(session, 3)
        email = "reader@example.com"
        send_to_anki(session, limits.user_id, collection, tmp_path)
    answer_in_anki(collection, [CardAnswer.GOOD, CardAnswer.GOOD])
    package = export_from_anki(collection, tmp_path / "from_anki.apkg")
    dry = runner.invoke(args=["anki-import", str(package), "--user", email, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert "2 reviews to merge into the review log" in dry.output
    done = runner.invoke(args=["anki-import", str(package), "--user", email, "--yes"])
    assert done.exit_code == 0, done.output
    assert "imported: 2 reviews" in done.output
    again = runner.invoke(args=["anki-import", str(package), "--user", email, "--yes"])
    assert "nothing to import" in again.output
    junk = tmp_path / "notes.apkg"
    junk.write_bytes(b"these are not the notes you are looking for")
    refused = runner.invoke(args=["anki-import", str(junk), "--user", email])
    assert refused.exit_code == 2 and "error:" in refused.output
    assert "Traceback" not in refused.output


def test_the_page_shows_the_report_before_importing_and_a_second_click_changes_nothing(
    client: FlaskClient, auth: AuthActions, app: Flask, collection: Collection, tmp_path: Path
) -> None:
    auth.register()
    other_notes(collection)
    package = export_from_anki(collection, tmp_path / "notes.apkg")
    with package.open("rb") as stream:
        shown = auth.post(
            "/anki/import",
            {"package": (stream, "notes.apkg")},
            content_type="multipart/form-data",
        )
    assert shown.status_code == 200
    page = html(shown.data)
    assert "4 new cards" in page.get_text()
    form = page.select_one("form[action^='/anki/import/']")
    assert form is not None
    action = str(form["action"])
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(func.count()).select_from(Card)) == 0  # nothing yet
    done = auth.post(action, {})
    assert done.status_code == 200 and "Imported from notes.apkg" in done.get_data(as_text=True)
    twice = auth.post(action, {})
    assert twice.status_code == 303
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(func.count()).select_from(Card)) == 4


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"plain text, not a package", "not an Anki package"),
        (b"PK\x03\x04 a zip that stops here", "damaged"),
    ],
)
def test_a_file_that_is_not_a_good_package_gets_one_clear_message(
    client: FlaskClient, auth: AuthActions, content: bytes, message: str
) -> None:
    auth.register()
    response = auth.post(
        "/anki/import",
        {"package": (BytesIO(content), "deck.apkg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert message in html(response.data).select_one("[role=alert]").get_text()
