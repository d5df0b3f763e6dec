"""Importing a summary in the browser: paste or upload it, preview its cards, save to a deck.

The preview is a form (its fields: :mod:`studyapp.web.import_corrections`): each paper shown
has a tick box (unticked: left out), its method name and each card's front and back, validated
like the card edit page's and saved only when every one is valid. Without JavaScript the form
posts and the page comes back with what is wrong; with it, htmx boosts the same form. The
document's text travels with the form and is read again on saving, so a summary changed
meanwhile is noticed and shown afresh instead of saved with corrections of other papers.

A document larger than the ``INLINE_IMPORT_BYTES`` setting is not read here: it becomes a
preview job for the worker, and the page of that job (:mod:`studyapp.web.import_jobs`) shows
the preview once it is ready.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from studyapp.db import get_session
from studyapp.identity import CardKind
from studyapp.queue import submit
from studyapp.services import cards, import_corrections, import_jobs, importing
from studyapp.services.import_jobs import PREVIEW_LIMIT, DocumentJob
from studyapp.web import import_corrections as corrections
from studyapp.web import import_form as read
from studyapp.web import import_messages as say
from studyapp.web.auth import current_account, login_required
from studyapp.web.htmx import wants_partial
from studyapp.web.import_form import ImportForm, Preview

__all__ = ["bp", "checked_corrections", "go_to_job", "limit_request_size", "render", "show_afresh"]

bp = Blueprint("imports", __name__)

# A request may hold the document twice (a file, and its decoded text sent back with the save
# button, grown by up to half from CP949 to UTF-8), plus a few small fields: the body may be
# twice the document limit and this much more.
_FORM_SLACK = 64 * 1024
# The fields of a form: a few of the document's, and the corrections of every paper shown (its
# position, identity, tick box and method name, and each card's kind, front and back).
_FORM_PARTS = 50 + PREVIEW_LIMIT * (4 + 3 * len(CardKind))


@bp.url_value_preprocessor
def limit_request_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before every before_request hook, so before CSRFProtect first reads the form.
    limit = 2 * current_app.config["MAX_DOCUMENT_BYTES"] + _FORM_SLACK
    request.max_content_length = limit
    request.max_form_memory_size = limit
    request.max_form_parts = _FORM_PARTS


def go_to_job(job_id: int) -> ResponseReturnValue:
    """To the page of job ``job_id``: a whole page, also from a form htmx sent."""
    url = url_for("import_jobs.page", job_id=job_id)
    if request.headers.get("HX-Request"):
        return Response(status=204, headers={"HX-Redirect": url})
    return redirect(url, code=303)


def _to_job(document: DocumentJob) -> ResponseReturnValue:
    """A document too large to read during the request, or at a web address, handed to the
    worker."""
    job_id = submit(
        get_session(),
        kind=import_jobs.FETCH_KIND if document.url else import_jobs.PREVIEW_KIND,
        user_id=current_account().id,
        payload=document.to_json(),
    )
    return go_to_job(job_id)


def show_afresh(form: ImportForm, preview: Preview) -> None:
    """The preview's corrections as extracted (all ticked, unchanged), its text kept."""
    form.text.data = preview.text
    corrections.fill(form.papers, preview.papers[:PREVIEW_LIMIT])


def checked_corrections(
    form: ImportForm, found: Preview
) -> list[import_corrections.PaperCorrection] | str:
    """The corrections the save form sends for ``found``'s papers, checked as far as the
    papers shown allow; or what is wrong with them (the form shown afresh on a mismatch)."""
    problem: str
    try:
        rows = corrections.rows(form.papers, found.papers)
        if any(row.fix.errors for row in rows if row.fix.form.keep.data):
            problem = _(
                "Some corrections cannot be saved; see the messages below. Nothing was saved."
            )
            return problem
        chosen = corrections.chosen(rows)
        import_corrections.apply_corrections(found.papers, chosen)
    except import_corrections.PreviewMismatch:
        show_afresh(form, found)
        problem = _(
            "The summary changed since its preview: here are its papers as they are now. "
            "Nothing was saved."
        )
        return problem
    except import_corrections.NothingToSave:
        # A job's preview shows only some papers: the others are saved whatever is unticked.
        if found.count == len(found.papers):
            problem = _("Tick at least one paper to save. Nothing was saved.")
            return problem
    except cards.CardTextError:
        # The fields' own checks refuse this first; here only should they ever disagree.
        problem = _("A correction cannot be saved. Nothing was saved.")
        return problem
    return chosen


