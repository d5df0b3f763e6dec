"""Fitting FSRS's parameters to a user's own log as a background job, run by the real queue
consumer on a seeded synthetic log; applying the fit; the page before and after."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from studyapp.identity import CardKind
from studyapp.models import Card, Job, ReviewKind, ReviewLog, ReviewState, User
from studyapp.services import fsrs_fitting, jobs
from studyapp.srs import fsrs
from studyapp.srs.fsrs import Phase, Rating
from studyapp.srs.fsrs_fit import MIN_REVIEWS, Fit, fit, items_of
from studyapp.srs.schedule import SchedulerName, Scheduling
from tests.conftest import AuthActions, csrf_token, html
from tests.factories import make_card, make_deck, make_paper, make_state, make_user
from tests.queue_support import wait_for_job
from tests.test_fsrs_fit import forgetful_learners

NOW = datetime(2025, 3, 10, 9, tzinfo=UTC)
History = list[tuple[date, Rating]]


def sm2_grade(rating: Rating) -> int:
    """An SM-2 grade that :func:`studyapp.srs.fsrs.from_sm2_grade` reads back as ``rating``."""
    return 1 if rating is Rating.AGAIN else int(rating) + 1


def seed_log(session: Session, user_id: int, simulated: dict[int, History]) -> dict[int, History]:
    """The simulated histories as the user's log, on cards of their own; every other card's
    answers on SM-2's scale. Returns the histories under the real card ids."""
    with session.begin():
        user = session.get_one(User, user_id, populate_existing=True)
        deck = make_deck(session, owner=user)
        histories: dict[int, History] = {}
        rows = []
        for index, answers in enumerate(simulated.values()):
            paper = make_paper(session, deck, arxiv_id=f"2501.{index:05d}", title=f"Paper {index}")
            card = make_card(session, paper, list(CardKind)[0])
            scheduler = SchedulerName.FSRS if index % 2 else SchedulerName.SM2
            histories[card.id] = answers
            for position, (day, rating) in enumerate(answers):
                grade = int(rating) if scheduler is SchedulerName.FSRS else sm2_grade(rating)
                rows.append(
                    ReviewLog(
                        user_id=user_id,
                        card_id=card.id,
                        reviewed_at=datetime(day.year, day.month, day.day, 8, position, tzinfo=UTC),
                        reviewed_on=day,
                        grade=grade,
                        kind=ReviewKind.REVIEW if position else ReviewKind.LEARN,
                        scheduler=scheduler,
                        repetitions_before=0,
                        ease_before=2.5,
                        interval_before=0,
                        due_before=day,
                        repetitions_after=1,
                        ease_after=2.5,
                        interval_after=1,
                        due_after=day + timedelta(days=1),
                    )
                )
        session.add_all(rows)
    return histories


def user_id_of(session: Session) -> int:
    with session.begin():
        return session.scalars(select(User.id)).one()


def post(client: FlaskClient, url: str) -> object:
    return client.post(url, data={"csrf_token": csrf_token(client)})


