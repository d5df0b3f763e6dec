"""Importing a document from a URL in the web form, as a job: the worker fetches it (a web
process never waits on the network), keeps its text in the job's payload, where the save job
reads it as it reads a preview job's, and goes on as a preview job.

A refused or failed fetch fails the job with the fetch error's code (``fetch.not_allowed``…);
what :func:`~studyapp.services.fetch_errors.fetch_problem` needs to say it in the reader's
language is kept in the payload too (:func:`fetch_error`)."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import current_app

from studyapp.db import write_unit
from studyapp.extract.documents import DocumentError
from studyapp.models import Job
from studyapp.services import jobs
from studyapp.services.fetch_errors import FetchError
from studyapp.services.fetching import FetchSettings
from studyapp.services.import_jobs import (
    FETCH_KIND,
    DocumentJob,
    document_failure,
    preview_of,
)
from studyapp.services.url_documents import fetch_document

__all__ = ["fetch_error"]

#: Every kind of fetch error by its code (each is a direct subclass of FetchError).
_ERRORS: dict[str, type[FetchError]] = {error.code: error for error in FetchError.__subclasses__()}


def _keep(context: jobs.JobContext, payload: dict[str, Any]) -> None:
    """Write the job's payload now, in a transaction of its own (it outlives a failure)."""
    with write_unit(context.session):
        job = context.session.get(Job, context.job_id)
        if job is not None:
            job.payload = payload


@jobs.handler(FETCH_KIND)
def _fetch(context: jobs.JobContext) -> dict[str, Any]:
    document = DocumentJob.from_json(context.payload)
    assert document.url is not None, "a fetch job has a URL"
    settings = FetchSettings.from_config(current_app.config)
    try:
        # Not remembered: the form asks for the document itself, never "unchanged".
        fetched = fetch_document(
            context.session,
            user_id=context.user_id,
            url=document.url,
            settings=settings,
            remember=False,
        )
    except FetchError as error:
        _keep(context, {**context.payload, "fetch_problem": error.params})
        raise jobs.JobFailed(error.code, str(error)) from None
    except DocumentError as error:
        raise document_failure(error) from None
    read = dataclasses.replace(document, text=fetched.text, stem=fetched.name)
    _keep(context, read.to_json())
    return preview_of(read)


def fetch_error(code: str, payload: dict[str, Any]) -> FetchError | None:
    """The fetch error a failed fetch job's ``code`` and payload describe (for
    :func:`~studyapp.services.fetch_errors.fetch_problem`); None for another failure."""
    kind = _ERRORS.get(code)
    problem = payload.get("fetch_problem")
    if kind is None or not isinstance(problem, dict):
        return None
    return kind(str(payload.get("url") or ""), **problem)
