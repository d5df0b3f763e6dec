"""Locale and time-zone choice for each request, on top of Flask-Babel."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel

__all__ = ["LANG_PARAM", "init_app", "select_locale", "select_timezone"]

#: The query parameter of the language switch shown on every page.
LANG_PARAM = "lang"
_SESSION_KEY = "lang"

babel = Babel()


def select_locale() -> str:
    """``?lang=`` (remembered in the session), then the browser's choice, then the default."""
    languages: tuple[str, ...] = tuple(current_app.config["LANGUAGES"])
    asked = request.args.get(LANG_PARAM)
    if asked in languages:
        session[_SESSION_KEY] = asked
        return asked
    remembered = session.get(_SESSION_KEY)
    if remembered in languages:
        return str(remembered)
    best = request.accept_languages.best_match(languages)
    return best or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_timezone() -> str:
    return str(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