@pytest.mark.usefixtures("worker")
def test_a_fit_runs_in_the_background_is_shown_then_applied_and_used(
    app: Flask, client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    user_id = user_id_of(session)
    histories = seed_log(session, user_id, forgetful_learners(120))
    page = html(client.get("/settings/scheduling/fit?lang=en").data)
    assert page.select_one("#parameters-in-use").get_text() == "FSRS's defaults."

    # (A second press while it waits or runs starts nothing: see the last test.)
    assert post(client, "/settings/scheduling/fit").status_code == 303
    with session.begin():
        job_ids = session.scalars(select(Job.id).where(Job.kind == fsrs_fitting.FIT_KIND)).all()
    assert len(job_ids) == 1
    job = wait_for_job(app, job_ids[0], user_id=user_id)
    assert job.status == "done", (job.error, job.detail)
    assert job.done == job.total == 3

    expected = fit(histories)  # the same log gives the same fit
    result = Fit.from_dict(job.result or {})
    assert result.parameters == expected.parameters
    assert (result.reviews, result.held_out) == (expected.reviews, expected.held_out)
    assert result.reviews >= MIN_REVIEWS and result.better

    page = html(client.get("/settings/scheduling/fit?lang=en").data)
    assert page.select_one("dd.fit-reviews").get_text() == f"{expected.reviews:,}"
    assert page.select_one("dd.fit-held-out").get_text() == f"{expected.held_out:,}"
    assert page.select_one("dd.fit-log-loss").get_text() == (
        f"{expected.default_log_loss:.4f} → {expected.fitted_log_loss:.4f}"
    )
    assert page.select_one("#fsrs-fit-job").get("hx-get") is None  # finished: no more polling
    apply = page.select_one(f"form[action='/settings/scheduling/fit/{job.id}/apply'] button")
    assert apply.get_text() == "Apply these parameters"
    with session.begin():  # shown, not applied
        assert session.get_one(User, user_id, populate_existing=True).fsrs_parameters is None

    assert post(client, f"/settings/scheduling/fit/{job.id}/apply").status_code == 303
    with session.begin():
        user = session.get_one(User, user_id, populate_existing=True)
        assert tuple(user.fsrs_parameters or ()) == expected.parameters
        assert user.fsrs_fitted_at is not None
    page = html(client.get("/settings/scheduling/fit?lang=en").data)
    assert page.select_one("#parameters-in-use").get_text().startswith("Fitted to your reviews on")
    assert page.select_one(".fit-verdict").get_text() == "These parameters are in use."

    # The review page now schedules with them: one FSRS card, ten days after its last answer.
    card_id = next(iter(histories))
    last = datetime.now(UTC) - timedelta(days=10, hours=1)
    memory = fsrs.FSRSState(Phase.REVIEW, None, 8.0, 5.0, last + timedelta(days=8), last)
    with session.begin():
        session.get_one(User, user_id).scheduler = SchedulerName.FSRS
        state = make_state(session, session.get_one(User, user_id), session.get_one(Card, card_id))
        state.scheduler, state.phase, state.stability, state.difficulty = (
            SchedulerName.FSRS,
            int(Phase.REVIEW),
            8.0,
            5.0,
        )
        state.last_reviewed_at, state.due_at = last, memory.due
        state.due_on, state.interval_days, state.repetitions = memory.due.date(), 8, 3
        state_id = state.id
    with session.begin():  # the version after the changes above
        version = session.get_one(ReviewState, state_id, populate_existing=True).version
    answered = client.post(
        f"/review/{state_id}/answer",
        data={"grade": "3", "version": str(version), "csrf_token": csrf_token(client)},
    )
    assert answered.status_code in (200, 303)
    with session.begin():
        stability = session.get_one(ReviewState, state_id, populate_existing=True).stability
    now = datetime.now(UTC)
    fitted = Scheduling(SchedulerName.FSRS, fsrs_parameters=expected.parameters).fsrs
    with_fit = fsrs.review(memory, Rating.GOOD, now=now, settings=fitted).stability
    with_defaults = fsrs.review(memory, Rating.GOOD, now=now).stability
    assert stability == pytest.approx(with_fit) and with_fit != pytest.approx(with_defaults)

    assert post(client, "/settings/scheduling/fit/reset").status_code == 303
    with session.begin():
        user = session.get_one(User, user_id, populate_existing=True)
        assert user.fsrs_parameters is None and user.fsrs_fitted_at is None


@pytest.mark.usefixtures("worker")
def test_too_few_reviews_fail_the_job_with_how_many_there_are_and_are_needed(
    app: Flask, client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    user_id = user_id_of(session)
    seed_log(session, user_id, forgetful_learners(12))
    with app.test_request_context():
        job_id = fsrs_fitting.start_fit(session, user_id, now=NOW)
    job = wait_for_job(app, job_id, user_id=user_id)
    assert (job.status, job.error) == ("failed", fsrs_fitting.NOT_ENOUGH_REVIEWS)
    have, needed = fsrs_fitting.not_enough_reviews(job) or (0, 0)
    assert needed == MIN_REVIEWS and 0 < have < MIN_REVIEWS
    page = html(client.get("/settings/scheduling/fit?lang=en").data)
    assert page.select_one("#fsrs-fit-job [role=alert]").get_text(strip=True) == (
        f"Fitting needs {MIN_REVIEWS} reviews on later days; you have {have}. "
        "Keep reviewing and try again."
    )
    korean = html(client.get("/settings/scheduling/fit?lang=ko").data)
    assert str(have) in korean.select_one("#fsrs-fit-job [role=alert]").get_text()
    assert "Keep reviewing" not in korean.select_one("#fsrs-fit-job [role=alert]").get_text()
    assert post(client, f"/settings/scheduling/fit/{job_id}/apply").status_code == 404


def finished_fit(session: Session, user_id: int, *, better: bool) -> int:
    """A fit job of ``user_id`` that ended with a result (run by nobody: its row is written)."""
    result = Fit(
        parameters=(*fsrs.DEFAULT_PARAMETERS[:20], 0.3),
        reviews=900,
        held_out=180,
        default_log_loss=0.40,
        fitted_log_loss=0.38 if better else 0.42,
        default_rmse=0.05,
        fitted_rmse=0.04,
    )
    with session.begin():
        job = Job(
            kind=fsrs_fitting.FIT_KIND,
            user_id=user_id,
            payload={},
            status="done",
            result=result.to_dict(),
            done=3,
            total=3,
        )
        session.add(job)
        session.flush()
        return job.id


def test_a_fit_that_is_not_better_cannot_be_applied(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    user_id = user_id_of(session)
    job_id = finished_fit(session, user_id, better=False)
    page = html(client.get("/settings/scheduling/fit?lang=en").data)
    assert page.select_one("form[action$='/apply']") is None
    assert page.select_one(".fit-verdict").get_text().startswith("The defaults stay")
    assert post(client, f"/settings/scheduling/fit/{job_id}/apply").status_code == 409
    with pytest.raises(fsrs_fitting.FitNotBetter):
        fsrs_fitting.apply_fit(session, user_id, job_id, now=NOW)
    with session.begin():
        assert session.get_one(User, user_id, populate_existing=True).fsrs_parameters is None


def test_another_users_fit_is_not_found(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register("other@example.com")
    with session.begin():
        other = session.scalars(select(User.id).where(User.email == "other@example.com")).one()
    theirs = finished_fit(session, other, better=True)
    auth.logout()
    auth.register()
    assert post(client, f"/settings/scheduling/fit/{theirs}/apply").status_code == 404
    with pytest.raises(jobs.JobNotFound):
        fsrs_fitting.apply_fit(session, other + 1, theirs, now=NOW)
    with session.begin():
        assert session.scalar(select(func.count()).where(User.fsrs_parameters.is_not(None))) == 0


def test_a_running_fit_polls_itself_and_offers_a_link_without_scripts(
    client: FlaskClient, auth: AuthActions, session: Session
) -> None:
    auth.register()
    user_id = user_id_of(session)
    with session.begin():
        session.add(
            Job(
                kind=fsrs_fitting.FIT_KIND,
                user_id=user_id,
                payload={},
                status="running",
                done=1,
                total=3,
            )
        )
    page = html(client.get("/settings/scheduling/fit?lang=en").data)
    part = page.select_one("#fsrs-fit-job")
    assert part["hx-get"] == "/settings/scheduling/fit" and part["hx-trigger"] == "every 1s"
    progress = part.select_one("progress")
    assert (progress["value"], progress["max"]) == ("1", "3")
    assert page.select_one("noscript a")["href"] == "/settings/scheduling/fit"
    assert page.select_one("meta[http-equiv=refresh]") is None
    swapped = html(client.get("/settings/scheduling/fit", headers={"HX-Request": "true"}).data)
    assert swapped.select_one("#fsrs-fit-job progress") is not None
    assert swapped.select_one("h1") is None
    # Starting again while it runs starts nothing.
    assert post(client, "/settings/scheduling/fit").status_code == 303
    with session.begin():
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_a_move_west_never_sends_a_cards_days_backwards(app: Flask, session: Session) -> None:
    # Answered at 08:00 UTC on the 10th from Seoul (local 10th), then at 09:00 UTC from
    # Honolulu (local 9th): later in time, earlier on the calendar.
    user = make_user(session)
    session.commit()
    seed_log(session, user.id, {1: [(date(2025, 3, 10), Rating.GOOD)]})
    with session.begin():
        (card_id,) = session.scalars(select(ReviewLog.card_id)).all()
        session.add(
            ReviewLog(
                user_id=user.id,
                card_id=card_id,
                reviewed_at=datetime(2025, 3, 10, 9, tzinfo=UTC),
                reviewed_on=date(2025, 3, 9),
                grade=int(Rating.HARD),
                kind=ReviewKind.REVIEW,
                scheduler=SchedulerName.FSRS,
                repetitions_before=0,
                ease_before=2.5,
                interval_before=0,
                due_before=date(2025, 3, 9),
                repetitions_after=1,
                ease_after=2.5,
                interval_after=1,
                due_after=date(2025, 3, 10),
            )
        )
    with session.begin():
        histories = fsrs_fitting._histories(session, user.id)
    assert histories[card_id] == [
        (date(2025, 3, 10), Rating.GOOD),
        (date(2025, 3, 10), Rating.HARD),
    ]
    assert items_of(histories[card_id]) == []  # one day: nothing long-term, and no error
