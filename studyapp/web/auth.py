"""Accounts in the browser: register, log in, log out; who the current user is.

A signed-in browser is a login session kept on the server
(:mod:`studyapp.services.login_sessions`): its signed session cookie carries a random token,
and every request finds the session and its account by the token's digest, in one query. No
row (logged out, the password changed, every device logged out, a restore), or a row past its
end, and the request is anonymous, whatever the cookie says. "Keep me logged in" adds a
remember cookie with a token of its own, replaced each time it signs the browser in again.

Flask-Login still gives ``current_user``, ``login_required`` and the way to the login page;
its own session keys and remember cookie are never read.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
    after_this_request,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter import Limiter, RateLimitExceeded
from flask_login import LoginManager, UserMixin, current_user, logout_user
from flask_login import login_required as _login_required
from sqlalchemy import Select, bindparam, select

from studyapp.db import core_statements, get_session
from studyapp.models import LoginSession, User, utcnow
from studyapp.services import accounts, login_sessions
from studyapp.srs.schedule import SchedulerName, Scheduling
from studyapp.web import login_limits
from studyapp.web.account_forms import LoginForm, RegisterForm

__all__ = [
    "REMEMBER_COOKIE",
    "Account",
    "bp",
    "current_account",
    "end_session",
    "forget_browser",
    "init_app",
    "login_required",
    "renew_session",
    "safe_next",
    "start_session",
]

bp = Blueprint("auth", __name__)


class _LoginManager(LoginManager):  # type: ignore[misc]
    """Flask-Login, with who is signed in decided by :func:`_load` alone: a session key or a
    remember cookie of Flask-Login's own (from before login sessions) signs no one in."""

    def _load_user(self) -> None:
        self._update_request_context_with_user(_load())


login_manager = _LoginManager()

_View = TypeVar("_View", bound=Callable[..., ResponseReturnValue])

#: The session key that holds the login session's token, and the "keep me logged in" cookie.
_TOKEN_KEY = "login"
REMEMBER_COOKIE = "remember"
#: The only session keys kept when a session starts or ends: the language switch.
_KEPT_KEYS = ("lang",)


def login_required(view: _View) -> _View:
    """Flask-Login's ``login_required``, typed (the library ships no type hints)."""
    return cast(_View, _login_required(view))


@dataclass(frozen=True, eq=False)
class Account(UserMixin):  # type: ignore[misc]
    """The signed-in user as views see them: a snapshot, detached from any database session."""

    id: int
    email: str
    display_name: str
    locale: str | None
    timezone: str
    new_cards_per_day: int
    reviews_per_day: int
    four_grade_buttons: bool
    bury_siblings: bool
    scheduler: SchedulerName
    desired_retention: float
    maximum_interval: int
    fsrs_parameters: list[float] | None
    #: The login session this request is signed in with, and whether it was started with
    #: "keep me logged in" (not columns of the users table).
    login_session_id: int
    remembered: bool

    @property
    def scheduling(self) -> Scheduling:
        """The scheduler the user chose and FSRS's settings."""
        parameters = self.fsrs_parameters
        return Scheduling(
            name=self.scheduler,
            desired_retention=self.desired_retention,
            maximum_interval=self.maximum_interval,
            fsrs_parameters=None if parameters is None else tuple(parameters),
        )


#: The Account's fields read from the users table.
_STORED = tuple(
    field.name for field in fields(Account) if field.name not in ("login_session_id", "remembered")
)


def current_account() -> Account:
    """The signed-in account; only call it from a ``login_required`` view."""
    account = current_user._get_current_object()
    assert isinstance(account, Account)
    return account


def init_app(app: Flask, limiter: Limiter) -> None:
    _check_lifetimes(app)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    app.register_blueprint(bp)
    app.view_functions["auth.login"] = login_limits.throttled(login, app, limiter)
    app.view_functions["auth.register"] = limiter.limit(
        app.config["REGISTER_RATE_LIMIT"], methods=["POST"]
    )(register)


