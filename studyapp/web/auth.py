"""Accounts in the browser: register, log in, log out; who the current user is.

A signed-in session (and the "keep me logged in" cookie) names the account and a fingerprint
of its password hash (:func:`studyapp.services.accounts.session_token`): once the password
changes, every session signed in with the old one is signed out.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, fields
from functools import wraps
from typing import TypeVar, cast
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    Flask,
    Response,
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
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_login import login_required as _login_required
from flask_wtf import FlaskForm
from limits import RateLimitItem, parse_many
from sqlalchemy import bindparam, select
from wtforms import BooleanField, EmailField, Field, PasswordField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    StopValidation,
    ValidationError,
)

from studyapp.db import core_transaction, get_session
from studyapp.models import User
from studyapp.prepared import Prepared
from studyapp.services import accounts
from studyapp.web.forms import timezone_choices

__all__ = [
    "EMAIL_INVALID",
    "EMAIL_MISSING",
    "EMAIL_TOO_LONG",
    "PASSWORDS_DIFFER",
    "PASSWORD_TOO_LONG",
    "PASSWORD_TOO_SHORT",
    "Account",
    "TimezoneField",
    "bp",
    "current_account",
    "email_validators",
    "end_session",
    "init_app",
    "login_required",
    "new_password_validators",
    "remembered",
    "safe_next",
    "start_session",
    "strip",
]

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
    bury_siblings: bool
    #: A fingerprint of the password hash this session was signed in with (not a column).
    session_token: str

    @classmethod
    def of(cls, user: User) -> Account:
        values = {name: getattr(user, name) for name in _STORED}
        return cls(**values, session_token=accounts.session_token(user.password_hash))

    def get_id(self) -> str:
        # What Flask-Login keeps in the session and the remember cookie, and gives back to
        # the loader: the account and its password's fingerprint.
        return f"{self.id}:{self.session_token}"


#: The Account's fields read from the users table.
_STORED = tuple(field.name for field in fields(Account) if field.name != "session_token")


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
    app.view_functions["auth.login"] = _throttled_login(app, limiter)
    app.view_functions["auth.register"] = limiter.limit(
        app.config["REGISTER_RATE_LIMIT"], methods=["POST"]
    )(register)


def _throttled_login(app: Flask, limiter: Limiter) -> Callable[[], ResponseReturnValue]:
    """The login view behind its limits on guessing passwords.

    A refusal (429) always falls on the guesser, never on the account: anyone can type
    someone else's email, so a limit on the account alone would let them lock its owner out.

    - per address, whichever accounts it tries (``LOGIN_ADDRESS_RATE_LIMIT``);
    - per account and address (``LOGIN_RATE_LIMIT``): wrong guesses at one email from one
      address shut that address out of that account, and nobody else;
    - an account's failures from every address together (``LOGIN_ACCOUNT_RATE_LIMIT``) only
      slow the guessing down: while past it, each address gets one failure on this account
      per ``LOGIN_SLOWED_RATE_LIMIT`` window (its next try, right or wrong, is refused until
      the window passes), while an address with no failure on it still has its try. Guessers
      spread over many addresses get one guess per address per window; the owner logging in
      from home, with no failure there, gets in.

    Only failures count (a form answered 422); a login that works costs nothing. The counts
    live in the limiter's storage, so with Redis every worker shares them.
    """
    account_limits = _limits(app.config["LOGIN_ACCOUNT_RATE_LIMIT"])

    def under_attack() -> bool:
        key = _login_account()
        return not all(limiter.limiter.test(item, *_ACCOUNT_SCOPE, key) for item in account_limits)

    @wraps(login)
    def counted() -> ResponseReturnValue:
        response = current_app.make_response(login())
        if request.method == "POST" and _failed(response):
            key = _login_account()
            for item in account_limits:
                limiter.limiter.hit(item, *_ACCOUNT_SCOPE, key)
        return response

    # Checked outermost first; the failure is counted after the view answered.
    view = limiter.limit(
        app.config["LOGIN_SLOWED_RATE_LIMIT"],
        key_func=_login_slowed,
        methods=["POST"],
        deduct_when=_failed,
        # Only a login form posted at an account under attack reads that account's count.
        exempt_when=lambda: request.method != "POST" or not under_attack(),
    )(counted)
    view = limiter.limit(
        app.config["LOGIN_RATE_LIMIT"],
        key_func=_login_account_address,
        methods=["POST"],
        deduct_when=_failed,
    )(view)
    view = limiter.limit(
        app.config["LOGIN_ADDRESS_RATE_LIMIT"], methods=["POST"], deduct_when=_failed
    )(view)
    return view


#: Where an account's failures from every address are counted (beside Flask-Limiter's own
#: keys, with the same prefix).
_ACCOUNT_SCOPE = ("studyapp", "login-account")


def _limits(setting: str) -> list[RateLimitItem]:
    return list(parse_many(setting))


def _login_account() -> str:
    # A digest: the key is short and the same for "Me@Example.com " and "me@example.com",
    # whatever was sent as the email.
    email = accounts.normalize_email(request.form.get("email") or "")
    return "account:" + hashlib.sha256(email.encode("utf-8", "replace")).hexdigest()


def _login_account_address() -> str:
    return f"{_login_account()}:from:{request.remote_addr or 'unknown'}"


def _login_slowed() -> str:
    return f"slowed:{_login_account_address()}"


def _failed(response: Response) -> bool:
    # A wrong password (or a form without one) is answered 422; nothing else counts.
    return response.status_code == 422


# Every signed-in request reads its account: one prepared statement of the Account's fields
# and the password hash, no ORM object.
_ACCOUNT = Prepared(
    select(*(getattr(User, name) for name in _STORED), User.password_hash).where(
        User.id == bindparam("user_id")
    )
)


def _load(session_id: str) -> Account | None:
    user_id, _, token = session_id.partition(":")
    if not user_id.isdigit() or not token:
        return None  # a bare id: a session from before fingerprints, or a forged one
    with core_transaction(get_session(), write=False) as connection:
        row = _ACCOUNT.first(connection, user_id=int(user_id))
    if row is None:
        return None
    *values, password_hash = row
    current = accounts.session_token(password_hash)
    if not hmac.compare_digest(current.encode(), token.encode()):
        return None  # the password changed since this session signed in
    return Account(*values, session_token=current)


# What the account forms say when a field is wrong: one clear sentence each, never WTForms'
# generic "This field is required." or "Field must be between 8 and 200 characters long.".
EMAIL_MISSING = _l("Enter your email address.")
EMAIL_INVALID = _l("Enter an email address such as name@example.com.")
EMAIL_TOO_LONG = _l("An email address has at most %(num)d characters.", num=254)
PASSWORD_TOO_SHORT = _l("Use at least %(num)d characters.", num=accounts.MIN_PASSWORD)
PASSWORD_TOO_LONG = _l("Use at most %(num)d characters.", num=accounts.MAX_PASSWORD)
PASSWORDS_DIFFER = _l("The passwords differ.")


class TimezoneField(SelectField):  # type: ignore[misc]
    """A select of every time zone that says so, in words, when the zone sent is not one."""

    def __init__(self, label: object = None, **kwargs: object) -> None:
        super().__init__(label, choices=timezone_choices, **kwargs)

    def pre_validate(self, form: FlaskForm) -> None:
        try:
            super().pre_validate(form)
        except ValidationError:
            raise ValidationError(_("Choose a time zone from the list.")) from None


def _alone(validator: Callable[[FlaskForm, Field], None]) -> Callable[[FlaskForm, Field], None]:
    """``validator``, ending the field's checks when it fails: one message per field."""

    def check(form: FlaskForm, field: Field) -> None:
        try:
            validator(form, field)
        except ValidationError as error:
            raise StopValidation(str(error)) from None

    return check


