"""What the app remembers of each URL it fetched a document from: the server's validators
(ETag, Last-Modified), so that the next fetch is conditional, and a digest of what came, so
that "not modified" can be told from "not imported yet"."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column

from studyapp.models.base import Base, utcnow

__all__ = ["FetchedDocument"]

#: A SHA-256 digest in hex.
_DIGEST = String(64)


class FetchedDocument(Base):
    __tablename__ = "fetched_documents"
    __table_args__ = (
        UniqueConstraint("user_id", "url_hash"),
        # The shared library's fetches have no user, and NULLs are never equal in a unique
        # constraint: this index keeps them to one row per URL too.
        Index(
            "uq_fetched_documents_library_url_hash",
            "url_hash",
            unique=True,
            sqlite_where=text("user_id IS NULL"),
            postgresql_where=text("user_id IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: fetched for the shared library (the command line without --user).
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The URL as asked for (up to 2,000 characters); rows are found by its digest.
    url: Mapped[str] = mapped_column(Text)
    url_hash: Mapped[str] = mapped_column(_DIGEST)
    etag: Mapped[str | None] = mapped_column(Text)
    last_modified: Mapped[str | None] = mapped_column(Text)
    fetched_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The digest of the body last fetched.
    content_sha256: Mapped[str] = mapped_column(_DIGEST)
