"""Accounts: registration, sign-in checks and personal settings."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from studyapp.db import write_unit
from studyapp.models import User
from studyapp.srs.calendar import is_valid_timezone

__all__ = [
    "MIN_PASSWORD",
    "AccountError",
    "Settings",
    "authenticate",
    "normalize_email",
    "register",
    "update_settings",
]

MIN_PASSWORD = 8
# Checked when the email is unknown, so that a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A registration or settings change that cannot be made; ``code`` names the reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True, slots=True)
class Settings:
    locale: str | None
    timezone: str
    new_cards_per_day: int
    reviews_per_day: int
    four_grade_buttons: bool


def normalize_email(email: str) -> str:
    return email.strip().lower()


def register(
    session: Session, *, email: str, password: str, display_name: str = "", timezone: str = "UTC"
) -> User:
    """Create an account; :class:`AccountError` ``email_taken`` when the address is in use."""
    if len(password) < MIN_PASSWORD:
        raise AccountError("password_short")
    user = User(
        email=normalize_email(email),
        display_name=display_name.strip(),
        # scrypt, Werkzeug's default: memory-hard and salted.
        password_hash=generate_password_hash(password),
        timezone=timezone if is_valid_timezone(timezone) else "UTC",
    )
    try:
        with write_unit(session):
            session.add(user)
    except IntegrityError:
        raise AccountError("email_taken") from None
    return user


def authenticate(session: Session, *, email: str, password: str) -> User | None:
    """The user with this email and password, or ``None``."""
    with session.begin():
        user = session.scalars(
            select(User).where(func.lower(User.email) == normalize_email(email))
        ).one_or_none()
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    return user if check_password_hash(user.password_hash, password) else None


def update_settings(session: Session, user_id: int, settings: Settings) -> None:
    """Save a user's settings; :class:`AccountError` for an unknown time zone."""
    if not is_valid_timezone(settings.timezone):
        raise AccountError("timezone_unknown")
    with write_unit(session):
        user = session.get_one(User, user_id)
        user.locale = settings.locale
        user.timezone = settings.timezone
        user.new_cards_per_day = settings.new_cards_per_day
        user.reviews_per_day = settings.reviews_per_day
        user.four_grade_buttons = settings.four_grade_buttons
