"""Large imports as background jobs: a document over ``INLINE_IMPORT_BYTES`` is previewed and
saved by the real queue consumer, its page shows how far it got, and a failure says why and
leaves nothing written."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from studyapp.db import session_factory
from studyapp.extract import extract_text
from studyapp.extract.drafts import PaperDraft
from studyapp.models import Deck, Job, User
from studyapp.services.import_jobs import PREVIEW_LIMIT, report_from_json
from tests.conftest import AuthActions, html
from tests.queue_support import wait_for_job
from tests.test_imports import (
    DATA,
    DIGEST_KO,
    DIGEST_TITLE,
    NOTHING,
    counts,
    form,
    post,
    save_form_fields,
    upload,
)

#: Small enough that the test documents below go to the worker, and a daily digest does not.
THRESHOLD = 4 * 1024
COPIES = 40  # 120 papers: more than a preview shows


def large_digest(copies: int = COPIES) -> str:
    """The test digest ``copies`` times over, each paper with a title and arXiv id of its own."""
    body = DIGEST_KO.split("\n", 1)[1]
    numbers = itertools.count(10000)
    parts = []
    for copy in range(copies):
        part = body.replace("### [", f"### [Part {copy}: ")
        parts.append(re.sub(r"abs/\d{4}\.\d{5}", lambda _m: f"abs/2503.{next(numbers)}", part))
    return DIGEST_KO.split("\n", 1)[0] + "\n" + "".join(parts)


@pytest.fixture
def large(app: Flask) -> str:
    app.config["INLINE_IMPORT_BYTES"] = THRESHOLD
    text = large_digest()
    assert len(text.encode("utf-8")) > THRESHOLD
    return text


def jobs(app: Flask) -> list[Job]:
    with session_factory(app)() as session:
        found = list(session.scalars(select(Job).order_by(Job.id)))
        session.expunge_all()
        return found


def user_id(app: Flask, email: str = "reader@example.com") -> int:
    with session_factory(app)() as session, session.begin():
        return session.scalars(select(User.id).where(User.email == email)).one()


def job_id_of(response: Any) -> int:
    """The job a preview or save was handed to (a 303 to its page)."""
    assert response.status_code == 303, response.status_code
    match = re.fullmatch(r"/import/jobs/(\d+)", response.headers["Location"])
    assert match, response.headers["Location"]
    return int(match.group(1))


def finished(app: Flask, job_id: int) -> Any:
    return wait_for_job(app, job_id, user_id=user_id(app))


def failed_save(app: Flask, auth: AuthActions, preview_id: int, page: Any) -> tuple[str, str]:
    """Saves the preview ``page`` shows; the save job's error code and its page's message."""
    save_id = job_id_of(post(auth, f"/import/jobs/{preview_id}/save", save_form_fields(page)))
    view = finished(app, save_id)
    assert view.status == "failed" and view.error is not None
    alert = html(auth.client.get(f"/import/jobs/{save_id}").data).select_one(".flash.error")
    assert alert is not None
    return view.error, alert.get_text(strip=True)


def test_a_large_document_is_previewed_and_saved_by_the_worker(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    preview_id = job_id_of(post(auth, "/import/preview", upload(large.encode(), "big.md")))
    assert counts(app) == NOTHING
    view = finished(app, preview_id)
    assert (view.status, view.result["papers"]) == ("done", 3 * COPIES)  # type: ignore[index]

    page = html(client.get(f"/import/jobs/{preview_id}").data)
    assert page.select_one("h2").get_text(strip=True) == f"{3 * COPIES} papers found"  # type: ignore[union-attr]
    save = page.select_one("form.save-form")
    assert save is not None and save["action"] == f"/import/jobs/{preview_id}/save"
    assert len(page.select("li.preview-paper")) == PREVIEW_LIMIT
    assert "20 more papers" in page.get_text()
    fields = save_form_fields(page)
    assert "text" not in fields  # the job keeps the document: it is not sent again
    fields["papers-0-keep"] = ""  # unticked: left out
    del fields["papers-0-keep"]
    fields["papers-1-method"] = "PetalMath"

    save_id = job_id_of(post(auth, f"/import/jobs/{preview_id}/save", fields))
    saved = finished(app, save_id)
    assert saved.status == "done" and saved.done == saved.total == 3 * COPIES - 1
    deck = saved.result["deck_id"]  # type: ignore[index]
    assert counts(app)["papers"] == 3 * COPIES - 1

    done = html(client.get(f"/import/jobs/{save_id}").data)
    said = [p.get_text(strip=True) for p in done.select(".import-job .flash")]
    cards = report_from_json(saved.result or {}).cards
    assert said[0] == f"Saved {3 * COPIES - 1} papers with {cards} cards into “{DIGEST_TITLE}”."
    assert said[1] == "1 paper you unticked was left out."
    link = done.select_one(".import-job a.button")
    assert link is not None and link["href"] == f"/library/decks/{deck}"
    assert done.select_one(".import-job[hx-trigger]") is None  # finished: no more polling
    assert done.select_one("noscript") is None


def test_the_job_page_in_korean_says_the_same(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    auth.post(
        "/settings",
        {
            "locale": "ko",
            "timezone": "UTC",
            "new_cards_per_day": "20",
            "reviews_per_day": "200",
            "grade_buttons": "six",
            "bury_siblings": "y",
        },
    )
    preview_id = job_id_of(post(auth, "/import/preview", form(large)))
    finished(app, preview_id)
    page = html(client.get(f"/import/jobs/{preview_id}").data)
    save_id = job_id_of(post(auth, f"/import/jobs/{preview_id}/save", save_form_fields(page)))
    finished(app, save_id)
    done = html(client.get(f"/import/jobs/{save_id}").data)
    assert done.select_one("html")["lang"] == "ko"  # type: ignore[index]
    said = done.select_one(".import-job .flash.ok")
    assert said is not None and "저장" in said.get_text()


def test_a_large_document_without_papers_fails_with_its_reason_and_writes_nothing(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    before = counts(app)
    nonsense = "!!! ??? ...\n" * 1000
    job_id = job_id_of(post(auth, "/import/preview", upload(nonsense.encode(), "noise.md")))
    view = finished(app, job_id)
    assert (view.status, view.error) == ("failed", "document.no_paper/notes")
    page = html(client.get(f"/import/jobs/{job_id}").data)
    alert = page.select_one(".import-job .flash.error")
    assert alert is not None
    assert alert.get_text(strip=True).startswith(
        "No paper was recognised in “noise.md” (read as: Plain notes)."
    )
    back = page.select_one(".import-job a[href='/import']")
    assert back is not None
    assert counts(app) == before


def test_a_save_into_a_deck_deleted_meanwhile_fails_and_writes_nothing(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    with session_factory(app)() as session, session.begin():
        deck = Deck(name="Mine", slug="mine", owner_id=user_id(app))
        session.add(deck)
        session.flush()
        deck_id = deck.id
    fields = form(large, target="existing", deck_id=str(deck_id))
    preview_id = job_id_of(post(auth, "/import/preview", fields))
    finished(app, preview_id)
    page = html(client.get(f"/import/jobs/{preview_id}").data)
    assert "Into your deck “Mine”." in page.select_one(".save-where").get_text()  # type: ignore[union-attr]
    with session_factory(app)() as session, session.begin():
        session.delete(session.get(Deck, deck_id))
    before = counts(app)
    error, said = failed_save(app, auth, preview_id, page)
    assert error == "import.deck_gone" and "deleted" in said
    assert counts(app) == before


def test_a_document_that_reads_differently_when_saved_fails_as_a_mismatch(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    preview_id = job_id_of(post(auth, "/import/preview", form(large)))
    finished(app, preview_id)
    page = html(client.get(f"/import/jobs/{preview_id}").data)
    # What the worker reads again is no longer what the preview showed (as after an update of
    # the extractor between preview and save).
    change_what_the_save_reads(app, preview_id, large)
    error, said = failed_save(app, auth, preview_id, page)
    assert error == "import.preview_mismatch" and "Import it again" in said
    assert counts(app) == NOTHING


def test_saving_twice_makes_one_save_job(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    preview_id = job_id_of(post(auth, "/import/preview", form(large)))
    finished(app, preview_id)
    fields = save_form_fields(html(client.get(f"/import/jobs/{preview_id}").data))
    first = job_id_of(post(auth, f"/import/jobs/{preview_id}/save", fields))
    second = job_id_of(post(auth, f"/import/jobs/{preview_id}/save", fields))
    assert first == second
    finished(app, first)
    assert [job.kind for job in jobs(app)] == ["import.preview", "import.save"]
    assert counts(app)["papers"] == 3 * COPIES


def test_a_preview_whose_save_failed_can_be_saved_again(
    app: Flask, worker: None, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    preview_id = job_id_of(post(auth, "/import/preview", form(large)))
    finished(app, preview_id)
    page = html(client.get(f"/import/jobs/{preview_id}").data)
    # The first save fails: what the worker reads again is not what the preview showed.
    change_what_the_save_reads(app, preview_id, large)
    error, _said = failed_save(app, auth, preview_id, page)
    assert error == "import.preview_mismatch"
    assert counts(app) == NOTHING
    # Put right, the same preview is saved again: a new save job, which succeeds.
    with session_factory(app)() as session, session.begin():
        job = session.get(Job, preview_id)
        assert job is not None
        job.payload = {**job.payload, "text": large}
    fields = save_form_fields(page)
    retry = job_id_of(post(auth, f"/import/jobs/{preview_id}/save", fields))
    first_save = [job.id for job in jobs(app) if job.kind == "import.save"][0]
    assert retry != first_save
    # A second click on the retry goes to it, queued, running or done.
    assert job_id_of(post(auth, f"/import/jobs/{preview_id}/save", fields)) == retry
    assert finished(app, retry).status == "done"
    assert job_id_of(post(auth, f"/import/jobs/{preview_id}/save", fields)) == retry
    assert [job.kind for job in jobs(app)] == ["import.preview", "import.save", "import.save"]
    assert counts(app)["papers"] == 3 * COPIES


def test_a_document_at_the_threshold_stays_inline(
    app: Flask, client: FlaskClient, auth: AuthActions
) -> None:
    auth.register()
    app.config["INLINE_IMPORT_BYTES"] = len(DIGEST_KO.encode("utf-8"))
    response = post(auth, "/import/preview", form(DIGEST_KO))
    assert response.status_code == 200
    assert html(response.data).select("li.preview-paper")
    assert jobs(app) == []


def test_another_users_job_is_not_found(
    app: Flask, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    job_id = job_id_of(post(auth, "/import/preview", form(large)))
    auth.logout()
    auth.register("other@example.com")
    assert client.get(f"/import/jobs/{job_id}").status_code == 404
    assert post(auth, f"/import/jobs/{job_id}/save", {}).status_code == 404
    assert client.get("/import/jobs/99999").status_code == 404


def test_the_job_page_polls_with_htmx_and_offers_to_check_again_without_it(
    app: Flask, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    # No worker: the job waits in the queue.
    auth.register()
    job_id = job_id_of(post(auth, "/import/preview", form(large)))
    page = html(client.get(f"/import/jobs/{job_id}").data)
    # Never a page that reloads by itself (it restarts a screen reader at the top).
    assert page.select_one("meta[http-equiv=refresh]") is None
    again = page.select_one(f"noscript a[href='/import/jobs/{job_id}']")
    assert again is not None and again.get_text(strip=True) == "Check again"
    status = page.select_one("#import-job-status")
    assert status is not None and status.get_text(strip=True) == "Waiting for the worker to start…"
    assert "You may leave this page" in page.select_one("p.lead").get_text()  # type: ignore[union-attr]

    partial = client.get(f"/import/jobs/{job_id}", headers={"HX-Request": "true"})
    fragment = html(partial.data)
    assert fragment.select_one("html") is None
    section = fragment.select_one("section#import-job")
    assert section is not None and section["hx-trigger"] == "every 1s"
    assert section["hx-get"] == f"/import/jobs/{job_id}"
    assert fragment.select_one("progress") is not None

    # The import page lists it, with a link to its page.
    listed = html(client.get("/import").data).select_one(".import-jobs a")
    assert listed is not None and listed["href"] == f"/import/jobs/{job_id}"


def test_a_save_job_shows_its_numbers_while_it_runs(
    app: Flask, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    job_id = job_id_of(post(auth, "/import/preview", form(large)))
    with session_factory(app)() as session, session.begin():
        session.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(kind="import.save", status="running", done=12400, total=52000)
        )
    page = html(client.get(f"/import/jobs/{job_id}").data)
    progress = page.select_one("progress#import-job-progress")
    assert progress is not None and (progress["value"], progress["max"]) == ("12400", "52000")
    status = page.select_one("#import-job-status")
    assert status is not None and status.get_text(strip=True) == "Saving 12,400 of 52,000 papers"


def test_an_htmx_preview_of_a_large_document_goes_to_the_job_page(
    app: Flask, client: FlaskClient, auth: AuthActions, large: str
) -> None:
    auth.register()
    response = post(auth, "/import/preview", form(large), headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert re.fullmatch(r"/import/jobs/\d+", response.headers["HX-Redirect"])
    with session_factory(app)() as session, session.begin():
        assert session.scalar(select(func.count()).select_from(Job)) == 1


def test_drafts_survive_the_round_trip_through_json() -> None:
    for path in sorted(DATA.glob("*.*")):
        if path.suffix not in (".md", ".txt"):
            continue
        for paper in extract_text(path.read_text(encoding="utf-8"), source=path.name).papers:
            assert PaperDraft.from_json(paper.to_json()) == paper


def change_what_the_save_reads(app: Flask, preview_id: int, document: str) -> None:
    """Give the preview job another paper than the one its preview showed: its save job, which
    reads the document again, then finds a mismatch."""
    with session_factory(app)() as session, session.begin():
        job = session.get(Job, preview_id)
        assert job is not None
        changed = document.replace("abs/2503.10000", "abs/2503.99999")
        job.payload = {**job.payload, "text": changed}