def _check_lifetimes(app: Flask) -> None:
    """Refuse to start (``ValueError``) when a session lifetime cannot be read: a typo must
    not quietly make sessions end at once or never."""
    for name in ("LOGIN_IDLE_DAYS", "REMEMBER_DAYS"):
        value = app.config[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
            raise ValueError(f"{name} = {value!r} is not a number of days above 0")


def _lifetimes() -> login_sessions.Lifetimes:
    config = current_app.config
    return login_sessions.Lifetimes(
        plain=timedelta(days=config["LOGIN_IDLE_DAYS"]),
        remembered=timedelta(days=config["REMEMBER_DAYS"]),
    )


# Every signed-in request reads its login session and account in one statement, built once
# (the Account's fields and what the session needs; no ORM object), by the token's digest.
_SIGNED_IN: Select[tuple[object, ...]] = select(
    *(getattr(User, name) for name in _STORED),
    LoginSession.id,
    LoginSession.remembered,
    LoginSession.last_seen_at,
    LoginSession.remember_hash,
).join(User, User.id == LoginSession.user_id)
_BY_TOKEN = _SIGNED_IN.where(
    LoginSession.token_hash == bindparam("token_hash"),
    LoginSession.expires_at > bindparam("now"),
)
_BY_ID = _SIGNED_IN.where(LoginSession.id == bindparam("session_id"))


def _load() -> Account | None:
    """The account this request is signed in as, from the session's token, else from the
    remember cookie (which then gets a new token); ``None``: anonymous."""
    now = utcnow()
    token = session.get(_TOKEN_KEY)
    if isinstance(token, str):
        digest = login_sessions.token_hash(token)
        with core_statements(get_session(), write=False) as connection:
            row = connection.execute(_BY_TOKEN, {"token_hash": digest, "now": now}).first()
        if row is not None:
            return _signed_in(row, now)
        del session[_TOKEN_KEY]  # ended or expired: the cookie forgets it
    remember = request.cookies.get(REMEMBER_COOKIE)
    if not remember:
        return None
    resumed = login_sessions.resume(get_session(), remember, now=now, lifetimes=_lifetimes())
    if resumed is None:
        _forget_remember_cookie()
        return None
    if resumed.issued is not None:
        _give_cookies(resumed.issued)
    with core_statements(get_session(), write=False) as connection:
        row = connection.execute(_BY_ID, {"session_id": resumed.session_id}).first()
    return None if row is None else _signed_in(row, now)


def _signed_in(row: Sequence[object], now: datetime) -> Account:
    *values, session_id, remembered, last_seen_at, remember_hash = row
    assert isinstance(session_id, int) and isinstance(last_seen_at, datetime)
    if now - last_seen_at >= login_sessions.TOUCH_EVERY:
        # A write every few minutes, not on every request; it moves the session's end on.
        expires_at = login_sessions.touch(
            get_session(), session_id, remembered=bool(remembered), now=now, lifetimes=_lifetimes()
        )
        cookie = request.cookies.get(REMEMBER_COOKIE)
        if cookie and isinstance(remember_hash, str) and _same(cookie, remember_hash):
            _set_remember_cookie(cookie, expires_at - now)  # the browser keeps it as long
    return Account(*values, login_session_id=session_id, remembered=bool(remembered))


def _same(token: str, digest: str) -> bool:
    return hmac.compare_digest(login_sessions.token_hash(token), digest)


def _give_cookies(issued: login_sessions.Issued) -> None:
    """Put freshly issued tokens into this response's cookies."""
    session[_TOKEN_KEY] = issued.token
    if issued.remember_token is not None:
        _set_remember_cookie(issued.remember_token, issued.expires_at - utcnow())
    elif REMEMBER_COOKIE in request.cookies:
        _forget_remember_cookie()


def _set_remember_cookie(token: str, lasts: timedelta) -> None:
    samesite = current_app.config["REMEMBER_COOKIE_SAMESITE"]

    @after_this_request
    def set_cookie(response: Response) -> Response:
        # Secure over HTTPS like every cookie (see web.security).
        response.set_cookie(
            REMEMBER_COOKIE,
            token,
            max_age=max(int(lasts.total_seconds()), 0),
            httponly=True,
            samesite=samesite,
        )
        return response


def _forget_remember_cookie() -> None:
    @after_this_request
    def delete_cookie(response: Response) -> Response:
        response.delete_cookie(REMEMBER_COOKIE)
        return response


def safe_next(target: str | None, *, fallback: str | None = None) -> str:
    """``target`` when it is a path on this site, else ``fallback`` (default: the home page).

    Never another host, however it is spelled: a scheme, ``//host``, ``/\\host``, control
    characters.
    """
    if (
        target
        and target.startswith("/")
        and not target.startswith("//")
        and "\\" not in target
        and not any(ord(char) < 32 for char in target)
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return fallback or url_for("home.index")


def _fresh_browser_session() -> None:
    """Empty the browser's session but for the language chosen with the switch: nothing set
    before (by anyone) carries over."""
    kept = {key: session[key] for key in _KEPT_KEYS if key in session}
    session.clear()
    session.update(kept)


def start_session(user: User, *, remember: bool) -> None:
    """Sign ``user`` in on a new login session, with new tokens."""
    _fresh_browser_session()
    issued = login_sessions.start(
        get_session(),
        user.id,
        remember=remember,
        user_agent=request.user_agent.string,
        now=utcnow(),
        lifetimes=_lifetimes(),
    )
    _give_cookies(issued)


def renew_session(account: Account) -> None:
    """New tokens for the session this browser is signed in with (after a password change):
    copies of its old cookies stop working; it stays "kept logged in" if it was."""
    issued = login_sessions.renew(
        get_session(), account.login_session_id, now=utcnow(), lifetimes=_lifetimes()
    )
    if issued is None:  # every session ended meanwhile, from another tab: this one too
        forget_browser()
        return
    _fresh_browser_session()
    _give_cookies(issued)


def end_session() -> None:
    """Sign out: this browser's login session ends on the server, its session is emptied (but
    for the language) and its remember cookie goes."""
    if isinstance(account := current_user._get_current_object(), Account):
        login_sessions.end(get_session(), account.login_session_id)
    forget_browser()


def forget_browser() -> None:
    """Sign this browser out without touching the server's sessions (when they are already
    gone): its session emptied but for the language, its remember cookie deleted."""
    _fresh_browser_session()
    if REMEMBER_COOKIE in request.cookies:
        _forget_remember_cookie()
    # The rest of this request is anonymous (and a "keep me logged in" cookie of Flask-Login's
    # own, from before login sessions, is deleted too).
    logout_user()


@bp.route("/register", methods=["GET", "POST"])
def register() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = RegisterForm()
    if form.validate_on_submit():
        try:
            user = accounts.register(
                get_session(),
                email=form.email.data,
                password=form.password.data,
                display_name=form.display_name.data or "",
                timezone=form.timezone.data,
            )
        except accounts.EmailTaken:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            start_session(user, remember=False)
            flash(
                _("Welcome! Add a library deck or import a summary to get your first cards."), "ok"
            )
            return redirect(url_for("home.index"), code=303)
    status = 200 if request.method == "GET" else 422
    return _register_page(form), status


def _register_page(form: RegisterForm, **context: object) -> str:
    return render_template(
        "auth/register.html", form=form, min_password=accounts.MIN_PASSWORD, **context
    )


@bp.route("/login", methods=["GET", "POST"])
def login() -> ResponseReturnValue:
    if current_user.is_authenticated:
        return redirect(url_for("home.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = accounts.authenticate(
            get_session(), email=form.email.data, password=form.password.data
        )
        if user is not None:
            start_session(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")), code=303)
        form.password.errors.append(_("That email and password do not match an account."))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    end_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("home.index"), code=303)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error: RateLimitExceeded) -> ResponseReturnValue:
    # The form comes back as it was sent (but for the password), with what to do now; the
    # limiter has put Retry-After on the response.
    alert = _("Too many attempts from here. Wait a few minutes, then try again.")
    if request.endpoint == "auth.register":
        return _register_page(RegisterForm(), alert=alert), 429
    return render_template("auth/login.html", form=LoginForm(), alert=alert), 429
