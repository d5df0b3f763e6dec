"""Locale and time-zone choice for each request, on top of Flask-Babel."""

from __future__ import annotations

from flask import Flask, current_app, request, session
from flask_babel import Babel
from flask_login import current_user

__all__ = ["LANG_PARAM", "init_app", "locale_for", "select_locale", "select_timezone"]

#: The query parameter of the language switch shown on every page.
LANG_PARAM = "lang"
_SESSION_KEY = "lang"

babel = Babel()


def locale_for(user_locale: str | None) -> str:
    """The interface language for a user whose setting is ``user_locale``: ``?lang=`` on this
    request, then the setting, then the switch remembered in the session, then the browser's
    choice, then the default."""
    languages: tuple[str, ...] = tuple(current_app.config["LANGUAGES"])
    asked = request.args.get(LANG_PARAM)
    if asked in languages:
        session[_SESSION_KEY] = asked
        return asked
    if user_locale in languages:
        return str(user_locale)
    remembered = session.get(_SESSION_KEY)
    if remembered in languages:
        return str(remembered)
    best = request.accept_languages.best_match(languages)
    return best or str(current_app.config["BABEL_DEFAULT_LOCALE"])


def select_locale() -> str:
    return locale_for(getattr(current_user, "locale", None))


def select_timezone() -> str:
    """The signed-in user's time zone, else the default."""
    zone = getattr(current_user, "timezone", None)
    return str(zone or current_app.config["BABEL_DEFAULT_TIMEZONE"])


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, timezone_selector=select_timezone)
