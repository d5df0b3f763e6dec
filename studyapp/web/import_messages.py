"""What the import pages say: format and card-kind names, a document's problems, what a save
did, and why an import job failed, in the reader's language."""

from __future__ import annotations

from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import lazy_gettext as _l

from studyapp.extract import Format
from studyapp.extract.documents import DocumentError
from studyapp.extract.topics import topic_by_slug
from studyapp.identity import CardKind
from studyapp.services.fetch_errors import fetch_problem
from studyapp.services.importing import ImportReport
from studyapp.services.jobs import JobView
from studyapp.services.url_imports import fetch_error

__all__ = [
    "DOCUMENT_PROBLEMS",
    "FORMAT_LABELS",
    "KIND_LABELS",
    "PAPER_LANGUAGES",
    "document_problem",
    "job_failure",
    "kept_message",
    "left_out_message",
    "saved_message",
    "saved_messages",
    "topic_name",
]

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


def document_problem(error: DocumentError) -> str:
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


def topic_name(slug: str) -> str:
    try:
        topic = topic_by_slug(slug)
    except KeyError:
        return slug
    return topic.name_ko if str(get_locale()) == "ko" else topic.name_en


def saved_message(report: ImportReport) -> str:
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


def left_out_message(count: int) -> str:
    return str(
        ngettext(
            "%(num)d paper you unticked was left out.",
            "%(num)d papers you unticked were left out.",
            count,
        )
    )


def kept_message(count: int) -> str:
    return str(
        ngettext(
            "%(num)d card you had edited keeps your wording.",
            "%(num)d cards you had edited keep your wording.",
            count,
        )
    )


def saved_messages(report: ImportReport, *, left_out: int) -> list[tuple[str, str]]:
    """What a save did, as (message, flash category) pairs: the page after an inline save and
    the page of a finished save job say the same."""
    said = [(saved_message(report), "ok")]
    if left_out:
        said.append((left_out_message(left_out), "info"))
    if report.cards_kept:
        said.append((kept_message(report.cards_kept), "info"))
    return said


#: Why an import job failed, by code (:data:`studyapp.services.import_jobs.FAILURES` and the
#: queue's own), with what to do about it.
JOB_FAILURES = {
    "import.preview_mismatch": _l(
        "The document no longer gives the papers its preview showed, so your corrections "
        "could not be applied. Nothing was saved. Import it again to see a new preview."
    ),
    "import.preview_gone": _l(
        "The preview of this import is gone. Nothing was saved. Import the document again."
    ),
    "import.deck_gone": _l(
        "The deck chosen for these papers was deleted meanwhile. Nothing was saved. "
        "Import the document again and choose another deck."
    ),
    "import.nothing_to_save": _l("Every paper was left out, so nothing was saved."),
    "import.bad_correction": _l(
        "A correction cannot be saved. Nothing was saved. Import the document again."
    ),
    "interrupted": _l(
        "The import stopped when the server restarted. Nothing was saved. "
        "Start it again from the import page."
    ),
}
_JOB_FAILED = _l(
    "The import failed because of an error on our side. Nothing was saved. "
    "Try again later; if it keeps failing, tell whoever runs this site."
)


def job_failure(job: JobView, *, source: str) -> str:
    """Why the import job ``job`` failed and what to do, for the reader (``source`` names the
    document)."""
    code = job.error or ""
    fetch = fetch_error(code, job.payload)
    if fetch is not None:
        return fetch_problem(fetch)
    problem, _sep, fmt = code.removeprefix("document.").partition("/")
    if code.startswith("document.") and problem in DOCUMENT_PROBLEMS:
        params: dict[str, object] = {"format": fmt} if fmt else {}
        return document_problem(DocumentError(source, problem, **params))
    return str(JOB_FAILURES.get(code, _JOB_FAILED))
