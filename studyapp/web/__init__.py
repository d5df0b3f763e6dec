"""The web interface: one blueprint per area."""

from __future__ import annotations

from flask import Flask, Response, render_template, request
from flask_babel import get_locale
from werkzeug.exceptions import HTTPException

from studyapp.i18n import LANG_PARAM
from studyapp.web import home

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(home.bp)
    app.register_error_handler(HTTPException, _http_error)
    app.after_request(_vary_on_htmx)

    @app.context_processor
    def _page_globals() -> dict[str, object]:
        return {
            "ui_lang": str(get_locale()),
            "lang_param": LANG_PARAM,
            "languages": app.config["LANGUAGES"],
        }


def _http_error(error: HTTPException) -> tuple[str, int]:
    code = error.code or 500
    return render_template("error.html", code=code), code


def _vary_on_htmx(response: Response) -> Response:
    # The same URL answers with a whole page or with a partial for htmx: caches must know.
    if request.headers.get("HX-Request") or response.mimetype == "text/html":
        response.vary.add("HX-Request")
    return response