def render(
    form: ImportForm, preview: Preview | None, status: int, *, problem: str | None = None
) -> ResponseReturnValue:
    context = {
        "form": form,
        "preview": preview,
        "rows": corrections.rows(form.papers, preview.papers) if preview is not None else (),
        "problem": problem,
        "preview_limit": PREVIEW_LIMIT,
        "format_labels": say.FORMAT_LABELS,
        "kind_labels": say.KIND_LABELS,
        "paper_languages": say.PAPER_LANGUAGES,
        "topic_name": say.topic_name,
        "import_jobs": import_jobs.recent_imports(get_session(), user_id=current_account().id),
        "format_number": format_decimal,
    }
    if wants_partial():
        errors = read.document_errors(form)
        return render_template("imports/_preview.html", errors=errors, **context), status
    page = render_template("imports/new.html", **context)
    if problem and request.headers.get("HX-Request"):
        # A boosted save swaps the whole page and scrolls to its top; the reader needs to see
        # what is wrong, further down (without htmx, the browser follows its autofocus).
        return page, status, {"HX-Reswap": "innerHTML show:#preview-problem:top"}
    return page, status


def _submitted(form: ImportForm) -> Preview | ResponseReturnValue:
    """The submitted document as read here; else the answer instead: the form with what is
    wrong, or the way to its job when it is too large to read during the request."""
    document = read.document(form)
    if document is None:
        return render(form, None, 422)
    if not read.inline(document):
        return _to_job(document)
    found = read.extracted(form, document)
    return render(form, None, 422) if found is None else found


@bp.get("/import")
@login_required
def new() -> ResponseReturnValue:
    return render(read.make_form(), None, 200)


@bp.post("/import/preview")
@login_required
def preview() -> ResponseReturnValue:
    """Show the papers and cards a document gives, without saving anything."""
    form = read.make_form()
    found = _submitted(form)
    if not isinstance(found, Preview):
        return found
    # The text goes back in the form, so that a file need not be uploaded a second time.
    show_afresh(form, found)
    return render(form, found, 200)


@bp.get("/import/preview")
@login_required
def preview_again() -> ResponseReturnValue:
    # A preview is the answer to a POST; its address, reopened later, leads back to the form.
    return redirect(url_for("imports.new"))


@bp.post("/import")
@login_required
def create() -> ResponseReturnValue:
    form = read.make_form()
    # Only a preview sends a document back to be saved, and its own is never too large to
    # read here: a larger one made up is shown as a job's preview.
    found = _submitted(form)
    if not isinstance(found, Preview):
        return found
    chosen = checked_corrections(form, found)
    if isinstance(chosen, str):
        return render(form, found, 422, problem=chosen)
    corrected = import_corrections.apply_corrections(found.papers, chosen)
    session, user_id = get_session(), current_account().id
    try:
        if found.target == "existing":
            report = importing.save_into_deck(
                session,
                user_id=user_id,
                deck_id=form.deck_id.data,
                papers=corrected.papers,
                corrections=corrected.corrections,
            )
        else:
            report = importing.save_into_new_deck(
                session,
                user_id=user_id,
                name=found.deck_name,
                papers=corrected.papers,
                corrections=corrected.corrections,
            )
    except importing.DeckNotFound:
        abort(404)
    for message, category in say.saved_messages(report, left_out=corrected.left_out):
        flash(message, category)
    return redirect(url_for("library.deck", deck_id=report.deck_id), code=303)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("error.html", code=413), 413
    # The body was refused unread: the form starts empty, and must not try to read it again.
    form = read.make_form(from_request=False)
    limit_mb = current_app.config["MAX_DOCUMENT_BYTES"] / 1024 / 1024
    form.file.errors = [
        _(
            "That upload is too large: a summary may be at most %(limit)s MB. "
            "Split it into smaller files.",
            limit=format_decimal(limit_mb, format="#,##0.##"),
        )
    ]
    return render(form, None, 413)
