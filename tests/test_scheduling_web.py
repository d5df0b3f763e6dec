"""The scheduling settings through HTTP: the form and its errors, switching SM-2 ⇄ FSRS and what
the flash says, the review page's buttons by the card's scheduler, and FSRS's recall on the
review and library pages. The web pages' clock is pinned (``NOW``); the history before it is
answered through the service on earlier pinned days."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_timedelta
from bs4 import BeautifulSoup
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.models import Card, ReviewLog, ReviewState, User
from studyapp.services import review
from studyapp.services.importing import DeckImport, import_decks
from studyapp.srs import fsrs
from studyapp.srs.schedule import SchedulerName
from studyapp.web import library as library_web
from studyapp.web import review as review_web
from studyapp.web import scheduling as scheduling_web
from tests.conftest import AuthActions, html
from tests.test_review_web import answer_form

DATA = Path(__file__).parent / "data"
#: The web pages' "now", and the day of the history before it.
NOW = datetime(2024, 3, 10, 9, 0, tzinfo=UTC)
FIRST_DAY = datetime(2024, 3, 1, 9, 0, tzinfo=UTC)
GOOD = {"scheduler": "sm2", "desired_retention": "0.90", "maximum_interval": "36500"}
TO_FSRS = {**GOOD, "scheduler": "fsrs"}
RETENTION = "Enter a number from 0.70 to 0.97, such as 0.90."
INTERVAL = "Enter a whole number of days from 1 to 36500."


@pytest.fixture
def pinned(monkeypatch: pytest.MonkeyPatch) -> datetime:
    for module in (review_web, library_web):
        monkeypatch.setattr(module, "utcnow", lambda: NOW)
    return NOW


@pytest.fixture
def history(app: Flask, auth: AuthActions, pinned: datetime) -> dict[str, int]:
    """A signed-in user with five cards: two answered on ``FIRST_DAY`` (due by ``NOW``), one
    brought from elsewhere (reviewed, with no log), two new. The ids, by role."""
    auth.register()
    papers = extract_text((DATA / "digest_ko.md").read_text(encoding="utf-8"), source="d").papers
    with session_factory(app)() as session:
        with session.begin():
            user_id = session.scalars(select(User.id)).one()
        import_decks(session, [DeckImport(name="Mine", papers=papers, owner_id=user_id)])
        limits = review.StudyLimits(user_id, "UTC", new_per_day=20, reviews_per_day=200)
        answered = []
        for _ in range(2):
            item = review.next_card(session, limits, now=FIRST_DAY)
            assert item is not None
            review.answer(
                session,
                limits,
                state_id=item.state.id,
                version=item.state.version,
                grade=5,
                now=FIRST_DAY,
            )
            answered.append(item.state.id)
        with session.begin():
            brought = session.scalars(
                select(ReviewState)
                .where(ReviewState.id.not_in(answered))
                .order_by(ReviewState.id)
                .limit(1)
            ).one()
            brought.repetitions, brought.ease, brought.interval_days = 3, 2.3, 12
            brought.last_reviewed_at = FIRST_DAY - timedelta(days=3)
            brought.due_on = date(2024, 3, 9)
            assert session.scalar(select(func.count(Card.id))) == 5
            return {"user": user_id, "replayed": answered[0], "brought": brought.id}


def stored(app: Flask) -> tuple[Any, ...]:
    with session_factory(app)() as session, session.begin():
        user = session.scalars(select(User)).one()
        schedulers = session.scalars(select(ReviewState.scheduler).order_by(ReviewState.id))
        return (user.scheduler, user.desired_retention, user.maximum_interval, *schedulers)


def state(app: Flask, state_id: int) -> ReviewState:
    with session_factory(app)() as session, session.begin():
        row = session.get_one(ReviewState, state_id)
        session.expunge(row)
        return row


def flashes(client: FlaskClient, url: str = "/settings/scheduling") -> list[str]:
    return [p.get_text() for p in html(client.get(url).data).select(".flash")]


def revealed(client: FlaskClient, state_id: int) -> BeautifulSoup:
    return html(client.get(f"/review?card={state_id}&reveal=1").data)


def test_the_page_shows_the_current_scheduling_and_is_linked_from_settings(
    client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    settings = html(client.get("/settings").data)
    assert settings.select_one("a[href='/settings/scheduling']") is not None
    page = html(client.get("/settings/scheduling").data)
    form = page.select_one("form[action='/settings/scheduling'][method=post]")
    assert form is not None
    radios = form.select("input[type=radio][name=scheduler]")
    assert [r["value"] for r in radios] == ["sm2", "fsrs"]
    assert form.select_one("input[name=scheduler][checked]")["value"] == "sm2"
    # Each choice says what it does, tied to its radio for screen readers.
    for radio in radios:
        assert page.select_one(f"#{radio['aria-describedby']}").get_text().strip()
    retention = form.select_one("input[name=desired_retention]")
    assert (retention["type"], retention["value"], retention["step"]) == ("number", "0.90", "0.01")
    assert (retention["min"], retention["max"]) == ("0.7", "0.97")
    assert (
        "90 %: you will recall about 9 cards in 10"
        in page.select_one(f"#{retention['aria-describedby']}").get_text()
    )
    assert form.select_one("input[name=maximum_interval]")["value"] == "36500"
    nav = page.select_one(".main-nav a[aria-current=page]")
    assert nav is not None and nav["href"] == "/settings"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("scheduler", "sm3", "Not a valid choice."),
        ("scheduler", "", "Not a valid choice."),
        ("desired_retention", "", "This field is required."),
        ("desired_retention", "   ", "This field is required."),
        ("desired_retention", "high", RETENTION),
        ("desired_retention", "0.69", RETENTION),
        ("desired_retention", "0.98", RETENTION),
        ("desired_retention", "1", RETENTION),
        ("desired_retention", "-0.9", RETENTION),
        ("desired_retention", "90%", RETENTION),
        ("desired_retention", "NaN", RETENTION),
        ("desired_retention", "inf", RETENTION),
        ("desired_retention", "9e-1", RETENTION),
        ("desired_retention", "٠.٩", RETENTION),  # Arabic-Indic digits: float() reads them
        ("desired_retention", "0.9<script>", RETENTION),
        ("desired_retention", "0.9\x00", RETENTION),
        ("desired_retention", "9" * 5000, RETENTION),
        ("desired_retention", "0,9", RETENTION),
        ("maximum_interval", "", "This field is required."),
        ("maximum_interval", "0", INTERVAL),
        ("maximum_interval", "-1", INTERVAL),
        ("maximum_interval", "36501", INTERVAL),
        ("maximum_interval", "a year", "Not a valid integer value."),
        ("maximum_interval", "١٢", "Not a valid integer value."),
        ("maximum_interval", "9" * 5000, "Not a valid integer value."),
        ("maximum_interval", "' OR 1=1 --", "Not a valid integer value."),
    ],
)
def test_bad_input_says_what_is_wrong_and_changes_nothing(
    app: Flask, auth: AuthActions, field: str, value: str, message: str
) -> None:
    auth.register()
    before = stored(app)
    response: Any = auth.post("/settings/scheduling", {**TO_FSRS, field: value})
    assert response.status_code == 422
    page = html(response.data)
    problems = [p.get_text() for p in page.select("form[action='/settings/scheduling'] .error")]
    assert problems == [message]
    broken = page.select_one(f"input[name={field}][aria-invalid=true]") or page.select_one(
        "fieldset.schedulers.has-error"
    )
    assert broken is not None
    assert stored(app) == before


def test_a_refusal_of_the_service_is_shown_on_its_field(
    app: Flask, auth: AuthActions, monkeypatch: pytest.MonkeyPatch
) -> None:
    auth.register()

    def refuse(*_args: object, **_kwargs: object) -> None:
        raise scheduling_web.scheduling.IntervalOutOfRange()

    monkeypatch.setattr(scheduling_web.scheduling, "update_scheduling", refuse)
    response: Any = auth.post("/settings/scheduling", TO_FSRS)
    assert response.status_code == 422
    page = html(response.data)
    error = page.select_one("input[name=maximum_interval][aria-invalid=true] ~ .error")
    assert error is not None and error.get_text() == INTERVAL


def test_settings_saved_without_a_switch_say_so(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    response: Any = auth.post(
        "/settings/scheduling", {**GOOD, "desired_retention": "0.85", "maximum_interval": "3650"}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/settings/scheduling"
    assert stored(app)[:3] == (SchedulerName.SM2, 0.85, 3650)
    assert flashes(client) == ["Scheduling settings saved."]


def expected_labels(before: ReviewState, *, now: datetime) -> list[str]:
    """What FSRS's four ratings do to the card at ``now``, read from FSRS itself."""
    memory = fsrs.FSRSState(
        phase=fsrs.Phase(before.phase),
        step=before.step,
        stability=before.stability,
        difficulty=before.difficulty,
        due=before.due_at or now,
        last_review=before.last_reviewed_at,
    )
    labels = []
    for rating in fsrs.Rating:
        after = fsrs.review(memory, rating, now=now)
        if after.phase is not fsrs.Phase.REVIEW:
            labels.append("again today")
            continue
        days = fsrs.interval_days(after, now=now)
        when = format_timedelta(timedelta(days=days), threshold=1, add_direction=True, locale="en")
        labels.append(when)
    return labels


