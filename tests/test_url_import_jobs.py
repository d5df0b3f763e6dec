"""Importing from a web address in the import form: the worker fetches the document (from a
real HTTP server on 127.0.0.1), then it is previewed and saved like a large document; a refused
address fails the job with a message in the reader's language, and nothing is written."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import AuthActions, html
from tests.http_fixtures import DigestServer
from tests.test_import_jobs import finished, job_id_of, jobs
from tests.test_imports import (
    DIGEST_KO,
    DIGEST_TITLE,
    NOTHING,
    counts,
    form,
    post,
    save_form_fields,
)

PATH = "/paper_logs/2025/03/15.md"
MARKDOWN = {"Content-Type": "text/markdown; charset=utf-8"}


@pytest.fixture
def served(app: Flask, digest_server: DigestServer) -> str:
    """The test digest's address, on a host the app may fetch from."""
    app.config["FETCH_ALLOWED_HOSTS"] = f"127.0.0.1:{digest_server.port}"
    digest_server.routes[PATH] = (200, MARKDOWN, DIGEST_KO.encode("utf-8"))
    return digest_server.url(PATH)


def test_the_web_process_only_hands_a_url_to_the_worker(
    app: Flask, auth: AuthActions, digest_server: DigestServer, served: str
) -> None:
    auth.register()
    job_id = job_id_of(post(auth, "/import/preview", form(url=served)))
    # No worker runs: the page answered without fetching anything.
    assert digest_server.requests == []
    [job] = jobs(app)
    assert (job.id, job.kind, job.status, job.payload["url"]) == (
        job_id,
        "import.fetch",
        "queued",
        served,
    )


def test_a_document_at_a_url_is_fetched_previewed_and_saved(
    app: Flask,
    worker: None,
    client: FlaskClient,
    auth: AuthActions,
    digest_server: DigestServer,
    served: str,
) -> None:
    auth.register()
    job_id = job_id_of(post(auth, "/import/preview", form(url=served)))
    assert finished(app, job_id).status == "done"
    assert digest_server.paths() == [PATH]
    page = html(client.get(f"/import/jobs/{job_id}").data)
    assert page.select_one(".preview-head h2").get_text(strip=True) == "3 papers found"  # type: ignore[union-attr]
    save_id = job_id_of(post(auth, f"/import/jobs/{job_id}/save", save_form_fields(page)))
    saved = finished(app, save_id)
    assert saved.status == "done" and saved.done == saved.total == 3
    assert digest_server.paths() == [PATH]  # the save read the fetched text, not the site
    said = html(client.get(f"/import/jobs/{save_id}").data).select_one(".import-job .flash.ok")
    assert said is not None and f"into “{DIGEST_TITLE}”" in said.get_text()
    assert counts(app)["papers"] == 3


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("en", "This address is not on the list of sites this server may fetch from."),
        ("ko", "FETCH_ALLOWED_HOSTS"),
    ],
)
def test_an_address_off_the_allowlist_fails_in_the_readers_language(
    app: Flask,
    worker: None,
    client: FlaskClient,
    auth: AuthActions,
    digest_server: DigestServer,
    lang: str,
    expected: str,
) -> None:
    auth.register()
    client.get(f"/?lang={lang}")
    digest_server.routes[PATH] = (200, MARKDOWN, DIGEST_KO.encode("utf-8"))
    job_id = job_id_of(post(auth, "/import/preview", form(url=digest_server.url(PATH))))
    view = finished(app, job_id)
    assert (view.status, view.error) == ("failed", "fetch.not_allowed")
    assert digest_server.requests == []
    alert = html(client.get(f"/import/jobs/{job_id}").data).select_one(".import-job .flash.error")
    assert alert is not None and expected in alert.get_text()
    assert "127.0.0.1" in alert.get_text()
    assert counts(app) == NOTHING


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "javascript:alert(1)", "ftp://example.org/a.md"]
)
def test_what_is_plainly_not_a_web_address_is_refused_on_the_form(
    app: Flask, auth: AuthActions, url: str
) -> None:
    auth.register()
    response = post(auth, "/import/preview", form(url=url))
    assert response.status_code == 422
    errors = [p.get_text(strip=True) for p in html(response.data).select("form#import-form .error")]
    assert errors == [
        "This is not a web address the server can fetch. Give a full address that starts with "
        "https:// (or http://), without a user name or password in it."
    ]
    assert jobs(app) == []
