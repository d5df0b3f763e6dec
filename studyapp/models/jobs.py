"""Background jobs: one row per piece of work handed to the queue (an import, a fetch); and an
Anki package waiting for the user's go-ahead.

The queue engine (huey, see :mod:`studyapp.queue`) carries only a job's id; what to do, how
far it got and how it ended live here, in the app's own database, so that a page can show a
progress bar and a failure its reason, whichever worker ran it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.models.base import Base, utcnow

__all__ = ["AnkiUpload", "Job"]


class Job(Base):
    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    # Whose job it is (None: the shared library's, started from the command line).
    user_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    # What to do: the name of a handler (studyapp.services.jobs).
    kind: Mapped[str] = mapped_column(String(40))
    # queued → running → done | failed.
    status: Mapped[str] = mapped_column(String(10), default="queued")
    # How far it got, in the handler's own units (papers, days); total 0 is not known yet.
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # The handler's input (for an import, the document itself) and output (what it did).
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Why it failed: a stable code the pages translate, and a detail in English for the log.
    error: Mapped[str | None] = mapped_column(String(60))
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None]
    # Written with each progress report: a running job whose worker died stops moving.
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None]


class AnkiUpload(Base):
    """An Anki package uploaded for import, kept between its report and the user's go-ahead
    (without its media, which are never imported); deleted once imported or replaced."""

    __tablename__ = "anki_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