def test_switching_to_fsrs_says_what_it_did_and_the_review_page_shows_fsrs_buttons(
    app: Flask, client: FlaskClient, auth: AuthActions, history: dict[str, int]
) -> None:
    six = revealed(client, history["replayed"]).select("form.grades button[name=grade]")
    assert [b["value"] for b in six] == ["0", "1", "2", "3", "4", "5"]
    assert revealed(client, history["replayed"]).select_one(".recall") is None  # SM-2: none

    response: Any = auth.post("/settings/scheduling", TO_FSRS)
    assert response.status_code == 303
    assert flashes(client) == [
        "Switched to FSRS: 2 cards rebuilt from their review history, "
        "1 card from its ease and interval, 2 new cards."
    ]
    assert stored(app)[0] is SchedulerName.FSRS

    card = state(app, history["replayed"])
    page = revealed(client, history["replayed"])
    form = page.select_one("form.grades.four.fsrs")
    assert form is not None
    buttons = form.select("button[name=grade]")
    assert [(b["value"], b["data-key"]) for b in buttons] == [
        ("1", "1"),
        ("2", "2"),
        ("3", "3"),
        ("4", "4"),
    ]
    assert [b.select_one(".grade-label").get_text() for b in buttons] == [
        "Again",
        "Hard",
        "Good",
        "Easy",
    ]
    shown = [b.select_one(".grade-next").get_text() for b in buttons]
    assert shown == expected_labels(card, now=NOW)
    assert shown[0] == "again today" and shown[1:] != ["in 1 day"] * 3
    # FSRS's chance of recall, 9 days after the card's last answer.
    memory = replace(
        fsrs.FSRSState.initial(now=NOW),
        phase=fsrs.Phase(card.phase),
        stability=card.stability,
        difficulty=card.difficulty,
        last_review=card.last_reviewed_at,
    )
    recall = fsrs.retrievability(memory, now=NOW)
    assert 0 < recall < 1
    assert page.select_one(".flashcard .recall").get_text() == f"Recall now: {round(recall * 100)}%"

    due_before = state(app, history["brought"]).due_on
    response = auth.post("/settings/scheduling", GOOD)
    assert response.status_code == 303
    assert flashes(client) == ["Switched to SM-2: your cards keep their due dates."]
    assert state(app, history["brought"]).due_on == due_before
    page = revealed(client, history["replayed"])
    assert page.select_one("form.grades.four") is None
    assert len(page.select("form.grades.sm2 button[name=grade]")) == 6
    assert page.select_one(".recall") is None


