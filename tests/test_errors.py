"""A refusal is a page, a bug is a 500 in the log: the two are never confused.

Services raise named errors (:mod:`studyapp.services.errors`), turned into their pages once
for the whole app. Anything else — a ``KeyError`` or an ``IndexError`` from a bug — must reach
the 500 page and the log with its traceback, not pass for "no such card" (a silent 404 that
also threw the user's answer away).
"""

from __future__ import annotations

import logging

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select

from studyapp.db import session_factory
from studyapp.models import CardText, ReviewLog, ReviewState
from tests.conftest import AuthActions, html
from tests.test_review_web import HX, answer_form, studying  # noqa: F401 - a fixture

__all__ = ["studying"]


def _rows(app: Flask) -> tuple[int, list[int]]:
    with session_factory(app)() as session, session.begin():
        logs = session.scalar(select(func.count(ReviewLog.id))) or 0
        versions = list(session.scalars(select(ReviewState.version).order_by(ReviewState.id)))
    return logs, versions


def test_a_bug_in_a_service_is_a_logged_500_not_a_404(
    app: Flask,
    client: FlaskClient,
    studying: AuthActions,  # noqa: F811 - the fixture imported above
    caplog: pytest.LogCaptureFixture,
) -> None:
    # As the issue saw it: a card with no text rows, which the review cannot show. Answering
    # the card before it asks for that card next, inside the answer's own transaction.
    form = answer_form(client)
    with session_factory(app)() as session, session.begin():
        shown = session.scalar(
            select(ReviewState.card_id).where(ReviewState.id == int(form["action"].split("/")[2]))
        )
        session.execute(delete(CardText).where(CardText.card_id != shown))
    before = _rows(app)
    # As in production: an exception becomes the 500 page instead of reaching the test.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    action = form.pop("action")
    with caplog.at_level(logging.ERROR, logger=app.logger.name):
        response = client.post(action, data={**form, "grade": "4"}, headers=HX)
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.get_data(as_text=True)
    # The 500 partial for htmx, not a page inside the page.
    assert html(response.data).select_one("html") is None
    logged = [record for record in caplog.records if record.exc_info]
    assert logged, "the exception was not logged"
    assert logged[0].exc_info is not None and logged[0].exc_info[0] is RuntimeError
    # The answer is whole or absent: on SQLite it shares the next card's transaction and is
    # rolled back; on PostgreSQL it is one statement of its own (state and log row together),
    # committed before the next card is read.
    (logs, versions), (logs_before, versions_before) = _rows(app), before
    kept = 1 if app.config["DATABASE_URL"].startswith("postgresql") else 0
    assert logs - logs_before == sum(versions) - sum(versions_before) == kept


def test_a_refusal_is_its_page_in_the_readers_language(
    client: FlaskClient,
    studying: AuthActions,  # noqa: F811 - the fixture imported above
) -> None:
    # NotFound and InvalidGrade from the services, turned into pages in one place.
    client.get("/?lang=ko")
    missing = client.get("/quiz/424242")
    assert missing.status_code == 404
    assert "이 주소에는 아무것도 없습니다" in missing.get_data(as_text=True)
    form = answer_form(client)
    action = form.pop("action")
    refused = client.post(action, data={**form, "grade": "7"})
    assert refused.status_code == 400
