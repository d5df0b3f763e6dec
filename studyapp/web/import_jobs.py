"""The pages of an import that runs as a job (a document larger than ``INLINE_IMPORT_BYTES``):
how far it got, with a progress bar, and how it ended.

A job's page polls itself with htmx every second (the partial it swaps stops asking once the
job is finished); without JavaScript the reader follows its "Check again" link. A finished
preview job's page is the preview, whose save button makes the save job; a finished save
job's page says what was saved, as the inline save does; a failed job's says why and what to
do. The user may leave: the job goes on, and the import page lists their recent imports.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, render_template
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, ngettext
from flask_babel import gettext as _

from studyapp.db import get_session
from studyapp.extract import Format
from studyapp.queue import current_queue
from studyapp.services import import_jobs
from studyapp.services.import_jobs import FETCH_KIND, PREVIEW_KINDS, SAVE_KIND, DocumentJob
from studyapp.services.jobs import JobNotFound, JobView, job_view
from studyapp.web import import_form as read
from studyapp.web import import_messages as say
from studyapp.web import imports
from studyapp.web.auth import current_account, login_required
from studyapp.web.htmx import wants_partial
from studyapp.web.import_form import ImportForm, Preview

__all__ = ["bp"]

bp = Blueprint("import_jobs", __name__)
# The save button sends the corrections of every paper shown, as the inline preview's does.
bp.url_value_preprocessor(imports.limit_request_size)


def _import_job(job_id: int) -> JobView:
    """The user's import job ``job_id``; :class:`JobNotFound` (404) for any other job."""
    job = job_view(get_session(), job_id, user_id=current_account().id)
    if job.kind not in (*PREVIEW_KINDS, SAVE_KIND):
        raise JobNotFound(job_id)
    return job


def _preview(job: JobView, form: ImportForm) -> Preview:
    """A finished preview job's preview (``form`` lists the user's decks)."""
    assert job.result is not None, "a finished preview job has a result"
    document = DocumentJob.from_json(job.payload)
    result = job.result
    return Preview(
        papers=import_jobs.preview_papers(result),
        count=int(result["papers"]),
        cards=int(result["cards"]),
        format=Format(result["format"]),
        target=document.target,
        deck_id=document.deck_id,
        deck_name=read.deck_name(form, document, result["deck_name"]),
        job_id=job.id,
    )


def _preview_page(job: JobView) -> ResponseReturnValue:
    form = read.make_form(from_request=False)
    document = DocumentJob.from_json(job.payload)
    form.format.data = document.format or ""
    form.target.data = document.target
    form.deck_name.data = document.deck_name
    form.deck_id.data = document.deck_id
    found = _preview(job, form)
    imports.show_afresh(form, found)
    return imports.render(form, found, 200)


def _status_line(job: JobView) -> str:
    """What the job is doing, in words (the progress bar's label)."""
    line: str
    if job.status == "queued":
        line = _("Waiting for the worker to start…")
    elif job.kind == FETCH_KIND:
        line = _("Fetching the document and reading it…")
    elif job.total <= 0 or job.kind in PREVIEW_KINDS:
        line = _("Reading the document…")
    else:
        line = ngettext(
            "Saving %(done)s of %(total)s paper",
            "Saving %(done)s of %(total)s papers",
            job.total,
            done=format_decimal(job.done),
            total=format_decimal(job.total),
        )
    return line


def _context(job: JobView) -> dict[str, Any]:
    context: dict[str, Any] = {"job": job, "status_line": _status_line(job), "said": []}
    if job.status == "done" and job.kind == SAVE_KIND and job.result is not None:
        report = import_jobs.report_from_json(job.result)
        context["said"] = say.saved_messages(report, left_out=int(job.result["left_out"]))
        context["deck_id"] = report.deck_id
    if job.status == "failed":
        source = str(job.payload.get("source") or _("the document"))
        context["failure"] = say.job_failure(job, source=source)
    return context


@bp.get("/import/jobs/<int:job_id>")
@login_required
def page(job_id: int) -> ResponseReturnValue:
    """How the import job is going; once a preview job is done, its preview."""
    job = _import_job(job_id)
    if job.kind in PREVIEW_KINDS and job.status == "done":
        if wants_partial():
            # The polling partial cannot hold the preview form: the whole page comes back.
            return Response(status=204, headers={"HX-Refresh": "true"})
        return _preview_page(job)
    if wants_partial():
        return render_template("imports/_job.html", **_context(job))
    return render_template("imports/job.html", **_context(job))


@bp.post("/import/jobs/<int:job_id>/save")
@login_required
def save(job_id: int) -> ResponseReturnValue:
    """Save a large document's papers with the preview's corrections: a save job, made once
    however often the button is pressed, and again only when the last one failed."""
    job = _import_job(job_id)
    if job.kind not in PREVIEW_KINDS or job.status != "done" or job.result is None:
        raise JobNotFound(job_id)
    existing = import_jobs.save_job_of(get_session(), job.result)
    if existing is not None:
        return imports.go_to_job(existing)
    form = read.make_form()
    found = _preview(job, form)
    chosen = imports.checked_corrections(form, found)
    if isinstance(chosen, str):
        return imports.render(form, found, 422, problem=chosen)
    payload = {
        "target": found.target,
        "deck_id": found.deck_id,
        "deck_name": found.deck_name,
        "corrections": import_jobs.corrections_to_json(chosen),
    }
    save_id, made = import_jobs.submit_save(
        get_session(), preview_id=job_id, user_id=current_account().id, payload=payload
    )
    if made:
        current_queue().enqueue(save_id)
    return imports.go_to_job(save_id)