def test_the_library_card_shows_fsrs_memory_in_words_and_sm2_cards_none(
    app: Flask, client: FlaskClient, auth: AuthActions, history: dict[str, int]
) -> None:
    card_id = state(app, history["replayed"]).card_id
    with session_factory(app)() as session, session.begin():
        paper_id = session.get_one(Card, card_id).paper_id

    def card_on_paper_page() -> BeautifulSoup:
        article = html(client.get(f"/papers/{paper_id}").data).select_one(f"#card-{card_id}")
        assert article is not None
        return article

    sm2 = card_on_paper_page()
    assert sm2.select_one(".recall") is None
    assert "Ease 2.60" in sm2.select_one(".lib-schedule").get_text()

    auth.post("/settings/scheduling", TO_FSRS)
    card = state(app, history["replayed"])
    recall = fsrs.retrievability(
        fsrs.FSRSState(
            phase=fsrs.Phase(card.phase),
            step=card.step,
            stability=card.stability,
            difficulty=card.difficulty,
            due=card.due_at or NOW,
            last_review=card.last_reviewed_at,
        ),
        now=NOW,
    )
    parts = [s.get_text() for s in card_on_paper_page().select(".lib-schedule span")]
    assert f"Recall now: {round(recall * 100)}%" in parts
    assert f"Memory lasts about {round(card.stability)} days" in parts
    assert f"Difficulty {card.difficulty:.1f} / 10" in parts
    assert not any(part.startswith("Ease") for part in parts)


