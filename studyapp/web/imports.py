"""Importing a summary in the browser: paste or upload it, preview its cards, save to a deck.

The preview is a form (its fields: :mod:`studyapp.web.import_corrections`): each paper shown
has a tick box (unticked: left out), its method name and each card's front and back, validated
like the card edit page's and saved only when every one is valid. Without JavaScript the form
posts and the page comes back with what is wrong; with it, htmx boosts the same form. The
document's text travels with the form and is read again on saving, so a summary changed
meanwhile is noticed and shown afresh instead of saved with corrections of other papers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
from werkzeug.exceptions import RequestEntityTooLarge
from wtforms import (
    Field,
    FieldList,
    FormField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Length, ValidationError

from studyapp.db import get_session
from studyapp.extract import Extraction, Format, extract_text
from studyapp.extract.documents import DocumentError, decode_document, document_size
from studyapp.extract.drafts import PaperDraft
from studyapp.extract.topics import topic_by_slug
from studyapp.identity import CardKind
from studyapp.services import cards, import_corrections, importing, my_decks
from studyapp.services.importing import ImportReport
from studyapp.web import import_corrections as corrections
from studyapp.web.auth import current_account, login_required
from studyapp.web.htmx import wants_partial
from studyapp.web.ids import form_id

__all__ = ["bp"]

bp = Blueprint("imports", __name__)

#: The file names a summary may have; anything else is refused before it is read.
TEXT_SUFFIXES = (".md", ".markdown", ".txt")
#: Papers shown in a preview; a 1,000-paper digest is saved whole but not drawn whole.
PREVIEW_LIMIT = 100
# A request may hold the document twice (a file, and its decoded text sent back with the save
# button, grown by up to half from CP949 to UTF-8), plus a few small fields: the body may be
# twice the document limit and this much more.
_FORM_SLACK = 64 * 1024
# The fields of a form: a few of the document's, and the corrections of every paper shown (its
# position, identity, tick box and method name, and each card's kind, front and back).
_FORM_PARTS = 50 + PREVIEW_LIMIT * (4 + 3 * len(CardKind))
#: The fields that say what to import and where; the rest are the preview's corrections.
_DOCUMENT_FIELDS = ("csrf_token", "text", "file", "format", "target", "deck_name", "deck_id")

FORMAT_LABELS = {
    Format.DAILY_PAPERS: _l("Daily Papers digest"),
    Format.INSIGHT_PAGE: _l("Saved insight page"),
    Format.BLOG_LISTING: _l("Blog listing"),
    Format.PLAIN_NOTES: _l("Plain notes"),
}
#: What is wrong with a document, by :data:`studyapp.extract.documents.PROBLEMS` code.
DOCUMENT_PROBLEMS = {
    "too_large": _l(
        "“%(source)s” is %(size)s MB; the limit is %(limit)s MB. Split it into smaller files."
    ),
    "empty": _l("“%(source)s” is empty. Paste or upload a summary with at least one paper."),
    "binary": _l(
        "“%(source)s” looks like a binary file, not text. "
        "Save the summary as .md or .txt and try again."
    ),
    "encoding": _l(
        "“%(source)s” is not UTF-8 or CP949/EUC-KR text. Save it as UTF-8 and try again."
    ),
    "no_paper": _l(
        "No paper was recognised in “%(source)s” (read as: %(format)s). Give each paper a "
        "title line followed by sentences about it, or choose the format above."
    ),
}
KIND_LABELS = {
    CardKind.METHOD_IDEA: _l("Method → key idea"),
    CardKind.HEADLINE_NUMBER: _l("Paper → headline number"),
}
#: A paper's language, named in the reader's (the language switch names each in its own).
PAPER_LANGUAGES = {"ko": _l("Korean"), "en": _l("English")}


def _optional_int(value: object) -> int | None:
    if value in (None, ""):
        return None
    if isinstance(value, int):  # a choice, as the view sets them
        return value
    deck_id = form_id(str(value))
    if deck_id is None:
        raise ValueError(value)  # WTForms: "not a valid choice", a 422 with the form
    return deck_id


class ImportForm(FlaskForm):  # type: ignore[misc]
    text = TextAreaField(_l("Paste a summary"), render_kw={"rows": 12, "spellcheck": "false"})
    file = FileField(
        _l("Or upload a file"), render_kw={"accept": ",".join(TEXT_SUFFIXES) + ",text/plain"}
    )
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice("", _l("Detect automatically"))]
        + [SelectChoice(fmt.value, label) for fmt, label in FORMAT_LABELS.items()],
        default="",
    )
    target = RadioField(
        _l("Save into"),
        choices=[
            SelectChoice("new", _l("A new deck")),
            SelectChoice("existing", _l("One of my decks")),
        ],
        default="new",
    )
    deck_name = StringField(
        _l("Name of the new deck"), validators=[Length(max=importing.MAX_DECK_NAME)]
    )
    deck_id = SelectField(_l("My deck"), coerce=_optional_int, validate_choice=False)
    #: The preview's corrections, one entry per paper shown; none when saving unseen.
    papers = FieldList(FormField(corrections.PaperFix), max_entries=PREVIEW_LIMIT)

    def validate_file(self, field: Field) -> None:
        upload = field.data
        if isinstance(upload, FileStorage) and upload.filename:
            name = _file_name(upload.filename)
            if not name.lower().endswith(TEXT_SUFFIXES):
                raise ValidationError(
                    _(
                        "“%(name)s” cannot be imported: only text summaries can, as .md, "
                        ".markdown or .txt files.",
                        name=name,
                    )
                )

    def validate_deck_id(self, field: Field) -> None:
        if self.target.data == "existing" and field.data not in {
            choice.value for choice in field.choices
        }:
            raise ValidationError(_("Choose one of your decks."))


@dataclass(frozen=True, slots=True)
class Preview:
    """What a document gave, and where saving it would put it."""

    text: str
    extraction: Extraction
    #: The new deck's name (given, else the document's title or file name), or the chosen
    #: existing deck's name.
    deck_name: str
    cards: int

    @property
    def papers(self) -> tuple[PaperDraft, ...]:
        return self.extraction.papers


def _file_name(raw: str) -> str:
    # Some browsers send the whole client path; only its last part means anything here.
    return raw.replace("\\", "/").rsplit("/", 1)[-1]


@bp.url_value_preprocessor
def _limit_request_size(_endpoint: str | None, _values: dict[str, Any] | None) -> None:
    # Runs before every before_request hook, so before CSRFProtect first reads the form.
    limit = 2 * current_app.config["MAX_DOCUMENT_BYTES"] + _FORM_SLACK
    request.max_content_length = limit
    request.max_form_memory_size = limit
    request.max_form_parts = _FORM_PARTS


def _form(*, from_request: bool = True) -> ImportForm:
    form = ImportForm() if from_request else ImportForm(formdata=None)
    decks = my_decks.own_decks(get_session(), current_account().id)
    form.deck_id.choices = [SelectChoice(deck.id, deck.name) for deck in decks]
    return form


def _read(form: ImportForm) -> tuple[str, str, str | None]:
    """The document's text, its name for messages, and the uploaded file's name without its
    extension. Raises :class:`DocumentError` like ``studyapp extract`` does."""
    limit = current_app.config["MAX_DOCUMENT_BYTES"]
    upload = form.file.data
    if isinstance(upload, FileStorage) and upload.filename:
        name = _file_name(upload.filename)
        text = decode_document(upload.stream.read(), source=name, max_bytes=limit)
        return text, name, name.rsplit(".", 1)[0]
    source, text = _("pasted text"), form.text.data or ""
    data, size = text.encode("utf-8", "replace"), document_size(text)
    return decode_document(data, source=source, max_bytes=limit, size=size), source, None


def _document_problem(error: DocumentError) -> str:
    """The error in the reader's language (the command line prints it in English)."""
    message = DOCUMENT_PROBLEMS.get(error.code)
    if message is None:
        return str(error)
    params = dict(error.params)
    if error.code == "too_large":
        params = {k: format_decimal(v, format="#,##0.#") for k, v in params.items()}
    if error.code == "no_paper":
        params["format"] = str(FORMAT_LABELS[Format(str(params["format"]))])
    return str(message % {"source": error.source, **params})


