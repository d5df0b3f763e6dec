"""The forms of signing up and logging in, and the fields and messages the account forms
share."""

from __future__ import annotations

from collections.abc import Callable

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, Field, PasswordField, SelectField, StringField
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    Length,
    StopValidation,
    ValidationError,
)

from studyapp.services import accounts
from studyapp.web.forms import timezone_choices

__all__ = [
    "EMAIL_INVALID",
    "EMAIL_MISSING",
    "EMAIL_TOO_LONG",
    "PASSWORDS_DIFFER",
    "PASSWORD_TOO_LONG",
    "PASSWORD_TOO_SHORT",
    "LoginForm",
    "RegisterForm",
    "TimezoneField",
    "email_validators",
    "new_password_validators",
    "strip",
]


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