def test_a_grade_fsrs_has_no_button_for_is_refused_and_writes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, history: dict[str, int]
) -> None:
    auth.post("/settings/scheduling", TO_FSRS)
    before = state(app, history["replayed"])
    with session_factory(app)() as session, session.begin():
        logged = session.scalar(select(func.count(ReviewLog.id)))
    response: Any = auth.post(
        f"/review/{before.id}/answer", {"grade": "5", "version": str(before.version)}
    )
    assert response.status_code == 400
    message = html(response.data).select_one(".error-page p").get_text()
    assert message == "That grade is not one of this card’s buttons. Reload the page to see them."
    assert state(app, before.id).version == before.version
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(func.count(ReviewLog.id))) == logged


def test_the_optimizer_is_offered_only_under_fsrs(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    # The optimizer page is its own blueprint; stand in for it when this app lacks it.
    if "fsrs_fit.page" not in app.view_functions:
        app.add_url_rule("/settings/scheduling/fit", "fsrs_fit.page", lambda: "fit")
    auth.register()
    assert html(client.get("/settings/scheduling").data).select_one("a[href$='/fit']") is None
    auth.post("/settings/scheduling", TO_FSRS)
    page = html(client.get("/settings/scheduling").data)
    assert page.select_one("a[href='/settings/scheduling/fit']") is not None


def test_what_a_page_shown_before_a_switch_sends_changes_nothing(
    app: Flask, client: FlaskClient, auth: AuthActions, history: dict[str, int]
) -> None:
    # An SM-2 answer today, then the page of the next card, both before the switch.
    answered = answer_form(client)
    client.post(answered.pop("action"), data={**answered, "grade": "4"})
    shown = answer_form(client)
    undo = html(client.get("/review").data).select_one("form.undo input[name=answer]")
    assert undo is not None
    with session_factory(app)() as session, session.begin():
        logged = session.scalar(select(func.count(ReviewLog.id)))
    switched: Any = auth.post("/settings/scheduling", TO_FSRS)
    assert switched.status_code == 303
    # No undo is offered for an answer the switch has built into FSRS's memory...
    assert html(client.get("/review").data).select_one("form.undo") is None
    # ...and the old button, pressed anyway, says why nothing happened.
    refused: Any = auth.post("/review/undo", {"answer": str(undo["value"])}, follow_redirects=True)
    assert "you changed the scheduler since that answer" in refused.get_data(as_text=True)
    # A grade on SM-2's scale from the old page names a version the switch moved past: the
    # card is not answered, on either scale.
    action = shown.pop("action")
    for grade in ("5", "0"):
        client.post(action, data={**shown, "grade": grade})
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(func.count(ReviewLog.id))) == logged
        states = session.scalars(select(ReviewState.scheduler)).all()
    assert set(states) == {SchedulerName.FSRS}
