"""Login sessions: one row per signed-in browser, so that a sign-in can be ended from the
server (logging out, a password change, "log out of all devices", a restore).

A row holds only SHA-256 digests of the browser's tokens, never the tokens: a copy of the
table (or of a backup, or of a log of its statements) signs no one in.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.models.base import Base, utcnow

__all__ = ["LoginSession"]

#: A SHA-256 digest in hex.
_DIGEST = String(64)


class LoginSession(Base):
    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The digest of the token in the browser's signed session cookie: every signed-in request
    # finds its row (and its account) by it.
    token_hash: Mapped[str] = mapped_column(_DIGEST, unique=True)
    # "Keep me logged in": the digest of the token in the remember cookie, replaced each time
    # that cookie signs the browser in again; the one it replaced is kept (with when) to tell
    # two tabs racing from a stolen cookie replayed (see services.login_sessions).
    remember_hash: Mapped[str | None] = mapped_column(_DIGEST, unique=True)
    previous_remember_hash: Mapped[str | None] = mapped_column(_DIGEST, index=True)
    rotated_at: Mapped[datetime | None]
    remembered: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Written at most every few minutes, not on every request.
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Moved forward with last_seen_at: a session ends after a while without any request.
    expires_at: Mapped[datetime]
    # What the browser is, in a few words ("Firefox · Windows"), for the account page.
    user_agent: Mapped[str] = mapped_column(String(80), default="")
