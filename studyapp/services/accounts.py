"""Accounts: registration, sign-in checks, personal settings, and managing one's account
(changing the password or the email, deleting the account)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from studyapp.db import write_unit
from studyapp.models import (
    Base,
    Card,
    Deck,
    FetchedDocument,
    LoginSession,
    Paper,
    Quiz,
    ReviewLog,
    ReviewState,
    User,
    UserDeck,
)
from studyapp.srs.calendar import is_valid_timezone

__all__ = [
    "MAX_PASSWORD",
    "MIN_PASSWORD",
    "AccountError",
    "AccountNotFound",
    "DeletedAccount",
    "EmailTaken",
    "EmailUnchanged",
    "PasswordTooShort",
    "Settings",
    "UnknownTimezone",
    "WrongPassword",
    "authenticate",
    "change_email",
    "change_password",
    "delete_account",
    "normalize_email",
    "register",
    "update_settings",
    "what_deleting_removes",
]

MIN_PASSWORD = 8
MAX_PASSWORD = 200
# Checked when the email is unknown, so that a wrong address costs as long as a wrong password.
_DUMMY_HASH = generate_password_hash("not a real password")


class AccountError(ValueError):
    """A registration or account change that cannot be made; ``code`` names the reason, and
    each reason has a subclass of its own."""

    code = "account_error"

    def __init__(self, code: str | None = None) -> None:
        if code is not None:
            self.code = code
        super().__init__(self.code)


class EmailTaken(AccountError):
    """Another account already uses this address (whatever its letters' case)."""

    code = "email_taken"


class EmailUnchanged(AccountError):
    """The new address is the one the account already has."""

    code = "email_unchanged"


class PasswordTooShort(AccountError):
    code = "password_short"


class WrongPassword(AccountError):
    """The current password given to confirm a change is not the account's."""

    code = "wrong_password"


class UnknownTimezone(AccountError):
    code = "timezone_unknown"


class AccountNotFound(AccountError):
    """The account is gone (deleted meanwhile, in another tab)."""

    code = "account_not_found"


@dataclass(frozen=True, slots=True)
class Settings:
    locale: str | None
    timezone: str
    new_cards_per_day: int
    reviews_per_day: int
    four_grade_buttons: bool
    # A card's sibling (the other card of its paper) waits until tomorrow once one is answered.
    bury_siblings: bool = True


@dataclass(frozen=True, slots=True)
class DeletedAccount:
    """What deleting an account removes (or removed): the user's own decks with their papers
    and cards, the library decks they had added (the decks themselves stay in the library),
    their review states, their review log and their quizzes."""

    email: str
    decks: int
    papers: int
    cards: int
    library_decks: int
    review_states: int
    reviews: int
    quizzes: int


def normalize_email(email: str) -> str:
    return email.strip().lower()


def _check_new_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise PasswordTooShort()


def _email_in_use(session: Session, email: str, *, besides: int | None = None) -> bool:
    query = select(User.id).where(func.lower(User.email) == email)
    if besides is not None:
        query = query.where(User.id != besides)
    return session.scalar(query.limit(1)) is not None


def register(
    session: Session, *, email: str, password: str, display_name: str = "", timezone: str = "UTC"
) -> User:
    """Create an account; :class:`EmailTaken` when the address is in use (in any case),
    :class:`PasswordTooShort` for a password under :data:`MIN_PASSWORD` characters."""
    _check_new_password(password)
    user = User(
        email=normalize_email(email),
        display_name=display_name.strip(),
        # scrypt, Werkzeug's default: memory-hard and salted.
        password_hash=generate_password_hash(password),
        timezone=timezone if is_valid_timezone(timezone) else "UTC",
    )
    try:
        with write_unit(session):
            if _email_in_use(session, user.email):
                raise EmailTaken()
            session.add(user)
    except IntegrityError:
        raise EmailTaken() from None
    return user


def user_id_by_email(session: Session, email: str) -> int | None:
    """The id of the account with this email address (in any case), or ``None``."""
    with session.begin():
        return session.scalar(
            select(User.id).where(func.lower(User.email) == normalize_email(email))
        )


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


def _confirmed_user(session: Session, user_id: int, password: str) -> User:
    """The user, inside the caller's transaction, once ``password`` is theirs."""
    user = session.get(User, user_id)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        raise AccountNotFound()
    if not check_password_hash(user.password_hash, password):
        raise WrongPassword()
    return user


def change_password(
    session: Session,
    user_id: int,
    *,
    current_password: str,
    new_password: str,
    keep_session: int | None = None,
) -> User:
    """Set a new password once the current one is confirmed (:class:`WrongPassword`
    otherwise; :class:`PasswordTooShort` for a short new one). Every login session of the
    user but ``keep_session`` (the browser that changed it) ends in the same transaction:
    whoever knew the old password is out at once, wherever they were signed in."""
    _check_new_password(new_password)
    with write_unit(session):
        user = _confirmed_user(session, user_id, current_password)
        user.password_hash = generate_password_hash(new_password)
        others = delete(LoginSession).where(LoginSession.user_id == user_id)
        if keep_session is not None:
            others = others.where(LoginSession.id != keep_session)
        session.execute(others.execution_options(synchronize_session=False))
    return user


def change_email(session: Session, user_id: int, *, new_email: str, password: str) -> User:
    """Move the account to ``new_email`` once the password is confirmed.

    :class:`WrongPassword`, :class:`EmailUnchanged` for the address the account already has,
    :class:`EmailTaken` when another account uses it, whatever the case of its letters.
    """
    email = normalize_email(new_email)
    try:
        with write_unit(session):
            user = _confirmed_user(session, user_id, password)
            if normalize_email(user.email) == email:
                raise EmailUnchanged()
            if _email_in_use(session, email, besides=user_id):
                raise EmailTaken()
            user.email = email
    except IntegrityError:  # registered by someone else between the check and the write
        raise EmailTaken() from None
    return user


def _removal_counts(session: Session, user: User) -> DeletedAccount:
    own_decks = select(Deck.id).where(Deck.owner_id == user.id)
    own_papers = select(Paper.id).where(Paper.deck_id.in_(own_decks))

    def count(model: type[Base], *where: ColumnElement[bool]) -> int:
        return session.scalar(select(func.count()).select_from(model).where(*where)) or 0

    return DeletedAccount(
        email=user.email,
        decks=count(Deck, Deck.owner_id == user.id),
        papers=count(Paper, Paper.id.in_(own_papers)),
        cards=count(Card, Card.paper_id.in_(own_papers)),
        library_decks=count(UserDeck, UserDeck.user_id == user.id),
        review_states=count(ReviewState, ReviewState.user_id == user.id),
        reviews=count(ReviewLog, ReviewLog.user_id == user.id),
        quizzes=count(Quiz, Quiz.user_id == user.id),
    )


def what_deleting_removes(session: Session, user_id: int) -> DeletedAccount:
    """What :func:`delete_account` would remove now (:class:`AccountNotFound` if nothing)."""
    with session.begin():
        user = session.get(User, user_id)
        if user is None:
            raise AccountNotFound()
        return _removal_counts(session, user)


def delete_account(session: Session, user_id: int, *, password: str) -> DeletedAccount:
    """Delete the account once its password is confirmed (:class:`WrongPassword` otherwise),
        with everything that is only theirs: their decks, papers, cards and card texts, their
        library additions, review states, review log, quizzes, login sessions and what the app
    remembers of the URLs they imported from. The shared
        library stays.
        Returns what was removed."""
    with write_unit(session):
        user = _confirmed_user(session, user_id, password)
        removed = _removal_counts(session, user)
        # The user's own rows by name, then the account. A deck takes its papers, cards and
        # texts with it, as their foreign keys say ON DELETE CASCADE (quizzes their questions).
        for model, owner in (
            (LoginSession, LoginSession.user_id),
            (FetchedDocument, FetchedDocument.user_id),
            (Quiz, Quiz.user_id),
            (ReviewLog, ReviewLog.user_id),
            (ReviewState, ReviewState.user_id),
            (UserDeck, UserDeck.user_id),
            (Deck, Deck.owner_id),
            (User, User.id),
        ):
            session.execute(
                delete(model).where(owner == user_id).execution_options(synchronize_session=False)
            )
        session.expunge(user)
    return removed


def update_settings(session: Session, user_id: int, settings: Settings) -> None:
    """Save a user's settings; :class:`UnknownTimezone` for an unknown time zone."""
    if not is_valid_timezone(settings.timezone):
        raise UnknownTimezone()
    with write_unit(session):
        user = session.get_one(User, user_id)
        user.locale = settings.locale
        user.timezone = settings.timezone
        user.new_cards_per_day = settings.new_cards_per_day
        user.reviews_per_day = settings.reviews_per_day
        user.four_grade_buttons = settings.four_grade_buttons
        user.bury_siblings = settings.bury_siblings
