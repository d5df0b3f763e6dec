"""Login sessions kept on the server, so that a sign-in can be ended from anywhere.

Signing in makes a :class:`~studyapp.models.LoginSession` row and two random tokens for the
browser: one for its (signed) session cookie and, with "keep me logged in", one for the
remember cookie. The row stores only their SHA-256 digests: a token is 256 random bits, so
its digest needs no salt and cannot be turned back into it, and whoever reads the table, a
backup or a log of its statements holds nothing that signs anyone in. Without the row the
tokens are worthless: deleting it ends the session, wherever its cookies have been copied.

The remember token is used once: when it signs a browser in again (its session cookie gone),
both tokens are replaced in one compare-and-swap ``UPDATE``, and the old remember token is
refused from then on. Two tabs restored together send the same old token at once: the one
that loses the swap within :data:`REMEMBER_GRACE` of it is served as the user for that
request without new cookies (the winner's cookies are the browser's), and later the old token
is taken for a stolen copy replayed, which ends the session for both holders.

The raw tokens exist only in :class:`Issued`, handed to the caller for the cookies; nothing
here logs them.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from studyapp.db import write_unit
from studyapp.models import LoginSession

__all__ = [
    "REMEMBER_GRACE",
    "TOUCH_EVERY",
    "Device",
    "Issued",
    "Lifetimes",
    "Resumed",
    "device_label",
    "devices",
    "end",
    "end_all",
    "new_token",
    "renew",
    "resume",
    "start",
    "token_hash",
    "touch",
]

#: How stale ``last_seen_at`` may be before a request writes it again: a signed-in page
#: costs a write only every few minutes, not on every request.
TOUCH_EVERY = timedelta(minutes=5)
#: How long after a remember token was replaced it still signs in (without new cookies), for
#: tabs that sent it at the same moment.
REMEMBER_GRACE = timedelta(seconds=30)


def new_token() -> str:
    """A fresh random token: 32 bytes from the operating system's generator, URL-safe."""
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    """What the database keeps of ``token``: its SHA-256 digest, in hex."""
    return hashlib.sha256(token.encode("utf-8", "surrogateescape")).hexdigest()


@dataclass(frozen=True, slots=True)
class Lifetimes:
    """How long a session lasts without any request: ``remembered`` with "keep me logged
    in", ``plain`` without (the browser also forgets its cookie when it closes)."""

    plain: timedelta
    remembered: timedelta

    def of(self, remembered: bool) -> timedelta:
        return self.remembered if remembered else self.plain


@dataclass(frozen=True, slots=True)
class Issued:
    """New tokens for a browser's cookies. The only place the raw tokens exist: they go into
    the cookies and nowhere else."""

    session_id: int
    token: str
    remember_token: str | None
    expires_at: datetime

    def __repr__(self) -> str:  # kept out of any traceback or log that prints the object
        return f"Issued(session_id={self.session_id}, expires_at={self.expires_at})"


@dataclass(frozen=True, slots=True)
class Resumed:
    """A remember cookie that signed a browser in again: the session, and its new tokens, or
    ``None`` when another tab had just replaced them (the grace)."""

    session_id: int
    user_id: int
    issued: Issued | None


@dataclass(frozen=True, slots=True)
class Device:
    """One signed-in browser of an account, as the account page lists it."""

    id: int
    label: str
    remembered: bool
    created_at: datetime
    last_seen_at: datetime


def _tokens(remember: bool) -> tuple[str, str | None]:
    return new_token(), new_token() if remember else None


def start(
    session: Session,
    user_id: int,
    *,
    remember: bool,
    user_agent: str,
    now: datetime,
    lifetimes: Lifetimes,
) -> Issued:
    """A new session for ``user_id`` with new tokens (never reused from an earlier session:
    a token planted before the login signs no one in). The user's sessions that have expired
    are deleted on the way, so rows do not pile up."""
    token, remember_token = _tokens(remember)
    expires_at = now + lifetimes.of(remember)
    with write_unit(session):
        session.execute(
            delete(LoginSession)
            .where(LoginSession.user_id == user_id, LoginSession.expires_at <= now)
            .execution_options(synchronize_session=False)
        )
        row = LoginSession(
            user_id=user_id,
            token_hash=token_hash(token),
            remember_hash=None if remember_token is None else token_hash(remember_token),
            remembered=remember,
            created_at=now,
            last_seen_at=now,
            expires_at=expires_at,
            user_agent=device_label(user_agent),
        )
        session.add(row)
        session.flush()
        session_id = row.id
    session.expunge(row)
    return Issued(session_id, token, remember_token, expires_at)


def renew(
    session: Session, session_id: int, *, now: datetime, lifetimes: Lifetimes
) -> Issued | None:
    """New tokens for an existing session (after a password change): whatever copies of the
    old cookies exist stop working, and the browser keeps its place in the device list.
    ``None`` when the session ended meanwhile (logged out of all devices in another tab)."""
    with write_unit(session):
        row = session.get(LoginSession, session_id)
        if row is None:
            return None
        token, remember_token = _tokens(row.remembered)
        row.token_hash = token_hash(token)
        row.remember_hash = None if remember_token is None else token_hash(remember_token)
        row.previous_remember_hash = row.rotated_at = None
        row.last_seen_at = now
        row.expires_at = now + lifetimes.of(row.remembered)
        expires_at = row.expires_at
    session.expunge(row)
    return Issued(session_id, token, remember_token, expires_at)