def _document_errors(form: ImportForm) -> list[str]:
    return [message for name in _DOCUMENT_FIELDS for message in form[name].errors]


def _preview(form: ImportForm) -> Preview | None:
    """Extract the submitted document, or put what is wrong on the form and return None. (The
    preview's corrections are checked too; their errors are for the caller to show.)"""
    if not form.is_submitted():
        return None
    form.validate()
    if _document_errors(form):
        return None
    try:
        text, source, stem = _read(form)
        fmt = Format(form.format.data) if form.format.data else None
        extraction = extract_text(text, source=source, fmt=fmt)
    except DocumentError as error:
        uploaded = isinstance(form.file.data, FileStorage) and form.file.data.filename
        (form.file if uploaded else form.text).errors.append(_document_problem(error))
        return None
    if form.target.data == "existing":
        deck_name = next(c.label for c in form.deck_id.choices if c.value == form.deck_id.data)
    else:
        # The name given, else the document's title, else the file's: the first with a
        # printable character in it.
        given = (form.deck_name.data, extraction.document.title, stem)
        names = (importing.clean_deck_name(name or "") for name in given)
        deck_name = next((name for name in names if name), _("Pasted summary"))
    cards = sum(len(paper.cards) for paper in extraction.papers)
    return Preview(text=text, extraction=extraction, deck_name=deck_name, cards=cards)


def _show_afresh(form: ImportForm, preview: Preview) -> None:
    """The preview's corrections as extracted (all ticked, unchanged), its text kept."""
    form.text.data = preview.text
    corrections.fill(form.papers, preview.papers[:PREVIEW_LIMIT])


