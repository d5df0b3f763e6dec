"""The web interface: one blueprint per area."""

from __future__ import annotations

import re

from flask import Flask, Response, render_template, request
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import CSRFError, CSRFProtect
from markupsafe import Markup, escape
from werkzeug.exceptions import HTTPException

from studyapp.i18n import LANG_PARAM
from studyapp.identity import web_link
from studyapp.services.anki_import import CardsChanged
from studyapp.services.errors import InvalidGrade, ServiceError
from studyapp.web import (
    account,
    anki_import,
    auth,
    export,
    follows,
    fsrs_fit,
    home,
    ids,
    import_jobs,
    imports,
    library,
    quiz,
    review,
    scheduling,
    security,
    settings,
    stats,
)
from studyapp.web.htmx import wants_partial

__all__ = ["init_app"]

csrf = CSRFProtect()

LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}

#: The signed-in navigation after "Today", in order.
NAV_LINKS = (
    ("review.session", _l("Review")),
    ("quiz.index", _l("Quiz")),
    ("library.index", _l("Library")),
    ("imports.new", _l("Import")),
    ("follows.index", _l("Follow")),
    ("export.page", _l("Export")),
    ("stats.page", _l("Stats")),
    ("settings.edit", _l("Settings")),
)


def init_app(app: Flask) -> None:
    # First: its cookie hook must run after every hook that sets a cookie.
    limiter = security.init_app(app)
    csrf.init_app(app)
    auth.init_app(app, limiter)
    account.init_app(app, limiter)
    for blueprint in (
        home.bp,
        review.bp,
        quiz.bp,
        library.bp,
        imports.bp,
        import_jobs.bp,
        follows.bp,
        export.bp,
        anki_import.bp,
        stats.bp,
        settings.bp,
        fsrs_fit.bp,
        scheduling.bp,
    ):
        app.register_blueprint(blueprint)
    app.url_value_preprocessor(ids.ids_in_range)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    # Once for every view: what a service refuses on purpose. Any other exception is a bug:
    # Flask logs it with its traceback and answers with the 500 page (the HTTPException
    # handler above), and the request's transaction is rolled back.
    app.register_error_handler(ServiceError, _service_error)
    app.after_request(_vary_on_htmx)
    app.add_template_filter(cloze)
    app.add_template_filter(text_lang)
    app.add_template_filter(web_link)
    app.add_template_global(review.grade_buttons)
    app.add_template_global(review.next_labels)

    @app.context_processor
    def _page_globals() -> dict[str, object]:
        return {
            "ui_lang": str(get_locale()),
            "lang_param": LANG_PARAM,
            "languages": app.config["LANGUAGES"],
            # Each language by its own name, as language switches show them.
            "language_names": LANGUAGE_NAMES,
            "nav_links": NAV_LINKS,
        }


#: How the extractor writes the blank in a headline card's question, per card language.
_BLANKS = ("＿＿", "___")


_HANGUL = re.compile("[\uac00-\ud7a3]")


def text_lang(text: str) -> str:
    """The language to mark a piece of content with (a title, a name): Korean when it holds
    Hangul, else English, so that fonts and screen readers read it right."""
    return "ko" if _HANGUL.search(text or "") else "en"


def cloze(text: str, answer: str | None = None, revealed: bool = False) -> Markup:
    """Card text with its blank drawn as a blank; everything else escaped. With ``answer`` the
    blank also holds the answer, hidden like the rest of the answer until the card is revealed
    (``data-answer``): the revealed card reads as one sentence instead of repeating it below."""
    escaped = str(escape(text))
    hidden = "" if revealed else " hidden"
    fill = ""
    if answer is not None:
        fill = f'<mark class="fill" data-answer{hidden}>{escape(answer)}</mark>'
    mark = '<span class="blank-mark" aria-label="?">?</span>'
    for blank in _BLANKS:
        escaped = escaped.replace(blank, f'<span class="blank">{mark}{fill}</span>')
    return Markup(escaped)  # noqa: S704 - built from escaped text and fixed tags


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return _error_page(code), code


def _service_error(error: ServiceError) -> tuple[str, int]:
    return _error_page(error.status, message=_SERVICE_MESSAGES.get(type(error))), error.status


#: What the error page says for a refusal more precise than its status code.
_SERVICE_MESSAGES: dict[type[ServiceError], LazyString] = {
    # A page shown before a switch of scheduler still had the other scheduler's buttons.
    InvalidGrade: _l("That grade is not one of this card’s buttons. Reload the page to see them."),
    # One of the cards an Anki import updates was answered meanwhile (another tab, a phone).
    CardsChanged: _l(
        "A card was answered while the import ran, so nothing was imported. Go back and import "
        "again."
    ),
}


def _csrf_error(error: CSRFError) -> tuple[str, int]:
    return _error_page(400, csrf_failed=True), 400


def _error_page(code: int, **context: object) -> str:
    # An htmx swap gets the message alone, in place of what it would have replaced.
    template = "_error.html" if wants_partial() else "error.html"
    return render_template(template, code=code, **context)


def _vary_on_htmx(response: Response) -> Response:
    # The same URL answers with a whole page or with a partial for htmx: caches must know.
    if request.headers.get("HX-Request") or response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response
