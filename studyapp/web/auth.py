"""Accounts in the browser: register, log in, log out; who the current user is."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
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
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_login import login_required as _login_required
from flask_wtf import FlaskForm
from sqlalchemy import bindparam, select
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, EqualTo, Length

from studyapp.db import core_transaction, get_session
from studyapp.models import User
from studyapp.prepared import Prepared
from studyapp.services import accounts
from studyapp.web.forms import timezone_choices

__all__ = ["Account", "bp", "current_account", "init_app", "login_required", "safe_next"]

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

_View = TypeVar("_View", bound=Callable[..., ResponseReturnValue])


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

    @classmethod
    def of(cls, user: User) -> Account:
        return cls(**{field.name: getattr(user, field.name) for field in fields(cls)})


def current_account() -> Account:
    """The signed-in account; only call it from a ``login_required`` view."""
    account = current_user._get_current_object()
    assert isinstance(account, Account)
    return account


def init_app(app: Flask, limiter: Limiter) -> None:
    login_manager.user_loader(_load)
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = _l("Please log in to see that page.")
    login_manager.login_message_category = "info"
    app.register_blueprint(bp)
    # Guessing passwords: failed logins are counted per account (whoever tries it) and per
    # address (whichever accounts it tries); a login that works costs nothing.
    limited_login = login
    for limit, key in (("LOGIN_RATE_LIMIT", _login_account), ("LOGIN_ADDRESS_RATE_LIMIT", None)):
        limited_login = limiter.limit(
            app.config[limit], key_func=key, methods=["POST"], deduct_when=_failed
        )(limited_login)
    app.view_functions["auth.login"] = limited_login
    app.view_functions["auth.register"] = limiter.limit(
        app.config["REGISTER_RATE_LIMIT"], methods=["POST"]
    )(register)


def _login_account() -> str:
    # A digest: the key is short and the same for "Me@Example.com " and "me@example.com",
    # whatever was sent as the email.
    email = accounts.normalize_email(request.form.get("email") or "")
    return "account:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()


def _failed(response: Response) -> bool:
    # A wrong password (or a form without one) is answered 422; nothing else counts.
    return response.status_code == 422


# Every signed-in request reads its account: one prepared statement of the Account's fields,
# no ORM object.
_ACCOUNT = Prepared(
    select(*(getattr(User, field.name) for field in fields(Account))).where(
        User.id == bindparam("user_id")
    )
)


def _load(user_id: str) -> Account | None:
    if not user_id.isdigit():
        return None
    with core_transaction(get_session(), write=False) as connection:
        row = _ACCOUNT.first(connection, user_id=int(user_id))
    return None if row is None else Account(*row)


class RegisterForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=[DataRequired(), Email(), Length(max=254)])
    display_name = StringField(_l("Name (optional)"), validators=[Length(max=80)])
    password = PasswordField(
        _l("Password"), validators=[DataRequired(), Length(min=accounts.MIN_PASSWORD, max=200)]
    )
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The passwords differ."))],
    )
    timezone = SelectField(
        _l("Time zone"), choices=timezone_choices, default="UTC", render_kw={"data-guess": "1"}
    )


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=[DataRequired(), Email()])
    password = PasswordField(_l("Password"), validators=[DataRequired()])
    remember = BooleanField(_l("Keep me logged in on this device"))


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


def _start_session(user: User, *, remember: bool) -> None:
    # A fresh session at sign-in: nothing set before it (by anyone) carries over.
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(Account.of(user), remember=remember)


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
        except accounts.AccountError:
            form.email.errors.append(_("An account with this email already exists."))
        else:
            _start_session(user, remember=False)
            flash(
                _("Welcome! Add a library deck or import a summary to get your first cards."), "ok"
            )
            return redirect(url_for("home.index"), code=303)
    return render_template("auth/register.html", form=form), 200 if request.method == "GET" else 422


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
            _start_session(user, remember=bool(form.remember.data))
            return redirect(safe_next(request.args.get("next")), code=303)
        form.password.errors.append(_("That email and password do not match an account."))
    status = 200 if request.method == "GET" else 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout() -> ResponseReturnValue:
    logout_user()
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    flash(_("You are logged out."), "info")
    return redirect(url_for("home.index"), code=303)


@bp.errorhandler(RateLimitExceeded)
def too_many_attempts(_error: RateLimitExceeded) -> ResponseReturnValue:
    # The form comes back as it was sent (but for the password), with what to do now; the
    # limiter has put Retry-After on the response.
    alert = _("Too many attempts from here. Wait a few minutes, then try again.")
    if request.endpoint == "auth.register":
        return render_template("auth/register.html", form=RegisterForm(), alert=alert), 429
    return render_template("auth/login.html", form=LoginForm(), alert=alert), 429