def touch(
    session: Session, session_id: int, *, remembered: bool, now: datetime, lifetimes: Lifetimes
) -> datetime:
    """Note that the session was used now, which moves its end forward; the new end."""
    expires_at = now + lifetimes.of(remembered)
    with write_unit(session):
        session.execute(
            update(LoginSession)
            .where(LoginSession.id == session_id)
            .values(last_seen_at=now, expires_at=expires_at)
            .execution_options(synchronize_session=False)
        )
    return expires_at


def resume(
    session: Session, remember_token: str, *, now: datetime, lifetimes: Lifetimes
) -> Resumed | None:
    """Sign a browser in again from its remember cookie, replacing both its tokens.

    ``None`` for a token that names no live session. A token replaced less than
    :data:`REMEMBER_GRACE` ago gives the session without new tokens; one replaced earlier is
    a copy used after its owner (or the owner after the copy): the session is deleted.
    """
    presented = token_hash(remember_token)
    token, new_remember = _tokens(True)
    assert new_remember is not None
    expires_at = now + lifetimes.remembered
    with write_unit(session):
        # Compare-and-swap: of two requests with the same token, one changes the row and the
        # other, which waited for its lock, finds the token gone.
        swapped = session.execute(
            update(LoginSession)
            .where(
                LoginSession.remember_hash == presented,
                LoginSession.remembered.is_(True),
                LoginSession.expires_at > now,
            )
            .values(
                token_hash=token_hash(token),
                remember_hash=token_hash(new_remember),
                previous_remember_hash=presented,
                rotated_at=now,
                last_seen_at=now,
                expires_at=expires_at,
            )
            .returning(LoginSession.id, LoginSession.user_id)
            .execution_options(synchronize_session=False)
        ).one_or_none()
        if swapped is not None:
            session_id, user_id = swapped
            return Resumed(session_id, user_id, Issued(session_id, token, new_remember, expires_at))
        replaced = session.execute(
            select(LoginSession.id, LoginSession.user_id, LoginSession.rotated_at).where(
                LoginSession.previous_remember_hash == presented
            )
        ).one_or_none()
        if replaced is None:
            return None
        session_id, user_id, rotated_at = replaced
        if rotated_at is not None and now - rotated_at <= REMEMBER_GRACE:
            return Resumed(session_id, user_id, None)
        session.execute(
            delete(LoginSession)
            .where(LoginSession.id == session_id)
            .execution_options(synchronize_session=False)
        )
    return None


def end(session: Session, session_id: int) -> None:
    """End one session (logging out): its cookies, wherever they are, sign no one in."""
    with write_unit(session):
        session.execute(
            delete(LoginSession)
            .where(LoginSession.id == session_id)
            .execution_options(synchronize_session=False)
        )


def end_all(session: Session, user_id: int) -> int:
    """End every session of the user ("log out of all devices"); how many there were."""
    with write_unit(session):
        result = session.execute(
            delete(LoginSession)
            .where(LoginSession.user_id == user_id)
            .execution_options(synchronize_session=False)
        )
    return int(getattr(result, "rowcount", 0) or 0)


def devices(session: Session, user_id: int, *, now: datetime) -> list[Device]:
    """The user's live sessions, the most recently used first."""
    with session.begin():
        rows = session.execute(
            select(
                LoginSession.id,
                LoginSession.user_agent,
                LoginSession.remembered,
                LoginSession.created_at,
                LoginSession.last_seen_at,
            )
            .where(LoginSession.user_id == user_id, LoginSession.expires_at > now)
            .order_by(LoginSession.last_seen_at.desc(), LoginSession.id.desc())
        ).all()
    return [Device(*row) for row in rows]


# Browsers and systems by the marks of their User-Agent, the more specific first (Edge and
# Opera also say Chrome, Chrome also says Safari, Android also says Linux, iOS says Mac OS X).
_BROWSERS = (
    ("Edg", "Edge"),
    ("OPR/", "Opera"),
    ("SamsungBrowser/", "Samsung Internet"),
    ("Whale/", "Whale"),
    ("Firefox/", "Firefox"),
    ("FxiOS/", "Firefox"),
    ("CriOS/", "Chrome"),
    ("Chromium/", "Chromium"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("iPhone", "iOS"),
    ("iPad", "iPadOS"),
    ("Android", "Android"),
    ("Windows", "Windows"),
    ("CrOS", "ChromeOS"),
    ("Mac OS X", "macOS"),
    ("Macintosh", "macOS"),
    ("Linux", "Linux"),
)
_WORD = re.compile(r"[A-Za-z][\w./-]*")


def device_label(user_agent: str) -> str:
    """A few words on what the browser is — ``Firefox · Windows`` — for the account page; the
    whole User-Agent is not kept. Empty when nothing in it is recognised."""
    browser = next((name for mark, name in _BROWSERS if mark in user_agent), None)
    system = next((name for mark, name in _SYSTEMS if mark in user_agent), None)
    if browser is None and system is None:
        # A client that is no browser (curl/8.5, python-requests/2.32): its first word.
        word = _WORD.match(user_agent.strip())
        return word.group(0)[:40] if word else ""
    return " · ".join(part for part in (browser, system) if part)
