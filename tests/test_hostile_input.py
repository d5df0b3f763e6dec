"""No crafted request gets a 5xx: every route, every parameter, every hostile value.

For every rule of the app's URL map (GET and POST; signed in as a user with decks, cards, a
quiz and answers, and signed out) each part of the path and each parameter the view reads
(:data:`PARAMS`, which :func:`test_the_table_names_every_parameter_the_views_read` keeps
complete) is sent each of :data:`HOSTILE` in turn, the other parameters holding values that
work, so that the hostile one reaches the code that reads it. POSTs carry the CSRF token, so
they reach their views. Any status of 500 or more fails, and so does any exception (the test
app lets exceptions through instead of answering 500).
"""

from __future__ import annotations

import ast
import importlib
import re
import time
from collections.abc import Iterator
from datetime import date
from datetime import time as time_of_day
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import generate_password_hash
from wtforms.fields.core import UnboundField

import studyapp.web
from studyapp import create_app, migrate
from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import Card, Deck, Paper, ReviewState, User, utcnow
from studyapp.services import accounts, anki_uploads, follows, jobs, library, quiz
from studyapp.services.import_jobs import PREVIEW_KIND, DocumentJob
from studyapp.services.importing import DeckImport, import_decks
from tests.conftest import AuthActions, csrf_token, engine_of
from tests.test_settings import GOOD as SETTINGS

DATA = Path(__file__).parent / "data"
WEB = Path(studyapp.web.__file__).parent
PASSWORD = "correct horse"

#: What a crafted request may hold where a number, an id or a word is expected.
HOSTILE = (
    "²",  # a digit to str.isdigit, not to int()
    "١٢",  # Arabic-Indic digits: int() reads them, a database id column should not
    "-1",
    "0",
    "999",  # a question, a page, a position past the last one
    str(2**31),  # past a PostgreSQL integer
    str(2**63),  # past SQLite's (and its driver's) integer
    "9" * 5001,  # more digits than int() will parse
    "",
    "NaN",
    "1e9",
    " \t\n ",
    "\x00",  # PostgreSQL refuses NUL in text
    "x" * 20000,
    "%00%ff%2e%2F",
    "é한🙂\u202e\ufeff",
)

#: Every parameter each view reads, from the query string or the form, with a value that works
#: (``None``: sent only when it is the one made hostile). ``{name}`` is one of the ids below.
#: The fields of an import preview's corrections (one paper's, one card's).
_CORRECTIONS: dict[str, str | None] = {
    "papers-0-position": "0",
    "papers-0-identity": None,
    "papers-0-keep": "y",
    "papers-0-method": None,
    "papers-0-cards-0-kind": None,
    "papers-0-cards-0-front": None,
    "papers-0-cards-0-back": None,
}
PARAMS: dict[str, dict[str, str | None]] = {
    "home.index": {"lang": None},
    "home.health": {},
    "static": {},
    "auth.login": {"email": "{email}", "password": PASSWORD, "remember": None, "next": None},
    "auth.register": {
        "email": "new@example.com",
        "display_name": None,
        "password": PASSWORD,
        "confirm": PASSWORD,
        "timezone": "UTC",
    },
    "auth.logout": {},
    "review.session": {"card": "{state}", "deck": None, "reveal": "1", "shown_at": None},
    "review.answer": {"grade": "4", "version": "{version}", "deck": None, "shown_at": None},
    "review.undo": {"deck": None, "answer": None},
    "review.suspend": {"deck": None},
    "library.index": {"q": None},
    "library.deck": {"page": "1"},
    "library.add_deck": {"next": None},
    "library.paper": {},
    "library.suspend": {"suspended": "1", "next": None},
    "library.edit_card": {
        "text_lang": None,
        "front": "A front",
        "back": "A back",
        "source_sentence": None,
        "next": None,
    },
    "library.rename_deck": {"name": "Renamed"},
    "library.delete_deck": {},
    "library.remove_deck": {"next": None},
    "library.delete_card": {"next": None},
    "library.move_paper": {"deck_id": "{other_deck}"},
    "imports.new": {},
    "imports.preview_again": {},
    **{
        endpoint: {
            "text": "{summary}",
            "url": None,
            "format": None,
            "target": "new",
            "deck_name": "Imported",
            "deck_id": None,
            **_CORRECTIONS,
        }
        for endpoint in ("imports.create", "imports.preview")
    },
    "import_jobs.page": {},
    "import_jobs.save": _CORRECTIONS,
    "settings.edit": dict(SETTINGS),
    "fsrs_fit.page": {},
    "fsrs_fit.start": {},
    "fsrs_fit.apply": {},
    "fsrs_fit.reset": {},
    "scheduling.edit": {"scheduler": "sm2", "desired_retention": "0.90", "maximum_interval": "365"},
    "export.page": {},
    "export.download": {"card_lang": "en", "deck": "{deck}", "topic": None, "schedule": "1"},
    "anki_import.page": {},
    "anki_import.upload": {"package": "not a file"},
    "anki_import.confirm": {},
    "quiz.index": {},
    "quiz.start": {"topic": None, "deck": "{deck}", "size": "5"},
    "quiz.take": {"q": "0"},
    "quiz.answer": {"position": "0", "choice": "1", "typed": None},
    "quiz.results": {},
    "quiz.missed": {},
    "stats.page": {"days": "90"},
    "account.page": {},
    "account.change_password": {
        "current_password": "not the password",
        "new_password": "another horse",
        "new_password_again": "another horse",
    },
    "account.change_email": {"new_email": "other@example.com", "email_password": "wrong"},
    "account.download_data": {},
    "account.delete": {"delete_password": "not the password"},
    "account.end_sessions": {},
    "follows.index": {},
    "follows.create": {
        "source": "daily_papers_ko",
        "url": None,
        "deck_id": None,
        "deck_name": "Followed",
        "run_at": "09:00",
        "min_votes": None,
        "topics": None,
        "max_new": None,
        "start_on": None,
    },
    "follows.run_now": {},
    "follows.pause": {"paused": "1"},
    "follows.delete": {},
    "follows.backfill": {"first": "2025-03-13", "last": "2025-03-14"},
    "follows.progress": {},
}
#: The routes a visitor who is signed out may use; the others send them to log in first.
PUBLIC = {"home.index", "home.health", "static", "auth.login", "auth.register", "auth.logout"}
#: Parameters of which a request sends one or the other: made hostile, the other is left out.
EITHER = ({"topic", "deck"},)
#: What changes the user's data for good, or signs them out: swept last.
LAST = (
    "follows.delete",
    "library.delete_card",
    "library.delete_deck",
    "library.remove_deck",
    "account.end_sessions",
    "auth.logout",
)