def _render(
    form: ImportForm, preview: Preview | None, status: int, *, problem: str | None = None
) -> ResponseReturnValue:
    context = {
        "form": form,
        "preview": preview,
        "rows": corrections.rows(form.papers, preview.papers) if preview is not None else (),
        "problem": problem,
        "preview_limit": PREVIEW_LIMIT,
        "format_labels": FORMAT_LABELS,
        "kind_labels": KIND_LABELS,
        "paper_languages": PAPER_LANGUAGES,
        "topic_name": _topic_name,
    }
    if wants_partial():
        errors = _document_errors(form)
        return render_template("imports/_preview.html", errors=errors, **context), status
    page = render_template("imports/new.html", **context)
    if problem and request.headers.get("HX-Request"):
        # A boosted save swaps the whole page and scrolls to its top; the reader needs to see
        # what is wrong, further down (without htmx, the browser follows its autofocus).
        return page, status, {"HX-Reswap": "innerHTML show:#preview-problem:top"}
    return page, status


def _topic_name(slug: str) -> str:
    try:
        topic = topic_by_slug(slug)
    except KeyError:
        return slug
    return topic.name_ko if str(get_locale()) == "ko" else topic.name_en


@bp.get("/import")
@login_required
def new() -> ResponseReturnValue:
    return _render(_form(), None, 200)


@bp.post("/import/preview")
@login_required
def preview() -> ResponseReturnValue:
    """Show the papers and cards a document gives, without saving anything."""
    form = _form()
    found = _preview(form)
    if found is None:
        return _render(form, None, 422)
    # The text goes back in the form, so that a file need not be uploaded a second time.
    _show_afresh(form, found)
    return _render(form, found, 200)


@bp.get("/import/preview")
@login_required
def preview_again() -> ResponseReturnValue:
    # A preview is the answer to a POST; its address, reopened later, leads back to the form.
    return redirect(url_for("imports.new"))


@bp.post("/import")
@login_required
def create() -> ResponseReturnValue:
    form = _form()
    found = _preview(form)
    if found is None:
        return _render(form, None, 422)
    try:
        rows = corrections.rows(form.papers, found.papers)
        if any(row.fix.errors for row in rows if row.fix.form.keep.data):
            problem = _(
                "Some corrections cannot be saved; see the messages below. Nothing was saved."
            )
            return _render(form, found, 422, problem=problem)
        corrected = import_corrections.apply_corrections(found.papers, corrections.chosen(rows))
    except import_corrections.PreviewMismatch:
        _show_afresh(form, found)
        problem = _(
            "The summary changed since its preview: here are its papers as they are now. "
            "Nothing was saved."
        )
        return _render(form, found, 422, problem=problem)
    except import_corrections.NothingToSave:
        problem = _("Tick at least one paper to save. Nothing was saved.")
        return _render(form, found, 422, problem=problem)
    except cards.CardTextError:
        # The fields' own checks refuse this first; here only should they ever disagree.
        problem = _("A correction cannot be saved. Nothing was saved.")
        return _render(form, found, 422, problem=problem)
    session, user_id = get_session(), current_account().id
    try:
        if form.target.data == "existing":
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
    flash(_saved_message(report), "ok")
    if corrected.left_out:
        flash(_left_out_message(corrected.left_out), "info")
    if report.cards_kept:
        flash(_kept_message(report.cards_kept), "info")
    return redirect(url_for("library.deck", deck_id=report.deck_id), code=303)


def _saved_message(report: ImportReport) -> str:
    # Numbers, not embedded phrases: Korean particles depend on the words around them.
    if report.cards_new + report.cards_updated == 0:
        message = ngettext(
            "Nothing new: “%(deck)s” already holds %(num)d paper and its %(cards)d cards, "
            "unchanged.",
            "Nothing new: “%(deck)s” already holds these %(num)d papers and their %(cards)d "
            "cards, unchanged.",
            report.papers,
            deck=report.deck_name,
            cards=report.cards,
        )
    else:
        message = ngettext(
            "Saved %(num)d paper with %(cards)d cards into “%(deck)s”.",
            "Saved %(num)d papers with %(cards)d cards into “%(deck)s”.",
            report.papers,
            cards=report.cards,
            deck=report.deck_name,
        )
    return str(message)


def _left_out_message(count: int) -> str:
    return str(
        ngettext(
            "%(num)d paper you unticked was left out.",
            "%(num)d papers you unticked were left out.",
            count,
        )
    )


def _kept_message(count: int) -> str:
    return str(
        ngettext(
            "%(num)d card you had edited keeps your wording.",
            "%(num)d cards you had edited keep your wording.",
            count,
        )
    )


@bp.errorhandler(RequestEntityTooLarge)
def too_large(_error: RequestEntityTooLarge) -> ResponseReturnValue:
    if not current_user.is_authenticated:
        return render_template("error.html", code=413), 413
    # The body was refused unread: the form starts empty, and must not try to read it again.
    form = _form(from_request=False)
    limit_mb = current_app.config["MAX_DOCUMENT_BYTES"] / 1024 / 1024
    form.file.errors = [
        _(
            "That upload is too large: a summary may be at most %(limit)s MB. "
            "Split it into smaller files.",
            limit=format_decimal(limit_mb, format="#,##0.##"),
        )
    ]
    return _render(form, None, 413)
