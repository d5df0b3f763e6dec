"""The import form, and the document it sends: read (decoded, checked) during the request,
and extracted there when small enough (:func:`extracted`); larger documents go to a job."""

from __future__ import annotations

from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.datastructures import FileStorage
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
from studyapp.extract import Format, extract_text
from studyapp.extract.documents import DocumentError, decode_document, document_size
from studyapp.extract.drafts import PaperDraft
from studyapp.services import import_jobs, importing, my_decks
from studyapp.services.fetch_errors import BadAddress, fetch_problem
from studyapp.services.import_jobs import PREVIEW_LIMIT, DocumentJob
from studyapp.web import import_corrections as corrections
from studyapp.web import import_messages as say
from studyapp.web.auth import current_account
from studyapp.web.ids import form_id

__all__ = [
    "ImportForm",
    "Preview",
    "deck_name",
    "document",
    "document_errors",
    "extracted",
    "inline",
    "make_form",
]

#: The file names a summary may have; anything else is refused before it is read.
TEXT_SUFFIXES = (".md", ".markdown", ".txt")

#: The fields that say what to import and where; the rest are the preview's corrections.
_DOCUMENT_FIELDS = (
    "csrf_token",
    "text",
    "file",
    "url",
    "format",
    "target",
    "deck_name",
    "deck_id",
)
#: As long as a URL the fetcher accepts.
URL_MAX = 2000


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
    url = StringField(
        _l("Or import from a web address"),
        filters=[lambda value: value.strip() if isinstance(value, str) else value],
        validators=[Length(max=URL_MAX)],
        render_kw={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"},
    )
    format = SelectField(
        _l("Format"),
        choices=[SelectChoice("", _l("Detect automatically"))]
        + [SelectChoice(fmt.value, label) for fmt, label in say.FORMAT_LABELS.items()],
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

    def validate_url(self, field: Field) -> None:
        # Only what is plainly not a web address is refused here; the worker's fetcher checks
        # the rest (the allowlist, the addresses) and says so on the job's page.
        url = field.data or ""
        scheme = url.split("://", 1)[0].lower() if "://" in url else ""
        if url and (scheme not in ("http", "https") or not url.isprintable() or " " in url):
            raise ValidationError(fetch_problem(BadAddress(url, reason="not an http(s) address")))

    def validate_deck_id(self, field: Field) -> None:
        if self.target.data == "existing" and field.data not in {
            choice.value for choice in field.choices
        }:
            raise ValidationError(_("Choose one of your decks."))


@dataclass(frozen=True, slots=True)
class Preview:
    """What a document gave, and where saving it would put it."""

    #: The papers the preview shows and its corrections name: every paper of an inline
    #: preview, the first PREVIEW_LIMIT of a job's.
    papers: tuple[PaperDraft, ...]
    #: How many papers the document gave.
    count: int
    cards: int
    format: Format
    #: "new" or "existing", and the existing deck's id.
    target: str
    deck_id: int | None
    #: The new deck's name (given, else the document's title or file name), or the chosen
    #: existing deck's name.
    deck_name: str
    #: The document's text, sent back with the save button; None when its preview job keeps
    #: it (the save button then names the job).
    text: str | None = None
    job_id: int | None = None


def _file_name(raw: str) -> str:
    # Some browsers send the whole client path; only its last part means anything here.
    return raw.replace("\\", "/").rsplit("/", 1)[-1]


def make_form(*, from_request: bool = True) -> ImportForm:
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


def document_errors(form: ImportForm) -> list[str]:
    # No csrf_token field when CSRF protection is off (WTF_CSRF_ENABLED).
    fields = (form[name] for name in _DOCUMENT_FIELDS if name in form)
    return [message for field in fields for message in field.errors]


def _put_problem(form: ImportForm, error: DocumentError) -> None:
    uploaded = isinstance(form.file.data, FileStorage) and form.file.data.filename
    (form.file if uploaded else form.text).errors.append(say.document_problem(error))


def document(form: ImportForm) -> DocumentJob | None:
    """The submitted document, read, or None with what is wrong put on the form. (The
    preview's corrections are checked too; their errors are for the caller to show.)"""
    if not form.is_submitted():
        return None
    form.validate()
    if document_errors(form):
        return None
    uploaded = isinstance(form.file.data, FileStorage) and form.file.data.filename
    url = None if uploaded else form.url.data or None
    try:
        # A web address is fetched by the worker, never during the request.
        text, source, stem = ("", url, None) if url else _read(form)
    except DocumentError as error:
        _put_problem(form, error)
        return None
    existing = form.target.data == "existing"
    return DocumentJob(
        text=text,
        # A name for messages: a file's name may hold anything (PostgreSQL's JSON no NUL).
        source=importing.one_line(source) or _("the document"),
        stem=stem,
        url=url,
        format=form.format.data or None,
        target="existing" if existing else "new",
        deck_name=importing.one_line(form.deck_name.data or ""),
        deck_id=form.deck_id.data if existing else None,
    )


def deck_name(form: ImportForm, document: DocumentJob, found: str | None) -> str:
    """Where the papers go, by name: the chosen deck's, or ``found`` (the new deck's name from
    the form or the document), else a name for pasted text."""
    if document.target == "existing":
        names = (c.label for c in form.deck_id.choices if c.value == document.deck_id)
        return str(next(names, "—"))
    return found or _("Pasted summary")


def inline(document: DocumentJob) -> bool:
    """Whether the document is read during the request (not fetched, and small enough)."""
    if document.url:
        return False
    return document_size(document.text) <= int(current_app.config["INLINE_IMPORT_BYTES"])


def extracted(form: ImportForm, document: DocumentJob) -> Preview | None:
    """What the document gives, read here, or None with what is wrong put on the form."""
    try:
        fmt = Format(document.format) if document.format else None
        extraction = extract_text(document.text, source=document.source, fmt=fmt)
    except DocumentError as error:
        _put_problem(form, error)
        return None
    title = extraction.document.title
    return Preview(
        papers=extraction.papers,
        count=len(extraction.papers),
        cards=sum(len(paper.cards) for paper in extraction.papers),
        format=extraction.format,
        target=document.target,
        deck_id=document.deck_id,
        deck_name=deck_name(
            form, document, import_jobs.deck_name_for(document.deck_name, title, document.stem)
        ),
        text=document.text,
    )