@pytest.fixture
def open_app(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app on a migrated database, with login limits out of reach: every login reaches
    its view."""
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database_url,
            "SECRET_KEY": "test-secret",
            "LOGIN_RATE_LIMIT": "100000 per minute",
            "LOGIN_ADDRESS_RATE_LIMIT": "100000 per minute",
            "REGISTER_RATE_LIMIT": "100000 per minute",
        }
    )
    migrate.upgrade(engine_of(app))  # migrated, so that /healthz says 200
    # Hundreds of password checks: a cheap hash keeps the sweep fast. What a password is
    # checked for is the same; how long scrypt takes is not what this test is about.
    cheap = partial(generate_password_hash, method="pbkdf2:sha256:1")
    monkeypatch.setattr(accounts, "generate_password_hash", cheap)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", cheap("not a real password"))
    yield app
    app.extensions["queue"].close()  # the follow's backfill queued in _world opened it
    engine_of(app).dispose()


def _world(app: Flask, auth: AuthActions) -> dict[str, str]:
    """A signed-in user with two decks of their own, a library deck added, an answer and a
    quiz; the ids the table's values name."""
    auth.register(password=PASSWORD)
    summary = (DATA / "digest_ko.md").read_text(encoding="utf-8")
    papers = extract_text(summary, source="d").papers
    now = utcnow()
    with session_factory(app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        import_decks(
            session,
            [
                DeckImport(name="Mine", papers=papers, owner_id=user_id),
                DeckImport(name="Second", papers=papers[:1], owner_id=user_id),
                DeckImport(name="Library", papers=papers),
            ],
        )
        with session.begin():
            ids = {name: deck_id for deck_id, name in session.execute(select(Deck.id, Deck.name))}
        library.add_to_my_cards(session, user_id, ids["Library"])
        # A large document's finished preview job (run here: the sweep has no worker).
        document = DocumentJob(summary, "d", None, None, "new", "", None)
        job_id = jobs.submit_row(
            session, kind=PREVIEW_KIND, user_id=user_id, payload=document.to_json()
        )
        with app.app_context():
            jobs.run(session_factory(app), job_id)
        quiz_id = quiz.start(session, user_id, lang="en", now=now, deck_id=ids["Mine"], size=5)
        with session.begin():
            card_id, paper_id = session.execute(
                select(Card.id, Card.paper_id)
                .join(Paper, Paper.id == Card.paper_id)
                .where(Paper.deck_id == ids["Mine"])
                .order_by(Card.id)
            ).first()  # type: ignore[misc]
            state_id, version = session.execute(
                select(ReviewState.id, ReviewState.version).where(ReviewState.card_id == card_id)
            ).one()
    with app.app_context(), session_factory(app)() as session:
        new = follows.NewFollow(
            source="daily_papers_ko", run_at=time_of_day(9), deck_id=ids["Mine"]
        )
        follow_id = follows.subscribe(session, user_id=user_id, new=new, now=now, config=app.config)
        backfill_id = follows.start_backfill(
            session, user_id, follow_id, first=date(2025, 3, 13), last=date(2025, 3, 14), now=now
        )
        upload_id = anki_uploads.keep(session, user_id, "deck.apkg", b"not read until the go-ahead")
    return {
        "upload_id": str(upload_id),
        "follow_id": str(follow_id),
        "backfill_id": str(backfill_id),
        "email": "reader@example.com",
        "summary": summary,
        "deck": str(ids["Mine"]),
        "other_deck": str(ids["Second"]),
        "library_deck": str(ids["Library"]),
        "deck_id": str(ids["Mine"]),
        "paper_id": str(paper_id),
        "card_id": str(card_id),
        "state": str(state_id),
        "state_id": str(state_id),
        "version": str(version),
        "quiz_id": str(quiz_id),
        "job_id": str(job_id),
        "filename": "css/app.css",
    }


_PART = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


class Sweep:
    """Sends the requests and remembers what came back."""

    def __init__(self, app: Flask, client: FlaskClient, ids: dict[str, str]) -> None:
        self.app, self.client, self.ids = app, client, ids
        self.sent = 0
        self.token = ""

    def url(self, rule: Any, hostile: tuple[str, str] | None = None) -> str:
        def part(match: re.Match[str]) -> str:
            name = match.group(1)
            if hostile is not None and hostile[0] == name:
                return quote(hostile[1], safe="")
            return self.ids[name]

        return _PART.sub(part, rule.rule)

    def send(self, method: str, url: str, params: dict[str, str], *, htmx: bool) -> None:
        headers = {"HX-Request": "true"} if htmx else {}
        said = f"{method} {url[:80]} { ({k: v[:40] for k, v in params.items()}) } htmx={htmx}"
        try:
            if method == "GET":
                response = self.client.get(url, query_string=params, headers=headers)
            else:
                if not self.token:
                    self.token = csrf_token(self.client)
                form = {**params, "csrf_token": self.token}
                # Some views read a POST's query string too (``next``, ``deck``): send both.
                response = self.client.post(url, query_string=params, data=form, headers=headers)
        except Exception as error:  # the test app lets a view's exception through
            raise AssertionError(f"{said} raised {error!r}") from error
        response.close()
        self.sent += 1
        assert response.status_code < 500, f"{said} answered {response.status_code}"
        if response.status_code == 400 and b"csrf" in response.data.lower():
            self.token = ""  # the session changed (a login, a logout): read a new token

    def baseline(self, endpoint: str, without: str | None = None) -> dict[str, str]:
        skip = {without} if without else set()
        for group in EITHER:
            if without in group:
                skip |= group
        return {
            name: value.format(**self.ids)
            for name, value in PARAMS[endpoint].items()
            if value is not None and name not in skip
        }

    def rule(self, rule: Any, method: str, *, whole: bool) -> None:
        """Every hostile value in each part of the path and in each parameter (``whole``), or
        only in all of them at once (a route that turns this visitor away before reading)."""
        endpoint = rule.endpoint
        for index, value in enumerate(HOSTILE):
            htmx = index % 2 == 1
            if not whole:
                everything = dict.fromkeys(PARAMS[endpoint], value)
                self.send(method, self.url(rule), everything, htmx=htmx)
                continue
            # Each part of the path made hostile, the rest of the request as it should be.
            for name in rule.arguments:
                self.send(method, self.url(rule, (name, value)), self.baseline(endpoint), htmx=htmx)
            # Each parameter made hostile, the others as they should be.
            for name in PARAMS[endpoint]:
                params = {**self.baseline(endpoint, without=name), name: value}
                self.send(method, self.url(rule), params, htmx=htmx)

    def every_rule(self, whole: set[str]) -> None:
        """Every rule with GET and POST, those of ``whole`` fully; the ones that change the
        user's data for good or sign them out last."""

        def order(rule: Any) -> tuple[int, str]:
            return (LAST.index(rule.endpoint) if rule.endpoint in LAST else -1, rule.endpoint)

        for rule in sorted(self.app.url_map.iter_rules(), key=order):
            for method in sorted((rule.methods or set()) & {"GET", "POST"}):
                self.rule(rule, method, whole=rule.endpoint in whole)


def test_no_hostile_request_gets_a_5xx(open_app: Flask) -> None:
    client = open_app.test_client()
    ids = _world(open_app, AuthActions(client))
    started = time.perf_counter()
    signed_in = Sweep(open_app, client, ids)
    signed_in.every_rule(whole=set(PARAMS) - PUBLIC)
    # Signed out: the public pages read everything; the others send the visitor to log in.
    visitor = Sweep(open_app, open_app.test_client(), ids)
    visitor.every_rule(whole=PUBLIC)
    took = time.perf_counter() - started
    print(f"{signed_in.sent + visitor.sent} requests in {took:.1f} s")


def _params_read_by_views() -> set[str]:
    """Every parameter name a view module reads: ``request.args/form/values.get("name")`` (and
    ``getlist``), and every field of the forms they declare."""
    names: set[str] = set()
    for path in WEB.glob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in ("get", "getlist")
                and isinstance(node.func.value, ast.Attribute)
                and node.func.value.attr in ("args", "form", "values")
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                names.add(str(node.args[0].value))
    for path in WEB.glob("*.py"):
        module = importlib.import_module(f"studyapp.web.{path.stem}")
        for value in vars(module).values():
            if isinstance(value, type) and issubclass(value, FlaskForm):
                names |= {
                    name
                    for name in dir(value)
                    if isinstance(getattr(value, name), UnboundField)
                    and getattr(value, name).field_class.__name__ not in ("FieldList", "FileField")
                }
    return names


def test_the_table_names_every_parameter_the_views_read(app: Flask) -> None:
    assert set(PARAMS) == {rule.endpoint for rule in app.url_map.iter_rules()}
    in_table = {name.split("-")[-1] for params in PARAMS.values() for name in params}
    missing = _params_read_by_views() - in_table
    assert not missing, f"add these parameters to PARAMS: {sorted(missing)}"


def test_a_typed_answer_holding_nul_is_kept_without_it(open_app: Flask) -> None:
    # The sweep answers its quiz once, with a choice; a typed number is stored as typed, and
    # PostgreSQL refuses NUL in text.
    client = open_app.test_client()
    ids = _world(open_app, AuthActions(client))
    with session_factory(open_app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        for seed in range(50):
            quiz_id = quiz.start(
                session, user_id, lang="en", now=utcnow(), deck_id=int(ids["deck"]), seed=seed
            )
            typed = [q for q in quiz.result(session, user_id, quiz_id).questions if not q.options]
            if typed:
                break
    assert typed, "no quiz asked for a typed number"
    position = typed[0].position
    response = client.post(
        f"/quiz/{quiz_id}/answer",
        data={"position": str(position), "typed": "48\x00.9", "csrf_token": csrf_token(client)},
    )
    assert response.status_code == 303
    with session_factory(open_app)() as session:
        answered = quiz.result(session, user_id, quiz_id).at(position)
    assert answered is not None and answered.given == "48.9"


@pytest.mark.parametrize("number", ["١٢", "１２", "²", "9" * 5001, "12.0"])
def test_settings_read_their_numbers_as_every_number_is_read(
    app: Flask, client: FlaskClient, auth: AuthActions, number: str
) -> None:
    # WTForms' own IntegerField would take '١٢' as 12; every number of a request is ASCII.
    auth.register()
    fields = {
        "locale": "",
        "timezone": "UTC",
        "new_cards_per_day": number,
        "reviews_per_day": "200",
        "grade_buttons": "six",
        "bury_siblings": "y",
    }
    assert auth.post("/settings", fields).status_code == 422  # type: ignore[attr-defined]
    with session_factory(app)() as session, session.begin():
        assert session.scalars(select(User.new_cards_per_day)).one() == 20
    fields["new_cards_per_day"] = "12"
    assert auth.post("/settings", fields).status_code == 303  # type: ignore[attr-defined]
    with session_factory(app)() as session, session.begin():
        assert session.scalars(select(User.new_cards_per_day)).one() == 12