def strip(value: str | None) -> str | None:
    """A field's text without the spaces around it (a phone keyboard adds one after an
    address)."""
    return value.strip() if isinstance(value, str) else value


def email_validators() -> list[object]:
    return [
        DataRequired(message=EMAIL_MISSING),
        _alone(Length(max=254, message=EMAIL_TOO_LONG)),
        Email(message=EMAIL_INVALID),
    ]


def new_password_validators() -> list[object]:
    return [
        DataRequired(message=PASSWORD_TOO_SHORT),
        Length(min=accounts.MIN_PASSWORD, message=PASSWORD_TOO_SHORT),
        Length(max=accounts.MAX_PASSWORD, message=PASSWORD_TOO_LONG),
    ]


class RegisterForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(_l("Email"), validators=email_validators(), filters=[strip])
    display_name = StringField(
        _l("Name (optional)"),
        validators=[Length(max=80, message=_l("Use at most %(num)d characters.", num=80))],
    )
    password = PasswordField(_l("Password"), validators=new_password_validators())
    confirm = PasswordField(
        _l("Repeat the password"),
        validators=[
            DataRequired(message=_l("Type the password again.")),
            EqualTo("password", message=PASSWORDS_DIFFER),
        ],
    )
    timezone = TimezoneField(_l("Time zone"), default="UTC", render_kw={"data-guess": "1"})


class LoginForm(FlaskForm):  # type: ignore[misc]
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(message=EMAIL_MISSING), Email(message=EMAIL_INVALID)],
        filters=[strip],
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password."))]
    )
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


def start_session(user: User, *, remember: bool) -> None:
    """Sign ``user`` in on a fresh session: nothing set before it (by anyone) carries over but
    the language chosen with the switch."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang
    login_user(Account.of(user), remember=remember)


def end_session() -> None:
    """Sign out: the session is emptied (but for the language) and the remember cookie goes."""
    logout_user()
    # Flask-Login deletes the remember cookie after the request when the session says so.
    kept = {key: session[key] for key in ("lang", "_remember") if key in session}
    session.clear()
    session.update(kept)


def remembered() -> bool:
    """Whether this browser carries a "keep me logged in" cookie."""
    name = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return name in request.cookies


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
